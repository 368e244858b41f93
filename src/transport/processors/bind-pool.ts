import { EventEmitter } from 'node:events';
import type { BindType } from '../../session/config.js';
import type { SmppClient } from '../../session/smpp-client.js';
import { StoppingError } from './publish.js';

/** One SMPP session of the transport, as the pool sees it. */
export interface PoolBind {
  readonly client: SmppClient;
  readonly bindType: BindType;
}

/** A bind lent to one outbound message: all its parts go on `client`; `release()` once done. */
export interface BindLease {
  readonly client: SmppClient;
  /** The bind's position in the transport's list (for logs and tests). */
  readonly index: number;
  /** Gives the bind back; calling it twice is harmless. */
  release(): void;
}

export interface BindPoolEvents {
  /** `canTransmit` changed. */
  transmit: [canTransmit: boolean];
}

interface Waiter {
  resolve: (lease: BindLease) => void;
  reject: (err: Error) => void;
  cleanup: () => void;
}

/**
 * The transport's binds, lent out one outbound message at a time. A message goes to a bind that
 * can transmit (transmitter or transceiver), is bound, and has room: fewer messages lent to it
 * than its window holds. Among those, the one with the fewest messages in hand, round robin on
 * ties; a bind the SMSC is throttling is taken only when no other has room. A message with no
 * bind to go to waits (FIFO) until one has room, or until its signal aborts.
 *
 * Every part of a message goes on its lease's bind, so that the parts of a concatenated message
 * keep their order and their reference means something to the SMSC.
 */
export class BindPool extends EventEmitter<BindPoolEvents> {
  private readonly lent: number[];
  private readonly waiters: Waiter[] = [];
  private readonly subscriptions: (() => void)[] = [];
  private turn = 0;
  private closed = false;
  private transmitting = false;

  constructor(readonly binds: readonly PoolBind[]) {
    super();
    this.lent = binds.map(() => 0);
  }

  /** Follows the sessions' states (call once they have started). */
  watch(): void {
    if (this.subscriptions.length > 0) return;
    const update = () => this.update();
    for (const bind of this.binds) {
      const subscription = bind.client.actor.subscribe({ next: update, error: update });
      const window = bind.client.runtime.window;
      window.on('paused', update);
      window.on('resumed', update);
      this.subscriptions.push(() => {
        subscription.unsubscribe();
        window.off('paused', update);
        window.off('resumed', update);
      });
    }
    this.update();
  }

  unwatch(): void {
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
  }

  /**
   * Whether some bind can transmit now: bound with a bind type that may submit, and not paused
   * by the SMSC's throttling. (A full window does not count: its messages wait their turn.)
   */
  get canTransmit(): boolean {
    return this.binds.some((b, i) => this.transmits(i) && !b.client.runtime.window.paused);
  }

  /** Messages lent to each bind, by index. */
  get inHand(): readonly number[] {
    return [...this.lent];
  }

  /** Messages waiting for a bind. */
  get waiting(): number {
    return this.waiters.length;
  }

  /**
   * A bind for one message: at once when one has room, else when one has. Rejects with
   * StoppingError when `signal` aborts first.
   */
  acquire(signal: AbortSignal): Promise<BindLease> {
    if (signal.aborted || this.closed) return Promise.reject(new StoppingError());
    if (this.waiters.length === 0) {
      const i = this.pick();
      if (i !== undefined) return Promise.resolve(this.lend(i));
    }
    return new Promise<BindLease>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiters.indexOf(waiter);
        if (at >= 0) this.waiters.splice(at, 1);
        reject(new StoppingError());
      };
      const waiter: Waiter = { resolve, reject, cleanup: () => signal.removeEventListener('abort', onAbort) };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** The transport is stopping: every message waiting, and any that asks from now on, gets StoppingError. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      w.cleanup();
      w.reject(new StoppingError());
    }
  }

  /** Re-reads the sessions' states: serves waiters, and says when `canTransmit` changed. */
  update(): void {
    this.serve();
    const now = this.canTransmit;
    if (now !== this.transmitting) {
      this.transmitting = now;
      this.emit('transmit', now);
    }
  }

  private transmits(i: number): boolean {
    const bind = this.binds[i]!;
    return bind.bindType !== 'receiver' && bind.client.isBound;
  }

  private hasRoom(i: number): boolean {
    return this.transmits(i) && this.lent[i]! < this.binds[i]!.client.runtime.window.size;
  }

  /** The bind for the next message, or undefined when none has room. */
  private pick(): number | undefined {
    let best: number | undefined;
    let bestScore = Infinity;
    const n = this.binds.length;
    for (let k = 0; k < n; k++) {
      const i = (this.turn + k) % n;
      if (!this.hasRoom(i)) continue;
      // Throttled binds last: their window is open but nothing leaves until the pause ends.
      const score = this.lent[i]! + (this.binds[i]!.client.runtime.window.paused ? 1e9 : 0);
      if (score < bestScore) {
        best = i;
        bestScore = score;
      }
    }
    if (best !== undefined) this.turn = (best + 1) % n;
    return best;
  }

  private lend(i: number): BindLease {
    this.lent[i]!++;
    let released = false;
    return {
      client: this.binds[i]!.client,
      index: i,
      release: () => {
        if (released) return;
        released = true;
        this.lent[i]!--;
        this.serve();
      },
    };
  }

  private serve(): void {
    while (this.waiters.length > 0) {
      const i = this.pick();
      if (i === undefined) return;
      const waiter = this.waiters.shift()!;
      waiter.cleanup();
      waiter.resolve(this.lend(i));
    }
  }
}
