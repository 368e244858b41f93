/**
 * The User Data Header at the front of a short_message when esm_class has UDHI (0x40) set
 * (reference §8.1): building the concatenation header for outbound parts, and reading any
 * header on inbound messages.
 *
 * The parser walks every information element by its length and skips the ones it does not
 * know, instead of matching the two fixed concatenation prefixes as vumi2 does (which misreads
 * a header that also carries ports, and treats the header as text when UDHI is ignored). A
 * header whose lengths do not fit raises UdhError and never reads past the message.
 */

import { UdhError } from './errors.js';
import type { SplitResult } from './split.js';

/** Information element identifiers this module interprets (3GPP TS 23.040 §9.2.3.24). */
export const Iei = {
  CONCAT_8: 0x00,
  PORTS_8: 0x04,
  PORTS_16: 0x05,
  CONCAT_16: 0x08,
  NATIONAL_SINGLE_SHIFT: 0x24,
  NATIONAL_LOCKING_SHIFT: 0x25,
} as const;

export interface ConcatInfo {
  /** Same in every part of one message; 0–255 or 0–65535 depending on referenceBits. */
  readonly reference: number;
  /** Number of parts, 1–255. */
  readonly total: number;
  /** This part, 1-based. */
  readonly sequence: number;
  readonly referenceBits: 8 | 16;
}

export interface PortInfo {
  readonly destinationPort: number;
  readonly sourcePort: number;
  readonly portBits: 8 | 16;
}

export interface UdhElement {
  readonly iei: number;
  readonly data: Uint8Array;
}

