import { beforeEach, describe, expect, it } from 'vitest';
import { multipartProgressKey, parseMultipartProgress, serialiseMultipartProgress } from '../../../src/transport/processors/multipart-progress.js';

beforeEach(() => {
  expect.hasAssertions();
});

describe('a long message’s saved progress', () => {
  it('reads back what was saved', () => {
    const progress = { reference: 0x7fffffff, parts: 3, smsc_ids: ['a', 'b'] };
    expect(parseMultipartProgress(serialiseMultipartProgress(progress))).toEqual(progress);
    expect(multipartProgressKey('abc')).toBe('progress:abc');
  });

  it.each([
    ['not JSON', '{"reference": 1,'],
    ['not an object', '[1, 2, 3]'],
    ['a negative reference', '{"reference": -1, "parts": 2, "smsc_ids": []}'],
    ['a reference past the sequence numbers', '{"reference": 2147483648, "parts": 2, "smsc_ids": []}'],
    ['one part', '{"reference": 1, "parts": 1, "smsc_ids": []}'],
    ['more parts than a UDH counts', '{"reference": 1, "parts": 256, "smsc_ids": []}'],
    ['more ids than parts', '{"reference": 1, "parts": 2, "smsc_ids": ["a", "b", "c"]}'],
    ['an id longer than a submit_sm_resp holds', `{"reference": 1, "parts": 2, "smsc_ids": ["${'x'.repeat(65)}"]}`],
    ['an id that is not a string', '{"reference": 1, "parts": 2, "smsc_ids": [5]}'],
  ])('refuses %s', (_what, text) => {
    expect(parseMultipartProgress(text)).toBeUndefined();
  });
});
