import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { COMMAND_NAMES, FrameReader, decodePdu, encodePdu } from '../../src/index.js';
import { anyPdu, expectedAfterRoundTrip, pduOf } from '../helpers/pdu-arbitraries.js';

beforeEach(() => {
  expect.hasAssertions();
});

describe('decode(encode(p)) equals p', () => {
  it.each(COMMAND_NAMES)('%s', (command) => {
    fc.assert(
      fc.property(pduOf(command), (pdu) => {
        expect(decodePdu(encodePdu(pdu))).toEqual(expectedAfterRoundTrip(pdu));
      }),
      { numRuns: 300 },
    );
  });
});

describe('FrameReader', () => {
  it('yields the same PDUs however the byte stream is chopped', () => {
    fc.assert(
      fc.property(
        fc.array(anyPdu, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 0, max: 1 << 16 }), { maxLength: 20 }),
        (pdus, cuts) => {
          const stream = Buffer.concat(pdus.map((p) => encodePdu(p)));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const reader = new FrameReader();
          const frames: Buffer[] = [];
          let last = 0;
          for (const p of [...points, stream.length]) {
            frames.push(...reader.push(stream.subarray(last, p)));
            last = p;
          }
          expect(frames.map((f) => decodePdu(f))).toEqual(pdus.map((p) => expectedAfterRoundTrip(p)));
          expect(reader.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('yields the same PDUs when fed one octet at a time', () => {
    fc.assert(
      fc.property(fc.array(anyPdu, { minLength: 1, maxLength: 3 }), (pdus) => {
        const stream = Buffer.concat(pdus.map((p) => encodePdu(p)));
        const reader = new FrameReader();
        const frames: Buffer[] = [];
        for (let i = 0; i < stream.length; i++) frames.push(...reader.push(stream.subarray(i, i + 1)));
        expect(frames.map((f) => decodePdu(f))).toEqual(pdus.map((p) => expectedAfterRoundTrip(p)));
      }),
      { numRuns: 50 },
    );
  });
});
