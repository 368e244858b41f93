import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  Iei,
  TextDecodingError,
  UdhError,
  buildConcatUdh,
  buildUdh,
  concatElement,
  concatFromSar,
  decodeShortMessage,
  decodeText,
  parseUdh,
  portsElement,
  sarParameters,
  splitText,
  withConcatUdh,
} from '../../src/encoding/index.js';
import type { UdhElement } from '../../src/encoding/index.js';
import { bytes, spacedHex as hex } from '../helpers/octets.js';

beforeEach(() => {
  expect.hasAssertions();
});


describe('building (§8.1)', () => {
  it('8-bit reference: 05 00 03 RR TT SS', () => {
    expect(hex(buildConcatUdh(0xcc, 2, 1))).toBe('05 00 03 CC 02 01');
  });

  it('16-bit reference: 06 08 04 RH RL TT SS', () => {
    expect(hex(buildConcatUdh(0x0102, 3, 3, 16))).toBe('06 08 04 01 02 03 03');
  });

  it('ports + concatenation: 0B 05 04 DH DL OH OL 00 03 RR TT SS', () => {
    const udh = buildUdh([
      portsElement({ destinationPort: 2948, sourcePort: 9200 }),
      concatElement({ reference: 7, total: 2, sequence: 1 }),
    ]);
    expect(hex(udh)).toBe('0B 05 04 0B 84 23 F0 00 03 07 02 01');
  });

  it('8-bit ports: 04 04 02 DD OO', () => {
    expect(hex(buildUdh([portsElement({ destinationPort: 5, sourcePort: 6, portBits: 8 })]))).toBe('04 04 02 05 06');
  });

  it('rejects out-of-range fields', () => {
    expect(() => buildConcatUdh(256, 2, 1)).toThrow(RangeError);
    expect(() => buildConcatUdh(65536, 2, 1, 16)).toThrow(RangeError);
    expect(() => buildConcatUdh(1, 0, 1)).toThrow(RangeError);
    expect(() => buildConcatUdh(1, 256, 1)).toThrow(RangeError);
    expect(() => buildConcatUdh(1, 2, 0)).toThrow(RangeError);
    expect(() => buildConcatUdh(1, 2, 3)).toThrow(RangeError);
    expect(() => buildUdh([{ iei: 0x70, data: new Uint8Array(256) }])).toThrow(RangeError);
    expect(() => portsElement({ destinationPort: 256, sourcePort: 1, portBits: 8 })).toThrow(RangeError);
  });
});

