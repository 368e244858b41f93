import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { serialiseEvent, serialiseMessage } from '../messages.js';
import type { VumiEvent, VumiMessage } from '../messages.js';
import { BusPublishError, ConnectionWaiters, DeliveryLostError, deferred, runOutboundHandler } from './bus.js';
import { withTimeout } from '../with-timeout.js';
import type { BusEvents, Deferred, MessageBus, OutboundDelivery, OutboundHandler, PublishOptions } from './bus.js';

export interface MemoryBusOptions {
  /** Only for logs; the memory bus has no queues to name. Default `smpp`. */
  readonly transport_name?: string;
  /** Where handler failures are logged. */
  readonly logger?: Logger;
  /** Default bound on a publish while disconnected, in ms. Default 5 000. */
  readonly publishTimeoutMs?: number;
  /** How long close() waits for deliveries in hand to be settled, in ms. Default 10 000. */
  readonly closeTimeoutMs?: number;
}

/** How an outbound message left the queue for good. */
export type OutboundOutcome = 'ack' | 'reject';

interface Queued {
  readonly body: Buffer;
  redelivered: boolean;
  readonly outcome: Deferred<OutboundOutcome>;
}

type Settlement = OutboundOutcome | 'requeue';

class MemoryDelivery implements OutboundDelivery {
  private state: 'open' | 'settled' | 'lost' = 'open';
  readonly body: Buffer;
  readonly redelivered: boolean;

  constructor(
    readonly item: Queued,
    private readonly done: (delivery: MemoryDelivery, settlement: Settlement) => void,
  ) {
    this.body = item.body;
    this.redelivered = item.redelivered;
  }

  get open(): boolean {
    return this.state === 'open';
  }

  ack(): Promise<void> {
    return this.settle('ack');
  }

  reject(): Promise<void> {
    return this.settle('reject');
  }

  requeue(): Promise<void> {
    return this.settle('requeue');
  }

  lose(): void {
    if (this.state === 'open') this.state = 'lost';
  }

  private settle(settlement: Settlement): Promise<void> {
    if (this.state === 'lost') return Promise.reject(new DeliveryLostError());
    if (this.state === 'settled') return Promise.reject(new Error('this outbound delivery has already been settled'));
    this.state = 'settled';
    this.done(this, settlement);
    return Promise.resolve();
  }
}

interface Subscription {
  readonly handler: OutboundHandler;
  readonly concurrency: number;
  readonly inHand: Set<MemoryDelivery>;
  readonly drained: Deferred<void>;
  stopping: boolean;
}

/**
 * The message bus in memory, for embedded use and tests: the same behaviour as the AMQP bus
 * (publish waits while "disconnected", prefetch-bounded consumption, ack / reject / requeue,
 * deliveries lost with the connection and redelivered, handler throws reject) without a broker.
 *
 * Test-facing: `publishOutbound()` queues an outbound message (as an application would);
 * `inbound` and `events` hold what the transport published (as parsed JSON, copies);
 * `waitForInbound()` / `waitForEvents()` await them; `setConnected(false)` simulates an outage.
 */
export class MemoryBus extends EventEmitter<BusEvents> implements MessageBus {
  /** Inbound user messages published, in order, as a consumer of `<name>.inbound` would parse them. */
  readonly inbound: VumiMessage[] = [];
  /** Events published, in order, as a consumer of `<name>.event` would parse them. */
  readonly events: VumiEvent[] = [];
  /** How outbound deliveries were settled (requeued ones count each time). */
  readonly stats = { acked: 0, rejected: 0, requeued: 0, lost: 0 };

  private readonly logger: Logger;
  private readonly publishTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private readonly waiters = new ConnectionWaiters();
  private readonly ready: Queued[] = [];
  private readonly subscriptions = new Set<Subscription>();
  private readonly watchers = new Set<() => void>();
  private current: Subscription | undefined;
  private started = false;
  private closed = false;
  private up = true;
  private isConnected = false;
  private pumpScheduled = false;
  private closePromise: Promise<void> | undefined;

  constructor(options: MemoryBusOptions = {}) {
    super();
    this.logger = (options.logger ?? pino({ name: 'smpp' })).child({ component: 'memory-bus', transport_name: options.transport_name ?? 'smpp' });
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  }

  get connected(): boolean {
    return this.isConnected;
  }

  /** Outbound messages waiting in the queue (not delivered, or requeued / lost). */
  get readyCount(): number {
    return this.ready.length;
  }

  /** Outbound deliveries in hand, not yet settled. */
  get unsettledCount(): number {
    let n = 0;
    for (const subscription of this.subscriptions) n += subscription.inHand.size;
    return n;
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the message bus is closed'));
    this.started = true;
    this.refresh(undefined);
    return Promise.resolve();
  }

  /**
   * Simulates an outage (false) or the end of one (true). Going down loses every delivery in hand
   * (settling them rejects with DeliveryLostError; they go back to the head of the queue, marked
   * redelivered) and pauses consumption; publishes wait. Coming back resumes both.
   */
  setConnected(up: boolean): void {
    this.up = up;
    if (!up) {
      const lost: MemoryDelivery[] = [];
      for (const subscription of this.subscriptions) {
        for (const delivery of subscription.inHand) lost.push(delivery);
        subscription.inHand.clear();
      }
      for (const delivery of lost) {
        delivery.lose();
        delivery.item.redelivered = true;
        this.stats.lost++;
      }
      this.ready.unshift(...lost.map((d) => d.item));
      this.checkDrained();
    }
    this.refresh(up ? undefined : new Error('simulated outage'));
  }

