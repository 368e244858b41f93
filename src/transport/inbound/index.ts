/**
 * The inbound half of the transport, as pure functions: a deliver_sm or data_sm → what to do
 * with it. No I/O: the processor that calls this owns the cache, the bus and the response.
 *
 * The processor's steps, for each PDU:
 * 1. `classifyInbound(pdu, options)`:
 *    - `delivery_report`: look `receiptMessageIdKey(report.smsc_message_id, profile)` up in the
 *      cache (without removing it); if found publish `deliveryReportEvent(report, vumiId)` to
 *      `<transport_name>.event`; if `report.final`, delete the mapping (or shorten its TTL).
 *      Not found: log `Unable to find message ID … in SMPP cache, not sending status update …`.
 *    - `unparsed_receipt`: esm_class said receipt but the text did not parse: log `warning`,
 *      publish nothing (vumi2 published the receipt text as a user message).
 *    - `part`: `cache.storeMultipartPart(key, total, sequence, stored, ttl)`; when that returns
 *      the set, `inboundMessage(pdu, reassembleMultipart(parts), …)` → `<transport_name>.inbound`.
 *    - `message`: `inboundMessage(pdu, decoded, …)` → `<transport_name>.inbound`.
 * 2. Answer deliver_sm_resp / data_sm_resp ESME_ROK (after the publish is confirmed). Decoding
 *    problems never refuse a message: see short-message.ts for the policy.
 */

import { createMessage } from '../messages.js';
import type { VumiMessage } from '../messages.js';
import { isReceiptEsmClass, parseDeliveryReport, receiptMismatchWarning } from './delivery-report.js';
import type { DeliveryReport, DeliveryReportOptions } from './delivery-report.js';
import { decodeUserData, extractUserData, multipartKey, storedPart } from './short-message.js';
import type { DecodedText, InboundPdu, MultipartInfo, ShortMessageOptions, UserData } from './short-message.js';
import { ussdInbound, ussdTransportMetadata } from './ussd.js';
import type { UssdInbound, UssdOptions } from './ussd.js';

export * from './delivery-report.js';
export * from './message-id.js';
export * from './short-message.js';
export * from './ussd.js';

export interface InboundOptions {
  readonly deliveryReports?: DeliveryReportOptions;
  readonly shortMessages?: ShortMessageOptions;
  readonly ussd?: UssdOptions;
  /**
   * A PDU whose esm_class says receipt but whose text does not parse: `drop` (default) logs it
   * and publishes nothing; `inbound` publishes it as a user message, as vumi2 does.
   */
  readonly unparsedReceipts?: 'drop' | 'inbound';
  /** Prefix of multipart keys, e.g. the SMSC account, so binds sharing a cache stay apart. */
  readonly multipartScope?: string;
}

export type InboundPlan =
  | { readonly kind: 'delivery_report'; readonly report: DeliveryReport }
  | { readonly kind: 'unparsed_receipt'; readonly warning: string }
  | {
      readonly kind: 'part';
      readonly userData: UserData;
      readonly multipart: MultipartInfo;
      /** For SmppCache.storeMultipartPart. */
      readonly key: string;
      readonly total: number;
      readonly sequence: number;
      readonly stored: Buffer;
      readonly ussd?: UssdInbound;
    }
  | {
      readonly kind: 'message';
      readonly userData: UserData;
      readonly decoded: DecodedText;
      readonly ussd?: UssdInbound;
      /** Set when this is an unparsed receipt published under `unparsedReceipts: 'inbound'`. */
      readonly warning?: string;
    };

