import { encodePdu } from '../pdu/encode.js';
import { responseCommandFor } from '../pdu/commands.js';
import type { CommandName } from '../pdu/commands.js';
import type { Pdu, PduInput } from '../pdu/types.js';
import { TRANSMIT_REQUESTS } from '../pdu/bind-states.js';
import type { BindType } from '../pdu/bind-states.js';
import { ConnectionLostError, NotBoundError, ResponseTimeoutError } from './errors.js';
import type { Sequencer } from './sequencer.js';

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
}

/**
 * The pending table of one SMPP session: requests by sequence_number until their response, a
 * generic_nack, a timeout or the loss of the connection settles them. It is the hot path of the
 * ESME (submit_sm out, submit_sm_resp in), so it stays outside the statechart: no transition per
 * PDU, one timer for all deadlines, and no promise on the way unless the sequencer needs one.
 */
export class RequestWindow {
  private writeBytes: ((bytes: Buffer) => void) | undefined;
  private bindType: BindType | undefined;
  private readonly pending = new Map<number, Pending>();
  /** Requests counted against `size`. */
  private counted = 0;
  private readonly slotWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** When a PDU last arrived (ms since the epoch): an idle link is probed with enquire_link. */
  lastActivity = 0;

  constructor(private readonly options: RequestWindowOptions) {}

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

  /** Whether a request sent now would go out at once. */
  get hasCapacity(): boolean {
    return this.bindType !== undefined && this.counted < this.options.size;
  }

  /** The connection is up: bytes go to `writeBytes`. */
  attach(writeBytes: (bytes: Buffer) => void): void {
    this.writeBytes = writeBytes;
    this.lastActivity = Date.now();
  }

  /** The connection is gone: every pending request and every caller waiting for room is handed back. */
  detach(reason: string): void {
    this.writeBytes = undefined;
    this.bindType = undefined;
    if (this.pending.size === 0 && this.slotWaiters.length === 0) return;
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.counted = 0;
    this.disarm();
    for (const p of pending) p.reject(new ConnectionLostError(reason));
    for (const w of this.slotWaiters.splice(0)) w.reject(new ConnectionLostError(reason));
  }

  /** The bind succeeded: submits may flow. */
  bind(bindType: BindType): void {
    this.bindType = bindType;
    this.releaseSlots();
  }

  /** The session is leaving the bound state: no new submits; the pending ones may still be answered. */
  unbind(): void {
    this.bindType = undefined;
  }

  /** Notes inbound traffic, which keeps the link from counting as idle. */
  touch(now = Date.now()): void {
    this.lastActivity = now;
  }

  /**
   * Sends a request and resolves with its response: the `_resp` (whatever its command_status)
   * or a generic_nack. Rejects with NotBoundError, ConnectionLostError, ResponseTimeoutError
   * (outcome unknown) or the codec's error for a PDU that cannot be encoded.
   */
  async request(pdu: OutboundRequest, options: RequestOptions = {}): Promise<Pdu> {
    const management = options.management === true;
    if (!management) {
      this.checkBound(pdu.command);
      while (this.counted >= this.options.size) await this.waitForSlot();
      this.checkBound(pdu.command);
      this.counted++;
    } else if (this.writeBytes === undefined) {
      throw new ConnectionLostError('not connected');
    }
    try {
      const next = this.options.sequencer.next();
      const sequence_number = typeof next === 'number' ? next : await next;
      return await this.send({ ...pdu, sequence_number }, !management);
    } catch (err) {
      if (!management) this.release();
      throw err;
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
    if (p.timed) this.release();
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

  private waitForSlot(): Promise<void> {
    return new Promise((resolve, reject) => this.slotWaiters.push({ resolve, reject }));
  }

  private release(): void {
    this.counted--;
    this.releaseSlots();
  }

  private releaseSlots(): void {
    let free = this.options.size - this.counted;
    while (free-- > 0 && this.slotWaiters.length > 0) this.slotWaiters.shift()!.resolve();
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
      this.pending.delete(p.sequence_number);
      this.release();
      p.reject(new ResponseTimeoutError(p.command, p.sequence_number, this.options.responseTimeoutMs));
    }
  }

  /** For logs and the inspector: a summary, never the pending table itself. */
  toJSON(): { bound: BindType | null; in_flight: number; window_size: number } {
    return { bound: this.bindType ?? null, in_flight: this.pending.size, window_size: this.options.size };
  }
}
