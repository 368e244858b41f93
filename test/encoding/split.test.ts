import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  MessageTooLongError,
  TextEncodingError,
  decodeText,
  splitLimits,
  splitText,
} from '../../src/encoding/index.js';
import type { ConcatMethod, SplitResult } from '../../src/encoding/index.js';

beforeEach(() => {
  expect.hasAssertions();
});

const decodeAll = (split: SplitResult): string =>
  split.parts.map((part) => decodeText(part, split.dataCoding)).join('');

describe('limits (§7.4)', () => {
  it.each([
    [0, 'udh8', 160, 153],
    [0, 'udh16', 160, 152],
    [0, 'sar', 160, 153],
    [0xf0, 'udh8', 160, 153],
    [4, 'udh8', 140, 134],
    [4, 'udh16', 140, 133],
    [2, 'sar', 140, 134],
    [3, 'udh8', 140, 134],
    [8, 'udh8', 70, 67],
    [8, 'udh16', 70, 66],
    [8, 'sar', 70, 67],
  ] as const)('data_coding %i with %s: %i single, %i per part', (dataCoding, concat, single, part) => {
    expect(splitLimits(dataCoding, concat)).toEqual({ single, part });
  });
});

describe('GSM', () => {
  it('keeps 160 septets in one part without splitting', () => {
    const split = splitText('a'.repeat(160), 0);
    expect(split.count).toBe(1);
    expect(split.parts[0]).toHaveLength(160);
    expect(split.sizes).toEqual([160]);
  });

  it('splits 161 septets into 153 + 8', () => {
    expect(splitText('a'.repeat(161), 0).sizes).toEqual([153, 8]);
    expect(splitText('a'.repeat(161), 0, { concat: 'udh16' }).sizes).toEqual([152, 9]);
  });

  it('counts septets, not characters: 80 euro signs need 160 septets', () => {
    expect(splitText('€'.repeat(80), 0).count).toBe(1);
    expect(splitText('€'.repeat(81), 0).sizes).toEqual([152, 10]);
  });

  it('moves an escape pair that would straddle the boundary to the next part', () => {
    // vumi2 slices at 153 octets and sends 1B alone at the end of part 1.
    const split = splitText(`${'a'.repeat(152)}€${'b'.repeat(10)}`, 0);
    expect(split.sizes).toEqual([152, 12]);
    expect(split.parts[0]?.at(-1)).toBe(0x61);
    expect([...(split.parts[1] ?? Buffer.alloc(0)).subarray(0, 2)]).toEqual([0x1b, 0x65]);
    expect(decodeText(split.parts[1] ?? Buffer.alloc(0), 0)).toBe(`€${'b'.repeat(10)}`);
  });

  it('fills a part exactly when the pair fits', () => {
    expect(splitText(`${'a'.repeat(151)}€${'b'.repeat(10)}`, 0).sizes).toEqual([153, 10]);
  });

  it('throws on unencodable text unless a replacement is given', () => {
    expect(() => splitText('a😀', 0)).toThrow(TextEncodingError);
    expect(decodeAll(splitText('a😀', 0, { replacement: '?' }))).toBe('a?');
  });

  it('packs parts with the fill bits of the UDH they will follow', () => {
    const text = `${'A'.repeat(153)}ABCDEFGH`;
    const udh8 = splitText(text, 0, { gsmPacked: true });
    expect(udh8.gsmPacked).toBe(true);
    expect(udh8.sizes).toEqual([153, 8]);
    // 1 fill bit + 153 septets = 1072 bits = 134 octets: with the 6-octet UDH exactly 140.
    expect(udh8.parts[0]).toHaveLength(134);
    // 1 + 8·7 = 57 bits leave 7 spare bits, so the part carries a CR pad: 64 bits.
    expect(udh8.parts[1]).toHaveLength(8);
    expect(decodeText(udh8.parts[1] ?? Buffer.alloc(0), 0, { gsmPacked: true, fillBits: 1 })).toBe('ABCDEFGH');
    const udh16 = splitText(text, 0, { gsmPacked: true, concat: 'udh16' });
    expect(udh16.parts[0]).toHaveLength(133);
    expect(decodeText(udh16.parts[1] ?? Buffer.alloc(0), 0, { gsmPacked: true })).toBe('AABCDEFGH');
  });

  it('packs a single part from bit 0', () => {
    const split = splitText('hello', 0, { gsmPacked: true });
    expect(split.parts[0]).toEqual(Buffer.from('E8329BFD06', 'hex'));
  });
});

