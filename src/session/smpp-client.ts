import { createActor, waitFor } from 'xstate';
import type { SmppActor, SmppMachineInput } from '../../machines/smpp.machine.js';
import type { Pdu, PduInputOf, PduOf } from '../pdu/types.js';
import { createInspection } from './inspect.js';
import type { Inspection, InspectOption } from './inspect.js';
import type { OutboundRequest } from './request-window.js';
import { resolveSessionConfig } from './config.js';
import { NotBoundError } from './errors.js';
import { SessionRuntime } from './runtime.js';
import type { InboundHandler } from './runtime.js';
import { smppMachine } from './smpp-machine.js';

export interface SmppClientOptions extends SmppMachineInput {
  /** Watch the statechart live (see inspect.ts). Off by default. */
  inspect?: InspectOption;
}

export type SubmitFields = Omit<PduInputOf<'submit_sm'>, 'command' | 'sequence_number'>;

/**
 * The promise face of one SMPP session: it runs the statechart (which connects, binds, keeps the
 * link alive and reconnects) and sends requests through its window without a transition per PDU.
 */
export class SmppClient {
  readonly actor: SmppActor;
  private readonly inspection: Inspection | undefined;

  constructor(options: SmppClientOptions = {}) {
    const { inspect, ...input } = options;
    // The runtime is made here, not by the machine, so the inspector can log through its logger.
    const runtime = input.runtime ?? new SessionRuntime(resolveSessionConfig(input), input);
    this.inspection = inspect === undefined ? undefined : createInspection(inspect, runtime.logger);
    this.actor = createActor(smppMachine, {
      input: { ...input, runtime },
      ...(this.inspection && { inspect: this.inspection.inspect }),
    });
  }

  get runtime(): SessionRuntime {
    return this.actor.getSnapshot().context.runtime;
  }

  /** Starts connecting; returns this for chaining. */
  start(): this {
    this.actor.start();
    return this;
  }

  get isBound(): boolean {
    return this.actor.getSnapshot().hasTag('bound');
  }

  /**
   * Resolves once bound (at once when it is); rejects after `timeoutMs`, when `signal` aborts, or
   * if the machine stops first.
   */
  async whenBound(timeoutMs = 30_000, signal?: AbortSignal): Promise<void> {
    if (this.isBound) return;
    await waitFor(this.actor, (s) => s.hasTag('bound') || s.status === 'done', {
      timeout: timeoutMs,
      ...(signal !== undefined && { signal }),
    });
    if (!this.isBound) throw new NotBoundError('any request');
  }

  /**
   * Sends a submit_sm; resolves with the final submit_sm_resp (check its command_status) or a
   * generic_nack: throttle resends and temporary retries happen inside (see RequestWindow and
   * docs/architecture.md, "Flow control"), so the promise may wait out a pause. Rejects with NotBoundError, ConnectionLostError, ResponseTimeoutError (outcome
   * unknown) or SmppCodecError for fields that cannot be encoded.
   */
  submit(fields: SubmitFields): Promise<PduOf<'submit_sm_resp'> | PduOf<'generic_nack'>> {
    return this.runtime.window.request({ ...fields, command: 'submit_sm' }) as Promise<
      PduOf<'submit_sm_resp'> | PduOf<'generic_nack'>
    >;
  }

  /** Any request an ESME sends (query_sm, cancel_sm, data_sm …); resolves with its response or a generic_nack. */
  request(pdu: OutboundRequest): Promise<Pdu> {
    return this.runtime.window.request(pdu);
  }

  /** Decides the answer to each deliver_sm and data_sm (see InboundHandler). */
  onInbound(handler: InboundHandler): void {
    this.runtime.handlers.inbound = handler;
  }

  /** Unbinds gracefully and resolves when the machine has stopped. */
  async stop(timeoutMs = 30_000): Promise<void> {
    this.actor.send({ type: 'stop' });
    await waitFor(this.actor, (s) => s.status === 'done', { timeout: timeoutMs });
    this.actor.stop();
    this.inspection?.stop();
  }
}
