/**
 * data_coding 8, "UCS2": in practice UTF-16BE without BOM, with surrogate pairs passed
 * through (reference §5.5), which is also what vumi2 sends (Python `utf_16_be`).
 *
 * Not iconv-lite: its `ucs2` is little-endian, and Node's own UTF-16LE plus a byte swap is
 * both correct and native-speed. Lone surrogates are not characters; they are rejected (or
 * replaced) rather than sent as half an emoji.
 */

import { characterAt, isHighSurrogate, isLowSurrogate } from './chars.js';
import { TextDecodingError, TextEncodingError } from './errors.js';

const LABEL = 'UCS2';

/** Index of the first unpaired surrogate, or -1. */
function firstLoneSurrogate(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (isHighSurrogate(unit)) {
      if (!isLowSurrogate(text.charCodeAt(i + 1))) return i;
      i++;
    } else if (isLowSurrogate(unit)) {
      return i;
    }
  }
  return -1;
}

function replaceLoneSurrogates(text: string, from: number, replacement: string): string {
  let out = text.slice(0, from);
  for (let i = from; i < text.length; i++) {
    const char = characterAt(text, i);
    const unit = char.charCodeAt(0);
    if (char.length === 1 && (isHighSurrogate(unit) || isLowSurrogate(unit))) {
      out += replacement;
    } else {
      out += char;
      i += char.length - 1;
    }
  }
  return out;
}

export function encodeUcs2(text: string, replacement: string | undefined, dataCoding: number): Buffer {
  let wellFormed = text;
  const lone = firstLoneSurrogate(text);
  if (lone >= 0) {
    if (replacement === undefined) {
      throw new TextEncodingError(text.charAt(lone), lone, dataCoding, LABEL, 'unpaired surrogate');
    }
    const badReplacement = firstLoneSurrogate(replacement);
    if (badReplacement >= 0) {
      throw new TextEncodingError(
        replacement.charAt(badReplacement),
        badReplacement,
        dataCoding,
        LABEL,
        'the replacement must be encodable',
      );
    }
    wellFormed = replaceLoneSurrogates(text, lone, replacement);
  }
  return Buffer.from(wellFormed, 'utf16le').swap16();
}

export function decodeUcs2(bytes: Uint8Array, replacement: string | undefined, dataCoding: number): string {
  const even = bytes.length & ~1;
  if (even !== bytes.length && replacement === undefined) {
    throw new TextDecodingError(even, dataCoding, LABEL, 'odd number of octets');
  }
  // A copy, because swap16 works in place and the input belongs to the caller.
  const text = Buffer.from(bytes.subarray(0, even)).swap16().toString('utf16le');
  const lone = firstLoneSurrogate(text);
  let result = text;
  if (lone >= 0) {
    if (replacement === undefined) {
      throw new TextDecodingError(2 * lone, dataCoding, LABEL, 'unpaired surrogate');
    }
    result = replaceLoneSurrogates(text, lone, replacement);
  }
  return even === bytes.length ? result : result + (replacement ?? '');
}
