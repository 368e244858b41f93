import { z } from 'zod';

/**
 * The connection manager's configuration. Names and defaults follow vumi2's SMPP transport
 * (seed document) where it has them; times it gives in seconds stay in seconds.
 */
import { BIND_TYPES } from '../pdu/bind-states.js';
import { CommandStatus, commandStatusName } from '../pdu/command-status.js';

export { BIND_TYPES };
export type { BindType } from '../pdu/bind-states.js';

const asciiMax = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[\x20-\x7e]*$/, 'must be printable ASCII');

const seconds = z.number().positive();

/** A command_status by its SMPP 3.4 name ('ESME_RSYSERR') or its number (8, 0x58). */
const commandStatus = z.union([z.number().int().min(0).max(0xffffffff), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  // From the environment or a flag a number comes as text: '88' or '0x58'.
  if (/^(?:\d+|0[xX][0-9a-fA-F]+)$/.test(value.trim())) return Number(value.trim());
  const known = (CommandStatus as Record<string, number>)[value.trim().toUpperCase()];
  if (known === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown command_status name ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return known;
});

export const tlsOptionsSchema = z.object({
  /** PEM CA certificate(s) to trust instead of the system store. */
  ca: z.string().optional(),
  cert: z.string().optional(),
  key: z.string().optional(),
  /** The name to check the SMSC's certificate against; defaults to host. */
  servername: z.string().optional(),
  /** Turning this off accepts any certificate: only for a test SMSC. */
  reject_unauthorized: z.boolean().default(true),
});

export const sessionConfigSchema = z.object({
  host: z.string().min(1).default('localhost'),
  port: z.number().int().min(1).max(65535).default(2775),
  system_id: asciiMax(15).default('smppclient1'),
  password: asciiMax(8).default('password'),
  system_type: asciiMax(12).default(''),
  /** 34 means SMPP 3.4 and goes on the wire as 0x34; 0–33 mean 3.3 or older. */
  interface_version: z.number().int().min(0).max(34).default(34),
  address_range: asciiMax(40).default(''),
  addr_ton: z.number().int().min(0).max(255).default(0),
  addr_npi: z.number().int().min(0).max(255).default(0),
  bind_type: z.enum(BIND_TYPES).default('transceiver'),
  /** Idle seconds on the link before an enquire_link is sent. */
  smpp_enquire_link_interval: seconds.default(55),
  /** Seconds to wait for an enquire_link_resp before the link is taken for dead. */
  smpp_enquire_link_timeout: seconds.default(10),
  /** Seconds from TCP connect to bind_resp. */
  smpp_bind_timeout: seconds.default(30),
  /** Seconds to wait for an unbind_resp before closing anyway. */
  smpp_unbind_timeout: seconds.default(5),
  /** Seconds to wait for the response to a submit or other request: past it, the outcome is unknown. */
  smpp_response_timeout: seconds.default(30),
  /** Seconds to wait for the TCP (and TLS) connection. */
  smpp_connect_timeout: seconds.default(10),
  /** Reconnect back-off: the first delay, the cap, and the random spread (0.2 = ±20 %). */
  reconnect_delay_initial: seconds.default(1),
  reconnect_delay_max: seconds.default(60),
  reconnect_jitter: z.number().min(0).max(1).default(0.2),
  /** Requests sent and not yet answered, at most. */
  window_size: z.number().int().min(1).max(10_000).default(10),
  /**
   * Flow control (docs/architecture.md, "Flow control"). Submits and other non-management
   * requests sent per second on this bind, at most, counted in PDUs (a three-part message is
   * three), resends included; 0 means no limit. A token bucket: see submit_rate_burst.
   */
  submit_rate_limit: z.number().min(0).default(0),
  /**
   * PDUs that may leave back to back after a quiet spell. 1 paces evenly; a larger burst lets
   * up to burst + rate PDUs into one second, which an SMSC counting per second may throttle.
   */
  submit_rate_burst: z.number().int().min(1).default(1),
  /**
   * A response with one of these statuses pauses the whole bind (no request leaves) for the
   * throttle delay; the refused PDU then goes first, with a new sequence number, and its caller
   * waits on. Names or numbers; ESME_RTHROTTLED and ESME_RMSGQFUL by default (as vumi).
   */
  throttle_statuses: z.array(commandStatus).default([CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL]),
  /** Seconds of the first pause; each throttled resend doubles it, up to the max; a success resets it. */
  throttle_delay_initial: seconds.default(1),
  throttle_delay_max: seconds.default(30),
  /**
   * A response with one of these statuses is sent again (new sequence number) after
   * temporary_retry_delay, up to temporary_retries times; then the caller gets that response.
   * Names or numbers; by default what Kannel treats as temporary, less the throttle statuses.
   */
  temporary_statuses: z.array(commandStatus).default([CommandStatus.ESME_RSYSERR, CommandStatus.ESME_RX_T_APPN]),
  temporary_retries: z.number().int().min(0).default(3),
  /** Seconds between a temporary refusal and the resend. */
  temporary_retry_delay: z.number().min(0).default(1),
  /**
   * No response within smpp_response_timeout: the outcome is unknown. 'nack' hands the caller
   * ResponseTimeoutError (the transport nacks "outcome unknown"); 'resend' sends it again with a
   * new sequence number up to response_timeout_resends times first, at the risk of a duplicate.
   */
  response_timeout_policy: z.enum(['nack', 'resend']).default('nack'),
  response_timeout_resends: z.number().int().min(0).default(1),
  /** The largest PDU accepted from the SMSC, in octets. */
  max_command_length: z.number().int().min(16).max(16 * 1024 * 1024).default(70_000),
  /** TLS to the SMSC: true for the defaults, or options. */
  tls: z.union([z.boolean(), tlsOptionsSchema]).default(false),
});

export type SessionConfigInput = z.input<typeof sessionConfigSchema>;
export type SessionConfig = z.output<typeof sessionConfigSchema>;

/** A configuration value that cannot work; the message names the field. */
export class SessionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionConfigError';
  }
}

export function resolveSessionConfig(input: SessionConfigInput = {}): SessionConfig {
  const parsed = sessionConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new SessionConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('; '),
    );
  }
  if (parsed.data.reconnect_delay_max < parsed.data.reconnect_delay_initial) {
    throw new SessionConfigError('reconnect_delay_max: must not be below reconnect_delay_initial');
  }
  if (parsed.data.throttle_delay_max < parsed.data.throttle_delay_initial) {
    throw new SessionConfigError('throttle_delay_max: must not be below throttle_delay_initial');
  }
  const both = parsed.data.temporary_statuses.filter((s) => parsed.data.throttle_statuses.includes(s));
  if (both.length > 0) {
    throw new SessionConfigError(`temporary_statuses: ${both.map(commandStatusName).join(', ')} also in throttle_statuses`);
  }
  return parsed.data;
}

/** interface_version as the wire octet: 34 → 0x34, 33 → 0x33 (the decimal digits read as hex). */
export function interfaceVersionOctet(version: number): number {
  return Number.parseInt(String(version), 16);
}

/** The config for logs: never the password, nor a TLS private key. */
export function redactedConfig(config: SessionConfig): Record<string, unknown> {
  const tls = typeof config.tls === 'object' && config.tls.key !== undefined ? { ...config.tls, key: '[redacted]' } : config.tls;
  return { ...config, password: '[redacted]', tls };
}
