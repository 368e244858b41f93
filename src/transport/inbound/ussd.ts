/**
 * USSD over SMPP: `ussd_service_op` (TLV 0x0501, smpp reference §5.7) and `its_session_info`
 * (TLV 0x1383) ⇄ vumi's `session_event` (new, resume, close) and transport_type `ussd`.
 * vumi2 has none of this (its reference §4.8, §9 item 17); the tables below follow vumi 1's
 * default (TATA-style) processor and the operations' meaning in 3GPP TS 22.090 / 24.090.
 *
 * its_session_info is two octets: the session number (high octet), then a dialogue sequence
 * number in bits 7–1 and the end-of-session flag in bit 0 (low octet). It is the ESME's
 * handle on the dialogue, so it is echoed back on every reply, end bit cleared, and set on
 * the reply that closes the session.
 *
 * Inbound (SMSC → ESME), default table; the end-of-session bit turns any of them into close:
 *
 * | op | operation        | session_event | why                                             |
 * |----|------------------|---------------|-------------------------------------------------|
 * | 0  | PSSD indication  | new           | the user dialled a code (single-shot dialogue)  |
 * | 1  | PSSR indication  | new           | the user dialled a code: a dialogue begins      |
 * | 2  | USSR request     | resume        | vumi 1: continue                                |
 * | 3  | USSN request     | resume        |                                                 |
 * | 16 | PSSD response    | close         | a response ends the dialogue                    |
 * | 17 | PSSR response    | close         | vumi 1: session end                             |
 * | 18 | USSR confirm     | resume        | the user's answer to our USSR request           |
 * | 19 | USSN confirm     | resume        | the user acknowledged our notification          |
 * | other (4–15, 20–255, vendor) | resume | unless the end bit is set     |
 *
 * PSSR indication always means new: the operation itself says a dialogue is starting, so no
 * session store is consulted (this module is pure). Vendors differ (6D sends 0x12 for continue
 * and 0x81 for a user abort; Mica sends the session number in user_message_reference), so
 * both tables can be overridden entry by entry.
 *
 * Outbound (vumi message → submit_sm), default table:
 *
 * | session_event     | ussd_service_op     | its_session_info               |
 * |-------------------|---------------------|--------------------------------|
 * | new, resume, null | 2 USSR request      | echoed, end bit 0 (expects a reply) |
 * | close             | 17 PSSR response    | echoed, end bit 1 (ends the dialogue) |
 *
 * vumi 1 sent 2 with the end bit for close; 17 is the operation that answers a PSSR
 * indication and releases the dialogue, and what vendor processors (6D, Mica) send.
 *
 * The session info travels in the inbound message's transport_metadata (vumi's reply copies
 * it to the reply): `session_info` as vumi 1 wrote it (four hex digits, end bit cleared),
 * plus `smpp_ussd_service_op` and `smpp_its_session_info`. Outbound, session_info is read
 * from transport_metadata, then helper_metadata.
 */

import type { SessionEvent, VumiMessage } from '../messages.js';
import type { InboundPdu } from './short-message.js';

/** ussd_service_op values (smpp reference §5.7). */
export const UssdServiceOp = {
  PSSD_INDICATION: 0,
  PSSR_INDICATION: 1,
  USSR_REQUEST: 2,
  USSN_REQUEST: 3,
  PSSD_RESPONSE: 16,
  PSSR_RESPONSE: 17,
  USSR_CONFIRM: 18,
  USSN_CONFIRM: 19,
} as const;

export type UssdInboundTable = Readonly<Partial<Record<number, SessionEvent>>>;

export const DEFAULT_USSD_INBOUND: UssdInboundTable = {
  [UssdServiceOp.PSSD_INDICATION]: 'new',
  [UssdServiceOp.PSSR_INDICATION]: 'new',
  [UssdServiceOp.USSR_REQUEST]: 'resume',
  [UssdServiceOp.USSN_REQUEST]: 'resume',
  [UssdServiceOp.PSSD_RESPONSE]: 'close',
  [UssdServiceOp.PSSR_RESPONSE]: 'close',
  [UssdServiceOp.USSR_CONFIRM]: 'resume',
  [UssdServiceOp.USSN_CONFIRM]: 'resume',
};

export type UssdOutboundTable = Readonly<Record<SessionEvent, number>>;