describe('parsing', () => {
  it('reads the 8-bit concatenation element (vumi2 test vector)', () => {
    const parsed = parseUdh(Buffer.concat([bytes('05 00 03 03 02 01'), Buffer.from('part1')]));
    expect(parsed.concat).toEqual({ reference: 3, total: 2, sequence: 1, referenceBits: 8 });
    expect(parsed.udhLength).toBe(6);
    expect(parsed.payload.toString()).toBe('part1');
    expect(parsed.ports).toBeUndefined();
  });

  it('reads the 16-bit concatenation element (vumi2 test vector: reference 257)', () => {
    const parsed = parseUdh(Buffer.concat([bytes('06 08 04 01 01 02 01'), Buffer.from('part1')]));
    expect(parsed.concat).toEqual({ reference: 257, total: 2, sequence: 1, referenceBits: 16 });
    expect(parsed.payload.toString()).toBe('part1');
  });

  it('reads ports and concatenation together, which fixed-prefix matching misses', () => {
    const parsed = parseUdh(bytes('0B 05 04 0B 84 23 F0 00 03 07 02 01 AA BB'));
    expect(parsed.ports).toEqual({ destinationPort: 2948, sourcePort: 9200, portBits: 16 });
    expect(parsed.concat).toEqual({ reference: 7, total: 2, sequence: 1, referenceBits: 8 });
    expect(hex(parsed.payload)).toBe('AA BB');
  });

  it('skips unknown elements by their length and keeps them', () => {
    const parsed = parseUdh(bytes('0A 70 03 01 02 03 00 03 09 03 02 41'));
    expect(parsed.elements.map((e) => e.iei)).toEqual([0x70, Iei.CONCAT_8]);
    expect(hex(parsed.elements[0]?.data ?? new Uint8Array())).toBe('01 02 03');
    expect(parsed.concat).toEqual({ reference: 9, total: 3, sequence: 2, referenceBits: 8 });
    expect(parsed.payload.toString()).toBe('A');
  });

  it('accepts an empty UDH and an empty payload', () => {
    const parsed = parseUdh(bytes('00'));
    expect(parsed.elements).toEqual([]);
    expect(parsed.payload).toHaveLength(0);
    expect(parsed.udhLength).toBe(1);
  });

  it('ignores a concatenation element with invalid values, as 23.040 asks', () => {
    expect(parseUdh(bytes('05 00 03 01 00 00')).concat).toBeUndefined(); // total 0
    expect(parseUdh(bytes('05 00 03 01 02 00')).concat).toBeUndefined(); // sequence 0
    expect(parseUdh(bytes('05 00 03 01 02 03')).concat).toBeUndefined(); // sequence > total
    expect(parseUdh(bytes('04 00 02 01 02')).concat).toBeUndefined(); // wrong length
    expect(parseUdh(bytes('04 00 02 01 02')).elements).toHaveLength(1);
  });

  it('uses the last concatenation element when repeated', () => {
    const parsed = parseUdh(bytes('0B 00 03 01 02 01 08 04 01 00 03 02'));
    expect(parsed.concat).toEqual({ reference: 256, total: 3, sequence: 2, referenceBits: 16 });
  });

  it('copies its results, so a reused input buffer cannot change them', () => {
    const input = bytes('05 00 03 01 02 01 41');
    const parsed = parseUdh(input);
    input.fill(0);
    expect(parsed.payload.toString()).toBe('A');
    expect(hex(parsed.elements[0]?.data ?? new Uint8Array())).toBe('01 02 01');
  });
});

describe('malformed UDH', () => {
  it.each([
    ['', 0, 'empty short_message'],
    ['05 00 03 01 02', 0, 'UDHL 5 runs past the 5-octet short_message'],
    ['01 00', 1, 'information element header runs past the UDH'],
    ['03 00 03 01', 1, 'element 0x00 of 3 octets runs past the UDH'],
    ['08 00 03 01 02 01 05 41 42', 6, 'element 0x05 of 65 octets runs past the UDH'],
  ])('%s → UdhError at offset %i', (input, offset, reason) => {
    let caught: unknown;
    try {
      parseUdh(bytes(input));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UdhError);
    expect((caught as UdhError).offset).toBe(offset);
    expect((caught as UdhError).message).toContain(reason);
  });

  it('random octets give a consistent result or UdhError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
        let parsed;
        try {
          parsed = parseUdh(input);
        } catch (error) {
          expect(error).toBeInstanceOf(UdhError);
          return;
        }
        expect(parsed.udhLength).toBe((input[0] ?? 0) + 1);
        expect(parsed.payload.length).toBe(input.length - parsed.udhLength);
        const elementOctets = parsed.elements.reduce((sum, e) => sum + 2 + e.data.length, 0);
        expect(1 + elementOctets).toBe(parsed.udhLength);
      }),
      { numRuns: 2000 },
    );
  });

  it('headers with plausible structure but random content also parse or fail cleanly', () => {
    const element = fc.record({ iei: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 8 }) });
    fc.assert(
      fc.property(fc.array(element, { maxLength: 6 }), fc.integer({ min: -3, max: 3 }), fc.uint8Array({ maxLength: 10 }), (elements, skew, tail) => {
        const udh = buildUdh(elements);
        udh[0] = Math.max(0, Math.min(255, (udh[0] ?? 0) + skew));
        const message = Buffer.concat([udh, tail]);
        try {
          const parsed = parseUdh(message);
          // A header that parses ends inside the message, and the payload is what follows it.
          expect(parsed.udhLength).toBeLessThanOrEqual(message.length);
          expect(parsed.payload.equals(message.subarray(parsed.udhLength))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(UdhError);
        }
      }),
    );
  });
});

