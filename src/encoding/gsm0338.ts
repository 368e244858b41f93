/**
 * GSM 03.38 (3GPP TS 23.038) default alphabet and its extension table, unpacked: one septet
 * per octet, which is how SMPP carries data_coding 0 (reference §7.3). Packing lives in
 * septet-packing.ts.
 *
 * The tables are written out by hand from the standard rather than taken from a library:
 * the libraries we looked at get details wrong (vumi2 has no form feed and decodes unknown
 * escapes as a backtick; node-smpp calls this alphabet "ASCII").
 */

import { characterAt } from './chars.js';
import { TextDecodingError, TextEncodingError } from './errors.js';
import { ByteSink, StringSink } from './sinks.js';

const LABEL = 'GSM 03.38';

/** The escape to the extension table; it has no character of its own. */
export const GSM_ESCAPE = 0x1b;

/**
 * Default alphabet, one string per column of §7.1 (septets 0x00–0x0F, 0x10–0x1F, …).
 * Greek capitals are written as escapes so that look-alikes (Ω OHM SIGN U+2126, Latin A for
 * Alpha…) cannot slip in. The ESC slot (0x1B) holds a placeholder that is never used.
 */
const DEFAULT_ALPHABET =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  '\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

/** Extension table (after ESC), §7.2. Each of these costs two septets. */
const EXTENSION: ReadonlyArray<readonly [septet: number, char: string]> = [
  [0x0a, '\f'], // form feed / page break; vumi2 lacks it
  [0x14, '^'],
  [0x28, '{'],
  [0x29, '}'],
  [0x2f, '\\'],
  [0x3c, '['],
  [0x3d, '~'],
  [0x3e, ']'],
  [0x40, '|'],
  [0x65, '€'],
];

/**
 * Characters accepted on encoding in addition to the table: older tables (and many phones)
 * put ç at 0x09, where the 3GPP table has Ç; senders use both, so both encode to 0x09.
 */
const ENCODE_ALIASES: ReadonlyArray<readonly [char: string, septet: number]> = [['ç', 0x09]];

/** Septet → UTF-16 code unit for the default alphabet. */
const MAIN_DECODE = new Uint16Array(128);
/** Septet after ESC → code unit; 0 means "no extension character" (U+0000 is not in the table). */
const EXT_DECODE = new Uint16Array(128);
/**
 * Code unit → encoding, for every unit up to the highest one in the tables (€ U+20AC):
 * 0 = not encodable, 1–128 = default-alphabet septet + 1, 0x100 | s = extension septet s.
 * A typed array indexed by code unit keeps the encoder loop free of hashing.
 */
const ENCODE = new Uint16Array(0x20ac + 1);
const EXT_FLAG = 0x100;

for (let septet = 0; septet < 128; septet++) {
  const unit = DEFAULT_ALPHABET.charCodeAt(septet);
  MAIN_DECODE[septet] = unit;
  if (septet !== GSM_ESCAPE) ENCODE[unit] = septet + 1;
}
for (const [septet, char] of EXTENSION) {
  EXT_DECODE[septet] = char.charCodeAt(0);
  ENCODE[char.charCodeAt(0)] = EXT_FLAG | septet;
}
for (const [char, septet] of ENCODE_ALIASES) ENCODE[char.charCodeAt(0)] = septet + 1;
// 1B 0D (CR2, a control) and 1B 1B (reserved for another extension table) show as a space (§7.2).
EXT_DECODE[0x0d] = 0x20;
EXT_DECODE[GSM_ESCAPE] = 0x20;

/** 0 when the code unit has no GSM encoding; see ENCODE. */
function lookup(unit: number): number {
  return unit < ENCODE.length ? (ENCODE[unit] ?? 0) : 0;
}

/**
 * Septets needed for `text` (extension characters count 2), or `undefined` if some character
 * has no GSM 03.38 encoding.
 */
export function gsmSeptetCount(text: string): number | undefined {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const code = lookup(text.charCodeAt(i));
    if (code === 0) return undefined;
    septets += code & EXT_FLAG ? 2 : 1;
  }
  return septets;
}

export function isGsmEncodable(text: string): boolean {
  return gsmSeptetCount(text) !== undefined;
}

/**
 * Encodes to unpacked septets. `replacement` is already-encoded septets to emit for each
 * character without a GSM code; without it such a character throws. `dataCoding` only
 * labels the error (the same table serves 0x00, 0xF0…).
 */
