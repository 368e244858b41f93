/**
 * data_coding 5, "JIS (X 0208-1990)", in the ISO-2022-JP form that vumi2 sends (Python's
 * `iso2022_jp` codec): ASCII by default, `ESC $ B` switches to two-octet JIS X 0208,
 * `ESC ( J` to JIS X 0201 Roman (for ¥ and ‾), `ESC ( B` back to ASCII, which is where every
 * message must end.
 *
 * iconv-lite has no ISO-2022-JP, but it has EUC-JP, and an EUC-JP two-octet character is the
 * JIS X 0208 row/cell code with the high bit set on both octets. So the JIS X 0208 table is
 * read out of iconv-lite's EUC-JP table once (first use), minus 0x80 per octet, and kept to
 * what JIS X 0208 defines (rows 1–8 and 16–84: 6879 characters, the same set Python knows).
 * The EUC-JP table follows Windows for six codes (U+FF5E for the wave dash and friends);
 * the standard mapping that Python uses is restored below, and the Windows forms are still
 * accepted when encoding because that is what text typed on Windows contains.
 */

import iconv from 'iconv-lite';
import { characterAt } from './chars.js';
import { TextDecodingError, TextEncodingError } from './errors.js';
import { ByteSink, StringSink } from './sinks.js';

const LABEL = 'JIS X 0208, ISO-2022-JP';
const ESC = 0x1b;

/** JIS X 0208 code → the standard (JIS0208.TXT, Python) character, where EUC-JP tables differ. */
const STANDARD_MAPPING: ReadonlyArray<readonly [code: number, standard: number, windows: number]> = [
  [0x2141, 0x301c, 0xff5e], // WAVE DASH / FULLWIDTH TILDE
  [0x2142, 0x2016, 0x2225], // DOUBLE VERTICAL LINE / PARALLEL TO
  [0x215d, 0x2212, 0xff0d], // MINUS SIGN / FULLWIDTH HYPHEN-MINUS
  [0x2171, 0x00a2, 0xffe0], // CENT SIGN
  [0x2172, 0x00a3, 0xffe1], // POUND SIGN
  [0x224c, 0x00ac, 0xffe2], // NOT SIGN
];

interface JisTables {
  /** (row − 1) · 94 + (cell − 1) → code unit, 0 where JIS X 0208 has no character. */
  readonly decode: Uint16Array;
  /** Code unit → JIS X 0208 code (row + 0x20) << 8 | (cell + 0x20). */
  readonly encode: Map<number, number>;
}

let tables: JisTables | undefined;

function isJisX0208Row(row: number): boolean {
  // Rows 9–15 and 85–94 are unassigned in JIS X 0208; iconv-lite's EUC-JP fills 13 and
  // 89–92 with NEC/IBM vendor characters that a JIS receiver would not have.
  return (row >= 1 && row <= 8) || (row >= 16 && row <= 84);
}

function jisTables(): JisTables {
  if (tables !== undefined) return tables;
  // Every EUC-JP pair, each followed by a newline, decoded in one call: an undefined pair
  // comes back as more than one character, so it cannot be mistaken for a defined one.
  const pairs = Buffer.alloc(94 * 94 * 3);
  let k = 0;
  for (let row = 1; row <= 94; row++) {
    for (let cell = 1; cell <= 94; cell++) {
      pairs[k++] = 0xa0 + row;
      pairs[k++] = 0xa0 + cell;
      pairs[k++] = 0x0a;
    }
  }
  const chars = iconv.decode(pairs, 'euc-jp').split('\n');
  if (chars.length !== 94 * 94 + 1) throw new Error('unexpected shape of the iconv-lite EUC-JP table');
  const decode = new Uint16Array(94 * 94);
  const encode = new Map<number, number>();
  for (let index = 0; index < 94 * 94; index++) {
    const row = Math.floor(index / 94) + 1;
    const char = chars[index] ?? '';
    if (!isJisX0208Row(row) || char.length !== 1 || char === '\uFFFD') continue;
    const unit = char.charCodeAt(0);
    decode[index] = unit;
    if (!encode.has(unit)) encode.set(unit, ((row + 0x20) << 8) | ((index % 94) + 1 + 0x20));
  }
  for (const [code, standard, windows] of STANDARD_MAPPING) {
    decode[((code >> 8) - 0x21) * 94 + (code & 0xff) - 0x21] = standard;
    encode.set(standard, code);
    encode.set(windows, code);
  }
  tables = { decode, encode };
  return tables;
}