describe('round trip', () => {
  it('parse(build(elements) + payload) returns the elements and the payload', () => {
    const element: fc.Arbitrary<UdhElement> = fc.record({
      iei: fc.integer({ min: 0, max: 255 }),
      data: fc.uint8Array({ maxLength: 20 }),
    });
    fc.assert(
      fc.property(fc.array(element, { maxLength: 8 }), fc.uint8Array({ maxLength: 100 }), (elements, payload) => {
        const udh = buildUdh(elements);
        const parsed = parseUdh(Buffer.concat([udh, payload]));
        expect(parsed.udhLength).toBe(udh.length);
        expect(parsed.elements.map((e) => [e.iei, [...e.data]])).toEqual(elements.map((e) => [e.iei, [...e.data]]));
        expect([...parsed.payload]).toEqual([...payload]);
      }),
    );
  });

  it('concatenation info survives build and parse for both reference sizes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<8 | 16>(8, 16),
        fc.integer({ min: 1, max: 255 }).chain((total) =>
          fc.tuple(fc.constant(total), fc.integer({ min: 1, max: total })),
        ),
        fc.integer({ min: 0, max: 65535 }),
        (referenceBits, [total, sequence], ref) => {
          const reference = referenceBits === 8 ? ref & 0xff : ref;
          const udh = buildConcatUdh(reference, total, sequence, referenceBits);
          expect(udh).toHaveLength(referenceBits === 8 ? 6 : 7);
          expect(parseUdh(udh).concat).toEqual({ reference, total, sequence, referenceBits });
        },
      ),
    );
  });
});

describe('short_messages for split text', () => {
  it('prepends the UDH to each part, numbering from 1', () => {
    const split = splitText('a'.repeat(200), 0);
    const messages = withConcatUdh(split, 0x42);
    expect(messages).toHaveLength(2);
    expect(hex(messages[0]?.subarray(0, 6) ?? new Uint8Array())).toBe('05 00 03 42 02 01');
    expect(hex(messages[1]?.subarray(0, 6) ?? new Uint8Array())).toBe('05 00 03 42 02 02');
    expect(messages.map((m) => m.length)).toEqual([6 + 153, 6 + 47]);
  });

  it('uses the 16-bit reference when split for it', () => {
    const messages = withConcatUdh(splitText('ж'.repeat(100), 8, { concat: 'udh16' }), 0x1234);
    expect(hex(messages[1]?.subarray(0, 7) ?? new Uint8Array())).toBe('06 08 04 12 34 02 02');
    expect(messages.every((m) => m.length <= 140)).toBe(true);
  });

  it('leaves a single part without UDH', () => {
    const messages = withConcatUdh(splitText('hi', 0), 1);
    expect(messages).toEqual([Buffer.from('hi')]);
  });

  it('refuses parts that were sized for SAR', () => {
    expect(() => withConcatUdh(splitText('a'.repeat(200), 0, { concat: 'sar' }), 1)).toThrow(TypeError);
  });

  it('round-trips through decodeShortMessage, packed GSM included', () => {
    const text = `${'The quick brown fox {jumps} '.repeat(8)}€`;
    for (const gsmPacked of [false, true]) {
      for (const concat of ['udh8', 'udh16'] as const) {
        const split = splitText(text, 0, { gsmPacked, concat });
        const decoded = withConcatUdh(split, 200).map((m) => decodeShortMessage(m, 0, { udhi: true, gsmPacked }));
        expect(decoded.map((d) => d.udh?.concat?.sequence)).toEqual(split.parts.map((_, i) => i + 1));
        expect(decoded.map((d) => d.text).join('')).toBe(text);
      }
    }
  });
});

