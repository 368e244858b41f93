import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DataCoding,
  EncodingError,
  TextDecodingError,
  TextEncodingError,
  UnsupportedDataCodingError,
  dataCodingInfo,
  decodeText,
  encodeText,
  isSupportedDataCoding,
} from '../../src/encoding/index.js';
import { bytes, spacedHex as hex } from '../helpers/octets.js';

beforeEach(() => {
  expect.hasAssertions();
});


function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an exception');
}

describe('round trips per data_coding, with wire bytes from Python codecs (what vumi2 sends)', () => {
  it.each([
    [DataCoding.SMSC_DEFAULT_ALPHABET, 'Hello @ £5', '48 65 6C 6C 6F 20 00 20 01 35'],
    [DataCoding.IA5_ASCII, 'Hello {world} ~`', '48 65 6C 6C 6F 20 7B 77 6F 72 6C 64 7D 20 7E 60'],
    [DataCoding.LATIN_1, 'Grüße, café £5 ¿qué?', '47 72 FC DF 65 2C 20 63 61 66 E9 20 A3 35 20 BF 71 75 E9 3F'],
    [DataCoding.CYRILLIC, 'Привет, мир! №5', 'BF E0 D8 D2 D5 E2 2C 20 DC D8 E0 21 20 F0 35'],
    [DataCoding.ISO_8859_8, 'שלום עולם', 'F9 EC E5 ED 20 F2 E5 EC ED'],
    [DataCoding.JIS, '日本語', '1B 24 42 46 7C 4B 5C 38 6C 1B 28 42'],
    [DataCoding.JIS, 'SMS テスト 123', '53 4D 53 20 1B 24 42 25 46 25 39 25 48 1B 28 42 20 31 32 33'],
    [DataCoding.JIS, '¥100', '1B 28 4A 5C 1B 28 42 31 30 30'],
    [DataCoding.JIS, '東京\n大阪', '1B 24 42 45 6C 35 7E 1B 28 42 0A 1B 24 42 42 67 3A 65 1B 28 42'],
    [DataCoding.JIS, '〜−¢£¬‖', '1B 24 42 21 41 21 5D 21 71 21 72 22 4C 21 42 1B 28 42'],
    [DataCoding.UCS2, 'é😀', '00 E9 D8 3D DE 00'],
    [DataCoding.UCS2, 'Ωmega', '03 A9 00 6D 00 65 00 67 00 61'],
    [DataCoding.UCS2, 'Привет 日本 שלום', '04 1F 04 40 04 38 04 32 04 35 04 42 00 20 65 E5 67 2C 00 20 05 E9 05 DC 05 D5 05 DD'],
  ])('data_coding %i: %s', (dataCoding, text, wire) => {
    expect(hex(encodeText(text, dataCoding))).toBe(wire);
    expect(decodeText(bytes(wire), dataCoding)).toBe(text);
  });

  it('binary codings map octet n to U+00nn both ways', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const dataCoding of [0x02, 0x04, 0xf4, 0xf5, 0xf6, 0xf7, 0x14]) {
      const text = decodeText(all, dataCoding);
      expect(text).toHaveLength(256);
      expect(text.charCodeAt(0xff)).toBe(0xff);
      expect(encodeText(text, dataCoding)).toEqual(Buffer.from(all));
    }
    expect(() => encodeText('\u0100', 4)).toThrow(TextEncodingError);
  });

  it('GSM DCS values 0xF0–0xF3 and 0x10–0x13 use the GSM alphabet', () => {
    for (const dataCoding of [0xf0, 0xf1, 0xf2, 0xf3, 0xf8, 0x10, 0x11, 0xc0, 0xd5]) {
      expect(hex(encodeText('a{b}', dataCoding))).toBe('61 1B 28 62 1B 29');
    }
  });

  it('GSM DCS values 0x18–0x1B and 0xE0–0xEF are UCS2', () => {
    for (const dataCoding of [0x18, 0x19, 0x1b, 0xe0, 0xef]) {
      expect(hex(encodeText('é😀', dataCoding))).toBe('00 E9 D8 3D DE 00');
      expect(decodeText(bytes('00 E9 D8 3D DE 00'), dataCoding)).toBe('é😀');
    }
  });

  it('packs GSM only when asked, and ignores gsmPacked for other codings', () => {
    expect(hex(encodeText('hello', 0))).toBe('68 65 6C 6C 6F');
    expect(hex(encodeText('hello', 0xf0, { gsmPacked: true }))).toBe('E8 32 9B FD 06');
    expect(hex(encodeText('hello', 3, { gsmPacked: true }))).toBe('68 65 6C 6C 6F');
  });
});