export interface ParsedUdh {
  /** Octets taken by the header, UDHL included (the text starts here). */
  readonly udhLength: number;
  /** Every element in order, known or not. */
  readonly elements: readonly UdhElement[];
  /** Present when a valid concatenation element is (the last one, if repeated, per 23.040). */
  readonly concat?: ConcatInfo;
  /** Present when a valid application port element is. */
  readonly ports?: PortInfo;
  /** The short_message after the header (a copy). */
  readonly payload: Buffer;
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

export interface ConcatFields {
  readonly reference: number;
  readonly total: number;
  readonly sequence: number;
  /** Default 8. */
  readonly referenceBits?: 8 | 16;
}

/** The concatenation element: IEI 0x00 (8-bit reference) or 0x08 (16-bit reference). */
export function concatElement(fields: ConcatFields): UdhElement {
  const bits = fields.referenceBits ?? 8;
  checkInteger('reference', fields.reference, 0, bits === 8 ? 0xff : 0xffff);
  checkInteger('total', fields.total, 1, 255);
  checkInteger('sequence', fields.sequence, 1, fields.total);
  return bits === 8
    ? { iei: Iei.CONCAT_8, data: Uint8Array.of(fields.reference, fields.total, fields.sequence) }
    : {
        iei: Iei.CONCAT_16,
        data: Uint8Array.of(fields.reference >> 8, fields.reference & 0xff, fields.total, fields.sequence),
      };
}

export interface PortFields {
  readonly destinationPort: number;
  readonly sourcePort: number;
  /** Default 16, the form WAP push and most applications use. */
  readonly portBits?: 8 | 16;
}

/** The application port element: IEI 0x04 (8-bit ports) or 0x05 (16-bit ports). */
export function portsElement(fields: PortFields): UdhElement {
  const bits = fields.portBits ?? 16;
  const max = bits === 8 ? 0xff : 0xffff;
  checkInteger('destinationPort', fields.destinationPort, 0, max);
  checkInteger('sourcePort', fields.sourcePort, 0, max);
  const { destinationPort: d, sourcePort: s } = fields;
  return bits === 8
    ? { iei: Iei.PORTS_8, data: Uint8Array.of(d, s) }
    : { iei: Iei.PORTS_16, data: Uint8Array.of(d >> 8, d & 0xff, s >> 8, s & 0xff) };
}

/** UDHL followed by the elements. */
export function buildUdh(elements: readonly UdhElement[]): Buffer {
  let length = 0;
  for (const { iei, data } of elements) {
    checkInteger('IEI', iei, 0, 0xff);
    checkInteger('element length', data.length, 0, 0xff);
    length += 2 + data.length;
  }
  checkInteger('UDH length', length, 0, 0xff);
  const out = Buffer.alloc(1 + length);
  out[0] = length;
  let offset = 1;
  for (const { iei, data } of elements) {
    out[offset] = iei;
    out[offset + 1] = data.length;
    out.set(data, offset + 2);
    offset += 2 + data.length;
  }
  return out;
}

/** `05 00 03 RR TT SS` (8-bit reference) or `06 08 04 RH RL TT SS` (16-bit reference). */
export function buildConcatUdh(reference: number, total: number, sequence: number, referenceBits: 8 | 16 = 8): Buffer {
  return buildUdh([concatElement({ reference, total, sequence, referenceBits })]);
}

function byteAt(bytes: Uint8Array, offset: number): number {
  return bytes[offset] ?? 0;
}

/** Interprets a concatenation element; undefined when 23.040 says to ignore it. */
function readConcat(iei: number, data: Uint8Array): ConcatInfo | undefined {
  let info: ConcatInfo;
  if (iei === Iei.CONCAT_8 && data.length === 3) {
    info = { reference: byteAt(data, 0), total: byteAt(data, 1), sequence: byteAt(data, 2), referenceBits: 8 };
  } else if (iei === Iei.CONCAT_16 && data.length === 4) {
    info = {
      reference: (byteAt(data, 0) << 8) | byteAt(data, 1),
      total: byteAt(data, 2),
      sequence: byteAt(data, 3),
      referenceBits: 16,
    };
  } else {
    return undefined;
  }
  // 23.040 §9.2.3.24.1: a zero total, or a sequence of zero or above the total, voids the element.
  return info.total >= 1 && info.sequence >= 1 && info.sequence <= info.total ? info : undefined;
}

function readPorts(iei: number, data: Uint8Array): PortInfo | undefined {
  if (iei === Iei.PORTS_8 && data.length === 2) {
    return { destinationPort: byteAt(data, 0), sourcePort: byteAt(data, 1), portBits: 8 };
  }
  if (iei === Iei.PORTS_16 && data.length === 4) {
    return {
      destinationPort: (byteAt(data, 0) << 8) | byteAt(data, 1),
      sourcePort: (byteAt(data, 2) << 8) | byteAt(data, 3),
      portBits: 16,
    };
  }
  return undefined;
}

/**
 * Reads the UDH at the start of `shortMessage` (call it when esm_class has UDHI set).
 * Unknown elements are kept in `elements` and otherwise skipped; known elements with a wrong
 * length or invalid values are ignored as 23.040 asks. Throws UdhError when UDHL runs past
 * the message or an element runs past UDHL.
 */
export function parseUdh(shortMessage: Uint8Array): ParsedUdh {
  if (shortMessage.length === 0) throw new UdhError(0, 'empty short_message, no UDHL');
  const udhl = byteAt(shortMessage, 0);
  const end = 1 + udhl;
  if (end > shortMessage.length) {
    throw new UdhError(0, `UDHL ${udhl} runs past the ${shortMessage.length}-octet short_message`);
  }
  const elements: UdhElement[] = [];
  let concat: ConcatInfo | undefined;
  let ports: PortInfo | undefined;
  let offset = 1;
  while (offset < end) {
    if (offset + 2 > end) throw new UdhError(offset, 'information element header runs past the UDH');
    const iei = byteAt(shortMessage, offset);
    const iedl = byteAt(shortMessage, offset + 1);
    if (offset + 2 + iedl > end) {
      throw new UdhError(offset, `element 0x${iei.toString(16).padStart(2, '0')} of ${iedl} octets runs past the UDH`);
    }
    const data = Buffer.from(shortMessage.subarray(offset + 2, offset + 2 + iedl));
    elements.push({ iei, data });
    concat = readConcat(iei, data) ?? concat;
    ports = readPorts(iei, data) ?? ports;
    offset += 2 + iedl;
  }
  const payload = Buffer.from(shortMessage.subarray(end));
  return {
    udhLength: end,
    elements,
    payload,
    ...(concat === undefined ? {} : { concat }),
    ...(ports === undefined ? {} : { ports }),
  };
}

/**
 * The short_messages for a split message: each part with its concatenation UDH in front
 * (set esm_class UDHI, 0x40, on each). A single part is returned as is, without UDH.
 */
export function withConcatUdh(split: SplitResult, reference: number): Buffer[] {
  if (split.count === 1) return [...split.parts];
  if (split.concat === 'sar') {
    throw new TypeError('parts split for SAR carry no UDH; send them with sarParameters() TLVs');
  }
  const bits = split.concat === 'udh16' ? 16 : 8;
  return split.parts.map((part, index) =>
    Buffer.concat([buildConcatUdh(reference, split.count, index + 1, bits), part]),
  );
}
