import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/**
 * vumi's bus schema (message_version 20110921), exactly as vumi2 reads and writes it
 * (reference §2.3, §2.4): every key present, in vumi2's order, nulls included; timestamps as
 * `YYYY-MM-DD HH:MM:SS.ffffff` in UTC; ids as 32 lowercase hex digits.
 */

export const MESSAGE_VERSION = '20110921';

export const TRANSPORT_TYPES = ['http_api', 'irc', 'telnet', 'twitter', 'sms', 'ussd', 'xmpp', 'mxit', 'wechat'] as const;
export const SESSION_EVENTS = ['new', 'resume', 'close'] as const;
export const ADDRESS_TYPES = ['irc_nickname', 'twitter_handle', 'msisdn', 'gtalk_id', 'jabber_id', 'mxit_id', 'wechat_id'] as const;
export const EVENT_TYPES = ['ack', 'nack', 'delivery_report'] as const;
export const DELIVERY_STATUSES = ['pending', 'failed', 'delivered'] as const;

export type TransportType = (typeof TRANSPORT_TYPES)[number];
export type SessionEvent = (typeof SESSION_EVENTS)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** vumi's timestamp: `2026-11-25 17:32:33.564248`, UTC, always six fractional digits. */
export function formatTimestamp(date: Date): string {
  return `${date.toISOString().replace('T', ' ').slice(0, 23)}000`;
}

/**
 * Parses vumi's timestamp as vumi2 does: a trailing Z is stripped, the fraction may be missing;
 * a T separator is not accepted.
 */
