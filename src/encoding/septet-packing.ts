/**
 * GSM 7-bit packing (reference §7.3): eight septets in seven octets, as on the air interface.
 *
 * SMPP normally carries data_coding 0 unpacked; packing is here for SMSCs configured for
 * packed short_messages and for building or reading raw TP-UD. Septet i occupies bits
 * fill + 7i … fill + 7i + 6 of a little-endian bit stream, where the fill bits align the text
 * on a septet boundary after a UDH.
 */

import { TextDecodingError } from './errors.js';

/** Carriage return: the padding septet 23.038 §6.1.2.3.1 prescribes. */
const CR = 0x0d;

function checkFillBits(fillBits: number): void {
  if (!Number.isInteger(fillBits) || fillBits < 0 || fillBits > 6) {
    throw new RangeError(`fill bits must be an integer from 0 to 6, got ${String(fillBits)}`);
  }
}

/** Fill bits between a UDH of `udhLength` octets (UDHL included) and 7-bit text: 6 → 1, 7 → 0. */
export function udhFillBits(udhLength: number): number {
  return (7 - ((8 * udhLength) % 7)) % 7;
}

/** Packs septets (values 0–0x7F) after `fillBits` zero bits. Length ⌈(fill + 7n) / 8⌉. */
export function packSeptets(septets: Uint8Array, fillBits = 0): Buffer {
  checkFillBits(fillBits);
  const out = Buffer.alloc(Math.ceil((fillBits + 7 * septets.length) / 8));
  for (let i = 0; i < septets.length; i++) {
    const septet = (septets[i] ?? 0) & 0x7f;
    const bit = fillBits + 7 * i;
    const octet = bit >> 3;
    const shift = bit & 7;
    out[octet] = (out[octet] ?? 0) | ((septet << shift) & 0xff);
    if (shift > 1) out[octet + 1] = (out[octet + 1] ?? 0) | (septet >> (8 - shift));
  }
  return out;
}

export interface UnpackOptions {
  /** Bits to skip before the first septet (after a UDH); default 0. */
  readonly fillBits?: number;
  /** How many septets to read; by default as many as fit (⌊(8·length − fill) / 7⌋). */
  readonly septets?: number;
  /** Only labels errors. */
  readonly dataCoding?: number;
}

/** Unpacks septets, one per octet of the result. */
export function unpackSeptets(octets: Uint8Array, options: UnpackOptions = {}): Buffer {
  const fillBits = options.fillBits ?? 0;
  checkFillBits(fillBits);
  const available = Math.max(0, Math.floor((8 * octets.length - fillBits) / 7));
  const count = options.septets ?? available;
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`septet count must be a natural number`);
  if (count > available) {
    throw new TextDecodingError(
      octets.length,
      options.dataCoding ?? 0,
      'GSM 03.38 packed',
      `${count} septets announced but only ${available} present`,
    );
  }
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i++) {
    const bit = fillBits + 7 * i;
    const octet = bit >> 3;
    const shift = bit & 7;
    let value = (octets[octet] ?? 0) >> shift;
    if (shift > 1) value |= (octets[octet + 1] ?? 0) << (8 - shift);
    out[i] = value & 0x7f;
  }
  return out;
}

/**
 * Applies 23.038's padding so that a receiver that infers the septet count from the octet
 * count (as an SMSC must with a packed short_message: SMPP carries no septet count) does not
 * see a phantom `@` in 7 zero spare bits: pad with CR; and if the text really ends in CR
 * exactly on an octet boundary, add a second CR so that CR is not taken for padding.
 */
export function padSeptetsForPacking(septets: Uint8Array, fillBits = 0): Uint8Array {
  const usedBits = (fillBits + 7 * septets.length) % 8;
  const needsPad = usedBits === 1 || (usedBits === 0 && septets.length > 0 && septets[septets.length - 1] === CR);
  if (!needsPad) return septets;
  const padded = new Uint8Array(septets.length + 1);
  padded.set(septets);
  padded[septets.length] = CR;
  return padded;
}

/**
 * Undoes the CR padding on septets whose count was inferred from the octet count: a final CR
 * that ends exactly on an octet boundary was padding (see padSeptetsForPacking).
 */
export function stripPackingPadding(septets: Uint8Array, fillBits = 0): Uint8Array {
  const endsOnOctet = (fillBits + 7 * septets.length) % 8 === 0;
  return endsOnOctet && septets.length > 0 && septets[septets.length - 1] === CR
    ? septets.subarray(0, septets.length - 1)
    : septets;
}
