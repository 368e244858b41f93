/**
 * Text ⇄ short_message octets for a data_coding: the one entry point the PDU and transport
 * layers need, dispatching to the coding's own module.
 *
 * Strict by default: a character the coding cannot carry throws TextEncodingError and an
 * invalid octet throws TextDecodingError. Lossy behaviour has to be asked for with
 * `replacement`, so that no '?' reaches a handset unless someone chose it.
 */

import { dataCodingInfo } from './data-coding.js';
import type { Alphabet } from './data-coding.js';
import { decodeGsmSeptets, encodeGsmSeptets, gsmReplacementSeptets } from './gsm0338.js';
import { decodeIso2022Jp, encodeIso2022Jp } from './iso2022jp.js';
import { packSeptets, padSeptetsForPacking, stripPackingPadding, unpackSeptets } from './septet-packing.js';
import {
  ASCII,
  LATIN_1,
  OCTETS,
  decodeSingleByte,
  encodeSingleByte,
  iso88595,
  iso88598,
  singleByteReplacement,
} from './single-byte.js';
import type { SingleByteCharset } from './single-byte.js';
import { decodeUcs2, encodeUcs2 } from './ucs2.js';

export interface EncodeOptions {
  /**
   * Put this text in place of each character the coding cannot carry (e.g. `'?'`; `''` drops
   * them). It must itself be encodable. Without it, such a character throws TextEncodingError.
   */
  readonly replacement?: string;
  /**
   * GSM 7-bit codings only (0x00, 0xF0–0xF3, …): pack 8 septets into 7 octets, for SMSCs set
   * up for packed data_coding 0. The default, one septet per octet, is the SMPP convention.
   * Ignored for other codings, so it can be a per-bind setting.
   */
  readonly gsmPacked?: boolean;
}

export interface DecodeOptions {
  /**
   * Put this text (e.g. `'\uFFFD'`) in place of each invalid octet or sequence. Without it,
   * invalid input throws TextDecodingError.
   */
  readonly replacement?: string;
  /** GSM 7-bit codings only: the octets are packed septets. */
  readonly gsmPacked?: boolean;
  /** Packed GSM only: bits before the first septet (use `udhFillBits` after a UDH). */
  readonly fillBits?: number;
  /**
   * Packed GSM only: the septet count, when known. Otherwise it is inferred from the octet
   * count, and a final CR that only pads to the octet boundary is dropped (23.038 §6.1.2.3.1).
   */
  readonly septets?: number;
}

type SingleByteAlphabet = Exclude<Alphabet, 'gsm7' | 'ucs2' | 'jis'>;

function singleByteSet(alphabet: SingleByteAlphabet): SingleByteCharset {
  switch (alphabet) {
    case 'ascii':
      return ASCII;
    case 'latin1':
      return LATIN_1;
    case 'octets':
      return OCTETS;
    case 'cyrillic':
      return iso88595();
    case 'hebrew':
      return iso88598();
  }
}

/**
 * Encodes text for `dataCoding`. For the binary codings (2, 4, 0xF4–0xF7, …) each character
 * U+0000–U+00FF becomes the octet of the same value (a lossless "binary string"), anything
 * above is unencodable; pass a Buffer around instead when the payload really is binary.
 */
export function encodeText(text: string, dataCoding: number, options: EncodeOptions = {}): Buffer {
  const info = dataCodingInfo(dataCoding);
  const { replacement } = options;
  switch (info.alphabet) {
    case 'gsm7': {
      const septets = encodeGsmSeptets(text, gsmReplacementSeptets(replacement, dataCoding), dataCoding);
      return options.gsmPacked === true ? packSeptets(padSeptetsForPacking(septets)) : septets;
    }
    case 'ucs2':
      return encodeUcs2(text, replacement, dataCoding);
    case 'jis':
      return encodeIso2022Jp(text, replacement, dataCoding);
    default: {
      const set = singleByteSet(info.alphabet);
      return encodeSingleByte(set, text, singleByteReplacement(set, replacement, dataCoding), dataCoding);
    }
  }
}

/** Decodes octets labelled `dataCoding`; binary codings map octet n to U+00nn. */
export function decodeText(bytes: Uint8Array, dataCoding: number, options: DecodeOptions = {}): string {
  const info = dataCodingInfo(dataCoding);
  const { replacement } = options;
  switch (info.alphabet) {
    case 'gsm7': {
      if (options.gsmPacked !== true) return decodeGsmSeptets(bytes, replacement, dataCoding);
      const fillBits = options.fillBits ?? 0;
      const unpacked =
        options.septets === undefined
          ? stripPackingPadding(unpackSeptets(bytes, { fillBits, dataCoding }), fillBits)
          : unpackSeptets(bytes, { fillBits, septets: options.septets, dataCoding });
      return decodeGsmSeptets(unpacked, replacement, dataCoding);
    }
    case 'ucs2':
      return decodeUcs2(bytes, replacement, dataCoding);
    case 'jis':
      return decodeIso2022Jp(bytes, replacement, dataCoding);
    default:
      return decodeSingleByte(singleByteSet(info.alphabet), bytes, replacement, dataCoding);
  }
}