describe('UCS2', () => {
  it('keeps 70 code units in one part and splits 71 into 67 + 4', () => {
    expect(splitText('ж'.repeat(70), 8).count).toBe(1);
    expect(splitText('ж'.repeat(71), 8).sizes).toEqual([67, 4]);
    expect(splitText('ж'.repeat(71), 8, { concat: 'udh16' }).sizes).toEqual([66, 5]);
  });

  it('counts an emoji as two code units', () => {
    expect(splitText('😀'.repeat(35), 8).count).toBe(1);
    expect(splitText('😀'.repeat(36), 8).count).toBe(2);
  });

  it('moves a surrogate pair that would straddle the boundary to the next part', () => {
    // vumi2 splits this emoji's surrogates across two segments.
    const split = splitText(`${'x'.repeat(66)}😀${'y'.repeat(10)}`, 8);
    expect(split.sizes).toEqual([66, 12]);
    expect(split.parts.map((part) => decodeText(part, 8))).toEqual(['x'.repeat(66), `😀${'y'.repeat(10)}`]);
  });
});

describe('octet codings', () => {
  it('splits binary data given as bytes at 134 octets', () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const split = splitText(data, 4);
    expect(split.sizes).toEqual([134, 134, 32]);
    expect(Buffer.concat(split.parts)).toEqual(Buffer.from(data));
  });

  it('refuses bytes for a text coding, where a cut could land inside a character', () => {
    expect(() => splitText(Uint8Array.of(0x41), 8)).toThrow(TypeError);
  });

  it('splits Latin-1 text at 140/134 octets', () => {
    expect(splitText('é'.repeat(140), 3).count).toBe(1);
    expect(splitText('é'.repeat(141), 3).sizes).toEqual([134, 7]);
  });

  it('accepts caller limits, e.g. 7-bit sizes for IA5 an SMSC transcodes (vumi2: 160/153)', () => {
    expect(splitText('a'.repeat(160), 1, { limits: { single: 160, part: 153 } }).count).toBe(1);
    expect(splitText('a'.repeat(161), 1, { limits: { single: 160, part: 153 } }).sizes).toEqual([153, 8]);
  });
});

describe('JIS (ISO-2022-JP)', () => {
  it('makes every part a complete ISO-2022-JP message within 134 octets', () => {
    const text = `お知らせ: ${'日本語のテキスト'.repeat(20)} end`;
    const split = splitText(text, 5);
    expect(split.count).toBeGreaterThan(1);
    for (const part of split.parts) {
      expect(part.length).toBeLessThanOrEqual(134);
      expect(typeof decodeText(part, 5)).toBe('string');
    }
    expect(decodeAll(split)).toBe(text);
  });

  it('counts the escape sequences: 67 kanji are 140 octets, 68 are split', () => {
    expect(splitText('日'.repeat(67), 5).count).toBe(1);
    expect(splitText('日'.repeat(68), 5).sizes).toEqual([134, 14]);
  });
});