describe('what each coding refuses', () => {
  it.each([
    [0, '😀', 0x1f600, 'cannot encode "😀" (U+1F600) in data_coding 0 (GSM 03.38)'],
    [0xf0, 'ë', 0xeb, 'cannot encode "ë" (U+00EB) in data_coding 0xF0 (GSM 03.38)'],
    [1, 'é', 0xe9, 'cannot encode "é" (U+00E9) in data_coding 1 (IA5/ASCII)'],
    [3, '€', 0x20ac, 'cannot encode "€" (U+20AC) in data_coding 3 (Latin-1)'],
    [6, 'ש', 0x5e9, 'cannot encode "ש" (U+05E9) in data_coding 6 (ISO-8859-5)'],
    [7, 'Ж', 0x416, 'cannot encode "Ж" (U+0416) in data_coding 7 (ISO-8859-8)'],
    [5, 'ｱ', 0xff71, 'cannot encode "ｱ" (U+FF71) in data_coding 5 (JIS X 0208, ISO-2022-JP)'],
    [5, '①', 0x2460, 'cannot encode "①" (U+2460) in data_coding 5 (JIS X 0208, ISO-2022-JP)'],
    [5, '\u001b', 0x1b, 'cannot encode "\\u001b" (U+001B) in data_coding 5 (JIS X 0208, ISO-2022-JP)'],
    [4, '😀', 0x1f600, 'cannot encode "😀" (U+1F600) in data_coding 4 (8-bit binary)'],
  ])('data_coding %i refuses %s', (dataCoding, char, codePoint, message) => {
    const error = caught(() => encodeText(`ok ${char} ok`, dataCoding));
    expect(error).toBeInstanceOf(TextEncodingError);
    expect(error).toBeInstanceOf(EncodingError);
    const e = error as TextEncodingError;
    expect(e.message).toBe(message);
    expect(e.character).toBe(char);
    expect(e.codePoint).toBe(codePoint);
    expect(e.data_coding).toBe(dataCoding);
    expect(e.index).toBe(3);
  });

  it('UCS2 refuses a lone surrogate instead of sending half a character', () => {
    const error = caught(() => encodeText('a\uD83Db', 8)) as TextEncodingError;
    expect(error).toBeInstanceOf(TextEncodingError);
    expect(error.message).toBe('cannot encode "\\ud83d" (U+D83D) in data_coding 8 (UCS2): unpaired surrogate');
    expect(error.index).toBe(1);
    expect(() => encodeText('\uDE00', 8)).toThrow(TextEncodingError);
  });

  it('does not let iconv-lite substitute silently', () => {
    // iconv-lite itself would turn these into '?'.
    expect(() => encodeText('€', 6)).toThrow(TextEncodingError);
    expect(() => encodeText('ä', 7)).toThrow(TextEncodingError);
    expect(() => encodeText('한', 5)).toThrow(TextEncodingError);
  });
});

