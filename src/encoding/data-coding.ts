/**
 * What a data_coding octet means for the text it labels (reference §5.5).
 *
 * SMPP 3.4 defines 0x00–0x0E itself; above that SMSCs pass GSM 03.38 DCS values through, so
 * the GSM groups that name a plain alphabet (general group with class 0x10–0x1B, message
 * waiting 0xC0–0xEF, data coding/message class 0xF0–0xFF) are understood too. Everything
 * else (pictograms, KS C 5601, compressed text, reserved values) is reported as unsupported
 * rather than guessed at.
 */

import { UnsupportedDataCodingError } from './errors.js';

/** data_coding values by the names vumi2 uses in its configuration (DataCodingDefault). */
export const DataCoding = {
  SMSC_DEFAULT_ALPHABET: 0x00,
  IA5_ASCII: 0x01,
  OCTET_UNSPECIFIED: 0x02,
  LATIN_1: 0x03,
  OCTET_UNSPECIFIED_COMMON: 0x04,
  JIS: 0x05,
  CYRILLIC: 0x06,
  ISO_8859_8: 0x07,
  UCS2: 0x08,
  PICTOGRAM: 0x09,
  ISO_2022_JP: 0x0a,
  EXTENDED_KANJI_JIS: 0x0d,
  KS_C_5601: 0x0e,
} as const;

/**
 * The character repertoire behind a data_coding:
 * - `gsm7`: GSM 03.38 default alphabet and extension table
 * - `ascii`: IA5 / US-ASCII, 0x00–0x7F
 * - `latin1`: ISO-8859-1
 * - `octets`: 8-bit binary; the text API maps byte n to U+00nn (see charsets.ts)
 * - `jis`: JIS X 0208 in ISO-2022-JP form (what vumi2's Python `iso2022_jp` produces)
 * - `cyrillic`: ISO-8859-5
 * - `hebrew`: ISO-8859-8
 * - `ucs2`: UTF-16BE, surrogate pairs allowed
 */
export type Alphabet = 'gsm7' | 'ascii' | 'latin1' | 'octets' | 'jis' | 'cyrillic' | 'hebrew' | 'ucs2';

/** What message sizes are counted in (reference §7.4). */
export type LengthUnit = 'septet' | 'octet' | 'utf16';

export interface DataCodingInfo {
  readonly dataCoding: number;
  readonly alphabet: Alphabet;
  /** Human name used in error messages, e.g. `GSM 03.38`. */
  readonly label: string;
  readonly unit: LengthUnit;
  /** GSM message class (0 = flash … 3 = TE) when the value carries one. */
  readonly messageClass?: 0 | 1 | 2 | 3;
}

interface AlphabetFacts {
  readonly label: string;
  readonly unit: LengthUnit;
}

const ALPHABETS: Readonly<Record<Alphabet, AlphabetFacts>> = {
  gsm7: { label: 'GSM 03.38', unit: 'septet' },
  ascii: { label: 'IA5/ASCII', unit: 'octet' },
  latin1: { label: 'Latin-1', unit: 'octet' },
  octets: { label: '8-bit binary', unit: 'octet' },
  jis: { label: 'JIS X 0208, ISO-2022-JP', unit: 'octet' },
  cyrillic: { label: 'ISO-8859-5', unit: 'octet' },
  hebrew: { label: 'ISO-8859-8', unit: 'octet' },
  ucs2: { label: 'UCS2', unit: 'utf16' },
};

const SMPP_CODINGS: ReadonlyArray<Alphabet | undefined> = [
  'gsm7', // 0x00 SMSC default alphabet, taken to be GSM 03.38 (charsets.ts lets callers pack it)
  'ascii', // 0x01
  'octets', // 0x02
  'latin1', // 0x03
  'octets', // 0x04
  'jis', // 0x05
  'cyrillic', // 0x06
  'hebrew', // 0x07
  'ucs2', // 0x08
];

const UNSUPPORTED_REASON: Readonly<Record<number, string>> = {
  0x09: 'pictogram encoding',
  0x0a: 'ISO-2022-JP music codes',
  0x0b: 'reserved',
  0x0c: 'reserved',
  0x0d: 'extended Kanji JIS X 0212',
  0x0e: 'KS C 5601',
  0x0f: 'reserved',
};

function info(dataCoding: number, alphabet: Alphabet, messageClass?: number): DataCodingInfo {
  const facts = ALPHABETS[alphabet];
  const base = { dataCoding, alphabet, label: facts.label, unit: facts.unit };
  // Only 0–3 reach here (two bits of the DCS); the cast names that fact for the type checker.
  return messageClass === undefined ? base : { ...base, messageClass: messageClass as 0 | 1 | 2 | 3 };
}

/** Bits 3–2 of a GSM DCS: 00 GSM 7-bit, 01 8-bit, 10 UCS2, 11 reserved. */
const GSM_DCS_ALPHABET: ReadonlyArray<Alphabet | undefined> = ['gsm7', 'octets', 'ucs2', undefined];

/** Interprets a data_coding octet, or throws `UnsupportedDataCodingError`. */
export function dataCodingInfo(dataCoding: number): DataCodingInfo {
  if (!Number.isInteger(dataCoding) || dataCoding < 0 || dataCoding > 0xff) {
    throw new UnsupportedDataCodingError(dataCoding);
  }
  const smpp = SMPP_CODINGS[dataCoding];
  if (smpp !== undefined) return info(dataCoding, smpp);
  if (dataCoding >= 0x10 && dataCoding <= 0x1f) {
    // GSM general data coding, uncompressed, message class in bits 1–0.
    const alphabet = GSM_DCS_ALPHABET[(dataCoding >> 2) & 3];
    if (alphabet === undefined) throw new UnsupportedDataCodingError(dataCoding, 'reserved GSM alphabet');
    return info(dataCoding, alphabet, dataCoding & 3);
  }
  if (dataCoding >= 0xc0 && dataCoding <= 0xdf) return info(dataCoding, 'gsm7'); // message waiting, 7-bit
  if (dataCoding >= 0xe0 && dataCoding <= 0xef) return info(dataCoding, 'ucs2'); // message waiting, UCS2
  if (dataCoding >= 0xf0) {
    // 1111 r c mm: c chooses 7-bit or 8-bit; the reserved bit r is ignored, as §5.5 advises.
    return info(dataCoding, (dataCoding & 0x04) === 0 ? 'gsm7' : 'octets', dataCoding & 3);
  }
  // Left: 0x09–0x0F and 0x20–0xBF (reserved in 3.4; in GSM terms compressed text or groups we
  // would only be guessing at).
  throw new UnsupportedDataCodingError(dataCoding, UNSUPPORTED_REASON[dataCoding] ?? 'reserved');
}

export function isSupportedDataCoding(dataCoding: number): boolean {
  try {
    dataCodingInfo(dataCoding);
    return true;
  } catch {
    return false;
  }
}