  /**
   * Queues an outbound message as an application would: a VumiMessage (serialised as vumi does),
   * or raw bytes / text (for bad bodies). Resolves with how it finally left the queue (ack or
   * reject; a requeued or lost delivery stays pending until then). `redelivered`: delivered with
   * the flag set, as the broker hands out a message whose consumer died holding it.
   */
  publishOutbound(body: VumiMessage | string | Buffer, options: { redelivered?: boolean } = {}): Promise<OutboundOutcome> {
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : serialiseMessage(body), 'utf8');
    const item: Queued = { body: bytes, redelivered: options.redelivered ?? false, outcome: deferred() };
    this.ready.push(item);
    this.schedulePump();
    return item.outcome.promise;
  }

  /** Resolves with `inbound` once it holds at least `count` messages; rejects after `timeoutMs`. */
  waitForInbound(count = 1, timeoutMs = 2_000): Promise<VumiMessage[]> {
    return this.waitFor(() => this.inbound.length >= count, timeoutMs, () => `${count} inbound message(s), got ${this.inbound.length}`).then(() => this.inbound);
  }

  /** Resolves with `events` once it holds at least `count` events; rejects after `timeoutMs`. */
  waitForEvents(count = 1, timeoutMs = 2_000): Promise<VumiEvent[]> {
    return this.waitFor(() => this.events.length >= count, timeoutMs, () => `${count} event(s), got ${this.events.length}`).then(() => this.events);
  }

  async publishInbound(message: VumiMessage, options?: PublishOptions): Promise<void> {
    const json = serialiseMessage(message);
    await this.publish(options);
    this.inbound.push(JSON.parse(json) as VumiMessage);
    this.notify();
  }

  async publishEvent(event: VumiEvent, options?: PublishOptions): Promise<void> {
    const json = serialiseEvent(event);
    await this.publish(options);
    this.events.push(JSON.parse(json) as VumiEvent);
    this.notify();
  }

  private async publish(options: PublishOptions | undefined): Promise<void> {
    if (this.closed) throw new BusPublishError('closed', 'the message bus is closed');
    if (!this.isConnected) await this.waiters.wait(options?.timeoutMs ?? this.publishTimeoutMs);
  }

  consumeOutbound(handler: OutboundHandler, concurrency: number): Promise<void> {
    if (!Number.isInteger(concurrency) || concurrency < 1) return Promise.reject(new RangeError(`concurrency is a positive integer, got ${concurrency}`));
    if (this.closed) return Promise.reject(new Error('the message bus is closed'));
    if (!this.started) return Promise.reject(new Error('start the message bus before consuming'));
    if (this.current !== undefined) return Promise.reject(new Error('already consuming outbound messages'));
    const subscription: Subscription = { handler, concurrency, inHand: new Set(), drained: deferred(), stopping: false };
    this.current = subscription;
    this.subscriptions.add(subscription);
    this.schedulePump();
    return Promise.resolve();
  }

  stopConsuming(): Promise<void> {
    const subscription = this.current;
    if (subscription === undefined) return Promise.resolve();
    this.current = undefined;
    subscription.stopping = true;
    this.checkDrained();
    return subscription.drained.promise;
  }

  close(): Promise<void> {
    this.closePromise ??= this.doClose();
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    this.closed = true;
    this.isConnected = false; // no 'disconnected' event: this is not an outage
    this.waiters.close();
    const stopped = this.stopConsuming();
    const draining = [...this.subscriptions].map((s) => s.drained.promise);
    try {
      await withTimeout(Promise.all([stopped, ...draining]), this.closeTimeoutMs, () => new Error(`closing took over ${this.closeTimeoutMs} ms`));
    } catch (error) {
      this.logger.warn({ err: error }, 'closing: deliveries still unsettled; they go back to the queue');
      this.setConnected(false);
    }
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const subscription = this.current;
    if (!this.isConnected || subscription === undefined || subscription.stopping) return;
    while (subscription.inHand.size < subscription.concurrency) {
      const item = this.ready.shift();
      if (item === undefined) return;
      const delivery = new MemoryDelivery(item, (d, settlement) => this.settle(subscription, d, settlement));
      subscription.inHand.add(delivery);
      runOutboundHandler(subscription.handler, delivery, this.logger);
    }
  }

  private settle(subscription: Subscription, delivery: MemoryDelivery, settlement: Settlement): void {
    subscription.inHand.delete(delivery);
    const { item } = delivery;
    if (settlement === 'requeue') {
      this.stats.requeued++;
      item.redelivered = true;
      this.ready.unshift(item);
    } else {
      if (settlement === 'ack') this.stats.acked++;
      else this.stats.rejected++;
      item.outcome.resolve(settlement);
    }
    this.checkDrained();
    this.schedulePump();
  }

  private checkDrained(): void {
    for (const subscription of this.subscriptions) {
      if (subscription.stopping && subscription.inHand.size === 0) {
        this.subscriptions.delete(subscription);
        subscription.drained.resolve();
      }
    }
  }

  private refresh(error: Error | undefined): void {
    const now = this.started && !this.closed && this.up;
    if (now === this.isConnected) return;
    this.isConnected = now;
    if (now) {
      this.waiters.open();
      this.emit('connected');
      this.schedulePump();
    } else {
      this.emit('disconnected', error);
    }
  }

  private waitFor(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        this.watchers.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      this.watchers.add(check);
    });
  }

  private notify(): void {
    for (const check of [...this.watchers]) check();
  }
}