/** What an inbound deliver_sm/data_sm is and what to do with it (see the module comment). Never throws. */
export function classifyInbound(pdu: InboundPdu, options: InboundOptions = {}): InboundPlan {
  const ussd = ussdInbound(pdu, options.ussd);
  if (ussd === undefined) {
    const report = parseDeliveryReport(pdu, options.deliveryReports);
    if (report !== undefined) return { kind: 'delivery_report', report };
  }
  const warning = ussd === undefined && isReceiptEsmClass(pdu.esm_class) ? receiptMismatchWarning(pdu) : undefined;
  if (warning !== undefined && (options.unparsedReceipts ?? 'drop') === 'drop') return { kind: 'unparsed_receipt', warning };

  const userData = extractUserData(pdu, options.shortMessages);
  const ussdPart = ussd === undefined ? {} : { ussd };
  const { multipart } = userData;
  if (multipart !== undefined && multipart.total > 1) {
    return {
      kind: 'part',
      userData,
      multipart,
      key: multipartKey({ source_addr: pdu.source_addr, destination_addr: pdu.destination_addr, reference: multipart.reference, total: multipart.total }, options.multipartScope),
      total: multipart.total,
      sequence: multipart.sequence,
      stored: storedPart(userData, options.shortMessages),
      ...ussdPart,
    };
  }
  return { kind: 'message', userData, decoded: decodeUserData(userData, options.shortMessages), ...ussdPart, ...(warning === undefined ? {} : { warning }) };
}

export interface InboundMessageOptions {
  readonly transport_name: string;
  /** USSD session details, from the plan (or ussdInbound). */
  readonly ussd?: UssdInbound;
  /** The reassembled message's concatenation details, for transport_metadata. */
  readonly multipart?: MultipartInfo;
  /** The user data of the (last) PDU, for its port and header details. */
  readonly userData?: UserData;
  /**
   * `smpp` (default): SMPP details in transport_metadata (vumi2 reference §9 item 24);
   * `vumi2`: `{}` as vumi2 publishes, plus the USSD session info a reply needs.
   */
  readonly metadata?: 'smpp' | 'vumi2';
}

/** transport_metadata of an inbound user message. */
export function inboundTransportMetadata(pdu: InboundPdu, decoded: DecodedText, options: Omit<InboundMessageOptions, 'transport_name'> = {}): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (options.metadata !== 'vumi2') {
    metadata['smpp_command'] = pdu.command;
    metadata['smpp_service_type'] = pdu.service_type;
    metadata['smpp_source_addr_ton'] = pdu.source_addr_ton;
    metadata['smpp_source_addr_npi'] = pdu.source_addr_npi;
    metadata['smpp_dest_addr_ton'] = pdu.dest_addr_ton;
    metadata['smpp_dest_addr_npi'] = pdu.dest_addr_npi;
    metadata['smpp_esm_class'] = pdu.esm_class;
    metadata['smpp_data_coding'] = pdu.data_coding;
    if ('protocol_id' in pdu) metadata['smpp_protocol_id'] = pdu.protocol_id;
    const ports = options.userData?.udh?.ports;
    const sourcePort = pdu.source_port ?? ports?.sourcePort;
    const destinationPort = pdu.destination_port ?? ports?.destinationPort;
    if (sourcePort !== undefined) metadata['smpp_source_port'] = sourcePort;
    if (destinationPort !== undefined) metadata['smpp_destination_port'] = destinationPort;
    if (options.multipart !== undefined) {
      const { reference, total, referenceBits, via } = options.multipart;
      metadata['smpp_multipart'] = { reference, total, reference_bits: referenceBits, via };
    }
    if (options.userData?.udhError !== undefined) metadata['smpp_udh_error'] = options.userData.udhError;
    if (decoded.error !== undefined) {
      metadata['smpp_decode_error'] = decoded.error.message;
      metadata['smpp_raw_content'] = decoded.error.raw.toString('hex');
    }
  }
  if (options.ussd !== undefined) Object.assign(metadata, ussdTransportMetadata(options.ussd));
  return metadata;
}

/** The vumi user message for `<transport_name>.inbound`. */
export function inboundMessage(pdu: InboundPdu, decoded: DecodedText, options: InboundMessageOptions): VumiMessage {
  return createMessage({
    to_addr: pdu.destination_addr,
    from_addr: pdu.source_addr,
    transport_name: options.transport_name,
    transport_type: options.ussd === undefined ? 'sms' : 'ussd',
    session_event: options.ussd?.session_event ?? null,
    content: decoded.text,
    transport_metadata: inboundTransportMetadata(pdu, decoded, options),
  });
}