/** The character set an ISO-2022-JP stream is currently switched to. */
const Mode = { Ascii: 0, Roman: 1, Jis: 2 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

const DESIGNATE: Readonly<Record<Mode, Uint8Array>> = {
  [Mode.Ascii]: Uint8Array.of(ESC, 0x28, 0x42), // ESC ( B
  [Mode.Roman]: Uint8Array.of(ESC, 0x28, 0x4a), // ESC ( J
  [Mode.Jis]: Uint8Array.of(ESC, 0x24, 0x42), // ESC $ B
};

/** Where a code unit lives: [mode, code], or undefined if ISO-2022-JP cannot carry it. */
function classify(unit: number, jis: JisTables): readonly [Mode, number] | undefined {
  if (unit < 0x80) {
    // ESC, SO and SI would be read as shift controls and corrupt the rest of the message
    // (Python lets them through); refuse them like any other unencodable character.
    return unit === ESC || unit === 0x0e || unit === 0x0f ? undefined : [Mode.Ascii, unit];
  }
  if (unit === 0xa5) return [Mode.Roman, 0x5c]; // ¥
  if (unit === 0x203e) return [Mode.Roman, 0x7e]; // ‾
  const code = jis.encode.get(unit);
  return code === undefined ? undefined : [Mode.Jis, code];
}

/** Checks the replacement up front, so that an unusable one fails loudly instead of mid-text. */
function checkReplacement(replacement: string | undefined, dataCoding: number, jis: JisTables): void {
  if (replacement === undefined) return;
  for (let i = 0; i < replacement.length; i++) {
    if (classify(replacement.charCodeAt(i), jis) === undefined) {
      const char = characterAt(replacement, i);
      throw new TextEncodingError(char, i, dataCoding, LABEL, 'the replacement must be encodable');
    }
  }
}

/**
 * Calls `emit` with the mode and code of every character of `text`, the replacement's
 * characters standing in for unencodable ones (which throw when there is no replacement).
 */
function eachCode(
  text: string,
  replacement: string | undefined,
  dataCoding: number,
  emit: (mode: Mode, code: number) => void,
): void {
  const jis = jisTables();
  checkReplacement(replacement, dataCoding, jis);
  for (let i = 0; i < text.length; i++) {
    const found = classify(text.charCodeAt(i), jis);
    if (found !== undefined) {
      emit(found[0], found[1]);
      continue;
    }
    const char = characterAt(text, i);
    if (replacement === undefined) throw new TextEncodingError(char, i, dataCoding, LABEL);
    for (let r = 0; r < replacement.length; r++) {
      const sub = classify(replacement.charCodeAt(r), jis);
      if (sub !== undefined) emit(sub[0], sub[1]);
    }
    i += char.length - 1;
  }
}

/** Builds one self-contained ISO-2022-JP message: starts in ASCII, ends back in ASCII. */
class Writer {
  private readonly sink: ByteSink;
  private mode: Mode = Mode.Ascii;

  constructor(capacity: number) {
    this.sink = new ByteSink(capacity);
  }

  get length(): number {
    return this.sink.length;
  }

  /** Octets that writing a character of `mode` adds, counting the switch back to ASCII it would need. */
  cost(mode: Mode): number {
    const designate = mode === this.mode ? 0 : 3;
    const closing = mode === Mode.Ascii ? 0 : 3;
    return designate + (mode === Mode.Jis ? 2 : 1) + closing;
  }

  write(mode: Mode, code: number): void {
    if (mode !== this.mode) this.sink.pushAll(DESIGNATE[mode]);
    this.mode = mode;
    if (mode === Mode.Jis) this.sink.push(code >> 8);
    this.sink.push(code & 0xff);
  }

  finish(): Buffer {
    if (this.mode !== Mode.Ascii) this.sink.pushAll(DESIGNATE[Mode.Ascii]);
    return this.sink.toBuffer();
  }
}

export function encodeIso2022Jp(text: string, replacement: string | undefined, dataCoding: number): Buffer {
  const writer = new Writer(text.length * 2 + 8);
  eachCode(text, replacement, dataCoding, (mode, code) => writer.write(mode, code));
  return writer.finish();
}

/**
 * Encodes `text` as consecutive messages of at most `maxOctets` octets each, every one
 * decodable on its own (escape sequences are repeated as needed); characters are never cut.
 */
export function encodeIso2022JpParts(
  text: string,
  maxOctets: number,
  replacement: string | undefined,
  dataCoding: number,
): Buffer[] {
  // The most expensive character costs ESC $ B + 2 octets + ESC ( B.
  if (maxOctets < 8) throw new RangeError('ISO-2022-JP parts need room for at least 8 octets');
  const parts: Buffer[] = [];
  let writer = new Writer(maxOctets);
  eachCode(text, replacement, dataCoding, (mode, code) => {
    if (writer.length + writer.cost(mode) > maxOctets) {
      parts.push(writer.finish());
      writer = new Writer(maxOctets);
    }
    writer.write(mode, code);
  });
  parts.push(writer.finish());
  return parts;
}

export function decodeIso2022Jp(bytes: Uint8Array, replacement: string | undefined, dataCoding: number): string {
  const jis = jisTables();
  const sink = new StringSink(bytes.length);
  let mode: Mode = Mode.Ascii;
  const invalid = (offset: number, reason: string): void => {
    if (replacement === undefined) throw new TextDecodingError(offset, dataCoding, LABEL, reason);
    sink.pushString(replacement);
  };
  let i = 0;
  while (i < bytes.length) {
    const byte = bytes[i] ?? 0;
    if (byte === ESC) {
      const a = bytes[i + 1];
      const b = bytes[i + 2];
      if (a === 0x28 && b === 0x42) mode = Mode.Ascii;
      else if (a === 0x28 && b === 0x4a) mode = Mode.Roman;
      else if (a === 0x24 && (b === 0x42 || b === 0x40)) mode = Mode.Jis; // 1983 or 1978 edition
      else if (a === 0x26 && b === 0x40) {
        // ESC & @ announces the 1990 revision before ESC $ B; nothing to switch.
      } else {
        invalid(i, 'unknown or truncated escape sequence');
        i += 1;
        continue;
      }
      i += 3;
    } else if (byte >= 0x80) {
      invalid(i, `byte 0x${byte.toString(16).toUpperCase()} is not 7-bit`);
      i += 1;
    } else if (mode !== Mode.Jis || byte < 0x21 || byte === 0x7f) {
      // Line breaks and other controls may appear in two-octet mode too (Python accepts them);
      // a space or DEL there is not valid JIS X 0208 but is unambiguous, so it is kept as is.
      if (mode === Mode.Roman && byte === 0x5c) sink.push(0xa5);
      else if (mode === Mode.Roman && byte === 0x7e) sink.push(0x203e);
      else sink.push(byte);
      i += 1;
    } else {
      const second = bytes[i + 1];
      if (second === undefined) {
        invalid(i, 'truncated two-octet character');
        i += 1;
      } else {
        const unit =
          second >= 0x21 && second <= 0x7e ? (jis.decode[(byte - 0x21) * 94 + second - 0x21] ?? 0) : 0;
        if (unit === 0) invalid(i, `0x${((byte << 8) | second).toString(16).toUpperCase()} is not a JIS X 0208 character`);
        else sink.push(unit);
        i += 2;
      }
    }
  }
  return sink.toString();
}
