import { pino } from 'pino';
import type { Logger } from 'pino';
import type { PduOf } from '../pdu/types.js';
import type { SessionConfig } from './config.js';
import { RequestWindow } from './request-window.js';
import { InMemorySequencer } from './sequencer.js';
import type { Sequencer } from './sequencer.js';

/** An inbound message (deliver_sm or data_sm) as the SMSC sent it. */
export type InboundMessage = PduOf<'deliver_sm'> | PduOf<'data_sm'>;

/**
 * Decides the command_status of the deliver_sm_resp / data_sm_resp: 0 accepts the message;
 * ESME_RX_T_APPN asks the SMSC to try again later (what to answer while the bus is down).
 * A handler that throws is answered with ESME_RX_T_APPN, so nothing is lost.
 */
export type InboundHandler = (message: InboundMessage) => number | Promise<number>;

export interface SessionHandlers {
  inbound?: InboundHandler;
  alert?: (pdu: PduOf<'alert_notification'>) => void;
}

export interface SessionRuntimeOptions {
  logger?: Logger;
  sequencer?: Sequencer;
  handlers?: SessionHandlers;
}

/**
 * The objects one session works with that a statechart cannot hold as data: its request
 * window, its inbound handlers, its logger, and the byte pipes its socket and codec actors
 * connect while a connection is up. The machine keeps one in its context and never copies it.
 */
export class SessionRuntime {
  readonly window: RequestWindow;
  readonly logger: Logger;
  handlers: SessionHandlers;
  /** The socket's write, while connected. */
  writeBytes: ((bytes: Buffer) => void) | undefined;
  /** The codec's input, while connected. */
  onBytes: ((chunk: Buffer) => void) | undefined;

  constructor(config: SessionConfig, options: SessionRuntimeOptions = {}) {
    this.logger = options.logger ?? pino({ name: 'smpp' });
    this.handlers = options.handlers ?? {};
    this.window = new RequestWindow({
      size: config.window_size,
      responseTimeoutMs: config.smpp_response_timeout * 1000,
      sequencer: options.sequencer ?? new InMemorySequencer(),
      flow: {
        rateLimit: config.submit_rate_limit,
        rateBurst: config.submit_rate_burst,
        throttleStatuses: config.throttle_statuses,
        throttleDelayInitialMs: config.throttle_delay_initial * 1000,
        throttleDelayMaxMs: config.throttle_delay_max * 1000,
        temporaryStatuses: config.temporary_statuses,
        temporaryRetries: config.temporary_retries,
        temporaryRetryDelayMs: config.temporary_retry_delay * 1000,
        responseTimeoutPolicy: config.response_timeout_policy,
        responseTimeoutResends: config.response_timeout_resends,
      },
    });
  }

  /** The inspector and logs see a summary; loggers, sockets and timers do not serialise. */
  toJSON(): ReturnType<RequestWindow['toJSON']> {
    return this.window.toJSON();
  }
}