describe('decodeShortMessage', () => {
  it('decodes without a UDH when UDHI is not set', () => {
    expect(decodeShortMessage(bytes('05 00 03 01'), 0)).toEqual({ text: 'é@¥£' });
  });

  it('decodes packed text after a UDH with the right fill bits (§7.3 vector)', () => {
    const result = decodeShortMessage(bytes('05 00 03 CC 02 01 D0 65 36 FB 0D'), 0, { udhi: true, gsmPacked: true });
    expect(result.text).toBe('hello');
    expect(result.udh?.concat).toEqual({ reference: 0xcc, total: 2, sequence: 1, referenceBits: 8 });
  });

  it('reports a malformed UDH as UdhError and bad text as TextDecodingError', () => {
    expect(() => decodeShortMessage(bytes('09 00 03'), 0, { udhi: true })).toThrow(UdhError);
    expect(() => decodeShortMessage(bytes('05 00 03 01 02 01 FF'), 0, { udhi: true })).toThrow(TextDecodingError);
    expect(decodeShortMessage(bytes('05 00 03 01 02 01 FF'), 0, { udhi: true, replacement: '?' }).text).toBe('?');
  });

  it('decodes a UCS2 payload after a UDH', () => {
    const message = Buffer.concat([buildConcatUdh(1, 1, 1), bytes('D8 3D DE 00')]);
    expect(decodeShortMessage(message, 8, { udhi: true }).text).toBe('😀');
    expect(decodeText(message.subarray(6), 8)).toBe('😀');
  });
});

describe('SAR (§8.2)', () => {
  it('gives the three TLV values per part under their spec names', () => {
    expect(sarParameters(0x1234, 3)).toEqual([
      { sar_msg_ref_num: 0x1234, sar_total_segments: 3, sar_segment_seqnum: 1 },
      { sar_msg_ref_num: 0x1234, sar_total_segments: 3, sar_segment_seqnum: 2 },
      { sar_msg_ref_num: 0x1234, sar_total_segments: 3, sar_segment_seqnum: 3 },
    ]);
  });

  it('pairs with splitText sized for SAR (same per-part sizes as the 8-bit UDH)', () => {
    const split = splitText('a'.repeat(400), 0, { concat: 'sar' });
    expect(split.sizes).toEqual([153, 153, 94]);
    expect(sarParameters(7, split.count).map((p) => p.sar_segment_seqnum)).toEqual([1, 2, 3]);
  });

  it('rejects out-of-range values', () => {
    expect(() => sarParameters(65536, 2)).toThrow(RangeError);
    expect(() => sarParameters(-1, 2)).toThrow(RangeError);
    expect(() => sarParameters(1, 0)).toThrow(RangeError);
    expect(() => sarParameters(1, 256)).toThrow(RangeError);
  });

  it('reads inbound SAR TLVs into the same shape as a UDH, only when all three are valid', () => {
    expect(concatFromSar({ sar_msg_ref_num: 3, sar_total_segments: 2, sar_segment_seqnum: 1 })).toEqual({
      reference: 3,
      total: 2,
      sequence: 1,
      referenceBits: 16,
    });
    expect(concatFromSar({ sar_msg_ref_num: 3, sar_total_segments: 2 })).toBeUndefined();
    expect(concatFromSar({})).toBeUndefined();
    expect(concatFromSar({ sar_msg_ref_num: 3, sar_total_segments: 2, sar_segment_seqnum: 3 })).toBeUndefined();
    expect(concatFromSar({ sar_msg_ref_num: 3, sar_total_segments: 0, sar_segment_seqnum: 0 })).toBeUndefined();
  });
});