export const DEFAULT_USSD_OUTBOUND: UssdOutboundTable = {
  new: UssdServiceOp.USSR_REQUEST,
  resume: UssdServiceOp.USSR_REQUEST,
  close: UssdServiceOp.PSSR_RESPONSE,
};

export interface UssdOptions {
  /** Entries replacing the default inbound table's (others keep their default). */
  readonly inbound?: UssdInboundTable;
  /** session_event for an operation in neither table (default resume). */
  readonly unknownInbound?: SessionEvent;
  /** Entries replacing the default outbound table's. */
  readonly outbound?: Partial<UssdOutboundTable>;
  /** Set the end-of-session bit of its_session_info on close (default true). */
  readonly endBitOnClose?: boolean;
}

/** its_session_info taken apart. */
export interface ItsSessionInfo {
  readonly session_number: number;
  readonly sequence_number: number;
  readonly end_of_session: boolean;
}

export function parseItsSessionInfo(value: number): ItsSessionInfo {
  const v = value & 0xffff;
  return { session_number: v >> 8, sequence_number: (v >> 1) & 0x7f, end_of_session: (v & 1) === 1 };
}

export interface UssdInbound {
  readonly session_event: SessionEvent;
  readonly ussd_service_op: number;
  /** The TLV as received, when present. */
  readonly its_session_info?: number;
  readonly session?: ItsSessionInfo;
}

/** The USSD side of an inbound PDU: undefined unless it carries ussd_service_op. */
export function ussdInbound(pdu: InboundPdu, options: UssdOptions = {}): UssdInbound | undefined {
  const op = pdu.ussd_service_op;
  if (op === undefined) return undefined;
  const info = pdu.its_session_info;
  const session = info === undefined ? undefined : parseItsSessionInfo(info);
  const table = { ...DEFAULT_USSD_INBOUND, ...options.inbound };
  const mapped = Object.hasOwn(table, op) ? table[op] : undefined;
  const sessionEvent: SessionEvent = session?.end_of_session === true ? 'close' : (mapped ?? options.unknownInbound ?? 'resume');
  return {
    session_event: sessionEvent,
    ussd_service_op: op,
    ...(info === undefined ? {} : { its_session_info: info }),
    ...(session === undefined ? {} : { session }),
  };
}

/** Four lowercase hex digits, as vumi 1 wrote session_info. */
function hex4(value: number): string {
  return value.toString(16).padStart(4, '0');
}

/** What an inbound USSD message's transport_metadata carries (see the module comment). */
export function ussdTransportMetadata(ussd: UssdInbound): Record<string, unknown> {
  return {
    ...(ussd.its_session_info === undefined ? {} : { session_info: hex4(ussd.its_session_info & 0xfffe) }),
    smpp_ussd_service_op: ussd.ussd_service_op,
    ...(ussd.its_session_info === undefined ? {} : { smpp_its_session_info: ussd.its_session_info }),
  };
}

function sessionInfoFrom(metadata: Readonly<Record<string, unknown>> | undefined): number | undefined {
  if (metadata === undefined) return undefined;
  const candidates = [metadata['session_info'], metadata['smpp_its_session_info']];
  for (const value of candidates) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff) return value;
    if (typeof value === 'string' && /^(?:0x)?[0-9a-f]{1,4}$/i.test(value.trim())) return Number.parseInt(value.trim().replace(/^0x/i, ''), 16);
  }
  return undefined;
}

export interface UssdSubmitFields {
  ussd_service_op: number;
  its_session_info: number;
}

/**
 * The submit_sm TLVs for an outbound USSD message (transport_type `ussd`); undefined for any
 * other transport_type. Without known session info its_session_info is 0 (plus the end bit).
 */
export function ussdSubmitFields(
  message: Pick<VumiMessage, 'transport_type' | 'session_event' | 'transport_metadata' | 'helper_metadata'>,
  options: UssdOptions = {},
): UssdSubmitFields | undefined {
  if (message.transport_type !== 'ussd') return undefined;
  const event: SessionEvent = message.session_event ?? 'resume';
  const table = { ...DEFAULT_USSD_OUTBOUND, ...options.outbound };
  const info = sessionInfoFrom(message.transport_metadata) ?? sessionInfoFrom(message.helper_metadata) ?? 0;
  const end = event === 'close' && (options.endBitOnClose ?? true) ? 1 : 0;
  return { ussd_service_op: table[event], its_session_info: (info & 0xfffe) | end };
}
