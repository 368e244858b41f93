import { z } from 'zod';
import type { StatWord } from '../pdu/message-state.js';

/**
 * The simulator's configuration: the same shape for `createSimulator(options)` and for the
 * `--config` file (YAML or JSON), validated by one schema so both get the same clear errors.
 */

/** The final stat words a receipt may report (ENROUTE is not final). */
export const MESSAGE_STATES = ['DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD'] as const satisfies readonly StatWord[];
export type FinalState = (typeof MESSAGE_STATES)[number];

const finalState = z.enum(MESSAGE_STATES);

const account = z.object({
  system_id: z.string().min(1).max(15),
  password: z.string().max(8),
  /** How many sessions may be bound with this system_id at once; unlimited when left out. */
  max_binds: z.number().int().positive().optional(),
});

/** Which final state a receipt reports. */
const receiptRule = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), state: finalState }),
  z.object({
    type: z.literal('prefix'),
    /** The first rule whose prefix starts destination_addr wins. */
    rules: z.array(z.object({ prefix: z.string(), state: finalState })),
    default: finalState,
  }),
  z.object({
    type: z.literal('random'),
    /** Relative weights, e.g. { DELIVRD: 90, UNDELIV: 10 }. */
    weights: z.partialRecord(finalState, z.number().nonnegative()).refine(
      (w) => Object.values(w).some((v) => v !== undefined && v > 0),
      'at least one weight must be positive',
    ),
  }),
]);

export const faultsSchema = z.object({
  /** Answer ESME_RTHROTTLED to submits above this many per second (per simulator); off when null. */
  throttle_per_second: z.number().int().positive().nullable(),
  /** Answer every submit with ESME_RMSGQFUL. */
  queue_full: z.boolean(),
  /** Hold every response this long before sending it. */
  response_delay_ms: z.number().int().nonnegative(),
  /** The share of responses (0–1) never sent. */
  drop_response_rate: z.number().min(0).max(1),
  /** Leave enquire_link unanswered. */
  ignore_enquire_link: z.boolean(),
  /** Leave bind requests unanswered (the ESME's bind timeout should fire). */
  ignore_bind: z.boolean(),
  /**
   * Hold these requests unanswered until `releaseHeld()` (or POST /held/release) answers them
   * with a chosen status: lets a test script the SMSC's side of bind, enquire_link and unbind.
   */
  hold: z.array(z.enum(['bind', 'enquire_link', 'unbind'])),
});
export type Faults = z.infer<typeof faultsSchema>;
export type HeldCommand = Faults['hold'][number];

export const NO_FAULTS: Faults = {
  throttle_per_second: null,
  queue_full: false,
  response_delay_ms: 0,
  drop_response_rate: 0,
  ignore_enquire_link: false,
  ignore_bind: false,
  hold: [],
};

export const simulatorOptionsSchema = z.object({
  host: z.string().default('127.0.0.1'),
  /** 0 picks a free port; `start()` says which. */
  port: z.number().int().min(0).max(65535).default(2775),
  /** The HTTP control port (POST /mo, GET /stats, faults); null turns HTTP off. */
  http_port: z.number().int().min(0).max(65535).nullable().default(8080),
  /** The system_id the simulator answers binds with. */
  system_id: z.string().max(15).default('SMPPSim'),
  accounts: z.array(account).min(1).default([{ system_id: 'smppclient1', password: 'password' }]),
  message_id: z
    .object({
      format: z.enum(['decimal', 'hex']).default('decimal'),
      mode: z.enum(['counter', 'random']).default('counter'),
      /** The first id a counter hands out. */
      start: z.number().int().nonnegative().default(1),
    })
    .default({ format: 'decimal', mode: 'counter', start: 1 }),
  receipts: z
    .object({
      delay_ms: z.number().int().nonnegative().default(100),
      final_state: receiptRule.default({ type: 'fixed', state: 'DELIVRD' }),
      /** How long a deliver_sm may wait for its deliver_sm_resp before it is offered again. */
      response_timeout_ms: z.number().int().positive().default(10_000),
      /** The wait before a delivery refused (status ≠ 0) or unanswered is offered again. */
      retry_delay_ms: z.number().int().nonnegative().default(1_000),
    })
    .default({
      delay_ms: 100,
      final_state: { type: 'fixed', state: 'DELIVRD' },
      response_timeout_ms: 10_000,
      retry_delay_ms: 1_000,
    }),
  /** Idle time after which the simulator sends its own enquire_link; 0 turns that off. */
  enquire_link_interval_ms: z.number().int().nonnegative().default(30_000),
  /** How long stop() waits for each unbind_resp before closing anyway. */
  unbind_timeout_ms: z.number().int().positive().default(2_000),
  /** The largest command_length accepted from a client. */
  max_command_length: z.number().int().min(16).default(70_000),
  /** Submitted messages remembered for query_sm, cancel_sm and replace_sm; the oldest go first. */
  message_store_size: z.number().int().nonnegative().default(100_000),
  faults: faultsSchema.partial().strict().default({}),
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type SimulatorOptions = z.input<typeof simulatorOptionsSchema>;
export type SimulatorConfig = z.output<typeof simulatorOptionsSchema>;

/** One line naming the field and what is wrong with it, for a person to act on. */
export function describeConfigError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(config)'}: ${issue.message}`)
    .join('; ');
}

export class SimulatorConfigError extends Error {
  constructor(message: string) {
    super(`invalid simulator configuration: ${message}`);
    this.name = 'SimulatorConfigError';
  }
}

export function parseSimulatorOptions(input: unknown): SimulatorConfig {
  const result = simulatorOptionsSchema.safeParse(input ?? {});
  if (!result.success) throw new SimulatorConfigError(describeConfigError(result.error));
  return result.data;
}
