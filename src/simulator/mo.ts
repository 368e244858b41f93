import { z } from 'zod';
import { encodeText } from '../encoding/charsets.js';
import { sarParameters } from '../encoding/sar.js';
import { splitText } from '../encoding/split.js';
import { withConcatUdh } from '../encoding/udh.js';
import type { PduInputOf } from '../pdu/types.js';

/** An MO message to inject, as POST /mo and `injectMo` take it. */
export const moRequestSchema = z.object({
  from: z.string().min(1).max(20),
  to: z.string().min(1).max(20),
  text: z.string(),
  data_coding: z.number().int().min(0).max(255).default(0),
  /** How a text too long for one SMS travels: UDH with an 8- or 16-bit reference, SAR TLVs, or message_payload. */
  multipart: z.enum(['udh', 'udh16', 'sar', 'payload']).default('udh'),
  /** The account whose receiver binds get it; the first configured account when left out. */
  system_id: z.string().optional(),
  source_addr_ton: z.number().int().min(0).max(255).default(1),
  source_addr_npi: z.number().int().min(0).max(255).default(1),
  dest_addr_ton: z.number().int().min(0).max(255).default(0),
  dest_addr_npi: z.number().int().min(0).max(255).default(0),
  service_type: z.string().max(5).default(''),
  /** USSD: the operation of reference §5.7 and the session info TLV, when set. */
  ussd_service_op: z.number().int().min(0).max(255).optional(),
  its_session_info: z.number().int().min(0).max(0xffff).optional(),
});

export type MoRequest = z.input<typeof moRequestSchema>;
type DeliverSm = Omit<PduInputOf<'deliver_sm'>, 'sequence_number'>;

/**
 * The deliver_sm PDUs (without sequence numbers) that carry an MO text: one, or one per part,
 * concatenated the way the request asks. Throws the encoding module's error for text the
 * data_coding cannot carry. `reference` ties the parts together; the caller counts it.
 */
export function buildMoParts(input: MoRequest, reference: number): DeliverSm[] {
  const mo = moRequestSchema.parse(input);
  const base: DeliverSm = {
    command: 'deliver_sm',
    service_type: mo.service_type,
    source_addr_ton: mo.source_addr_ton,
    source_addr_npi: mo.source_addr_npi,
    source_addr: mo.from,
    dest_addr_ton: mo.dest_addr_ton,
    dest_addr_npi: mo.dest_addr_npi,
    destination_addr: mo.to,
    data_coding: mo.data_coding,
    ...(mo.ussd_service_op !== undefined && { ussd_service_op: mo.ussd_service_op }),
    ...(mo.its_session_info !== undefined && { its_session_info: mo.its_session_info }),
  };
  if (mo.multipart === 'payload') {
    return [{ ...base, short_message: Buffer.alloc(0), message_payload: encodeText(mo.text, mo.data_coding) }];
  }
  const concat = mo.multipart === 'udh' ? 'udh8' : mo.multipart;
  const split = splitText(mo.text, mo.data_coding, { concat });
  if (split.count === 1) return [{ ...base, short_message: split.parts[0]! }];

  const ref = reference % (concat === 'udh8' ? 0x100 : 0x10000);
  if (concat === 'sar') {
    const sar = sarParameters(ref, split.count);
    return split.parts.map((part, i) => ({ ...base, short_message: part, ...sar[i]! }));
  }
  return withConcatUdh(split, ref).map((short_message) => ({ ...base, esm_class: 0x40, short_message }));
}
