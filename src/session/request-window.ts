import { EventEmitter } from 'node:events';
import { CommandStatus } from '../pdu/command-status.js';
import { encodePdu } from '../pdu/encode.js';
import { responseCommandFor } from '../pdu/commands.js';
import type { CommandName } from '../pdu/commands.js';
import type { Pdu, PduInput } from '../pdu/types.js';
import { TRANSMIT_REQUESTS } from '../pdu/bind-states.js';
import type { BindType } from '../pdu/bind-states.js';
import { ConnectionLostError, NotBoundError, ResponseTimeoutError } from './errors.js';
import { TokenBucket } from './rate-limiter.js';
import type { Sequencer } from './sequencer.js';
import { ThrottleBackoff } from './throttle.js';
import type { FlowControlOptions, FlowControlStats } from './throttle.js';

/** A request as the caller gives it: everything but the sequence_number, which the window assigns. */
export type OutboundRequest = PduInput extends infer P ? (P extends PduInput ? Omit<P, 'sequence_number'> : never) : never;

export interface RequestOptions {
  /**
   * Session-management requests (bind, enquire_link, unbind) go out before the session is
   * bound, bypass the window limit, and have their timeouts as delayed transitions in the
   * statechart instead of here.
   */
  management?: boolean;
}

interface Pending {
  readonly command: CommandName;
  readonly expected: CommandName | undefined;
  readonly sequence_number: number;
  readonly deadline: number;
  readonly timed: boolean;
  readonly resolve: (pdu: Pdu) => void;
  readonly reject: (err: Error) => void;
}

export interface RequestWindowOptions {
  /** Requests outstanding at once, at most (management requests not counted). */
  size: number;
  /** Past this, an unanswered request ends with ResponseTimeoutError (outcome unknown). */
  responseTimeoutMs: number;
  sequencer: Sequencer;
  /** Rate limit, throttle pause, retries, timeout policy; see FlowControlOptions for the defaults. */
  flow?: FlowControlOptions;
}

/** A caller waiting for its turn to send: its first send (for a slot), or a resend (it holds one). */
interface Waiter {
  /** The order callers came in: resends go out in this order, ahead of new requests. */
  readonly ordinal: number;
  readonly holdsSlot: boolean;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export interface PausedEvent {
  /** The status that paused the bind. */
  status: number;
  delayMs: number;
}

export interface ResumedEvent {
  pausedMs: number;
}

export interface RequestWindowEvents {
  /** An ESME_RTHROTTLED or ESME_RMSGQFUL (a throttle status) paused the bind. */
  paused: [PausedEvent];
  /** The pause is over: the refused requests go first. */
  resumed: [ResumedEvent];
  /** `canTakeWork` changed. */
  capacity: [boolean];
}

const DEFAULT_THROTTLE_STATUSES = [CommandStatus.ESME_RTHROTTLED, CommandStatus.ESME_RMSGQFUL];
const DEFAULT_TEMPORARY_STATUSES = [CommandStatus.ESME_RSYSERR, CommandStatus.ESME_RX_T_APPN];

/**
 * The pending table of one SMPP session: requests by sequence_number until their response, a
 * generic_nack, a timeout or the loss of the connection settles them. It is the hot path of the
 * ESME (submit_sm out, submit_sm_resp in), so it stays outside the statechart: no transition per
 * PDU, one timer for all deadlines, and no waiting beyond the response itself unless the request
 * must wait (window full, bind paused, no token, or a sequencer that answers asynchronously).
 *
 * Flow control lives here too (docs/architecture.md, "Flow control"): a caller's promise settles
 * only with a final outcome. A throttle status pauses the bind and the refused PDU goes again
 * first, with a new sequence number; a temporary status is retried a counted number of times;
 * the token bucket paces every non-management PDU sent.
 */
export class RequestWindow extends EventEmitter<RequestWindowEvents> {
  private writeBytes: ((bytes: Buffer) => void) | undefined;
  private bindType: BindType | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Requests holding a slot of `size`, from admission to their final outcome. */
  private counted = 0;
  /** Callers waiting to send, in the order they go: resends first (by ordinal), then new requests. */
  private readonly queue: Waiter[] = [];
  /** Callers let through by `dispatch` that have not sent yet: a newcomer may not overtake them. */
  private handoff = 0;
  private ordinals = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Set while the bind is paused after a throttle status. */
  private pauseTimer: NodeJS.Timeout | undefined;
  private pauseStarted = 0;
  /** Wakes the queue when the token bucket has a token again. */
  private wakeTimer: NodeJS.Timeout | undefined;
  private lastCapacity = false;
  /** 'capacity' listeners: with none, the hot path skips working out `canTakeWork`. */
  private capacityWatchers = 0;
  private readonly bucket: TokenBucket | undefined;
  private readonly backoff: ThrottleBackoff;
  private readonly throttleStatuses: ReadonlySet<number>;
  private readonly temporaryStatuses: ReadonlySet<number>;
  private readonly temporaryRetries: number;
  private readonly temporaryRetryDelayMs: number;
  private readonly timeoutResends: number;
  private readonly counters: FlowControlStats = {
    throttled: 0,
    pauses: 0,
    throttledMs: 0,
    retries: 0,
    responseTimeouts: 0,
    timeoutResends: 0,
  };
  /** When a PDU last arrived (ms since the epoch): an idle link is probed with enquire_link. */
  lastActivity = 0;

