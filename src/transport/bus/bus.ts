import type { Logger } from 'pino';
import type { VumiEvent, VumiMessage } from '../messages.js';

/**
 * One outbound message taken from `<transport_name>.outbound`. Exactly one of ack, reject or
 * requeue settles it; the transport acks only once the message's ack or nack event has been
 * confirmed by the bus.
 *
 * Settling returns a promise that rejects with {@link DeliveryLostError} when the delivery was
 * lost with the bus connection (the broker has already put it back and will deliver it again, so
 * the outcome asked for no longer matters), and with a plain Error when it was already settled.
 */
export interface OutboundDelivery {
  /** The raw body: JSON of a vumi Message, or anything a misbehaving publisher sent. */
  readonly body: Buffer;
  /** Whether the broker delivered it before (to this or another consumer) without it being acked. */
  readonly redelivered: boolean;
  /** Done with: removes it from the queue. */
  ack(): Promise<void>;
  /** Unprocessable (bad JSON, bad schema): removes it without requeueing (dead-letters if the broker is set up so). */
  reject(): Promise<void>;
  /** Not done, try again: back to the queue (e.g. the SMPP connection went before its response came). */
  requeue(): Promise<void>;
}

/**
 * Handles one outbound delivery. It may settle the delivery before or after its promise
 * resolves: the delivery holds one of the `concurrency` slots until it is settled (or lost with
 * the connection). If the handler throws (or its promise rejects) before settling, the bus logs
 * the error and rejects the delivery — dropped, not requeued, as vumi2 does with any exception
 * (reference §2.2): a requeued poison message would come straight back, for ever. The consumer
 * carries on with the next delivery either way.
 */
export type OutboundHandler = (delivery: OutboundDelivery) => Promise<void>;

export interface BusEvents {
  /** `connected` became true: (re)connected to the broker, or the broker unblocked publishing. */
  connected: [];
  /** `connected` became false: the connection was lost (or blocked by the broker); not emitted by close(). */
  disconnected: [error: Error | undefined];
}

export interface PublishOptions {
  /**
   * Bound on the whole publish, in ms: waiting for the bus to be connected, then for the broker's
   * confirm. Default: the bus's `publishTimeoutMs`.
   */
  readonly timeoutMs?: number;
}

/**
 * Why a publish failed:
 * - `unavailable`: the bus was not connected and did not reconnect within the timeout. Nothing was
 *   sent.
 * - `closed`: the bus is closed (or closing). Nothing was sent.
 * - `timeout`: sent, but the broker's confirm did not come within the timeout: it may still have
 *   been delivered.
 * - `failed`: sent, and the broker refused it (negative confirm) or the connection went before
 *   the confirm: it may have been delivered.
 */
export type BusPublishFailure = 'unavailable' | 'closed' | 'timeout' | 'failed';

export class BusPublishError extends Error {
  constructor(
    readonly reason: BusPublishFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BusPublishError';
  }

  /** Whether the message may have reached its queue despite the failure (`timeout`, `failed`). */
  get maybePublished(): boolean {
    return this.reason === 'timeout' || this.reason === 'failed';
  }
}

/**
 * Settling a delivery that was lost with the connection: the broker took it back when the
 * connection went and will deliver it again (with `redelivered` set).
 */
export class DeliveryLostError extends Error {
  constructor(message = 'the delivery was lost with the bus connection; the broker will deliver it again') {
    super(message);
    this.name = 'DeliveryLostError';
  }
}

/**
 * The message bus the transport bridges SMPP to: vumi messages in from `<name>.outbound`, user
 * messages out to `<name>.inbound`, events out to `<name>.event`. Two implementations: AMQP
 * (RabbitMQ, vumi's exchange and queues) and in-memory (embedded use and tests).
 */
