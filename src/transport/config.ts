import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import { DataCoding, isSupportedDataCoding } from '../encoding/index.js';
import { redactedConfig, resolveSessionConfig, SessionConfigError, sessionConfigSchema } from '../session/config.js';
import { redactUrl } from './redact-url.js';
import type { SessionConfig } from '../session/config.js';
import { DEFAULT_STATUS_MAPPING, receiptRegexFromPython } from './inbound/delivery-report.js';
import type { StatusMapping } from './inbound/delivery-report.js';
import type { MessageIdBase, MessageIdProfile } from './inbound/message-id.js';
import type { DecodeAs } from './inbound/short-message.js';
import { DELIVERY_STATUSES } from './messages.js';
import { MULTIPART_HANDLING } from './outbound/submit-sm.js';
import type { SubmitSmOptions } from './outbound/submit-sm.js';
import { DEFAULT_REDIS_URL, defaultKeyPrefix } from './state/redis-connection.js';
import { MAX_BLOCK_SIZE } from './state/redis-sequencer.js';

/**
 * The transport worker's configuration: vumi2's `SmppTransceiverTransportConfig` (reference §1)
 * with its field names, defaults and sub-configs, composed with the session's own schema
 * (src/session/config.ts) and our additions. A vumi2 config file loads unchanged: its Python
 * class paths map to our implementations, enum fields take vumi2's names (and integers), and
 * `data_coding_overrides` takes Python codec names.
 *
 * This module only validates plain values. Reading the file, the environment and argv is
 * config-sources.ts; the field catalogue below tells it which names exist.
 */

// ---------------------------------------------------------------------------------------------
// Errors

/** A configuration value that cannot work. The message is one line naming the field and what is allowed. */
export class ConfigError extends Error {
  /** The dotted field name the message is about, when there is one. */
  readonly field: string | undefined;

  constructor(message: string, field?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
    this.field = field;
  }
}