  constructor(private readonly options: RequestWindowOptions) {
    super();
    const flow = options.flow ?? {};
    const rate = flow.rateLimit ?? 0;
    this.bucket = rate > 0 ? new TokenBucket(rate, flow.rateBurst ?? 1) : undefined;
    this.backoff = new ThrottleBackoff(flow.throttleDelayInitialMs ?? 1000, flow.throttleDelayMaxMs ?? 30_000);
    this.throttleStatuses = new Set(flow.throttleStatuses ?? DEFAULT_THROTTLE_STATUSES);
    this.temporaryStatuses = new Set(flow.temporaryStatuses ?? DEFAULT_TEMPORARY_STATUSES);
    this.temporaryRetries = flow.temporaryRetries ?? 3;
    this.temporaryRetryDelayMs = flow.temporaryRetryDelayMs ?? 1000;
    this.timeoutResends = flow.responseTimeoutPolicy === 'resend' ? (flow.responseTimeoutResends ?? 1) : 0;
    const untyped = this as EventEmitter;
    untyped.on('newListener', (event: string | symbol) => {
      if (event === 'capacity' && this.capacityWatchers++ === 0) this.lastCapacity = this.canTakeWork;
    });
    untyped.on('removeListener', (event: string | symbol) => {
      if (event === 'capacity') this.capacityWatchers--;
    });
  }

  get size(): number {
    return this.options.size;
  }

  /** Requests sent and not yet settled (management requests included). */
  get inFlight(): number {
    return this.pending.size;
  }

  get bound(): BindType | undefined {
    return this.bindType;
  }

  /** Whether the window has a free slot on a bound session (pause and rate limit aside). */
  get hasCapacity(): boolean {
    return this.bindType !== undefined && this.counted < this.options.size;
  }

  /** Whether the bind is paused after a throttle status. */
  get paused(): boolean {
    return this.pauseTimer !== undefined;
  }

  /** Callers waiting to send (new requests and resends). */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Whether a submit made now would leave at once: bound (not as receiver), not paused, nobody
   * waiting, a free slot and a token. The 'capacity' event says when this changes.
   */
  get canTakeWork(): boolean {
    return (
      this.bindType !== undefined &&
      this.bindType !== 'receiver' &&
      this.pauseTimer === undefined &&
      this.queue.length === 0 &&
      this.counted < this.options.size &&
      (this.bucket === undefined || this.bucket.available())
    );
  }

