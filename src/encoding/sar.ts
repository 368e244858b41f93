/**
 * Segmentation and reassembly TLVs (reference §8.2): the alternative to a UDH, where the
 * ESME sends each part with `sar_msg_ref_num`, `sar_total_segments` and `sar_segment_seqnum`
 * and the SMSC builds the UDH. The fields use the TLV names on purpose, since that is what
 * they become on the PDU.
 */

import type { ConcatInfo } from './udh.js';

export interface SarParameters {
  /** TLV 0x020C, I2. */
  readonly sar_msg_ref_num: number;
  /** TLV 0x020E, I1. */
  readonly sar_total_segments: number;
  /** TLV 0x020F, I1, 1-based. */
  readonly sar_segment_seqnum: number;
}

/** The SAR TLV values for each of `total` parts of one message (`total` from SplitResult.count). */
export function sarParameters(reference: number, total: number): SarParameters[] {
  if (!Number.isInteger(reference) || reference < 0 || reference > 0xffff) {
    throw new RangeError(`sar_msg_ref_num must be an integer from 0 to 65535, got ${String(reference)}`);
  }
  if (!Number.isInteger(total) || total < 1 || total > 255) {
    throw new RangeError(`sar_total_segments must be an integer from 1 to 255, got ${String(total)}`);
  }
  return Array.from({ length: total }, (_, index) => ({
    sar_msg_ref_num: reference,
    sar_total_segments: total,
    sar_segment_seqnum: index + 1,
  }));
}

/**
 * Inbound: the concatenation described by SAR TLVs, in the same shape parseUdh gives, or
 * undefined when the set is incomplete (§8.2: the three go together) or inconsistent.
 */
export function concatFromSar(tlvs: Partial<SarParameters>): ConcatInfo | undefined {
  const { sar_msg_ref_num: reference, sar_total_segments: total, sar_segment_seqnum: sequence } = tlvs;
  if (reference === undefined || total === undefined || sequence === undefined) return undefined;
  const valid =
    Number.isInteger(reference) &&
    reference >= 0 &&
    reference <= 0xffff &&
    Number.isInteger(total) &&
    total >= 1 &&
    total <= 255 &&
    Number.isInteger(sequence) &&
    sequence >= 1 &&
    sequence <= total;
  return valid ? { reference, total, sequence, referenceBits: 16 } : undefined;
}
