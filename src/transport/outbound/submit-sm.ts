import { encodeText } from '../../encoding/charsets.js';
import { EncodingError } from '../../encoding/errors.js';
import { sarParameters } from '../../encoding/sar.js';
import { splitText } from '../../encoding/split.js';
import type { SplitLimits } from '../../encoding/split.js';
import { withConcatUdh } from '../../encoding/udh.js';
import { SHORT_MESSAGE_MAX } from '../../pdu/fields.js';
import type { SubmitFields } from '../../session/smpp-client.js';
import type { VumiMessage } from '../messages.js';

export const MULTIPART_HANDLING = ['short_message', 'message_payload', 'multipart_sar', 'multipart_udh'] as const;
export type MultipartHandling = (typeof MULTIPART_HANDLING)[number];

/** What vumi2's submit_sm_processor_config says, as wire values. */
export interface SubmitSmOptions {
  data_coding: number;
  multipart_handling: MultipartHandling;
  service_type: string;
  source_addr_ton: number;
  source_addr_npi: number;
  dest_addr_ton: number;
  dest_addr_npi: number;
  /** The registered_delivery octet (receipt bits, SME acks, intermediate notification). */
  registered_delivery: number;
  /** SAR references run 0 … rollover − 1. */
  multipart_sar_reference_rollover: number;
  /** UDH concatenation with an 8-bit (vumi2's only form) or a 16-bit reference. */
  multipart_udh_reference_bits: 8 | 16;
}

/**
 * IA5 text is 8-bit on the SMPP link, but SMSCs carry it to the handset as GSM 7-bit, so it
 * gets the 7-bit sizes, as vumi2 gives it (reference §7.4 says SMSC-specific).
 */
const IA5_LIMITS: Readonly<Record<'udh8' | 'udh16' | 'sar', SplitLimits>> = {
  udh8: { single: 160, part: 153 },
  sar: { single: 160, part: 153 },
  udh16: { single: 160, part: 152 },
};

/** A message that cannot become submit_sm PDUs; `reason` goes into the nack event. */
export class UnsendableMessageError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnsendableMessageError';
  }
}

/** Extra fields for every part (USSD's ussd_service_op and its_session_info, say). */
export type SubmitExtras = Partial<SubmitFields>;

/**
 * A vumi message → the submit_sm PDUs that carry it (reference §4 of the vumi2 notes, with its
 * bugs fixed: UDH parts set UDHI, splitting never cuts an escape or surrogate pair, content
 * the coding cannot carry is an error naming the character, nothing is ever truncated).
 * `nextReference` supplies concatenation references; only a split message takes one.
 */
export async function buildSubmitSms(
  message: VumiMessage,
  options: SubmitSmOptions,
  nextReference: () => number | Promise<number>,
  extras: SubmitExtras = {},
): Promise<SubmitFields[]> {
  const text = message.content ?? '';
  const base: SubmitFields = {
    service_type: options.service_type,
    source_addr_ton: options.source_addr_ton,
    source_addr_npi: options.source_addr_npi,
    source_addr: message.from_addr,
    dest_addr_ton: options.dest_addr_ton,
    dest_addr_npi: options.dest_addr_npi,
    destination_addr: message.to_addr,
    registered_delivery: options.registered_delivery,
    data_coding: options.data_coding,
    ...extras,
  };
  const dc = options.data_coding;
  try {
    switch (options.multipart_handling) {
      case 'short_message': {
        // vumi2's default: whatever fits in short_message goes whole, even past one SMS.
        const bytes = encodeText(text, dc);
        if (bytes.length > SHORT_MESSAGE_MAX) {
          throw new UnsendableMessageError(
            `content is ${bytes.length} octets in data_coding ${dc}; short_message holds at most ${SHORT_MESSAGE_MAX} ` +
              '(set multipart_handling to multipart_udh, multipart_sar or message_payload)',
          );
        }
        return [{ ...base, short_message: bytes }];
      }
      case 'message_payload': {
        const single = splitText(text, dc, limitsFor(dc, 'udh8'));
        if (single.count === 1) return [{ ...base, short_message: single.parts[0]! }];
        return [{ ...base, short_message: Buffer.alloc(0), message_payload: encodeText(text, dc) }];
      }
      case 'multipart_sar': {
        const split = splitText(text, dc, limitsFor(dc, 'sar'));
        if (split.count === 1) return [{ ...base, short_message: split.parts[0]! }];
        const reference = (await nextReference()) % options.multipart_sar_reference_rollover;
        const sar = sarParameters(reference, split.count);
        return split.parts.map((part, i) => ({ ...base, short_message: part, ...sar[i]! }));
      }
      case 'multipart_udh': {
        const concat = options.multipart_udh_reference_bits === 16 ? 'udh16' : 'udh8';
        const split = splitText(text, dc, limitsFor(dc, concat));
        if (split.count === 1) return [{ ...base, short_message: split.parts[0]! }];
        const reference = (await nextReference()) % (concat === 'udh16' ? 0x10000 : 0x100);
        // UDHI set, unlike vumi2, so handsets read the header as a header and not as text.
        return withConcatUdh(split, reference).map((short_message) => ({ ...base, esm_class: 0x40, short_message }));
      }
    }
  } catch (err) {
    if (err instanceof EncodingError) throw new UnsendableMessageError(err.message);
    throw err;
  }
}

function limitsFor(dataCoding: number, concat: 'udh8' | 'udh16' | 'sar'): { concat: 'udh8' | 'udh16' | 'sar'; limits?: SplitLimits } {
  return dataCoding === 1 ? { concat, limits: IA5_LIMITS[concat] } : { concat };
}