export interface MessageBus {
  /** Connects and declares what it needs; resolves once ready to publish and consume. */
  start(): Promise<void>;
  /**
   * Whether publishing can succeed right now: started, not closed, connected to the broker and
   * not blocked by it (answer deliver_sm with ESME_RX_T_APPN otherwise). Consumption resumes by
   * itself when it becomes true again.
   */
  readonly connected: boolean;
  /**
   * Publishes an inbound user message; resolves once the broker has confirmed it. While the bus is
   * not connected this waits for it to reconnect, within the timeout; rejects with a
   * {@link BusPublishError} (its `reason` says whether the message may have gone anyway).
   */
  publishInbound(message: VumiMessage, options?: PublishOptions): Promise<void>;
  /** Publishes an event (ack, nack, delivery_report); as publishInbound. */
  publishEvent(event: VumiEvent, options?: PublishOptions): Promise<void>;
  /**
   * Starts consuming outbound messages, at most `concurrency` unsettled at a time (AMQP
   * prefetch). One consumer per bus: calling it while consuming throws; after `stopConsuming()`
   * it may be called again (deliveries of the stopped consumer still in hand count apart).
   * Resolves once consuming, or at once while the bus is disconnected (consumption begins when it
   * reconnects).
   */
  consumeOutbound(handler: OutboundHandler, concurrency: number): Promise<void>;
  /**
   * Stops taking new outbound messages at once; resolves once the deliveries in hand have been
   * settled (or lost with the connection). Those in hand may and should still be settled.
   */
  stopConsuming(): Promise<void>;
  /**
   * Closes everything: stops consuming, waits (within a bound) for deliveries in hand to be
   * settled and publishes to be confirmed, then disconnects. Closing twice is harmless.
   */
  close(): Promise<void>;
  on<E extends keyof BusEvents>(event: E, listener: (...args: BusEvents[E]) => void): this;
  off<E extends keyof BusEvents>(event: E, listener: (...args: BusEvents[E]) => void): this;
}

/** vumi's exchange (reference §2.1). */
export const VUMI_EXCHANGE = 'vumi';

/** The queues (and routing keys) of a transport: `<transport_name>.outbound|inbound|event`. */
export function busQueues(transportName: string): { outbound: string; inbound: string; event: string } {
  return { outbound: `${transportName}.outbound`, inbound: `${transportName}.inbound`, event: `${transportName}.event` };
}

/** A promise and its settlers (Promise.withResolvers is not in Node 20). */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The vumi message_id in an outbound body, for logs; undefined when there is none to be had. */
export function bodyMessageId(body: Buffer): string | undefined {
  try {
    const json: unknown = JSON.parse(body.toString('utf8'));
    if (typeof json === 'object' && json !== null) {
      const id = (json as { message_id?: unknown }).message_id;
      if (typeof id === 'string') return id;
    }
  } catch {
    // not JSON: no id
  }
  return undefined;
}

/**
 * Publishes waiting for the bus to be connected, each within its own bound, without an
 * EventEmitter listener apiece (thousands may wait through an outage).
 */
export class ConnectionWaiters {
  private readonly waiting = new Set<{ resolve: () => void; reject: (error: BusPublishError) => void; timer: NodeJS.Timeout }>();

  /** Resolves once `open()` is called; rejects `unavailable` after `timeoutMs`, `closed` on `close()`. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting.delete(waiter);
          reject(new BusPublishError('unavailable', `the message bus is not connected and did not reconnect within ${timeoutMs} ms`));
        }, Math.max(0, timeoutMs)),
      };
      this.waiting.add(waiter);
    });
  }

  open(): void {
    for (const waiter of this.settleAll()) waiter.resolve();
  }

  close(): void {
    for (const waiter of this.settleAll()) waiter.reject(new BusPublishError('closed', 'the message bus is closed'));
  }

  private settleAll() {
    const all = [...this.waiting];
    this.waiting.clear();
    for (const waiter of all) clearTimeout(waiter.timer);
    return all;
  }
}

/**
 * Runs an outbound handler for one delivery on either bus. A handler that throws before
 * settling has its message rejected (no requeue: a poison message must not come straight back
 * for ever); a throw after settling is only logged. The consumer carries on either way.
 */
export function runOutboundHandler(
  handler: OutboundHandler,
  delivery: OutboundDelivery & { readonly open: boolean },
  logger: Pick<Logger, 'error'>,
): void {
  Promise.resolve()
    .then(() => handler(delivery))
    .catch((error: unknown) => {
      const message_id = bodyMessageId(delivery.body);
      if (delivery.open) {
        logger.error({ err: error, message_id }, 'outbound handler failed before settling; rejecting the message (no requeue)');
        delivery.reject().catch(() => undefined);
      } else {
        logger.error({ err: error, message_id }, 'outbound handler failed after settling');
      }
    });
}
