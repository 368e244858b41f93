/**
 * Splitting a long message into concatenated parts at the 140-octet TP-UD limits (§7.4).
 *
 * Sizes are counted in the unit the handset pays in (septets for GSM, UTF-16 code units for
 * UCS2, octets otherwise), never in encoded bytes as vumi2 does, and a part never ends inside
 * a GSM escape pair or a UTF-16 surrogate pair: the whole pair moves to the next part, so
 * every part decodes on its own. ISO-2022-JP parts are complete messages each (their own
 * escape sequences, ending in ASCII).
 */

import { isHighSurrogate, isLowSurrogate } from './chars.js';
import { encodeText } from './charsets.js';
import type { EncodeOptions } from './charsets.js';
import { dataCodingInfo } from './data-coding.js';
import type { DataCodingInfo, LengthUnit } from './data-coding.js';
import { MessageTooLongError } from './errors.js';
import { GSM_ESCAPE } from './gsm0338.js';
import { encodeIso2022JpParts } from './iso2022jp.js';
import { packSeptets, padSeptetsForPacking, udhFillBits } from './septet-packing.js';

/**
 * How the parts will be tied together: a UDH with an 8-bit or 16-bit reference in each
 * short_message, or SAR TLVs (the SMSC adds the UDH, so parts keep the 8-bit UDH sizes).
 */
export type ConcatMethod = 'udh8' | 'udh16' | 'sar';

/** Sizes in the coding's unit: `single` for an unsplit message, `part` for each concatenated part. */
export interface SplitLimits {
  readonly single: number;
  readonly part: number;
}

export interface SplitOptions extends EncodeOptions {
  /** Default `udh8`. */
  readonly concat?: ConcatMethod;
  /** Refuse messages needing more parts (MessageTooLongError). Default and maximum 255. */
  readonly maxParts?: number;
  /**
   * Replace the §7.4 limits, e.g. when an SMSC transcodes data_coding 1 or 3 to GSM 7-bit
   * and the 7-bit sizes apply (`{ single: 160, part: 153 }`, vumi2's choice for IA5).
   */
  readonly limits?: SplitLimits;
}

export interface SplitResult {
  readonly dataCoding: number;
  readonly concat: ConcatMethod;
  readonly unit: LengthUnit;
  /** Whether GSM parts are packed (only ever true for GSM 7-bit codings). */
  readonly gsmPacked: boolean;
  /**
   * The encoded payload of each part, without any UDH. With one part this is the whole
   * short_message and no UDH must be added. Packed GSM parts of a UDH-concatenated message
   * already start with the fill bits that follow the UDH, so `UDH + part` is the short_message.
   */
  readonly parts: readonly Buffer[];
  readonly count: number;
  /** Size of each part in `unit` (GSM: septets before any CR padding). */
  readonly sizes: readonly number[];
}

/** §7.4, by unit: [single message, part with 8-bit-reference UDH, part with 16-bit reference]. */
const LIMITS: Readonly<Record<LengthUnit, readonly [single: number, udh8: number, udh16: number]>> = {
  septet: [160, 153, 152],
  octet: [140, 134, 133],
  utf16: [70, 67, 66],
};

/** UDH octets for each concatenation method (UDHL included); SAR puts none in short_message. */
const UDH_LENGTH: Readonly<Record<ConcatMethod, number>> = { udh8: 6, udh16: 7, sar: 0 };

export const MAX_PARTS = 255;

/** The §7.4 limits for a data_coding and concatenation method. */
export function splitLimits(dataCoding: number, concat: ConcatMethod = 'udh8'): SplitLimits {
  const [single, udh8, udh16] = LIMITS[dataCodingInfo(dataCoding).unit];
  return { single, part: concat === 'udh16' ? udh16 : udh8 };
}

/** The smallest part that can hold the coding's largest indivisible unit. */
function minimumPart(info: DataCodingInfo): number {
  if (info.alphabet === 'jis') return 8; // ESC $ B, two octets, ESC ( B
  return info.unit === 'octet' ? 1 : 2; // escape pair, surrogate pair
}

