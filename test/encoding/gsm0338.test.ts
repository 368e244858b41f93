import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  TextDecodingError,
  TextEncodingError,
  decodeGsm,
  encodeGsm,
  gsmSeptetCount,
  isGsmEncodable,
} from '../../src/encoding/index.js';
import { bytes } from '../helpers/octets.js';

beforeEach(() => {
  expect.hasAssertions();
});

const ESC = -1;

/** §7.1, typed in from the reference independently of the source table (code → code point). */
const DEFAULT_TABLE: readonly number[] = [
  // 0x00
  0x0040, 0x00a3, 0x0024, 0x00a5, 0x00e8, 0x00e9, 0x00f9, 0x00ec, 0x00f2, 0x00c7, 0x000a, 0x00d8, 0x00f8, 0x000d, 0x00c5, 0x00e5,
  // 0x10
  0x0394, 0x005f, 0x03a6, 0x0393, 0x039b, 0x03a9, 0x03a0, 0x03a8, 0x03a3, 0x0398, 0x039e, ESC, 0x00c6, 0x00e6, 0x00df, 0x00c9,
  // 0x20
  0x0020, 0x0021, 0x0022, 0x0023, 0x00a4, 0x0025, 0x0026, 0x0027, 0x0028, 0x0029, 0x002a, 0x002b, 0x002c, 0x002d, 0x002e, 0x002f,
  // 0x30
  0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x003a, 0x003b, 0x003c, 0x003d, 0x003e, 0x003f,
  // 0x40
  0x00a1, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, 0x0048, 0x0049, 0x004a, 0x004b, 0x004c, 0x004d, 0x004e, 0x004f,
  // 0x50
  0x0050, 0x0051, 0x0052, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005a, 0x00c4, 0x00d6, 0x00d1, 0x00dc, 0x00a7,
  // 0x60
  0x00bf, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x006a, 0x006b, 0x006c, 0x006d, 0x006e, 0x006f,
  // 0x70
  0x0070, 0x0071, 0x0072, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, 0x0078, 0x0079, 0x007a, 0x00e4, 0x00f6, 0x00f1, 0x00fc, 0x00e0,
];

/** §7.2: septet after ESC → code point. */
const EXTENSION_TABLE: ReadonlyArray<readonly [number, number]> = [
  [0x0a, 0x000c],
  [0x14, 0x005e],
  [0x28, 0x007b],
  [0x29, 0x007d],
  [0x2f, 0x005c],
  [0x3c, 0x005b],
  [0x3d, 0x007e],
  [0x3e, 0x005d],
  [0x40, 0x007c],
  [0x65, 0x20ac],
];

const MAIN_ENTRIES = DEFAULT_TABLE.flatMap((cp, code) => (cp === ESC ? [] : [[code, String.fromCodePoint(cp)] as const]));
const EXT_ENTRIES = EXTENSION_TABLE.map(([code, cp]) => [code, String.fromCodePoint(cp)] as const);
/** Every character that decodes back to itself. */
const GSM_CHARS = [...MAIN_ENTRIES, ...EXT_ENTRIES].map(([, char]) => char);

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex').toUpperCase();

describe('default alphabet (§7.1)', () => {
  it('has 127 characters plus the escape', () => {
    expect(DEFAULT_TABLE).toHaveLength(128);
    expect(MAIN_ENTRIES).toHaveLength(127);
  });

  it.each(MAIN_ENTRIES)('septet 0x%s round-trips', (code, char) => {
    expect([...encodeGsm(char)]).toEqual([code]);
    expect(decodeGsm(Uint8Array.of(code))).toBe(char);
    expect(gsmSeptetCount(char)).toBe(1);
  });
});

