/**
 * Delivery receipts: recognising one in a deliver_sm or data_sm, reading its id and state, and
 * mapping the state to vumi's delivery_status (vumi2 reference §5.2, smpp reference §6).
 *
 * Detection, first success wins (vumi2's order):
 * 1. TLVs: `receipted_message_id` and `message_state` both present, whatever esm_class says.
 *    message_state values outside 3.4's 1–8 do not crash (vumi2 does): 0 and 9 get their
 *    SMPP 5.0 names SCHEDULED and SKIPPED, anything else is UNKNOWN (as vumi 1 did).
 * 2. esm_class message type (`esm_class & 0x3C`) 0x04 (SMSC delivery receipt) or 0x20
 *    (intermediate notification), and the text parses. SME acknowledgements (0x08, 0x10) and
 *    conversation aborts (0x18) are messages from the user, not receipts.
 * 3. The text parses, whatever esm_class says (vumi2 does this, so it is on by default for
 *    compatibility; `matchBodyWithoutEsmClass: false` stops a user SMS that looks like a
 *    receipt from being swallowed as one).
 *
 * The text is short_message (or message_payload when short_message is empty), after the UDH if
 * UDHI is set, read as Latin-1 so that no octet can make matching fail; UCS2 receipts are
 * decoded as UCS2. It is tried against the configured regex (vumi2's
 * `dr_processor_config.regex`, named groups `id` and `stat`), then against a tolerant parser:
 * keys in any case and any order, every field optional but `id` and `stat`, `stat` a word of
 * any length, `text:` optional, ids of any length. When TLVs and text both exist the TLVs win
 * (the text's `id:` may be truncated), and the text still supplies `err` and the dates.
 *
 * Final or not: a receipt is final when its delivery_status is delivered or failed and it is
 * not an intermediate notification (esm_class 0x20). Only a final receipt may delete the
 * message-id mapping (vumi2 popped it on the first receipt, so the ENROUTE receipt ate the
 * final one); pending ones (ENROUTE, BUFFRED, ACCEPTD if mapped to pending, UNKNOWN, anything
 * unrecognised) leave it for the TTL.
 */

import { decodeText, dataCodingInfo, parseUdh } from '../../encoding/index.js';
import { MessageState, STAT_WORDS } from '../../pdu/message-state.js';
import { DELIVERY_STATUSES, createEvent } from '../messages.js';
import type { DeliveryStatus, VumiEvent } from '../messages.js';
import { ESM_CLASS_UDHI } from './short-message.js';
import type { InboundPdu } from './short-message.js';

// ---------------------------------------------------------------------------------------------
// esm_class

/** The message-type bits of esm_class (smpp reference §5.2), as vumi2 names them. */
export const EsmClassType = {
  DEFAULT: 0x00,
  SMSC_DELIVERY_RECEIPT: 0x04,
  SME_DELIVERY_ACK: 0x08,
  SME_MANUAL_ACK: 0x10,
  CONVERSATION_ABORT: 0x18,
  INTERMEDIATE_DELIVERY_NOTIFICATION: 0x20,
} as const;

export const ESM_CLASS_TYPE_MASK = 0x3c;

/** The name of esm_class's message type, e.g. `SMSC_DELIVERY_RECEIPT`; `0x24`-style hex for reserved ones. */
export function esmClassTypeName(esmClass: number): string {
  const type = esmClass & ESM_CLASS_TYPE_MASK;
  const entry = Object.entries(EsmClassType).find(([, value]) => value === type);
  return entry?.[0] ?? `0x${type.toString(16).padStart(2, '0')}`;
}

/** esm_class says receipt: SMSC delivery receipt (0x04) or intermediate notification (0x20). */
export function isReceiptEsmClass(esmClass: number): boolean {
  const type = esmClass & ESM_CLASS_TYPE_MASK;
  return type === EsmClassType.SMSC_DELIVERY_RECEIPT || type === EsmClassType.INTERMEDIATE_DELIVERY_NOTIFICATION;
}

// ---------------------------------------------------------------------------------------------
// Status mapping

export type StatusMapping = Readonly<Record<string, DeliveryStatus>>;