function checkLimits(limits: SplitLimits, info: DataCodingInfo): void {
  const min = minimumPart(info);
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || (value as number) < min) {
      throw new RangeError(`split limit ${name} must be an integer of at least ${min}, got ${String(value)}`);
    }
  }
}

/**
 * Greedy cut of `length` units into spans of at most `max`, where `step(i)` is the size of
 * the indivisible unit starting at i (2 for an escape or surrogate pair, else 1).
 * Returns the end offsets.
 */
function cut(length: number, max: number, step: (i: number) => number): number[] {
  const ends: number[] = [];
  let start = 0;
  for (let i = 0; i < length; ) {
    const size = step(i);
    if (i + size - start > max) {
      ends.push(i);
      start = i;
    }
    i += size;
  }
  ends.push(length);
  return ends;
}

function slices(bytes: Buffer, ends: readonly number[], unitBytes: number): Buffer[] {
  let start = 0;
  return ends.map((end) => {
    const part = bytes.subarray(start * unitBytes, end * unitBytes);
    start = end;
    return part;
  });
}

/**
 * Encodes `content` for `dataCoding` and splits it when it exceeds one SMS. `content` may be
 * a Uint8Array only for binary codings (2, 4, 0xF4–0xF7, …); text for binary codings goes
 * through the octet mapping of encodeText.
 */
export function splitText(content: string | Uint8Array, dataCoding: number, options: SplitOptions = {}): SplitResult {
  const info = dataCodingInfo(dataCoding);
  const concat = options.concat ?? 'udh8';
  const limits = options.limits ?? splitLimits(dataCoding, concat);
  checkLimits(limits, info);
  const maxParts = options.maxParts ?? MAX_PARTS;
  if (!Number.isInteger(maxParts) || maxParts < 1 || maxParts > MAX_PARTS) {
    throw new RangeError(`maxParts must be an integer from 1 to ${MAX_PARTS}, got ${String(maxParts)}`);
  }
  if (typeof content !== 'string' && info.alphabet !== 'octets') {
    throw new TypeError(`data_coding ${dataCoding} (${info.label}) needs text, not bytes, to split safely`);
  }
  const encodeOptions: EncodeOptions = options.replacement === undefined ? {} : { replacement: options.replacement };
  const gsmPacked = info.alphabet === 'gsm7' && options.gsmPacked === true;

  let parts: Buffer[];
  let sizes: number[];
  if (info.alphabet === 'jis' && typeof content === 'string') {
    const whole = encodeText(content, dataCoding, encodeOptions);
    parts =
      whole.length <= limits.single
        ? [whole]
        : encodeIso2022JpParts(content, limits.part, options.replacement, dataCoding);
    if (parts.length > maxParts) throw new MessageTooLongError(parts.length, maxParts, dataCoding, info.label);
    sizes = parts.map((part) => part.length);
  } else {
    // Unpacked: packing, if asked for, happens per part once the fill bits are known.
    const bytes = typeof content === 'string' ? encodeText(content, dataCoding, encodeOptions) : Buffer.from(content);
    const unitBytes = info.unit === 'utf16' ? 2 : 1;
    const units = bytes.length / unitBytes;
    let step: (i: number) => number = () => 1;
    if (info.alphabet === 'gsm7') {
      step = (i) => (bytes[i] === GSM_ESCAPE ? 2 : 1);
    } else if (info.unit === 'utf16') {
      const unitAt = (i: number): number => (i < units ? bytes.readUInt16BE(2 * i) : 0);
      step = (i) => (isHighSurrogate(unitAt(i)) && isLowSurrogate(unitAt(i + 1)) ? 2 : 1);
    }
    const ends = units <= limits.single ? [units] : cut(units, limits.part, step);
    if (ends.length > maxParts) throw new MessageTooLongError(ends.length, maxParts, dataCoding, info.label);
    parts = slices(bytes, ends, unitBytes);
    sizes = parts.map((part) => part.length / unitBytes);
  }

  if (gsmPacked) {
    const fillBits = parts.length > 1 ? udhFillBits(UDH_LENGTH[concat]) : 0;
    parts = parts.map((septets) => packSeptets(padSeptetsForPacking(septets, fillBits), fillBits));
  }
  return { dataCoding, concat, unit: info.unit, gsmPacked, parts, count: parts.length, sizes };
}