describe('part count', () => {
  it('allows 255 parts and refuses 256 with MessageTooLongError', () => {
    expect(splitText('a'.repeat(153 * 255), 0).count).toBe(255);
    const error = (() => {
      try {
        splitText('a'.repeat(153 * 255 + 1), 0);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(MessageTooLongError);
    expect((error as MessageTooLongError).parts).toBe(256);
    expect((error as MessageTooLongError).message).toBe(
      'message needs 256 parts in data_coding 0 (GSM 03.38); at most 255 allowed',
    );
  });

  it('honours a lower maxParts', () => {
    expect(splitText('a'.repeat(153 * 3), 0, { maxParts: 3 }).count).toBe(3);
    expect(() => splitText('a'.repeat(153 * 3 + 1), 0, { maxParts: 3 })).toThrow(MessageTooLongError);
    expect(() => splitText('日'.repeat(1000), 5, { maxParts: 3 })).toThrow(MessageTooLongError);
  });

  it('rejects nonsensical options', () => {
    expect(() => splitText('a', 0, { maxParts: 256 })).toThrow(RangeError);
    expect(() => splitText('a', 0, { maxParts: 0 })).toThrow(RangeError);
    expect(() => splitText('a', 0, { limits: { single: 160, part: 1 } })).toThrow(RangeError);
    expect(() => splitText('a', 5, { limits: { single: 140, part: 7 } })).toThrow(RangeError);
  });

  it('returns one empty part for empty text', () => {
    const split = splitText('', 0);
    expect(split.count).toBe(1);
    expect(split.parts[0]).toHaveLength(0);
  });
});

describe('properties', () => {
  const gsmUnit = fc.constantFrom(...'@£$¥èÇ\nΔ_ !"#¤019ABZ¡¿az§à{}[]~\\|^€\f');
  const anyUnit = fc.oneof(gsmUnit, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), fc.constant('😀'));
  const concat = fc.constantFrom<ConcatMethod>('udh8', 'udh16', 'sar');
  /** Small limits too, so boundaries are hit often. */
  const limits = fc.option(
    fc.integer({ min: 2, max: 40 }).chain((part) => fc.record({ single: fc.integer({ min: part, max: 60 }), part: fc.constant(part) })),
    { nil: undefined },
  );

  function options(c: ConcatMethod, l: { single: number; part: number } | undefined): { concat: ConcatMethod; limits?: { single: number; part: number } } {
    return l === undefined ? { concat: c } : { concat: c, limits: l };
  }

  it('GSM: parts stay within the limit, never end inside an escape pair, and rejoin to the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: gsmUnit, maxLength: 700 }), concat, limits, (text, c, l) => {
        const split = splitText(text, 0, options(c, l));
        const limit = split.count === 1 ? (l ?? splitLimits(0, c)).single : (l ?? splitLimits(0, c)).part;
        for (const [index, part] of split.parts.entries()) {
          expect(part.length).toBeLessThanOrEqual(limit);
          expect(split.sizes[index]).toBe(part.length);
          // A part ending in ESC would have cut a pair.
          expect(part.at(-1)).not.toBe(0x1b);
        }
        expect(decodeAll(split)).toBe(text);
      }),
    );
  });

  it('GSM packed: each part unpacks with its fill bits to the same text', () => {
    fc.assert(
      fc.property(fc.string({ unit: gsmUnit, maxLength: 500 }), concat, (text, c) => {
        const split = splitText(text, 0, { concat: c, gsmPacked: true });
        const fillBits = split.count > 1 && c === 'udh8' ? 1 : 0;
        const decoded = split.parts.map((part, index) =>
          decodeText(part, 0, { gsmPacked: true, fillBits, septets: split.sizes[index] ?? 0 }),
        );
        expect(decoded.join('')).toBe(text);
        for (const part of split.parts) {
          const udh = split.count === 1 ? 0 : c === 'udh16' ? 7 : 6;
          expect(udh + part.length).toBeLessThanOrEqual(140);
        }
      }),
    );
  });

  it('UCS2: parts stay within the limit, never split a surrogate pair, and rejoin to the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyUnit, maxLength: 300 }), concat, limits, (text, c, l) => {
        const split = splitText(text, 8, options(c, l));
        const limit = split.count === 1 ? (l ?? splitLimits(8, c)).single : (l ?? splitLimits(8, c)).part;
        for (const part of split.parts) {
          expect(part.length / 2).toBeLessThanOrEqual(limit);
          // Each part decodes strictly on its own: no lone surrogate at either end.
          expect(typeof decodeText(part, 8)).toBe('string');
        }
        expect(decodeAll(split)).toBe(text);
      }),
    );
  });

  it('JIS: parts stay within the limit, decode on their own and rejoin to the text', () => {
    const jisUnit = fc.constantFrom(...'日本語テストあア ab1¥‾\n〜');
    fc.assert(
      fc.property(fc.string({ unit: jisUnit, maxLength: 300 }), fc.integer({ min: 8, max: 60 }), (text, part) => {
        const split = splitText(text, 5, { limits: { single: part, part } });
        for (const p of split.parts) expect(p.length).toBeLessThanOrEqual(part);
        expect(decodeAll(split)).toBe(text);
      }),
    );
  });

  it('binary: parts concatenate to the input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), concat, (data, c) => {
        const split = splitText(data, 4, { concat: c });
        const limit = split.count === 1 ? 140 : splitLimits(4, c).part;
        for (const part of split.parts) expect(part.length).toBeLessThanOrEqual(limit);
        expect(Buffer.concat(split.parts)).toEqual(Buffer.from(data));
      }),
    );
  });
});