export function encodeGsmSeptets(text: string, replacement: Uint8Array | undefined, dataCoding: number): Buffer {
  const sink = new ByteSink(text.length + 8);
  for (let i = 0; i < text.length; i++) {
    const code = lookup(text.charCodeAt(i));
    if (code === 0) {
      const char = characterAt(text, i);
      if (replacement === undefined) throw new TextEncodingError(char, i, dataCoding, LABEL);
      sink.pushAll(replacement);
      i += char.length - 1;
    } else if (code & EXT_FLAG) {
      sink.push(GSM_ESCAPE);
      sink.push(code & 0x7f);
    } else {
      sink.push(code - 1);
    }
  }
  return sink.toBuffer();
}

/**
 * Decodes unpacked septets. Unknown escapes show the default-alphabet character after the
 * ESC (what 23.038 asks of a receiver without the extension), 1B 0D and 1B 1B show as space,
 * and a lone ESC at the very end is dropped (vumi2 crashes on it). An octet above 0x7F is not
 * a septet: it throws, or becomes `replacement` when one is given.
 */
export function decodeGsmSeptets(septets: Uint8Array, replacement: string | undefined, dataCoding: number): string {
  return decodeLatin1Only(septets) ?? decodeGeneral(septets, replacement, dataCoding);
}

/**
 * Reused across calls (decoding is synchronous): the fast path's latin1 output. Grown on
 * demand, never shrunk; a PDU's user data is at most 64 KiB.
 */
let scratch = Buffer.allocUnsafe(256);

/**
 * The common case: plain septets, no escapes, every character at or below U+00FF (everything
 * but the Greek capitals). Written as latin1 octets and sliced into a string in one native
 * call, which is several times faster than building UTF-16 units. Undefined sends the caller
 * to the general path.
 */
function decodeLatin1Only(septets: Uint8Array): string | undefined {
  const n = septets.length;
  if (n > scratch.length) scratch = Buffer.allocUnsafe(Math.max(n, scratch.length * 2));
  for (let i = 0; i < n; i++) {
    const septet = septets[i]!;
    if (septet > 0x7f || septet === GSM_ESCAPE) return undefined;
    const unit = MAIN_DECODE[septet]!;
    if (unit > 0xff) return undefined;
    scratch[i] = unit;
  }
  return scratch.toString('latin1', 0, n);
}

function decodeGeneral(septets: Uint8Array, replacement: string | undefined, dataCoding: number): string {
  const sink = new StringSink(septets.length);
  const invalid = (offset: number, byte: number): void => {
    if (replacement === undefined) {
      throw new TextDecodingError(
        offset,
        dataCoding,
        LABEL,
        `0x${byte.toString(16).toUpperCase()} is not a 7-bit septet`,
      );
    }
    sink.pushString(replacement);
  };
  for (let i = 0; i < septets.length; i++) {
    const septet = septets[i] ?? 0;
    if (septet > 0x7f) {
      invalid(i, septet);
    } else if (septet !== GSM_ESCAPE) {
      sink.push(MAIN_DECODE[septet] ?? 0);
    } else if (i + 1 < septets.length) {
      const next = septets[++i] ?? 0;
      if (next > 0x7f) invalid(i, next);
      else sink.push(EXT_DECODE[next] || (MAIN_DECODE[next] ?? 0));
    }
  }
  return sink.toString();
}

export interface GsmEncodeOptions {
  /** Text to put in place of each character GSM 03.38 cannot carry (itself GSM-encodable, e.g. `?`). */
  readonly replacement?: string;
}

export interface GsmDecodeOptions {
  /** Text to put in place of each invalid octet (e.g. `\uFFFD`); without it such input throws. */
  readonly replacement?: string;
}

/** Encodes the replacement once, so that an unencodable replacement fails loudly and early. */
export function gsmReplacementSeptets(replacement: string | undefined, dataCoding: number): Uint8Array | undefined {
  if (replacement === undefined) return undefined;
  try {
    return encodeGsmSeptets(replacement, undefined, dataCoding);
  } catch (error) {
    if (!(error instanceof TextEncodingError)) throw error;
    throw new TextEncodingError(error.character, error.index, dataCoding, LABEL, 'the replacement must be encodable');
  }
}

/** Text → unpacked GSM 03.38 (one septet per octet), as SMPP sends data_coding 0. */
export function encodeGsm(text: string, options: GsmEncodeOptions = {}): Buffer {
  return encodeGsmSeptets(text, gsmReplacementSeptets(options.replacement, 0), 0);
}

/** Unpacked GSM 03.38 → text. */
export function decodeGsm(septets: Uint8Array, options: GsmDecodeOptions = {}): string {
  return decodeGsmSeptets(septets, options.replacement, 0);
}
