/**
 * Inbound short_message → text: the UDH (if esm_class says there is one) and the text after
 * it, decoded in one step, because with packed GSM the text's bit alignment depends on the
 * header length and is easy to get wrong at the call site.
 */

import { decodeText } from './charsets.js';
import type { DecodeOptions } from './charsets.js';
import { udhFillBits } from './septet-packing.js';
import { parseUdh } from './udh.js';
import type { ParsedUdh } from './udh.js';

export interface ShortMessageOptions extends Omit<DecodeOptions, 'fillBits'> {
  /** esm_class has UDHI (0x40) set: the message starts with a UDH. */
  readonly udhi?: boolean;
}

export interface DecodedShortMessage {
  readonly text: string;
  readonly udh?: ParsedUdh;
}

/** Throws UdhError for a malformed header, TextDecodingError for invalid text. */
export function decodeShortMessage(
  shortMessage: Uint8Array,
  dataCoding: number,
  options: ShortMessageOptions = {},
): DecodedShortMessage {
  const { udhi, ...decodeOptions } = options;
  if (udhi !== true) return { text: decodeText(shortMessage, dataCoding, decodeOptions) };
  const udh = parseUdh(shortMessage);
  const text = decodeText(udh.payload, dataCoding, { ...decodeOptions, fillBits: udhFillBits(udh.udhLength) });
  return { text, udh };
}