export function parseTimestamp(text: string): Date | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z?$/.exec(text);
  if (!m) return undefined;
  const millis = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
  const date = new Date(`${m[1]}T${m[2]}.${millis}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A new vumi id: uuid4 as 32 lowercase hex digits. */
export function newId(): string {
  return randomUUID().replaceAll('-', '');
}

const metadata = z.record(z.string(), z.unknown());
const timestamp = z.string().refine((t) => parseTimestamp(t) !== undefined, 'must be "YYYY-MM-DD HH:MM:SS[.ffffff]"');
const nullableString = z.string().nullable();

/** A vumi user message as it arrives on the bus: unknown keys ignored, defaults as vumi2's. */
export const messageSchema = z.object({
  to_addr: z.string(),
  from_addr: z.string(),
  transport_name: z.string(),
  transport_type: z.enum(TRANSPORT_TYPES),
  message_version: z.string().default(MESSAGE_VERSION),
  message_type: z.string().default('user_message'),
  timestamp: timestamp.default(() => formatTimestamp(new Date())),
  routing_metadata: metadata.default({}),
  helper_metadata: metadata.default({}),
  message_id: z.string().min(1).default(() => newId()),
  in_reply_to: nullableString.default(null),
  provider: nullableString.default(null),
  session_event: z.enum(SESSION_EVENTS).nullable().default(null),
  content: nullableString.default(null),
  transport_metadata: metadata.default({}),
  group: nullableString.default(null),
  to_addr_type: z.enum(ADDRESS_TYPES).nullable().default(null),
  from_addr_type: z.enum(ADDRESS_TYPES).nullable().default(null),
});

export type VumiMessage = z.output<typeof messageSchema>;
export type VumiMessageInput = z.input<typeof messageSchema>;

export const eventSchema = z
  .object({
    user_message_id: z.string(),
    event_type: z.enum(EVENT_TYPES),
    message_version: z.string().default(MESSAGE_VERSION),
    message_type: z.string().default('event'),
    timestamp: timestamp.default(() => formatTimestamp(new Date())),
    routing_metadata: metadata.default({}),
    helper_metadata: metadata.default({}),
    transport_metadata: metadata.nullable().default({}),
    event_id: z.string().min(1).default(() => newId()),
    sent_message_id: nullableString.default(null),
    nack_reason: nullableString.default(null),
    delivery_status: z.enum(DELIVERY_STATUSES).nullable().default(null),
  })
  .superRefine((e, ctx) => {
    // vumi2's validators: each event type carries its own field.
    if (e.event_type === 'ack' && e.sent_message_id === null) ctx.addIssue({ code: 'custom', path: ['sent_message_id'], message: 'required for an ack' });
    if (e.event_type === 'nack' && e.nack_reason === null) ctx.addIssue({ code: 'custom', path: ['nack_reason'], message: 'required for a nack' });
    if (e.event_type === 'delivery_report' && e.delivery_status === null) {
      ctx.addIssue({ code: 'custom', path: ['delivery_status'], message: 'required for a delivery_report' });
    }
  });

export type VumiEvent = z.output<typeof eventSchema>;
export type VumiEventInput = z.input<typeof eventSchema>;

const MESSAGE_KEYS = Object.keys(messageSchema.shape) as (keyof VumiMessage)[];
const EVENT_KEYS = [
  'user_message_id',
  'event_type',
  'message_version',
  'message_type',
  'timestamp',
  'routing_metadata',
  'helper_metadata',
  'transport_metadata',
  'event_id',
  'sent_message_id',
  'nack_reason',
  'delivery_status',
] as const satisfies readonly (keyof VumiEvent)[];

/**
 * JSON as vumi2 writes it (Python's json.dumps defaults): keys in schema order, `", "` and
 * `": "` between items, and everything outside printable ASCII escaped as \uXXXX (ensure_ascii),
 * so byte-for-byte consumers see what they always saw.
 */
function toJson(value: Record<string, unknown>, keys: readonly KeyPrefix[]): string {
  let json = '{';
  for (const { key, prefix } of keys) json += prefix + pyJson(value[key]);
  return `${json}}`;
}

/** A key and its `"key": ` (after `, ` but for the first) as toJson writes it, made once per schema rather than per message. */
interface KeyPrefix {
  readonly key: string;
  readonly prefix: string;
}

const keyPrefixes = (keys: readonly string[]): KeyPrefix[] => keys.map((key, i) => ({ key, prefix: `${i === 0 ? '' : ', '}${pyString(key)}: ` }));

const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;
const NOT_PRINTABLE_ASCII_ALL = /[^\x20-\x7e]/g;

function pyString(s: string): string {
  const json = JSON.stringify(s);
  // Most values are plain ASCII: a test costs less than a replace that finds nothing.
  if (!NOT_PRINTABLE_ASCII.test(json)) return json;
  return json.replace(NOT_PRINTABLE_ASCII_ALL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function pyJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) return `[${value.map(pyJson).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => `${pyString(k)}: ${pyJson(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const MESSAGE_KEY_PREFIXES = keyPrefixes(MESSAGE_KEYS);
const EVENT_KEY_PREFIXES = keyPrefixes(EVENT_KEYS);

export function serialiseMessage(message: VumiMessage): string {
  return toJson(message, MESSAGE_KEY_PREFIXES);
}

export function serialiseEvent(event: VumiEvent): string {
  return toJson(event, EVENT_KEY_PREFIXES);
}

export function createMessage(input: VumiMessageInput): VumiMessage {
  return messageSchema.parse(input);
}

export function createEvent(input: VumiEventInput): VumiEvent {
  return eventSchema.parse(input);
}

/** Why a bus body is not a vumi message: bad JSON, or the field and what is wrong with it. */
export class InvalidMessageError extends Error {
  constructor(
    message: string,
    /** The message_id, when the body had a usable one: the nack event is addressed to it. */
    readonly message_id: string | undefined,
  ) {
    super(message);
    this.name = 'InvalidMessageError';
  }
}

/** Parses an outbound body; throws InvalidMessageError naming the problem. */
export function parseMessage(body: Buffer | string): VumiMessage {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (e) {
    throw new InvalidMessageError(`body is not valid JSON: ${(e as Error).message}`, undefined);
  }
  const result = messageSchema.safeParse(json);
  if (!result.success) {
    const id = typeof json === 'object' && json !== null && typeof (json as { message_id?: unknown }).message_id === 'string'
      ? (json as { message_id: string }).message_id
      : undefined;
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ');
    throw new InvalidMessageError(`not a vumi message: ${problems}`, id);
  }
  return result.data;
}