/** vumi2's DELIVERY_REPORT_STATUS_MAPPING, exactly (vumi2 reference §5.2). */
export const VUMI2_STATUS_MAPPING: StatusMapping = {
  ENROUTE: 'pending',
  DELIVERED: 'delivered',
  EXPIRED: 'failed',
  DELETED: 'failed',
  UNDELIVERABLE: 'failed',
  ACCEPTED: 'delivered',
  UNKNOWN: 'pending',
  REJECTED: 'failed',
  DELIVRD: 'delivered',
  REJECTD: 'failed',
  FAILED: 'failed',
  // vumi2: "Currently we will accept this for Yo! TODO: investigate".
  '0': 'delivered',
};

/**
 * The default: vumi2's table plus the receipt words it misses (smpp reference §6.3).
 * - `UNDELIV`, `UNDELIVERED`: failed (vumi2: pending, because only UNDELIVERABLE was listed).
 * - `ACCEPTD`: delivered, like vumi2's ACCEPTED: in 3.4 it is a final state ("read on the
 *   subscriber's behalf"), and the long and short word should not disagree. Kannel calls it
 *   buffered; a deployment that agrees maps it to pending (see below).
 * - `BUFFRED`, `BUFFERED`, `BUFFERD`, `ACKED`, `SCHEDULED`: pending, not final.
 * - `SKIPPED` (5.0 message_state 9, "not transmitted"): failed.
 *
 * A mapping given in configuration REPLACES this table wholesale, as vumi2's does; to change
 * one word, spread this one: `{ ...DEFAULT_STATUS_MAPPING, ACCEPTD: 'pending' }`.
 */
export const DEFAULT_STATUS_MAPPING: StatusMapping = {
  ...VUMI2_STATUS_MAPPING,
  UNDELIV: 'failed',
  UNDELIVERED: 'failed',
  ACCEPTD: 'delivered',
  BUFFRED: 'pending',
  BUFFERED: 'pending',
  BUFFERD: 'pending',
  ACKED: 'pending',
  SCHEDULED: 'pending',
  SKIPPED: 'failed',
};

function isDeliveryStatus(value: unknown): value is DeliveryStatus {
  return typeof value === 'string' && (DELIVERY_STATUSES as readonly string[]).includes(value);
}

/**
 * vumi's delivery_status for a stat word or message_state name: the mapping's entry for the
 * word as given, else for the word in upper case (receipts in lower case exist), else pending
 * (vumi2's default). An entry that is not pending/delivered/failed counts as missing.
 */
export function deliveryStatusOf(stat: string, mapping: StatusMapping = DEFAULT_STATUS_MAPPING): DeliveryStatus {
  for (const key of [stat, stat.toUpperCase()]) {
    // hasOwn: a stat word such as `constructor` must not find Object.prototype's.
    if (Object.hasOwn(mapping, key) && isDeliveryStatus(mapping[key])) return mapping[key];
  }
  return 'pending';
}

const STATE_NAMES: readonly string[] = ['SCHEDULED', ...Object.keys(MessageState), 'SKIPPED'];

/** message_state → its name: 1–8 from 3.4, 0 SCHEDULED and 9 SKIPPED from 5.0, else UNKNOWN. */
export function messageStateName(state: number): string {
  return STATE_NAMES[state] ?? 'UNKNOWN';
}

/** The message_state a stat word or state name stands for, when it is a standard one. */
export function messageStateOfStat(stat: string): number | undefined {
  const upper = stat.toUpperCase();
  const byName = STATE_NAMES.indexOf(upper);
  if (byName >= 0) return byName;
  const byWord = (STAT_WORDS as readonly string[]).indexOf(upper);
  return byWord >= 0 ? byWord + 1 : undefined;
}

// ---------------------------------------------------------------------------------------------
// Receipt text

/** The fields of a receipt text (Appendix B, smpp reference §6.2), as found; all optional. */
export interface ReceiptFields {
  id?: string;
  sub?: string;
  dlvrd?: string;
  submit_date?: string;
  done_date?: string;
  stat?: string;
  err?: string;
  text?: string;
}

const FIELD_NAMES = ['id', 'sub', 'dlvrd', 'submit_date', 'done_date', 'stat', 'err', 'text'] as const;
type FieldName = (typeof FIELD_NAMES)[number];

// A key: at the start or after white space, case-insensitive, `submit date` also as
// `submit_date`/`submitdate`, white space allowed before the colon.
const KEY = /(?:^|\s)(id|sub|dlvrd|submit[ _]*date|done[ _]*date|stat|err|text)\s*:/gi;

