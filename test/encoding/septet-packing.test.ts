import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  TextDecodingError,
  buildConcatUdh,
  decodeText,
  encodeGsm,
  encodeText,
  packSeptets,
  udhFillBits,
  unpackSeptets,
} from '../../src/encoding/index.js';
import { bytes } from '../helpers/octets.js';

beforeEach(() => {
  expect.hasAssertions();
});


describe('packed vectors (§7.3)', () => {
  it.each([
    ['hello', 'E8 32 9B FD 06'],
    ['hellohello', 'E8 32 9B FD 46 97 D9 EC 37'],
    ['ABCDEFGH', '41 E1 90 58 34 1E 91'],
  ])('%s', (text, expected) => {
    expect(packSeptets(encodeGsm(text))).toEqual(bytes(expected));
    expect(encodeText(text, 0, { gsmPacked: true })).toEqual(bytes(expected));
    expect(decodeText(bytes(expected), 0, { gsmPacked: true })).toBe(text);
  });

  it('UDH 05 00 03 CC 02 01 + hello with one fill bit', () => {
    const udh = buildConcatUdh(0xcc, 2, 1);
    expect(udhFillBits(udh.length)).toBe(1);
    const message = Buffer.concat([udh, packSeptets(encodeGsm('hello'), 1)]);
    expect(message).toEqual(bytes('05 00 03 CC 02 01 D0 65 36 FB 0D'));
    // TP-UDL: 6 octets of UDH + 1 fill bit = 7 septets, then 5 septets of text.
    expect((udh.length * 8 + 1) / 7 + 5).toBe(12);
    expect(decodeText(message.subarray(6), 0, { gsmPacked: true, fillBits: 1 })).toBe('hello');
  });
});

describe('fill bits', () => {
  it.each([
    [6, 1],
    [7, 0],
    [12, 2],
    [0, 0],
  ])('a %i-octet UDH needs %i fill bits', (udhLength, fill) => {
    expect(udhFillBits(udhLength)).toBe(fill);
    expect((8 * udhLength + fill) % 7).toBe(0);
  });

  it('rejects fill bits outside 0–6', () => {
    expect(() => packSeptets(Uint8Array.of(1), 7)).toThrow(RangeError);
    expect(() => unpackSeptets(Uint8Array.of(1), { fillBits: -1 })).toThrow(RangeError);
  });
});

describe('CR padding (23.038 §6.1.2.3.1)', () => {
  it('pads 7 septets with CR so a receiver does not see a trailing @', () => {
    const packed = encodeText('ABCDEFG', 0, { gsmPacked: true });
    expect(packed).toHaveLength(7);
    expect([...unpackSeptets(packed)]).toEqual([0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x0d]);
    expect(decodeText(packed, 0, { gsmPacked: true })).toBe('ABCDEFG');
  });

  it('does not pad when the spare bits cannot hold a septet', () => {
    expect(unpackSeptets(encodeText('ABCDEF', 0, { gsmPacked: true }))).toHaveLength(6);
  });

  it('adds a second CR when the text really ends in CR on an octet boundary', () => {
    const packed = encodeText('ABCDEFG\r', 0, { gsmPacked: true });
    expect([...unpackSeptets(packed, { septets: 9 })].slice(7)).toEqual([0x0d, 0x0d]);
  });

  it('keeps a final CR when the septet count is given', () => {
    const packed = packSeptets(encodeGsm('ABCDEFG\r'));
    expect(decodeText(packed, 0, { gsmPacked: true, septets: 8 })).toBe('ABCDEFG\r');
  });

  it('shows why: unpadded, 8 septets after one fill bit leave 7 zero bits read as @', () => {
    // 1 + 8·7 = 57 bits → 8 octets with 7 spare bits.
    const unpadded = packSeptets(encodeGsm('ABCDEFGH'), 1);
    expect(decodeText(unpadded, 0, { gsmPacked: true, fillBits: 1 })).toBe('ABCDEFGH@');
  });
});

describe('unpacking', () => {
  it('refuses a septet count the octets cannot hold', () => {
    expect(() => unpackSeptets(bytes('E8 32'), { septets: 3 })).toThrow(TextDecodingError);
  });

  it('reads ⌊(8·octets − fill) / 7⌋ septets by default', () => {
    expect(unpackSeptets(new Uint8Array(7))).toHaveLength(8);
    expect(unpackSeptets(new Uint8Array(7), { fillBits: 1 })).toHaveLength(7);
    expect(unpackSeptets(new Uint8Array(0))).toHaveLength(0);
  });
});

describe('properties', () => {
  const septets = fc.uint8Array({ max: 0x7f, maxLength: 200 });
  const fill = fc.integer({ min: 0, max: 6 });

  it('unpack(pack(s, fill), fill, n) = s and the length is ⌈(fill + 7n) / 8⌉', () => {
    fc.assert(
      fc.property(septets, fill, (s, fillBits) => {
        const packed = packSeptets(s, fillBits);
        expect(packed.length).toBe(Math.ceil((fillBits + 7 * s.length) / 8));
        expect([...unpackSeptets(packed, { fillBits, septets: s.length })]).toEqual([...s]);
      }),
    );
  });

  it('the fill bits stay zero, so a UDH can be OR-ed in front', () => {
    fc.assert(
      fc.property(septets.filter((s) => s.length > 0), fill, (s, fillBits) => {
        expect((packSeptets(s, fillBits)[0] ?? 0) & ((1 << fillBits) - 1)).toBe(0);
      }),
    );
  });

  it('packed text decodes to itself without a septet count, except for an added CR', () => {
    const text = fc.string({ unit: fc.constantFrom(...'@£$abcXYZ 019{}€\r\n'), maxLength: 200 });
    fc.assert(
      fc.property(text, (t) => {
        const decoded = decodeText(encodeText(t, 0, { gsmPacked: true }), 0, { gsmPacked: true });
        // The only ambiguity 23.038 leaves: a text that ends in CR on an octet boundary comes
        // back with the protective second CR.
        expect([t, `${t}\r`]).toContain(decoded);
        if (!t.endsWith('\r')) expect(decoded).toBe(t);
      }),
    );
  });
});