describe('extension table (§7.2)', () => {
  it.each(EXT_ENTRIES)('1B %s round-trips and costs two septets', (code, char) => {
    expect([...encodeGsm(char)]).toEqual([0x1b, code]);
    expect(decodeGsm(Uint8Array.of(0x1b, code))).toBe(char);
    expect(gsmSeptetCount(char)).toBe(2);
  });

  it('includes form feed 1B 0A and the euro sign 1B 65', () => {
    expect(hex(encodeGsm('\f'))).toBe('1B0A');
    expect(hex(encodeGsm('€'))).toBe('1B65');
  });
});

describe('traps of §7.1', () => {
  it('@ is 0x00, not NUL; NUL is not encodable', () => {
    expect(hex(encodeGsm('@'))).toBe('00');
    expect(() => encodeGsm('\u0000')).toThrow(TextEncodingError);
  });

  it('$ is 0x02 and ¤ is 0x24', () => {
    expect(hex(encodeGsm('$¤'))).toBe('0224');
    expect(decodeGsm(bytes('24'))).toBe('¤');
  });

  it('_ is 0x11, ¡ is 0x40, ¿ is 0x60', () => {
    expect(hex(encodeGsm('_¡¿'))).toBe('114060');
  });

  it('encodes both Ç and ç to 0x09 and decodes 0x09 as Ç (3GPP)', () => {
    expect(hex(encodeGsm('Çç'))).toBe('0909');
    expect(decodeGsm(bytes('09'))).toBe('Ç');
  });

  it('has no backtick (vumi2 encodes it as 1B 7F)', () => {
    expect(() => encodeGsm('`')).toThrow(TextEncodingError);
    expect(isGsmEncodable('`')).toBe(false);
  });

  it('does not take look-alikes: OHM SIGN is not Greek Omega, Latin A is not Alpha', () => {
    expect(isGsmEncodable('\u2126')).toBe(false);
    expect(isGsmEncodable('\u0391')).toBe(false);
    expect(hex(encodeGsm('\u03a9'))).toBe('15');
  });

  it('ESC itself is not a character', () => {
    expect(() => encodeGsm('\u001b')).toThrow(TextEncodingError);
  });
});

describe('unpacked vectors (§7.3)', () => {
  it.each([
    ['€10 [x]', '1B 65 31 30 20 1B 3C 78 1B 3E', 10],
    ['Hello @ £5', '48 65 6C 6C 6F 20 00 20 01 35', 10],
    ['a{b}', '61 1B 28 62 1B 29', 6],
    ['HÜLK', '48 5E 4C 4B', 4], // vumi2 test_gsm0338
    ['foo €', '66 6F 6F 20 1B 65', 6], // vumi2 test_gsm0338_extended
  ])('%s', (text, expected, septets) => {
    expect(encodeGsm(text)).toEqual(bytes(expected));
    expect(decodeGsm(bytes(expected))).toBe(text);
    expect(gsmSeptetCount(text)).toBe(septets);
  });
});