const STARTS_WITH_KEY = /^\s*(?:id|sub|dlvrd|submit[ _]*date|done[ _]*date|stat|err|text)\s*:/i;

function fieldName(key: string): FieldName {
  const lower = key.toLowerCase();
  if (lower.startsWith('submit')) return 'submit_date';
  if (lower.startsWith('done')) return 'done_date';
  return lower as FieldName;
}

/**
 * The tolerant receipt parser: the text must start (after white space) with one of the keys;
 * each key's value runs to the next key; `text:` runs to the end once `id` and `stat` have been
 * seen (so the original message's own words cannot pose as keys). A repeated key keeps its
 * first value. `id` is the first non-space run of its value, `stat` the first word (letters,
 * digits, underscore), `text` is kept as is, other values are their first non-space run.
 * Returns undefined when the text does not start with a key.
 */
export function parseReceiptText(text: string): ReceiptFields | undefined {
  // Most inbound texts are not receipts: give up at once unless one starts with a key, rather
  // than scanning a 64 KiB message_payload for keys.
  if (!STARTS_WITH_KEY.test(text)) return undefined;
  const found: { name: FieldName; start: number; valueStart: number }[] = [];
  const re = new RegExp(KEY.source, KEY.flags);
  let seenId = false;
  let seenStat = false;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const name = fieldName(m[1] ?? '');
    found.push({ name, start: m.index, valueStart: re.lastIndex });
    seenId ||= name === 'id';
    seenStat ||= name === 'stat';
    if (name === 'text' && seenId && seenStat) break;
  }
  const first = found[0];
  if (first === undefined || text.slice(0, first.start).trim() !== '') return undefined;
  const fields: ReceiptFields = {};
  found.forEach((f, i) => {
    if (fields[f.name] !== undefined) return;
    const raw = text.slice(f.valueStart, found[i + 1]?.start ?? text.length);
    if (f.name === 'text') {
      fields.text = i === found.length - 1 ? raw : raw.trim();
    } else if (f.name === 'stat') {
      fields.stat = /^\s*(\w*)/.exec(raw)?.[1] ?? '';
    } else {
      fields[f.name] = /^\s*(\S*)/.exec(raw)?.[1] ?? '';
    }
  });
  return fields;
}

/**
 * A vumi2 (Python) receipt regex as a JavaScript RegExp: `(?P<name>` → `(?<name>`,
 * `(?P=name)` → `\k<name>`, `{,n}` → `{0,n}`, `\A`/`\Z` → `^`/`$`, leading inline flags
 * `(?i)`/`(?s)`/`(?m)` → flags. Anchored at the start, as Python's re.match is. Throws a
 * SyntaxError for a pattern JavaScript cannot compile: a configuration error, meant to be
 * raised when the configuration is loaded.
 */