/** table[key] for the table's own keys only: `constructor` is not a class path. */
function own<V>(table: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

// ---------------------------------------------------------------------------------------------
// vumi2's names

/** vumi2's `sequencer_class` default and the names that select each of our sequencers. */
export const SEQUENCER_CLASSES = {
  'vumi2.transports.smpp.sequencers.InMemorySequencer': 'memory',
  memory: 'memory',
  redis: 'redis',
} as const;

/** vumi2's `smpp_cache_class` default and the names that select each of our caches. */
export const SMPP_CACHE_CLASSES = {
  'vumi2.transports.smpp.smpp_cache.InMemorySmppCache': 'memory',
  memory: 'memory',
  redis: 'redis',
} as const;

export const SUBMIT_SM_PROCESSOR_CLASSES = {
  'vumi2.transports.smpp.processors.SubmitShortMessageProcessor': 'default',
  default: 'default',
} as const;

export const SM_PROCESSOR_CLASSES = {
  'vumi2.transports.smpp.processors.ShortMessageProcessor': 'default',
  default: 'default',
} as const;

/** (sic: vumi2's class is "Processer".) */
export const DR_PROCESSOR_CLASSES = {
  'vumi2.transports.smpp.processors.DeliveryReportProcesser': 'default',
  default: 'default',
} as const;

/** The worker class of `vumi2 worker <class>`: both paths name the same class (reference §1.1). */
export const WORKER_CLASSES = {
  'vumi2.transports.smpp.SmppTransceiverTransport': 'smpp',
  'vumi2.transports.smpp.smpp.SmppTransceiverTransport': 'smpp',
  smpp: 'smpp',
} as const;

export type SequencerKind = (typeof SEQUENCER_CLASSES)[keyof typeof SEQUENCER_CLASSES];
export type SmppCacheKind = (typeof SMPP_CACHE_CLASSES)[keyof typeof SMPP_CACHE_CLASSES];

/** Source and destination address TON by vumi2's (smpp.pdu's) names. */
export const ADDR_TON = {
  UNKNOWN: 0,
  INTERNATIONAL: 1,
  NATIONAL: 2,
  NETWORK_SPECIFIC: 3,
  SUBSCRIBER_NUMBER: 4,
  ALPHANUMERIC: 5,
  ABBREVIATED: 6,
} as const;

export const ADDR_NPI = {
  UNKNOWN: 0,
  ISDN: 1,
  DATA: 3,
  TELEX: 4,
  LAND_MOBILE: 6,
  NATIONAL: 8,
  PRIVATE: 9,
  ERMES: 0x0a,
  INTERNET: 0x0e,
  WAP_CLIENT_ID: 0x12,
} as const;

/** registered_delivery bits 0–1. */
export const DELIVERY_RECEIPT = {
  NO_SMSC_DELIVERY_RECEIPT_REQUESTED: 0,
  SMSC_DELIVERY_RECEIPT_REQUESTED: 1,
  SMSC_DELIVERY_RECEIPT_REQUESTED_FOR_FAILURE: 2,
} as const;

/** registered_delivery bits 2–3. */
export const SME_ORIGINATED_ACKS = {
  SME_DELIVERY_ACK_REQUESTED: 0x04,
  SME_MANUAL_ACK_REQUESTED: 0x08,
} as const;

export { DEFAULT_STATUS_MAPPING, MULTIPART_HANDLING };

/** vumi2's `DELIVERY_REPORT_REGEX`, in Python syntax, exactly (reference §5.2). */
export const VUMI2_DELIVERY_REPORT_REGEX =
  'id:(?P<id>[^ ]{,65})' +
  '(?: +sub:(?P<sub>[^ ]+))?' +
  '(?: +dlvrd:(?P<dlvrd>[^ ]+))?' +
  '(?: +submit date:(?P<submit_date>\\d*))?' +
  '(?: +done date:(?P<done_date>\\d*))?' +
  ' +stat:(?P<stat>[A-Z]{5,7})' +
  '(?: +err:(?P<err>[^ ]+))?' +
  ' +[Tt]ext:(?P<text>.{,20})' +
  '.*';

// ---------------------------------------------------------------------------------------------
// Python codec names (sm_processor_config.data_coding_overrides values)

/**
 * The codecs an inbound override can name, by Python's canonical name, and what the inbound
 * processor decodes as for each (short-message.ts `DecodeAs`): the data_coding whose decoder in
 * src/encoding reads the same bytes the same way, or `utf-8`, which has no data_coding.
 */
export const INBOUND_CODECS = {
  gsm0338: DataCoding.SMSC_DEFAULT_ALPHABET,
  ascii: DataCoding.IA5_ASCII,
  latin_1: DataCoding.LATIN_1,
  iso2022_jp: DataCoding.JIS,
  iso8859_5: DataCoding.CYRILLIC,
  iso8859_8: DataCoding.ISO_8859_8,
  utf_16_be: DataCoding.UCS2,
  utf_8: 'utf-8',
} as const satisfies Record<string, DecodeAs>;
export type InboundCodecName = keyof typeof INBOUND_CODECS;

/** Python's aliases (encodings/aliases.py) for the codecs above, after Python's name normalisation. */
const CODEC_ALIASES: Readonly<Record<string, InboundCodecName>> = {
  gsm0338: 'gsm0338',
  ...Object.fromEntries(
    [
      'ascii', '646', 'ansi_x3.4_1968', 'ansi_x3_4_1968', 'ansi_x3.4_1986', 'cp367', 'csascii', 'ibm367', 'iso646_us',
      'iso_646.irv_1991', 'iso_ir_6', 'us', 'us_ascii',
    ].map((a) => [a, 'ascii']),
  ),
  ...Object.fromEntries(
    [
      'latin_1', '8859', 'cp819', 'csisolatin1', 'ibm819', 'iso8859', 'iso8859_1', 'iso_8859_1', 'iso_8859_1_1987',
      'iso_ir_100', 'l1', 'latin', 'latin1',
    ].map((a) => [a, 'latin_1']),
  ),
  ...Object.fromEntries(['utf_8', 'u8', 'utf', 'utf8', 'utf8_ucs2', 'utf8_ucs4', 'cp65001'].map((a) => [a, 'utf_8'])),
  ...Object.fromEntries(['utf_16_be', 'unicodebigunmarked', 'utf_16be'].map((a) => [a, 'utf_16_be'])),
  ...Object.fromEntries(
    ['iso8859_5', 'csisolatincyrillic', 'cyrillic', 'iso_8859_5', 'iso_8859_5_1988', 'iso_ir_144'].map((a) => [a, 'iso8859_5']),
  ),
  ...Object.fromEntries(
    ['iso8859_8', 'csisolatinhebrew', 'hebrew', 'iso_8859_8', 'iso_8859_8_1988', 'iso_ir_138'].map((a) => [a, 'iso8859_8']),
  ),
  ...Object.fromEntries(['iso2022_jp', 'csiso2022jp', 'iso2022jp', 'iso_2022_jp'].map((a) => [a, 'iso2022_jp'])),
};

/** A Python codec name (`latin1`, `ISO-8859-1`, `utf8` …) as what to decode with, or undefined when we have none. */
export function pythonCodec(name: string): DecodeAs | undefined {
  // Python: lower-case, runs of anything but letters, digits and '.' become '_'.
  const normal = name
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const codec = own(CODEC_ALIASES, normal) ?? own(CODEC_ALIASES, normal.replaceAll('.', '_'));
  return codec === undefined ? undefined : INBOUND_CODECS[codec];
}

const CODEC_LIST =
  'gsm0338, ascii, latin_1 (latin1, iso8859_1, iso-8859-1 …), utf_8 (utf8, utf-8), utf_16_be (utf-16-be), iso8859_5, iso8859_8, iso2022_jp';

// ---------------------------------------------------------------------------------------------
// Field helpers

const DATA_CODING_NAMES = Object.keys(DataCoding).join(', ');

/** A name from one of the tables above (all upper case), matched case-insensitively. */
function lookupName(table: Readonly<Record<string, number>>, name: string): number | undefined {
  return own(table, name.toUpperCase());
}

function nameOf(table: Readonly<Record<string, number>>, value: number): string {
  const name = Object.keys(table).find((k) => table[k] === value);
  return name === undefined ? String(value) : `${name} (${value})`;
}

const INTEGER = /^(?:[+-]?\d+|0[xX][0-9a-fA-F]+)$/;

/**
 * A value given by name (vumi2's way) or as its integer (ours too): names from `table`, matched
 * case-insensitively; integers (or integer strings, from the environment) that `allowed` accepts.
 */
function named(table: Readonly<Record<string, number>>, allowedText: string, allowed: (n: number) => boolean) {
  return z.union([z.number(), z.string()]).transform((value, ctx): number => {
    let n: number | undefined;
    if (typeof value === 'number') n = value;
    else if (INTEGER.test(value.trim())) n = Number(value.trim());
    else n = lookupName(table, value.trim());
    if (n === undefined || !Number.isInteger(n) || !allowed(n)) {
      ctx.addIssue({ code: 'custom', message: `must be one of ${Object.keys(table).join(', ')} or ${allowedText}` });
      return z.NEVER;
    }
    return n;
  });
}

const byte = (n: number) => n >= 0 && n <= 255;
const addrTon = named(ADDR_TON, '0–255', byte);
const addrNpi = named(ADDR_NPI, '0–255', byte);

/** A class path or short name from `table`, as the kind of implementation it selects. */
function classPath<T extends Readonly<Record<string, string>>>(table: T) {
  return z.string().transform((value, ctx): T[keyof T] => {
    const kind = own(table, value.trim()) ?? own(table, value.trim().toLowerCase());
    if (kind === undefined) {
      ctx.addIssue({ code: 'custom', message: `unknown class; must be one of ${Object.keys(table).join(', ')}` });
      return z.NEVER;
    }
    return kind as T[keyof T];
  });
}

const seconds = z.number().positive();
const port = z.number().int().min(1).max(65535);

function isUrlWithScheme(value: string, schemes: readonly string[]): boolean {
  try {
    return schemes.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** pino's levels, from Python's names (vumi2's `log_level`, any case) or pino's own. */
const LOG_LEVELS = {
  critical: 'fatal',
  fatal: 'fatal',
  error: 'error',
  warning: 'warn',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  notset: 'trace',
  trace: 'trace',
  silent: 'silent',
} as const;
export type LogLevel = (typeof LOG_LEVELS)[keyof typeof LOG_LEVELS];

const logLevel = z.string().transform((value, ctx): LogLevel => {
  const level = own<LogLevel>(LOG_LEVELS, value.trim().toLowerCase());
  if (level === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL (any case), trace, fatal or silent' });
    return z.NEVER;
  }
  return level;
});

/** Hypercorn's bind forms that make sense here: host:port, [v6]:port, unix:/path. */
const HTTP_BIND = /^(?:unix:.+|\[[0-9a-fA-F:.]+\]:\d{1,5}|[^\s:[\]]*:\d{1,5})$/;
const httpBind = z.string().refine((v) => {
  if (!HTTP_BIND.test(v)) return false;
  if (v.startsWith('unix:')) return true;
  const p = Number(v.slice(v.lastIndexOf(':') + 1));
  return p >= 0 && p <= 65535;
}, 'must be host:port (e.g. 0.0.0.0:8000), [::]:port or unix:/path');

// ---------------------------------------------------------------------------------------------
// Sub-configs

/** The named groups of a RegExp (all of them, matched or not). */
function groupNames(re: RegExp): string[] {
  const probe = new RegExp(`${re.source}|`, re.flags).exec('');
  return Object.keys(probe?.groups ?? {});
}

const registeredDeliverySchema = z
  .object({
    delivery_receipt: named(DELIVERY_RECEIPT, 'their values 0–2', (n) => n >= 0 && n <= 2).default(0),
    sme_originated_acks: z
      .array(named(SME_ORIGINATED_ACKS, 'their values 4, 8', (n) => n === 4 || n === 8))
      .default([]),
    intermediate_notification: z.boolean().default(false),
  })
  .prefault({});

export type RegisteredDelivery = z.output<typeof registeredDeliverySchema>;

/** The registered_delivery octet for submit_sm. */
export function registeredDeliveryOctet(rd: RegisteredDelivery): number {
  return rd.sme_originated_acks.reduce((octet, ack) => octet | ack, rd.delivery_receipt) | (rd.intermediate_notification ? 0x10 : 0);
}

const submitDataCoding = named(DataCoding, '0–255', byte).superRefine((n, ctx) => {
  if (!isSupportedDataCoding(n)) {
    ctx.addIssue({
      code: 'custom',
      message: `${nameOf(DataCoding, n)} has no text encoding here; must be one of SMSC_DEFAULT_ALPHABET, IA5_ASCII, OCTET_UNSPECIFIED, LATIN_1, OCTET_UNSPECIFIED_COMMON, JIS, CYRILLIC, ISO_8859_8, UCS2 or a GSM DCS value (docs/encoding.md)`,
    });
  }
});

export const submitSmProcessorConfigSchema = z
  .object({
    data_coding: submitDataCoding.default(DataCoding.SMSC_DEFAULT_ALPHABET),
    multipart_handling: z.enum(MULTIPART_HANDLING).default('short_message'),
    /** vumi2: None → empty. Wire maximum 5 characters. */
    service_type: z
      .string()
      .max(5)
      .regex(/^[\x20-\x7e]*$/, 'must be printable ASCII')
      .default(''),
    source_addr_ton: addrTon.default(ADDR_TON.UNKNOWN),
    source_addr_npi: addrNpi.default(ADDR_NPI.UNKNOWN),
    dest_addr_ton: addrTon.default(ADDR_TON.UNKNOWN),
    dest_addr_npi: addrNpi.default(ADDR_NPI.ISDN),
    registered_delivery: registeredDeliverySchema,
    /** Modulus of the SAR reference (sar_msg_ref_num is two octets). */
    multipart_sar_reference_rollover: z.number().int().min(1).max(0x10000).default(0x10000),
    /** Ours: UDH concatenation with an 8-bit reference (vumi2's only form) or a 16-bit one. */
    multipart_udh_reference_bits: z.literal([8, 16]).default(8),
  })
  .prefault({});

export type SubmitSmProcessorConfig = z.output<typeof submitSmProcessorConfigSchema>;

/** What submit_sm_processor_config says, as the wire values buildSubmitSms takes. */
export function submitSmOptionsOf(c: SubmitSmProcessorConfig): SubmitSmOptions {
  return {
    data_coding: c.data_coding,
    multipart_handling: c.multipart_handling,
    service_type: c.service_type,
    source_addr_ton: c.source_addr_ton,
    source_addr_npi: c.source_addr_npi,
    dest_addr_ton: c.dest_addr_ton,
    dest_addr_npi: c.dest_addr_npi,
    registered_delivery: registeredDeliveryOctet(c.registered_delivery),
    multipart_sar_reference_rollover: c.multipart_sar_reference_rollover,
    multipart_udh_reference_bits: c.multipart_udh_reference_bits,
  };
}

const dataCodingOverrides = z
  .record(z.string(), z.string())
  .default({})
  .transform((overrides, ctx) => {
    const out: Partial<Record<number, DecodeAs>> = {};
    for (const [key, codecName] of Object.entries(overrides)) {
      const k = key.trim();
      const dataCoding = INTEGER.test(k) ? Number(k) : lookupName(DataCoding, k);
      if (dataCoding === undefined || !byte(dataCoding)) {
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown data_coding name; keys must be one of ${DATA_CODING_NAMES} or 0–255` });
        continue;
      }
      const codec = pythonCodec(codecName);
      if (codec === undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `unknown codec; must be one of ${CODEC_LIST}` });
        continue;
      }
      out[dataCoding] = codec;
    }
    return out;
  });

export const smProcessorConfigSchema = z
  .object({
    /** data_coding (vumi2 name or integer) → Python codec name, for inbound decoding. */
    data_coding_overrides: dataCodingOverrides,
    /** Ours: seconds an incomplete multipart MO is kept after its last part (vumi2 kept it forever). */
    multipart_timeout: seconds.default(3600),
    /** Ours: GSM 7-bit codings arrive packed (8 septets in 7 octets); SMSC-specific. */
    gsm_packed: z.boolean().default(false),
    /** Ours: a concatenation header counts without the UDHI bit, as in vumi2 (which never looks at UDHI). */
    concat_udh_without_udhi: z.boolean().default(true),
  })
  .prefault({});

export const MESSAGE_ID_FORMATS = ['opaque', 'decimal', 'hex'] as const satisfies readonly MessageIdBase[];
const messageIdFormat = z.enum(MESSAGE_ID_FORMATS);

export const drProcessorConfigSchema = z
  .object({
    /** Python syntax, as vumi2 (translated by receiptRegexFromPython); must have `id` and `stat` groups. */
    regex: z.string().default(VUMI2_DELIVERY_REPORT_REGEX),
    /** Replaces the default table wholesale, as in vumi2. */
    status_mapping: z.record(z.string(), z.enum(DELIVERY_STATUSES)).optional(),
    /** Ours: what the stat word ACCEPTD means; set, it wins over status_mapping. */
    accepted_status: z.enum(['pending', 'delivered']).optional(),
    /** Ours: how the SMSC writes message ids: one base for both places, or each separately. */
    message_id_format: z
      .union([
        messageIdFormat,
        z.object({ submit_sm_resp: messageIdFormat.default('opaque'), delivery_report: messageIdFormat.default('opaque') }),
      ])
      .optional(),
    /** Ours: Kannel's `msg-id-type` (bit 0: submit_sm_resp ids are hex, else decimal; bit 1: receipt ids). */
    kannel_msg_id_type: z.number().int().min(0).max(3).optional(),
    /** Ours: compare ids that are not numbers case-insensitively. */
    message_id_case_fold: z.boolean().default(true),
    /** Ours: `000123` and `123` are the same id. */
    message_id_strip_leading_zeros: z.boolean().default(true),
    /** Ours: when the regex does not match, try the tolerant receipt parser (any key order and case, no `text:` needed). */
    tolerant_parser: z.boolean().default(true),
    /** Ours: text that parses as a receipt is one even without a receipt esm_class (vumi2 does this). */
    match_body_without_esm_class: z.boolean().default(true),
    /** Ours: a receipt by esm_class whose text does not parse: `drop` (logged) or `inbound` (published as a message, as vumi2). */
    unparsed_receipts: z.enum(['drop', 'inbound']).default('drop'),
  })
  .prefault({})
  .transform((c, ctx) => {
    let regex: RegExp;
    try {
      regex = receiptRegexFromPython(c.regex);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['regex'], message: `not a regular expression we can run: ${(e as Error).message}` });
      return z.NEVER;
    }
    const groups = groupNames(regex);
    const missing = ['id', 'stat'].filter((g) => !groups.includes(g));
    if (missing.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['regex'], message: `must have the named groups (?P<id>…) and (?P<stat>…); missing ${missing.join(', ')}` });
      return z.NEVER;
    }
    if (c.kannel_msg_id_type !== undefined && c.message_id_format !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['kannel_msg_id_type'], message: 'give either kannel_msg_id_type or message_id_format, not both' });
      return z.NEVER;
    }
    const bases: { submit_sm_resp: MessageIdBase; delivery_report: MessageIdBase } =
      c.kannel_msg_id_type !== undefined
        ? {
            submit_sm_resp: c.kannel_msg_id_type & 1 ? 'hex' : 'decimal',
            delivery_report: c.kannel_msg_id_type & 2 ? 'hex' : 'decimal',
          }
        : typeof c.message_id_format === 'string'
          ? { submit_sm_resp: c.message_id_format, delivery_report: c.message_id_format }
          : (c.message_id_format ?? { submit_sm_resp: 'opaque', delivery_report: 'opaque' });
    const folding = { caseFold: c.message_id_case_fold, stripLeadingZeros: c.message_id_strip_leading_zeros };
    const message_id_profile: MessageIdProfile = {
      submit: { base: bases.submit_sm_resp, ...folding },
      receipt: { base: bases.delivery_report, ...folding },
    };
    const status_mapping: StatusMapping = {
      ...(c.status_mapping ?? DEFAULT_STATUS_MAPPING),
      ...(c.accepted_status !== undefined && { ACCEPTD: c.accepted_status }),
    };
    return {
      regex,
      status_mapping,
      message_id_profile,
      tolerant_parser: c.tolerant_parser,
      match_body_without_esm_class: c.match_body_without_esm_class,
      unparsed_receipts: c.unparsed_receipts,
    };
  });

export type DrProcessorConfig = z.output<typeof drProcessorConfigSchema>;

export const smppCacheConfigSchema = z
  .object({
    /** Seconds an SMSC message id → vumi id entry lives. */
    timeout: seconds.default(86_400),
  })
  .prefault({});

// ---------------------------------------------------------------------------------------------
// Binds

/** The most binds one process keeps. */
export const MAX_BINDS = 64;

/** One entry of a `binds` list: session fields for that bind, and how many such binds. */
const bindSpecSchema = z.looseObject({ count: z.number().int().min(1).max(MAX_BINDS).default(1) });

/** A bind spec as given: session fields that differ from the top level (validated against it in transportConfigSchema). */
export type BindSpec = Readonly<Record<string, unknown>>;

const bindsSchema = z.preprocess(
  (value) => {
    // From the environment or a flag: `3`, or a YAML/JSON list.
    if (typeof value !== 'string') return value;
    const t = value.trim();
    if (/^\d+$/.test(t)) return Number(t);
    try {
      return parseYaml(t) as unknown;
    } catch {
      return value;
    }
  },
  z.union([z.number().int().min(1).max(MAX_BINDS), z.array(bindSpecSchema).min(1)]).default(1),
);

// ---------------------------------------------------------------------------------------------
// The whole config

const session = sessionConfigSchema.shape;

/** The fields, as an object schema (for walking); `transportConfigSchema` adds the cross-field defaults. */
export const transportConfigObject = sessionConfigSchema.extend({
  // vumi2 BaseConfig (§1.2)
  amqp: z
    .object({
      hostname: z.string().min(1).default('127.0.0.1'),
      port: port.default(5672),
      username: z.string().default('guest'),
      password: z.string().default('guest'),
      vhost: z.string().default('/'),
    })
    .prefault({}),
  /** Used instead of `amqp` when not empty. */
  amqp_url: z
    .string()
    .refine((v) => v === '' || isUrlWithScheme(v, ['amqp:', 'amqps:']), 'must be empty or an amqp:// or amqps:// URL')
    .default(''),
  /** AMQP prefetch and concurrent outbound messages (a 16-bit AMQP field). */
  worker_concurrency: z.number().int().min(1).max(65535).default(20),
  /** Accepted and not used (a warning says so). */
  sentry_dsn: z.string().nullable().default(null),
  http_bind: httpBind.nullable().default(null),
  log_level: logLevel.default('info'),
  /** Accepted and not run (a warning says so). */
  middlewares: z.array(z.looseObject({ class_path: z.string() })).default([]),

  // vumi2 SmppTransceiverTransportConfig (§1.3); the session's fields come from sessionConfigSchema
  transport_name: z
    .string()
    .min(1)
    .max(246)
    .regex(/^\S+$/, 'must not contain spaces')
    .default('smpp'),
  addr_ton: addrTon.default(ADDR_TON.UNKNOWN),
  addr_npi: addrNpi.default(ADDR_NPI.UNKNOWN),
  sequencer_class: classPath(SEQUENCER_CLASSES).default('memory'),
  /** vumi2's InMemorySequencer ignores its config, as does ours; the redis one takes a block size. */
  sequencer_config: z
    .object({
      /** Numbers the redis sequencer reserves per round trip to Redis (see RedisSequencer). */
      block_size: z.number().int().min(1).max(MAX_BLOCK_SIZE).default(100),
    })
    .prefault({}),
  submit_sm_processor_class: classPath(SUBMIT_SM_PROCESSOR_CLASSES).default('default'),
  submit_sm_processor_config: submitSmProcessorConfigSchema,
  sm_processor_class: classPath(SM_PROCESSOR_CLASSES).default('default'),
  sm_processor_config: smProcessorConfigSchema,
  dr_processor_class: classPath(DR_PROCESSOR_CLASSES).default('default'),
  dr_processor_config: drProcessorConfigSchema,
  smpp_cache_class: classPath(SMPP_CACHE_CLASSES).default('memory'),
  smpp_cache_config: smppCacheConfigSchema,

  // ours
  /** Where vumi messages come from and go: RabbitMQ, or in-process (embedding, tests). */
  bus: z.enum(['amqp', 'memory']).default('amqp'),
  /** For the redis sequencer and cache. */
  redis: z
    .object({
      url: z
        .string()
        .refine((v) => isUrlWithScheme(v, ['redis:', 'rediss:']), 'must be a redis:// or rediss:// URL')
        .default(DEFAULT_REDIS_URL),
      /** Default `smpp:<transport_name>:`, so transports sharing a Redis keep apart. */
      key_prefix: z.string().optional(),
    })
    .prefault({}),
  /** Ours: transport_metadata as vumi2 publishes it (only `smpp_delivery_status` on receipts, `{}` on messages) instead of the SMPP details. */
  vumi2_metadata: z.boolean().default(false),
  /**
   * Ours: the SMPP sessions this process keeps. A count of identical binds (each with the
   * session fields above), or a list of bind specs, each overriding session fields for its bind
   * (`[{bind_type: transmitter}, {bind_type: receiver}]`), with an optional `count` of copies.
   */
  binds: bindsSchema,
  /** Ours: seconds a graceful stop waits for messages in hand before handing them back to the queue. */
  shutdown_timeout: z.number().nonnegative().default(10),
});

/** The transport's config, checked; what a resolved config looks like. */
export const transportConfigSchema = transportConfigObject.transform((c, ctx) => {
  // `binds` as one override per bind: a count gives that many empty overrides.
  const specs: BindSpec[] = [];
  if (typeof c.binds === 'number') {
    for (let i = 0; i < c.binds; i++) specs.push({});
  } else {
    c.binds.forEach((entry, i) => {
      const { count, ...overrides } = entry;
      const unknown = Object.keys(overrides).filter((k) => !Object.hasOwn(session, k));
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['binds', i], message: `a bind takes session fields and count; not ${unknown.join(', ')}` });
        return;
      }
      for (let n = 0; n < count; n++) specs.push(overrides);
    });
  }
  if (specs.length > MAX_BINDS) ctx.addIssue({ code: 'custom', path: ['binds'], message: `at most ${MAX_BINDS} binds in all` });
  return {
    ...c,
    binds: specs,
    redis: { url: c.redis.url, key_prefix: c.redis.key_prefix ?? defaultKeyPrefix(c.transport_name) },
  };
});

export type TransportConfigInput = z.input<typeof transportConfigSchema>;
export type TransportConfig = z.output<typeof transportConfigSchema>;

const SESSION_KEYS = Object.keys(session) as (keyof SessionConfig)[];

/** The part of the config the SMPP session (`SmppClient`) takes: the top level, as the first bind of a single-bind config. */
export function sessionConfigOf(config: TransportConfig): SessionConfig {
  return Object.fromEntries(SESSION_KEYS.map((k) => [k, config[k]])) as SessionConfig;
}

/**
 * Each bind's session config: the top-level session fields with that bind's overrides on top,
 * validated. Throws SessionConfigError (resolveTransportConfig reports it as a ConfigError).
 */
export function bindConfigsOf(config: TransportConfig): SessionConfig[] {
  const base = sessionConfigOf(config);
  return config.binds.map((overrides) => resolveSessionConfig(mergeConfig(base, overrides) as SessionConfig));
}

function redactedBind(overrides: BindSpec): BindSpec {
  const out: Record<string, unknown> = { ...overrides };
  if ('password' in out) out.password = '[redacted]';
  const tls = out.tls;
  if (isPlainObject(tls) && 'key' in tls) out.tls = { ...tls, key: '[redacted]' };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Walking the schema: the field catalogue, string conversion, unknown keys

/** What a string from the environment or a flag is converted to. */
export type FieldKind = 'string' | 'number' | 'boolean' | 'list' | 'map';

interface NodeShape {
  readonly object?: z.ZodObject;
  readonly scalar?: FieldKind;
  readonly nullable: boolean;
  readonly defaultValue?: unknown;
}

function shapeOf(schema: z.ZodType): NodeShape {
  let node: z.ZodType = schema;
  let nullable = false;
  let defaultValue: unknown;
  for (;;) {
    if (node instanceof z.ZodDefault) {
      defaultValue ??= (node.def as { defaultValue: unknown }).defaultValue;
      node = node.def.innerType as z.ZodType;
    } else if (node instanceof z.ZodPrefault || node instanceof z.ZodOptional) {
      node = node.def.innerType as z.ZodType;
    } else if (node instanceof z.ZodNullable) {
      nullable = true;
      node = node.def.innerType as z.ZodType;
    } else if (node instanceof z.ZodPipe) {
      node = (node.in instanceof z.ZodTransform ? node.out : node.in) as z.ZodType;
    } else break;
  }
  const base = { nullable, ...(defaultValue !== undefined && { defaultValue }) };
  if (node instanceof z.ZodObject) return { ...base, object: node };
  if (node instanceof z.ZodUnion) {
    const parts = (node.options as z.ZodType[]).map(shapeOf);
    const object = parts.find((p) => p.object)?.object;
    const kinds = new Set(parts.flatMap((p) => (p.scalar ? [p.scalar] : [])));
    const scalar = kinds.size === 1 ? [...kinds][0] : kinds.size > 1 ? 'string' : undefined;
    return { ...base, ...(object && { object }), ...(scalar && { scalar }) };
  }
  if (node instanceof z.ZodLiteral) {
    const values = [...node.values];
    if (values.every((v) => typeof v === 'number')) return { ...base, scalar: 'number' };
    if (values.every((v) => typeof v === 'boolean')) return { ...base, scalar: 'boolean' };
    return { ...base, scalar: 'string' };
  }
  if (node instanceof z.ZodNumber) return { ...base, scalar: 'number' };
  if (node instanceof z.ZodBoolean) return { ...base, scalar: 'boolean' };
  if (node instanceof z.ZodArray) return { ...base, scalar: 'list' };
  if (node instanceof z.ZodRecord) return { ...base, scalar: 'map' };
  return { ...base, scalar: 'string' };
}

/** A field that can be set from the environment or a flag. */
export interface ConfigField {
  /** Dotted name, e.g. `amqp.hostname`. */
  readonly name: string;
  readonly path: readonly string[];
  readonly kind: FieldKind;
  /** vumi2's environment name, before any prefix: `AMQP_HOSTNAME`. */
  readonly env: string;
  /** The flag: `--amqp-hostname`. */
  readonly flag: string;
}

function catalogue(object: z.ZodObject, prefix: readonly string[], out: ConfigField[]): ConfigField[] {
  const shape: Record<string, z.ZodType> = object.shape;
  for (const [key, child] of Object.entries(shape)) {
    const path = [...prefix, key];
    const s = shapeOf(child);
    if (s.scalar) {
      out.push({
        name: path.join('.'),
        path,
        kind: s.scalar,
        env: path.map((p) => p.toUpperCase()).join('_'),
        flag: `--${path.join('-').replaceAll('_', '-')}`,
      });
    }
    if (s.object) catalogue(s.object, path, out);
  }
  return out;
}

/** Every field the environment and flags can set, in schema order. */
export const TRANSPORT_CONFIG_FIELDS: readonly ConfigField[] = catalogue(transportConfigObject, [], []);

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

function tryYaml(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch {
    return text;
  }
}

/** A string (from the environment, a flag, or a quoted YAML value) as `kind`; unchanged when it is not one. */
function fromString(kind: FieldKind, nullable: boolean, text: string): unknown {
  const t = text.trim();
  switch (kind) {
    case 'string':
      return nullable && t === '' ? null : text;
    case 'number':
      return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$|^0[xX][0-9a-fA-F]+$/.test(t) ? Number(t) : text;
    case 'boolean':
      return own(BOOLEANS, t.toLowerCase()) ?? text;
    case 'list':
      if (t === '') return [];
      return t.startsWith('[') ? tryYaml(t) : t.split(',').map((s) => s.trim()).filter((s) => s !== '');
    case 'map': {
      if (t === '') return {};
      const parsed = tryYaml(t);
      return isPlainObject(parsed) ? parsed : text;
    }
  }
}

function coerce(schema: z.ZodType, value: unknown): unknown {
  const s = shapeOf(schema);
  if (s.object && isPlainObject(value)) {
    const shape = s.object.shape as Record<string, z.ZodType>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Object.hasOwn(shape, k) ? coerce(shape[k] as z.ZodType, v) : v]));
  }
  if (typeof value === 'string' && s.scalar) return fromString(s.scalar, s.nullable, value);
  // vumi2's Optional[str] = None fields (system_type, address_range, service_type) are '' here.
  if (value === null && s.scalar === 'string' && !s.nullable && s.defaultValue === '') return '';
  return value;
}

function unknownKeys(schema: z.ZodType, value: unknown, prefix: string, out: string[]): void {
  const s = shapeOf(schema);
  if (!s.object || !isPlainObject(value)) return;
  const shape = s.object.shape as Record<string, z.ZodType>;
  for (const [k, v] of Object.entries(value)) {
    const name = prefix === '' ? k : `${prefix}.${k}`;
    if (Object.hasOwn(shape, k)) unknownKeys(shape[k] as z.ZodType, v, name, out);
    else out.push(`${name}: unknown config key, ignored`);
  }
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** Fields whose values never appear in logs or error messages. */
const SECRET_FIELDS = new Set(['password', 'amqp.password', 'tls.key']);
/** URL fields whose password part is hidden. */
const URL_FIELDS = new Set(['amqp_url', 'redis.url', 'sentry_dsn']);

/** The config for logs: no passwords (SMPP, AMQP, in URLs), no TLS private key; the DR regex as text. */
export function redactedTransportConfig(config: TransportConfig): Record<string, unknown> {
  return {
    ...config,
    ...redactedConfig(sessionConfigOf(config)),
    amqp: { ...config.amqp, password: '[redacted]' },
    amqp_url: redactUrl(config.amqp_url, 'amqp_url'),
    redis: { ...config.redis, url: redactUrl(config.redis.url, 'redis.url') },
    sentry_dsn: config.sentry_dsn === null ? null : redactUrl(config.sentry_dsn, 'sentry_dsn'),
    dr_processor_config: { ...config.dr_processor_config, regex: config.dr_processor_config.regex.source },
    binds: config.binds.map(redactedBind),
  };
}

// ---------------------------------------------------------------------------------------------
// Resolving

export interface TransportConfigSources {
  /** The config file as parsed YAML: a mapping, or null/undefined when there is none. */
  readonly file?: unknown;
  /** Values from the environment, nested like the file (strings are converted per field). */
  readonly env?: Readonly<Record<string, unknown>>;
  /** Values from flags, nested like the file. */
  readonly cli?: Readonly<Record<string, unknown>>;
  /**
   * Where a value came from, by dotted field name (`port` → `environment variable PORT`), for
   * error messages; the loader fills it for the environment and flags.
   */
  readonly origins?: Readonly<Record<string, string>>;
}

export interface ResolvedTransportConfig {
  readonly config: TransportConfig;
  /** Things to log at warn: unknown keys, accepted-but-unused fields, reinterpreted values. */
  readonly warnings: readonly string[];
}

/**
 * vumi2's nested merge: mappings merge key by key, anything else replaces. One addition: `true`
 * over a mapping keeps the mapping (`tls: true` from a flag keeps the file's TLS options; TLS is
 * on either way).
 */
export function mergeConfig(...layers: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const [k, v] of Object.entries(layer)) {
      const prev = out[k];
      if (v === true && isPlainObject(prev)) continue;
      out[k] = isPlainObject(v) && isPlainObject(prev) ? mergeConfig(prev, v) : isPlainObject(v) ? mergeConfig(v) : v;
    }
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (!isPlainObject(v) && !Array.isArray(v)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(name: string, value: unknown): string {
  const looksSecret = typeof value === 'string' && value.includes('PRIVATE KEY');
  if (looksSecret || SECRET_FIELDS.has(name) || SECRET_FIELDS.has(name.split('.').slice(0, 2).join('.'))) {
    return typeof value === 'string' ? `${value.length} characters` : typeof value;
  }
  if (typeof value === 'string') {
    const text = URL_FIELDS.has(name) ? redactUrl(value, name) : value;
    return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
  }
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  return String(value);
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
    case 'too_big': {
      const max = String(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${max} characters`;
      if (issue.origin === 'array') return `must have at most ${max} items`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'too_small': {
      const min = String(issue.minimum);
      if (issue.origin === 'string') return issue.minimum === 1 ? 'must not be empty' : `must be at least ${min} characters`;
      if (issue.origin === 'array') return `must have at least ${min} items`;
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_union': {
      const expected = new Set(
        issue.errors.flatMap((branch) => branch.filter((i) => i.path.length === 0).map((i) => (i.code === 'invalid_type' ? (TYPE_WORDS[i.expected] ?? i.expected) : describe(i)))),
      );
      return expected.size > 0 ? `must be ${[...expected].join(' or ')}` : 'is not an allowed value';
    }
    default:
      return issue.message;
  }
}

function originOf(origins: Readonly<Record<string, string>>, path: readonly PropertyKey[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const origin = origins[path.slice(0, n).map(String).join('.')];
    if (origin !== undefined) return origin;
  }
  return undefined;
}

/**
 * Merges the sources (flags over environment over file, nested mappings key by key), converts
 * strings per field, validates, and maps vumi2's names to ours. Throws `ConfigError` (one line)
 * for a bad value; unknown keys and accepted-but-unused fields come back as warnings.
 */
export function resolveTransportConfig(sources: TransportConfigSources = {}): ResolvedTransportConfig {
  const file = sources.file ?? {};
  if (!isPlainObject(file)) throw new ConfigError('config file: must be a mapping of field names to values');
  const origins = sources.origins ?? {};
  // Strings become numbers, booleans, lists and mappings per field, in each source before the
  // merge, so that a merge sees `tls: true` rather than "true".
  const layers = [file, sources.env ?? {}, sources.cli ?? {}].map((layer) => coerce(transportConfigObject, layer));
  const input = mergeConfig(...layers);
  const warnings: string[] = [];
  unknownKeys(transportConfigObject, input, '', warnings);

  // vumi2 writes interface_version as decimal-read-as-hex (34 → 0x22), so a config that wanted
  // 0x34 on the wire said 52. We write 34 as 0x34.
  if (input.interface_version === 52) {
    input.interface_version = 34;
    warnings.push('interface_version: 52 read as 34 (SMPP 3.4, sent as 0x34; vumi2 needed 52 to send 0x34)');
  }

  const parsed = transportConfigSchema.safeParse(input);
  if (!parsed.success) {
    // One complaint per field: the first says what is allowed.
    const seen = new Set<string>();
    const issues = parsed.error.issues.filter((i) => {
      const key = i.path.map(String).join('.');
      return seen.has(key) ? false : (seen.add(key), true);
    });
    const lines = issues.map((issue) => {
      const name = issue.path.map(String).join('.') || '(config)';
      const value = valueAt(input, issue.path);
      const got = value === undefined ? '' : `; got ${show(name, value)}`;
      const origin = originOf(origins, issue.path);
      return `${name}: ${describe(issue)}${got}${origin === undefined ? '' : ` (from ${origin})`}`;
    });
    const first = issues[0];
    throw new ConfigError(lines.join('; '), first?.path.map(String).join('.'));
  }
  const config = parsed.data;

  try {
    resolveSessionConfig(sessionConfigOf(config));
  } catch (e) {
    if (e instanceof SessionConfigError) throw new ConfigError(e.message, e.message.split(':')[0], { cause: e });
    throw e;
  }
  for (const [i, overrides] of config.binds.entries()) {
    try {
      resolveSessionConfig(mergeConfig(sessionConfigOf(config), overrides));
    } catch (e) {
      if (e instanceof SessionConfigError) throw new ConfigError(`binds[${i}]: ${e.message}`, 'binds', { cause: e });
      throw e;
    }
  }

  if (config.middlewares.length > 0) {
    const names = config.middlewares.map((m) => m.class_path).join(', ');
    warnings.push(`middlewares: not supported, ignored (${names})`);
  }
  if (config.sentry_dsn !== null && config.sentry_dsn !== '') warnings.push('sentry_dsn: accepted but not used (no Sentry reporting)');
  if (config.bus === 'memory' && (config.amqp_url !== '' || isPlainObject(input.amqp))) {
    warnings.push('bus: memory, so the amqp settings are not used');
  }
  return { config, warnings };
}