describe('replacement mode', () => {
  it.each([
    [0, 'a😀b', '61 3F 62'],
    [1, 'naïve', '6E 61 3F 76 65'],
    [3, '5€', '35 3F'],
    [6, 'Жש', 'B6 3F'],
    [7, 'שЖ', 'F9 3F'],
    [5, '日ｱ', '1B 24 42 46 7C 1B 28 42 3F'],
    [8, 'a\uD800', '00 61 00 3F'],
  ])('data_coding %i', (dataCoding, text, wire) => {
    expect(hex(encodeText(text, dataCoding, { replacement: '?' }))).toBe(wire);
  });

  it('accepts a multi-character or empty replacement', () => {
    expect(hex(encodeText('a😀b', 0, { replacement: '[?]' }))).toBe('61 1B 3C 3F 1B 3E 62');
    expect(encodeText('a😀b', 1, { replacement: '' })).toEqual(Buffer.from('ab'));
    expect(decodeText(encodeText('x①y', 5, { replacement: '〓' }), 5)).toBe('x〓y');
  });

  it('refuses a replacement the coding cannot carry', () => {
    for (const dataCoding of [0, 1, 3, 5, 6, 7]) {
      const error = caught(() => encodeText('😀', dataCoding, { replacement: '😀' }));
      expect(error).toBeInstanceOf(TextEncodingError);
      expect((error as Error).message).toContain('the replacement must be encodable');
    }
    expect(() => encodeText('\uD800', 8, { replacement: '\uDC00' })).toThrow(TextEncodingError);
  });
});

describe('decoding invalid input', () => {
  it.each([
    [0, '41 80', 1],
    [1, '41 42 C3', 2],
    [7, '41 A1', 1], // ISO-8859-8 leaves 0xA1 undefined
    [8, '00 41 00', 2], // odd length
    [8, '00 41 DC 00', 2], // lone low surrogate
    [8, 'D8 3D 00 41', 0], // lone high surrogate
    [5, '1B 24 42 46', 3], // truncated two-octet character
    [5, '41 1B 28 49 41', 1], // ESC ( I is not ISO-2022-JP
    [5, '41 1B', 1], // lone trailing ESC
    [5, '41 A4 A2', 1], // 8-bit EUC-JP is not JIS
    [5, '1B 24 42 2D 21 1B 28 42', 3], // row 13 (NEC) is not JIS X 0208
  ])('data_coding %i rejects %s at offset %i', (dataCoding, wire, offset) => {
    const error = caught(() => decodeText(bytes(wire), dataCoding));
    expect(error).toBeInstanceOf(TextDecodingError);
    expect((error as TextDecodingError).offset).toBe(offset);
    expect((error as TextDecodingError).data_coding).toBe(dataCoding);
  });

  it('replaces instead when asked', () => {
    expect(decodeText(bytes('41 80 42'), 0, { replacement: '\uFFFD' })).toBe('A\uFFFDB');
    expect(decodeText(bytes('00 41 00'), 8, { replacement: '\uFFFD' })).toBe('A\uFFFD');
    expect(decodeText(bytes('D8 3D 00 41'), 8, { replacement: '\uFFFD' })).toBe('\uFFFDA');
    expect(decodeText(bytes('41 A1 42'), 7, { replacement: '?' })).toBe('A?B');
    expect(decodeText(bytes('1B 24 42 46 7C 2D 21 1B 28 42'), 5, { replacement: '\uFFFD' })).toBe('日\uFFFD');
  });

  it('decodes ISO-2022-JP the way Python does: 1978 designation, ESC & @, controls in JIS mode', () => {
    expect(decodeText(bytes('1B 24 40 46 7C'), 5)).toBe('日');
    expect(decodeText(bytes('1B 26 40 1B 24 42 46 7C 1B 28 42'), 5)).toBe('日');
    expect(decodeText(bytes('1B 24 42 46 7C 0A 4B 5C'), 5)).toBe('日\n本');
    expect(decodeText(bytes('1B 28 4A 5C 7E 1B 28 42 5C 7E'), 5)).toBe('¥‾\\~');
  });

  it('accepts the Windows forms of the six JIS codes that differ, decoding to the standard ones', () => {
    expect(hex(encodeText('～∥－￠￡￢', 5))).toBe(hex(encodeText('〜‖−¢£¬', 5)));
    expect(decodeText(encodeText('～', 5), 5)).toBe('〜');
  });
});