describe('decoding', () => {
  it('shows 1B 0D and 1B 1B as a space', () => {
    expect(decodeGsm(bytes('41 1B 0D 42 1B 1B 43'))).toBe('A B C');
  });

  it('shows an unknown escape as the default-alphabet character after it', () => {
    expect(decodeGsm(bytes('1B 41 1B 00 1B 7F'))).toBe('A@à');
  });

  it('drops a lone trailing ESC (vumi2 crashes)', () => {
    expect(decodeGsm(bytes('48 69 1B'))).toBe('Hi');
    expect(decodeGsm(bytes('1B'))).toBe('');
  });

  it('rejects octets above 0x7F, naming the offset', () => {
    const error = (() => {
      try {
        decodeGsm(bytes('5A 6F EB'));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(TextDecodingError);
    expect((error as TextDecodingError).offset).toBe(2);
    expect((error as TextDecodingError).message).toContain('0xEB');
  });

  it('rejects an escape followed by an octet above 0x7F', () => {
    expect(() => decodeGsm(bytes('1B 80'))).toThrow(TextDecodingError);
  });

  it('replaces invalid octets when asked (vumi2 replace mode: Zo\\uFFFD)', () => {
    expect(decodeGsm(bytes('5A 6F EB'), { replacement: '\uFFFD' })).toBe('Zo\uFFFD');
    expect(decodeGsm(bytes('41 1B 90 42'), { replacement: '?' })).toBe('A?B');
  });

  it('decodes the empty message', () => {
    expect(decodeGsm(new Uint8Array(0))).toBe('');
  });
});

describe('encoding errors and replacement', () => {
  it('names the character, code point, data_coding and index', () => {
    let caught: unknown;
    try {
      encodeGsm('hi 😀');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TextEncodingError);
    const error = caught as TextEncodingError;
    expect(error.message).toBe('cannot encode "😀" (U+1F600) in data_coding 0 (GSM 03.38)');
    expect(error.character).toBe('😀');
    expect(error.codePoint).toBe(0x1f600);
    expect(error.data_coding).toBe(0);
    expect(error.index).toBe(3);
  });

  it('reports ë in Zoë (vumi2 test_gsm0338_errors)', () => {
    expect(() => encodeGsm('Zoë')).toThrow('cannot encode "ë" (U+00EB) in data_coding 0 (GSM 03.38)');
  });

  it('replaces a whole surrogate pair with one replacement', () => {
    expect(hex(encodeGsm('a😀b', { replacement: '?' }))).toBe('613F62');
    expect(encodeGsm('Zoë', { replacement: '?' })).toEqual(Buffer.from('Zo?'));
  });

  it('drops unencodable characters with an empty replacement', () => {
    expect(encodeGsm('a`b', { replacement: '' })).toEqual(Buffer.from('ab'));
  });

  it('accepts an extension character as replacement', () => {
    expect(hex(encodeGsm('`', { replacement: '€' }))).toBe('1B65');
  });

  it('refuses a replacement that is itself unencodable', () => {
    expect(() => encodeGsm('`', { replacement: '😀' })).toThrow(/replacement must be encodable/);
  });
});

describe('septet count', () => {
  it('counts extension characters twice and returns undefined for unencodable text', () => {
    expect(gsmSeptetCount('')).toBe(0);
    expect(gsmSeptetCount('[]{}')).toBe(8);
    expect(gsmSeptetCount('a😀')).toBeUndefined();
    expect(isGsmEncodable('Hello @ £5')).toBe(true);
  });

  it('equals the unpacked length for any GSM text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...GSM_CHARS), maxLength: 200 }), (text) => {
        expect(gsmSeptetCount(text)).toBe(encodeGsm(text).length);
      }),
    );
  });
});

describe('properties', () => {
  it('decode(encode(text)) is the identity for GSM-encodable text', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...GSM_CHARS), maxLength: 300 }), (text) => {
        expect(decodeGsm(encodeGsm(text))).toBe(text);
      }),
    );
  });

  it('encoding arbitrary text either succeeds with septets only or throws TextEncodingError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (text) => {
        try {
          const septets = encodeGsm(text);
          expect(septets.every((b) => b < 0x80)).toBe(true);
          expect(isGsmEncodable(text)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(TextEncodingError);
          expect(isGsmEncodable(text)).toBe(false);
        }
      }),
    );
  });

  it('decoding any septets never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ max: 0x7f, maxLength: 200 }), (septets) => {
        expect(typeof decodeGsm(septets)).toBe('string');
      }),
    );
  });

  it('encode(decode(septets)) is the identity for canonical septet streams', () => {
    const units = [...MAIN_ENTRIES.map(([code]) => [code]), ...EXT_ENTRIES.map(([code]) => [0x1b, code])];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...units), { maxLength: 150 }), (chosen) => {
        const septets = Uint8Array.from(chosen.flat());
        expect([...encodeGsm(decodeGsm(septets))]).toEqual([...septets]);
      }),
    );
  });

  it('decoding arbitrary octets with a replacement never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (octets) => {
        expect(typeof decodeGsm(octets, { replacement: '\uFFFD' })).toBe('string');
      }),
    );
  });
});
