import { z } from 'zod';

/**
 * The connection manager's configuration. Names and defaults follow vumi2's SMPP transport
 * (seed document) where it has them; times it gives in seconds stay in seconds.
 */
import { BIND_TYPES } from '../pdu/bind-states.js';

export { BIND_TYPES };
export type { BindType } from '../pdu/bind-states.js';

const asciiMax = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[\x20-\x7e]*$/, 'must be printable ASCII');

const seconds = z.number().positive();

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