describe('data_coding values', () => {
  it.each([
    [0x00, 'gsm7', undefined],
    [0x01, 'ascii', undefined],
    [0x02, 'octets', undefined],
    [0x03, 'latin1', undefined],
    [0x04, 'octets', undefined],
    [0x05, 'jis', undefined],
    [0x06, 'cyrillic', undefined],
    [0x07, 'hebrew', undefined],
    [0x08, 'ucs2', undefined],
    [0x10, 'gsm7', 0],
    [0x16, 'octets', 2],
    [0x18, 'ucs2', 0],
    [0xc8, 'gsm7', undefined],
    [0xe1, 'ucs2', undefined],
    [0xf0, 'gsm7', 0],
    [0xf1, 'gsm7', 1],
    [0xf4, 'octets', 0],
    [0xf6, 'octets', 2],
    [0xfb, 'gsm7', 3],
    [0xff, 'octets', 3],
  ])('data_coding %i', (dataCoding, alphabet, messageClass) => {
    const info = dataCodingInfo(dataCoding);
    expect(info.alphabet).toBe(alphabet);
    expect(info.messageClass).toBe(messageClass);
  });

  it.each([0x09, 0x0a, 0x0b, 0x0d, 0x0e, 0x0f, 0x1c, 0x20, 0x7f, 0xbf, 256, -1, 1.5, Number.NaN])(
    'refuses %s with UnsupportedDataCodingError',
    (dataCoding) => {
      expect(isSupportedDataCoding(dataCoding)).toBe(false);
      expect(() => encodeText('x', dataCoding)).toThrow(UnsupportedDataCodingError);
      expect(() => decodeText(Uint8Array.of(0x41), dataCoding)).toThrow(UnsupportedDataCodingError);
    },
  );

  it('names the coding in the message', () => {
    expect(() => encodeText('x', 0x0e)).toThrow('data_coding 14 is not supported (KS C 5601)');
    expect(() => encodeText('x', 300)).toThrow('data_coding 300 is not an octet value (0–255)');
  });
});

describe('properties', () => {
  const anyText = fc.string({ unit: 'binary', maxLength: 100 });

  it('UCS2: decode(encode(text)) is the identity for arbitrary Unicode, astral included', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const wire = encodeText(text, 8);
        expect(wire.length).toBe(2 * text.length);
        expect(decodeText(wire, 8)).toBe(text);
      }),
    );
  });

  it('UCS2 is every UTF-16 code unit, high octet first', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const expected: number[] = [];
        for (let i = 0; i < text.length; i++) expected.push(text.charCodeAt(i) >> 8, text.charCodeAt(i) & 0xff);
        expect([...encodeText(text, 8)]).toEqual(expected);
      }),
    );
  });

  it.each([1, 3, 5, 6, 7])('data_coding %i: whatever encodes, decodes back to itself', (dataCoding) => {
    const unit = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 1 }),
      fc.constantFrom(...'Жжш日本語テスト¥‾〜あ€éßÿ'),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }).map((units) => units.join('')), (text) => {
        let wire: Buffer;
        try {
          wire = encodeText(text, dataCoding);
        } catch (error) {
          expect(error).toBeInstanceOf(TextEncodingError);
          return;
        }
        expect(decodeText(wire, dataCoding)).toBe(text);
      }),
    );
  });

  it('with a replacement, encoding never throws for any supported coding', () => {
    const codings = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x18, 0xf0, 0xf4];
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.constantFrom(...codings), (text, dataCoding) => {
        expect(encodeText(text, dataCoding, { replacement: '?' })).toBeInstanceOf(Buffer);
      }),
    );
  });

  it('decoding random octets gives text or TextDecodingError, and never throws with a replacement', () => {
    const codings = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x18, 0xf0];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.constantFrom(...codings), fc.boolean(), (octets, dataCoding, packed) => {
        try {
          expect(typeof decodeText(octets, dataCoding, { gsmPacked: packed })).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(TextDecodingError);
        }
        expect(typeof decodeText(octets, dataCoding, { gsmPacked: packed, replacement: '\uFFFD' })).toBe('string');
      }),
    );
  });
});