  /** Resolves when `canTakeWork` is true (at once if it is); rejects when `signal` aborts. */
  whenCanTakeWork(signal?: AbortSignal): Promise<void> {
    if (this.canTakeWork) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onCapacity = (can: boolean) => {
        if (!can) return;
        this.off('capacity', onCapacity);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        this.off('capacity', onCapacity);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal?.aborted === true) return onAbort();
      this.on('capacity', onCapacity);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Counters for metrics (a copy; throttledMs includes the pause under way). */
  get stats(): FlowControlStats {
    const current = this.pauseTimer === undefined ? 0 : Date.now() - this.pauseStarted;
    return { ...this.counters, throttledMs: this.counters.throttledMs + current };
  }

  /** The connection is up: bytes go to `writeBytes`. */
  attach(writeBytes: (bytes: Buffer) => void): void {
    this.writeBytes = writeBytes;
    this.lastActivity = Date.now();
  }

  /**
   * The connection is gone: every pending request and every caller waiting to send (resends
   * included) is handed back. Each frees its slot as its promise settles.
   */
  detach(reason: string): void {
    this.writeBytes = undefined;
    this.bindType = undefined;
    if (this.pending.size > 0 || this.queue.length > 0) {
      const pending = [...this.pending.values()];
      this.pending.clear();
      this.disarm();
      for (const p of pending) p.reject(new ConnectionLostError(reason));
      for (const w of this.queue.splice(0)) w.reject(new ConnectionLostError(reason));
    }
    this.notifyCapacity();
  }

  /** The bind succeeded: submits may flow. */
  bind(bindType: BindType): void {
    this.bindType = bindType;
    this.dispatch();
    this.notifyCapacity();
  }

  /** The session is leaving the bound state: no new submits; the pending ones may still be answered. */
  unbind(): void {
    this.bindType = undefined;
    this.notifyCapacity();
  }

  /** Notes inbound traffic, which keeps the link from counting as idle. */
  touch(now = Date.now()): void {
    this.lastActivity = now;
  }

  /**
   * Sends a request and resolves with its final response: the `_resp` (whatever its
   * command_status, once throttle resends and temporary retries are done with) or a
   * generic_nack. Rejects with NotBoundError, ConnectionLostError, ResponseTimeoutError
   * (outcome unknown, after any resends the policy allows) or the codec's error for a PDU that
   * cannot be encoded.
   */
  async request(pdu: OutboundRequest, options: RequestOptions = {}): Promise<Pdu> {
    if (options.management === true) {
      if (this.writeBytes === undefined) throw new ConnectionLostError('not connected');
      const next = this.options.sequencer.next();
      const sequence_number = typeof next === 'number' ? next : await next;
      return this.send({ ...pdu, sequence_number }, false);
    }
    this.checkBound(pdu.command);
    const ordinal = this.ordinals++;
    if (!this.admitNow()) {
      await this.wait(ordinal, false);
      this.handoff--;
    }
    try {
      this.checkBound(pdu.command);
      let retries = 0;
      let timeouts = 0;
      for (;;) {
        const pausesAtSend = this.counters.pauses;
        let response: Pdu;
        try {
          const next = this.options.sequencer.next();
          const sequence_number = typeof next === 'number' ? next : await next;
          response = await this.send({ ...pdu, sequence_number }, true);
        } catch (err) {
          if (!(err instanceof ResponseTimeoutError)) throw err;
          this.counters.responseTimeouts++;
          if (timeouts >= this.timeoutResends) throw err;
          timeouts++;
          this.counters.timeoutResends++;
          await this.resendTurn(ordinal);
          this.handoff--;
          continue;
        }
        const status = response.command_status;
        if (status === 0) {
          // A success sent since the last pause ended: the SMSC takes traffic again.
          if (pausesAtSend === this.counters.pauses) this.backoff.reset();
          return response;
        }
        if (this.throttleStatuses.has(status)) {
          this.counters.throttled++;
          // A refusal of a request sent before the last pause says nothing new: no second pause.
          if (this.pauseTimer === undefined && pausesAtSend === this.counters.pauses) this.pause(status);
          await this.resendTurn(ordinal);
          this.handoff--;
          continue;
        }
        if (retries < this.temporaryRetries && this.temporaryStatuses.has(status)) {
          retries++;
          this.counters.retries++;
          await new Promise<void>((resolve) => setTimeout(resolve, this.temporaryRetryDelayMs));
          await this.resendTurn(ordinal);
          this.handoff--;
          continue;
        }
        return response;
      }
    } finally {
      this.release();
    }
  }

  /**
   * A response or generic_nack from the peer; returns false when it answers nothing pending
   * (the caller logs and drops it, as reference §1.3 says).
   */
  settle(pdu: Pdu): boolean {
    const p = this.pending.get(pdu.sequence_number);
    if (p === undefined) return false;
    if (pdu.command !== p.expected && pdu.command !== 'generic_nack') return false;
    this.pending.delete(pdu.sequence_number);
    p.resolve(pdu);
    return true;
  }

  /** A receiver bind may not submit (reference §9.2): refused here rather than by the SMSC. */
  private checkBound(command: CommandName): void {
    if (this.bindType === undefined || (this.bindType === 'receiver' && TRANSMIT_REQUESTS.has(command))) {
      throw new NotBoundError(command, this.bindType);
    }
  }

  private send(pdu: PduInput, timed: boolean): Promise<Pdu> {
    // Encoded before anything is recorded: a PDU that cannot be encoded leaves no trace.
    const bytes = encodePdu(pdu);
    const writeBytes = this.writeBytes;
    if (writeBytes === undefined) return Promise.reject(new ConnectionLostError('not connected'));
    if (this.pending.has(pdu.sequence_number)) {
      // Only possible after 2^31 requests with one still unanswered: refuse rather than orphan it.
      return Promise.reject(new Error(`sequence_number ${pdu.sequence_number} is still in flight`));
    }
    return new Promise<Pdu>((resolve, reject) => {
      const deadline = Date.now() + this.options.responseTimeoutMs;
      this.pending.set(pdu.sequence_number, {
        command: pdu.command,
        expected: responseCommandFor(pdu.command),
        sequence_number: pdu.sequence_number,
        deadline,
        timed,
        resolve,
        reject,
      });
      if (timed && this.timer === undefined) this.arm(deadline);
      writeBytes(bytes);
    });
  }

  /** The fast path: nobody waiting, not paused, a free slot and a token; takes the slot. */
  private admitNow(): boolean {
    if (this.queue.length > 0 || this.handoff > 0 || this.pauseTimer !== undefined || this.counted >= this.options.size) return false;
    if (this.bucket !== undefined && !this.bucket.tryTake()) return false;
    this.counted++;
    this.notifyCapacity();
    return true;
  }

  /**
   * The turn of a request that already holds a slot: ahead of every new request. Not an async
   * function: a caller let through resumes after exactly one microtask, as a new request does,
   * so callers send in the order `dispatch` let them through.
   */
  private resendTurn(ordinal: number): Promise<void> {
    // The connection went while it waited to resend: hand it back like any pending request.
    if (this.writeBytes === undefined) return Promise.reject(new ConnectionLostError('not connected'));
    return this.wait(ordinal, true);
  }

  private wait(ordinal: number, holdsSlot: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { ordinal, holdsSlot, resolve, reject };
      let at = this.queue.length;
      // Callers admitted earlier have lower ordinals than any caller still queued for a slot.
      if (holdsSlot) while (at > 0 && this.queue[at - 1]!.ordinal > ordinal) at--;
      this.queue.splice(at, 0, waiter);
      this.dispatch();
      this.notifyCapacity();
    });
  }

