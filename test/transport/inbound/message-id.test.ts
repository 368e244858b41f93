import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MESSAGE_ID_PROFILE,
  messageIdProfileFromKannel,
  normaliseMessageId,
  receiptMessageIdKey,
  submitMessageIdKey,
} from '../../../src/transport/inbound/message-id.js';
import type { MessageIdOptions } from '../../../src/transport/inbound/message-id.js';

beforeEach(() => {
  expect.hasAssertions();
});

const hex: MessageIdOptions = { base: 'hex' };
const decimal: MessageIdOptions = { base: 'decimal' };

describe('hex and decimal (smpp reference §6.4 item 1)', () => {
  it('3A4F2C in hex and 3821356 in decimal are one key', () => {
    expect(normaliseMessageId('3A4F2C', hex)).toBe(normaliseMessageId('3821356', decimal));
    expect(normaliseMessageId('3821356', decimal)).toBe('#3821356');
  });

  it('works the other way round: decimal submit ids, hex receipt ids', () => {
    const profile = messageIdProfileFromKannel(0x02);
    expect(submitMessageIdKey('3821356', profile)).toBe(receiptMessageIdKey('3a4f2c', profile));
  });

  it('Kannel msg-id-type 1: the submit_sm_resp id is hex, the receipt id decimal', () => {
    const profile = messageIdProfileFromKannel(0x01);
    expect(submitMessageIdKey('3A4F2C', profile)).toBe(receiptMessageIdKey('3821356', profile));
  });

  it('beyond 2^53 with BigInt: 0x04000000086ECD50 = 288230376293190992', () => {
    const fromHex = normaliseMessageId('0x04000000086ECD50', hex);
    expect(fromHex).toBe('#288230376293190992');
    expect(normaliseMessageId('288230376293190992', decimal)).toBe(fromHex);
    expect(normaliseMessageId('04000000086ecd50', hex)).toBe(fromHex);
    // What Number would have done: a different id.
    expect(String(Number.parseInt('04000000086ECD50', 16))).not.toBe('288230376293190992');
  });

  it('Kannel profiles: 0 both decimal, 3 both hex, unset opaque', () => {
    expect(messageIdProfileFromKannel(0)).toMatchObject({ submit: { base: 'decimal' }, receipt: { base: 'decimal' } });
    expect(messageIdProfileFromKannel(3)).toMatchObject({ submit: { base: 'hex' }, receipt: { base: 'hex' } });
    expect(messageIdProfileFromKannel(undefined)).toEqual(DEFAULT_MESSAGE_ID_PROFILE);
    expect(messageIdProfileFromKannel(1, { caseFold: false }).submit).toEqual({ base: 'hex', caseFold: false });
  });
});

describe('leading zeros and case (items 2 and 3)', () => {
  it('0000012345 and 12345 are one id, as numbers and as opaque strings', () => {
    expect(normaliseMessageId('0000012345', decimal)).toBe(normaliseMessageId('12345', decimal));
    expect(normaliseMessageId('0000012345')).toBe(normaliseMessageId('12345'));
    expect(normaliseMessageId('0000012345')).toBe('12345');
  });

  it('hex ids in either case are one id', () => {
    expect(normaliseMessageId('3a4f2c', hex)).toBe(normaliseMessageId('3A4F2C', hex));
    expect(normaliseMessageId('0A1B2C3D')).toBe(normaliseMessageId('a1b2c3d'));
  });

  it('both can be turned off for opaque ids', () => {
    expect(normaliseMessageId('00AbC', { caseFold: false, stripLeadingZeros: false })).toBe('00AbC');
    expect(normaliseMessageId('00AbC', { caseFold: false })).toBe('AbC');
    expect(normaliseMessageId('00AbC', { stripLeadingZeros: false })).toBe('00abc');
  });

  it('a lone zero stays a zero', () => {
    expect(normaliseMessageId('000')).toBe('0');
    expect(normaliseMessageId('000', decimal)).toBe('#0');
  });

  it('white space around an id is not part of it', () => {
    expect(normaliseMessageId('  12345 \t', decimal)).toBe('#12345');
    expect(normaliseMessageId(' abc ')).toBe('abc');
  });
});

describe('ids that are not numbers in their base', () => {
  it('fall back to folded strings', () => {
    expect(normaliseMessageId('ABC-0001', decimal)).toBe('abc-0001');
    expect(normaliseMessageId('XYZ', hex)).toBe('xyz');
    expect(normaliseMessageId('c0ffee-Ω', hex)).toBe('c0ffee-ω');
    expect(normaliseMessageId('', hex)).toBe('');
  });

  it('a uuid-like id is compared case-insensitively', () => {
    expect(normaliseMessageId('5F0D6A1E-6C3B-4C8E-9E38-1D2B3C4D5E6F')).toBe('5f0d6a1e-6c3b-4c8e-9e38-1d2b3c4d5e6f');
  });

  it('an already converted key stays as it is under any base', () => {
    for (const options of [hex, decimal, {}]) expect(normaliseMessageId('#3821356', options)).toBe('#3821356');
  });
});

describe('properties', () => {
  const options = fc.record(
    {
      base: fc.constantFrom('opaque', 'decimal', 'hex'),
      caseFold: fc.boolean(),
      stripLeadingZeros: fc.boolean(),
    },
    { requiredKeys: [] },
  ) as fc.Arbitrary<MessageIdOptions>;
  const idLike = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.stringMatching(/^\s*(0x)?[0-9a-fA-F]{0,24}\s*$/),
    fc.stringMatching(/^[0 #x]{0,6}[0-9A-Za-z ]{0,12}$/),
    fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((n) => n.toString(16)),
  );

  it('never throws and is idempotent', () => {
    fc.assert(
      fc.property(idLike, options, (id, opts) => {
        const once = normaliseMessageId(id, opts);
        expect(normaliseMessageId(once, opts)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });

  it('a number written in hex (any case, any zero padding, 0x or not) meets itself written in decimal', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: (1n << 200n) - 1n }),
        fc.nat({ max: 8 }),
        fc.boolean(),
        fc.boolean(),
        (n, zeros, upper, prefix) => {
          let text = '0'.repeat(zeros) + n.toString(16);
          if (upper) text = text.toUpperCase();
          if (prefix) text = `0x${text}`;
          expect(normaliseMessageId(text, hex)).toBe(normaliseMessageId('0'.repeat(zeros) + n.toString(10), decimal));
        },
      ),
    );
  });
});
