/**
 * One-octet-per-character codings: IA5/ASCII, Latin-1, ISO-8859-5, ISO-8859-8, and the
 * octet mapping the text API uses for binary data_codings.
 *
 * iconv-lite is only the source of the ISO-8859 tables; encoding and decoding run on our own
 * typed arrays. iconv-lite substitutes '?' / U+FFFD silently, and a silent '?' in an SMS is
 * exactly the failure this module exists to prevent, so every unmapped character or byte is
 * detected here and is either an error or the caller's explicit replacement.
 */

import iconv from 'iconv-lite';
import { characterAt } from './chars.js';
import { TextDecodingError, TextEncodingError } from './errors.js';
import { ByteSink, StringSink } from './sinks.js';

/** Marks an undefined byte in a decode table; none of our charsets maps a byte to U+FFFD. */
const UNDEFINED = 0xfffd;

export interface SingleByteCharset {
  readonly label: string;
  /** Byte → UTF-16 code unit, UNDEFINED where the charset has no character. */
  readonly decodeTable: Uint16Array;
  /** Code unit → byte, -1 where the charset has no byte; as long as the highest mapped unit + 1. */
  readonly encodeTable: Int16Array;
}

function charset(label: string, decodeTable: Uint16Array): SingleByteCharset {
  let highest = 0;
  for (const unit of decodeTable) if (unit !== UNDEFINED && unit > highest) highest = unit;
  const encodeTable = new Int16Array(highest + 1).fill(-1);
  // Downwards, so that if a charset mapped one character twice the lower byte would win.
  for (let byte = 255; byte >= 0; byte--) {
    const unit = decodeTable[byte] ?? UNDEFINED;
    if (unit !== UNDEFINED) encodeTable[unit] = byte;
  }
  return { label, decodeTable, encodeTable };
}

function identity(size: number): Uint16Array {
  const table = new Uint16Array(256).fill(UNDEFINED);
  for (let byte = 0; byte < size; byte++) table[byte] = byte;
  return table;
}

function fromIconv(label: string, iconvName: string): SingleByteCharset {
  const all = Uint8Array.from({ length: 256 }, (_, byte) => byte);
  const text = iconv.decode(Buffer.from(all), iconvName);
  if (text.length !== 256) throw new Error(`iconv-lite ${iconvName} is not a single-byte table`);
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) table[byte] = text.charCodeAt(byte);
  return charset(label, table);
}

export const ASCII = charset('IA5/ASCII', identity(0x80));
export const LATIN_1 = charset('Latin-1', identity(0x100));
/** Binary codings through the text API: byte n ⇄ U+00nn, lossless for any bytes. */
export const OCTETS = charset('8-bit binary', identity(0x100));

let cyrillic: SingleByteCharset | undefined;
let hebrew: SingleByteCharset | undefined;

/** ISO-8859-5, built on first use so that importing the module costs nothing. */
export function iso88595(): SingleByteCharset {
  cyrillic ??= fromIconv('ISO-8859-5', 'iso-8859-5');
  return cyrillic;
}

/** ISO-8859-8 (visual-order Hebrew, as Python's iso8859_8 that vumi2 uses). */
export function iso88598(): SingleByteCharset {
  hebrew ??= fromIconv('ISO-8859-8', 'iso-8859-8');
  return hebrew;
}

function byteFor(table: Int16Array, unit: number): number {
  return unit < table.length ? (table[unit] ?? -1) : -1;
}

/** Checks the replacement up front, so that an unusable one fails loudly instead of mid-text. */
export function singleByteReplacement(
  set: SingleByteCharset,
  replacement: string | undefined,
  dataCoding: number,
): Uint8Array | undefined {
  if (replacement === undefined) return undefined;
  try {
    return encodeSingleByte(set, replacement, undefined, dataCoding);
  } catch (error) {
    if (!(error instanceof TextEncodingError)) throw error;
    throw new TextEncodingError(error.character, error.index, dataCoding, set.label, 'the replacement must be encodable');
  }
}

export function encodeSingleByte(
  set: SingleByteCharset,
  text: string,
  replacement: Uint8Array | undefined,
  dataCoding: number,
): Buffer {
  const sink = new ByteSink(text.length);
  for (let i = 0; i < text.length; i++) {
    const byte = byteFor(set.encodeTable, text.charCodeAt(i));
    if (byte >= 0) {
      sink.push(byte);
      continue;
    }
    const char = characterAt(text, i);
    if (replacement === undefined) throw new TextEncodingError(char, i, dataCoding, set.label);
    sink.pushAll(replacement);
    i += char.length - 1;
  }
  return sink.toBuffer();
}

export function decodeSingleByte(
  set: SingleByteCharset,
  bytes: Uint8Array,
  replacement: string | undefined,
  dataCoding: number,
): string {
  const sink = new StringSink(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] ?? 0;
    const unit = set.decodeTable[byte] ?? UNDEFINED;
    if (unit !== UNDEFINED) {
      sink.push(unit);
    } else if (replacement === undefined) {
      throw new TextDecodingError(i, dataCoding, set.label, `byte 0x${byte.toString(16).toUpperCase()} is not defined`);
    } else {
      sink.pushString(replacement);
    }
  }
  return sink.toString();
}
