import { z } from 'zod';
import { MAX_SEQUENCE_NUMBER } from '../../session/sequencer.js';
import { MAX_MULTIPART_PARTS } from '../state/cache.js';

/**
 * How far a long message got: the concatenation reference its parts carry, how many parts it
 * has, and the SMSC ids of the parts accepted so far, in order. Kept in the SMPP cache while the
 * message is being sent, so that a copy of it delivered again (the bus connection went, or the
 * process died, before its final event) goes on from the first part not accepted, under the
 * same reference, instead of sending the accepted parts a second time under a new one: the
 * handset would then show them twice.
 */
export interface MultipartProgress {
  readonly reference: number;
  readonly parts: number;
  readonly smsc_ids: readonly string[];
}

/** A note in the SMPP cache, beside the final-event note (`final:<message_id>`). */
export const multipartProgressKey = (messageId: string): string => `progress:${messageId}`;

/**
 * Bounded as a submit_sm_resp's message_id (65 octets with its NUL) and a UDH's part count. The
 * reference is the sequencer's number, before buildSubmitSms reduces it to 8 or 16 bits.
 */
const schema = z
  .object({
    reference: z.number().int().min(0).max(MAX_SEQUENCE_NUMBER),
    parts: z.number().int().min(2).max(MAX_MULTIPART_PARTS),
    smsc_ids: z.array(z.string().max(64)).max(MAX_MULTIPART_PARTS),
  })
  .refine((p) => p.smsc_ids.length <= p.parts, 'more SMSC ids than parts');

export const serialiseMultipartProgress = (progress: MultipartProgress): string => JSON.stringify(progress);

/** The progress a cache entry holds, or undefined when it is not one (cut short, from an older version, tampered with). */
export function parseMultipartProgress(text: string): MultipartProgress | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