export function receiptRegexFromPython(source: string): RegExp {
  let pattern = source;
  let flags = '';
  const inline = /^\(\?([aiLmsux]+)\)/.exec(pattern);
  if (inline !== null) {
    pattern = pattern.slice(inline[0].length);
    for (const f of inline[1] ?? '') if ('ims'.includes(f) && !flags.includes(f)) flags += f;
  }
  pattern = pattern
    .replace(/\(\?P<(\w+)>/g, '(?<$1>')
    .replace(/\(\?P=(\w+)\)/g, '\\k<$1>')
    .replace(/(?<!\\)\{,(\d+)\}/g, '{0,$1}')
    .replace(/\\A/g, '^')
    .replace(/\\Z/g, '$');
  return new RegExp(`^(?:${pattern})`, flags);
}

/** vumi2's default DELIVERY_REPORT_REGEX, compiled: for parity tests and as a documented choice. */
export const VUMI2_RECEIPT_REGEX = receiptRegexFromPython(
  'id:(?P<id>[^ ]{,65})(?: +sub:(?P<sub>[^ ]+))?(?: +dlvrd:(?P<dlvrd>[^ ]+))?' +
    '(?: +submit date:(?P<submit_date>\\d*))?(?: +done date:(?P<done_date>\\d*))?' +
    ' +stat:(?P<stat>[A-Z]{5,7})(?: +err:(?P<err>[^ ]+))? +[Tt]ext:(?P<text>.{,20}).*',
);

function fieldsFromRegex(regex: RegExp, text: string): ReceiptFields | undefined {
  // A global or sticky regex carries lastIndex between calls; start from 0 every time.
  regex.lastIndex = 0;
  const groups = regex.exec(text)?.groups;
  if (groups === undefined) return undefined;
  const fields: ReceiptFields = {};
  for (const name of FIELD_NAMES) {
    const value = groups[name];
    if (value !== undefined) fields[name] = value;
  }
  return fields.id !== undefined && fields.stat !== undefined ? fields : undefined;
}

// ---------------------------------------------------------------------------------------------
// Detection

export interface DeliveryReportOptions {
  /**
   * vumi2's `dr_processor_config.regex` (see receiptRegexFromPython), with named groups `id`
   * and `stat` (and optionally sub, dlvrd, submit_date, done_date, err, text). Tried before
   * the tolerant parser.
   */
  readonly regex?: RegExp;
  /** Fall back to the tolerant parser when the regex is absent or does not match (default true). */
  readonly tolerant?: boolean;
  /** Take text that parses as a receipt for one even when esm_class does not say so (default true, as vumi2). */
  readonly matchBodyWithoutEsmClass?: boolean;
  /** stat → delivery_status; replaces DEFAULT_STATUS_MAPPING wholesale (vumi2's rule). */
  readonly statusMapping?: StatusMapping;
}

/** network_error_code (TLV 0x0423): network type (1 ANSI-136, 2 IS-95, 3 GSM), then a 2-octet code. */
export interface NetworkErrorCode {
  readonly hex: string;
  readonly network_type?: number;
  readonly error_code?: number;
}

export interface DeliveryReport {
  /** The SMSC's id for the receipted message as received: receipted_message_id, else the text's `id:`. Normalise before lookup. */
  readonly smsc_message_id: string;
  /** The message_state name (TLV) or the raw `stat:` word: vumi2's `smpp_delivery_status`. */
  readonly stat: string;
  /** The TLV's value, or the standard state the stat word stands for. */
  readonly message_state?: number;
  readonly delivery_status: DeliveryStatus;
  /** Delivered or failed, and not an intermediate notification: the id mapping may go. */
  readonly final: boolean;
  /** esm_class type 0x20. */
  readonly intermediate: boolean;
  readonly detected_by: 'tlv' | 'esm_class' | 'body';
  /** The text's `err:` value. */
  readonly error_code?: string;
  readonly network_error_code?: NetworkErrorCode;
  /** Whatever the text held (empty when it did not parse). */
  readonly fields: ReceiptFields;
}

/**
 * The text a receipt is read from: short_message, or message_payload when short_message is
 * empty; after the UDH when UDHI is set; Latin-1 (UCS2 when the coding says so). Never throws.
 */
export function receiptText(pdu: InboundPdu): string {
  const shortMessage = 'short_message' in pdu ? pdu.short_message : undefined;
  let octets: Buffer = shortMessage !== undefined && shortMessage.length > 0 ? shortMessage : (pdu.message_payload ?? Buffer.alloc(0));
  if ((pdu.esm_class & ESM_CLASS_UDHI) !== 0) {
    try {
      octets = parseUdh(octets).payload;
    } catch {
      // A header that does not fit: read the octets as they are.
    }
  }
  try {
    if (dataCodingInfo(pdu.data_coding).alphabet === 'ucs2') return decodeText(octets, pdu.data_coding, { replacement: '\uFFFD' });
  } catch {
    // Unsupported coding: Latin-1 below.
  }
  return octets.toString('latin1');
}

/** The receipt fields of a text: the configured regex first, then the tolerant parser. */
export function matchReceiptText(text: string, options: DeliveryReportOptions = {}): ReceiptFields | undefined {
  if (options.regex !== undefined) {
    const fields = fieldsFromRegex(options.regex, text);
    if (fields !== undefined) return fields;
  }
  return (options.tolerant ?? true) ? parseReceiptText(text) : undefined;
}

function networkErrorCode(value: Buffer | undefined): NetworkErrorCode | undefined {
  if (value === undefined) return undefined;
  const hex = value.toString('hex');
  if (value.length !== 3) return { hex };
  return { hex, network_type: value.readUInt8(0), error_code: value.readUInt16BE(1) };
}

/**
 * Whether a deliver_sm/data_sm is a delivery receipt, and what it says (see the module
 * comment); undefined for anything else. Never throws.
 */
export function parseDeliveryReport(pdu: InboundPdu, options: DeliveryReportOptions = {}): DeliveryReport | undefined {
  const tlvId = pdu.receipted_message_id;
  const tlvState = pdu.message_state;
  const parsed = matchReceiptText(receiptText(pdu), options);
  const fields = parsed ?? {};
  const id = tlvId !== undefined && tlvId.trim() !== '' ? tlvId : (fields.id ?? tlvId);
  const stat = tlvState !== undefined ? messageStateName(tlvState) : fields.stat !== '' ? fields.stat : undefined;

  let detectedBy: DeliveryReport['detected_by'];
  if (tlvId !== undefined && tlvState !== undefined) detectedBy = 'tlv';
  else if (id === undefined || stat === undefined || parsed === undefined) return undefined;
  else if (isReceiptEsmClass(pdu.esm_class)) detectedBy = 'esm_class';
  else if (options.matchBodyWithoutEsmClass ?? true) detectedBy = 'body';
  else return undefined;

  // Both are defined on every path that got here; the fallbacks only satisfy the type checker.
  const statWord = stat ?? 'UNKNOWN';
  const intermediate = (pdu.esm_class & ESM_CLASS_TYPE_MASK) === EsmClassType.INTERMEDIATE_DELIVERY_NOTIFICATION;
  const deliveryStatus = deliveryStatusOf(statWord, options.statusMapping);
  const messageState = tlvState ?? messageStateOfStat(statWord);
  const network = networkErrorCode(pdu.network_error_code);
  return {
    smsc_message_id: (id ?? '').trim(),
    stat: statWord,
    ...(messageState === undefined ? {} : { message_state: messageState }),
    delivery_status: deliveryStatus,
    final: !intermediate && deliveryStatus !== 'pending',
    intermediate,
    detected_by: detectedBy,
    ...(fields.err === undefined || fields.err === '' ? {} : { error_code: fields.err }),
    ...(network === undefined ? {} : { network_error_code: network }),
    fields,
  };
}

/**
 * vumi2's warning for a PDU whose esm_class says receipt but whose text does not parse:
 * `esm_class SMSC_DELIVERY_RECEIPT indicates delivery report, but regex does not match
 * content: <text>`.
 */
export function receiptMismatchWarning(pdu: InboundPdu): string {
  return `esm_class ${esmClassTypeName(pdu.esm_class)} indicates delivery report, but regex does not match content: ${receiptText(pdu)}`;
}

// ---------------------------------------------------------------------------------------------
// Event

export interface DeliveryReportEventOptions {
  /**
   * `full` (default): vumi2's `smpp_delivery_status` plus `smpp_message_id`,
   * `smpp_message_state`, `smpp_error_code`, `smpp_network_error_code` (hex) when known.
   * `vumi2`: only `smpp_delivery_status`, byte for byte what vumi2 publishes.
   */
  readonly metadata?: 'full' | 'vumi2';
}

/** The transport_metadata of a delivery_report event. */
export function deliveryReportMetadata(report: DeliveryReport, options: DeliveryReportEventOptions = {}): Record<string, unknown> {
  const metadata: Record<string, unknown> = { smpp_delivery_status: report.stat };
  if (options.metadata === 'vumi2') return metadata;
  metadata['smpp_message_id'] = report.smsc_message_id;
  if (report.message_state !== undefined) metadata['smpp_message_state'] = report.message_state;
  if (report.error_code !== undefined) metadata['smpp_error_code'] = report.error_code;
  if (report.network_error_code !== undefined) metadata['smpp_network_error_code'] = report.network_error_code.hex;
  return metadata;
}

/** The delivery_report event for `<transport_name>.event`, addressed to the vumi message the cache named. */
export function deliveryReportEvent(report: DeliveryReport, userMessageId: string, options: DeliveryReportEventOptions = {}): VumiEvent {
  return createEvent({
    user_message_id: userMessageId,
    event_type: 'delivery_report',
    delivery_status: report.delivery_status,
    transport_metadata: deliveryReportMetadata(report, options),
  });
}