  /** Lets waiting callers go, in order, while the bind is up and unpaused and there are slots and tokens. */
  private dispatch(): void {
    while (this.queue.length > 0) {
      if (this.bindType === undefined || this.pauseTimer !== undefined) return;
      const head = this.queue[0]!;
      if (!head.holdsSlot && this.counted >= this.options.size) return;
      if (this.bucket !== undefined && !this.bucket.tryTake()) {
        this.wakeAfter(this.bucket.msUntilAvailable());
        return;
      }
      this.queue.shift();
      if (!head.holdsSlot) this.counted++;
      this.handoff++;
      head.resolve();
    }
  }

  private wakeAfter(ms: number): void {
    if (this.wakeTimer !== undefined) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.dispatch();
      this.notifyCapacity();
    }, ms);
    this.wakeTimer.unref();
  }

  private release(): void {
    this.counted--;
    if (this.queue.length > 0) this.dispatch();
    this.notifyCapacity();
  }

  /** Emits 'capacity' when `canTakeWork` flips; a flip to false for want of a token wakes it again. */
  private notifyCapacity(): void {
    if (this.capacityWatchers === 0) return;
    const can = this.canTakeWork;
    // Out of tokens: look again when the next one is in, or nobody would say it is back.
    if (!can && this.bucket !== undefined && this.wakeTimer === undefined && !this.bucket.available()) {
      this.wakeAfter(this.bucket.msUntilAvailable());
    }
    if (can === this.lastCapacity) return;
    this.lastCapacity = can;
    this.emit('capacity', can);
  }

  /** No request leaves the bind for the back-off delay; the refused ones then go first. */
  private pause(status: number): void {
    const delayMs = this.backoff.take();
    this.counters.pauses++;
    this.pauseStarted = Date.now();
    this.pauseTimer = setTimeout(() => this.resume(), delayMs);
    this.pauseTimer.unref();
    this.emit('paused', { status, delayMs });
    this.notifyCapacity();
  }

  private resume(): void {
    this.pauseTimer = undefined;
    const pausedMs = Date.now() - this.pauseStarted;
    this.counters.throttledMs += pausedMs;
    this.emit('resumed', { pausedMs });
    this.dispatch();
    this.notifyCapacity();
  }

  /** One timer, for the earliest deadline: requests go out in order, so that is the oldest pending. */
  private arm(deadline: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(0, deadline - Date.now()));
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private expire(): void {
    this.timer = undefined;
    const now = Date.now();
    for (const p of this.pending.values()) {
      if (!p.timed) continue;
      if (p.deadline > now) {
        this.arm(p.deadline);
        return;
      }
      // The caller's request() frees the slot (or resends, as the timeout policy says).
      this.pending.delete(p.sequence_number);
      p.reject(new ResponseTimeoutError(p.command, p.sequence_number, this.options.responseTimeoutMs));
    }
  }

  /** For logs and the inspector: a summary, never the pending table itself. */
  toJSON(): { bound: BindType | null; in_flight: number; window_size: number; paused: boolean; queued: number } {
    return {
      bound: this.bindType ?? null,
      in_flight: this.pending.size,
      window_size: this.options.size,
      paused: this.pauseTimer !== undefined,
      queued: this.queue.length,
    };
  }
}
