import type { VumiEvent, VumiMessage } from '../messages.js';

/**
 * One outbound message taken from `<transport_name>.outbound`. Exactly one of ack, reject or
 * requeue settles it; the transport acks only once the message's ack or nack event has been
 * confirmed by the bus.
 */
export interface OutboundDelivery {
  /** The raw body: JSON of a vumi Message, or anything a misbehaving publisher sent. */
  readonly body: Buffer;
  /** Done with: removes it from the queue. */
  ack(): Promise<void>;
  /** Unprocessable (bad JSON, bad schema): removes it without requeueing (dead-letters if the broker is set up so). */
  reject(): Promise<void>;
  /** Not done, try again: back to the queue (e.g. the SMPP connection went before its response came). */
  requeue(): Promise<void>;
}

export type OutboundHandler = (delivery: OutboundDelivery) => Promise<void>;

export interface BusEvents {
  connected: [];
  disconnected: [error: Error | undefined];
}

/**
 * The message bus the transport bridges SMPP to: vumi messages in from `<name>.outbound`, user
 * messages out to `<name>.inbound`, events out to `<name>.event`. Two implementations: AMQP
 * (RabbitMQ, vumi's exchange and queues) and in-memory (embedded use and tests).
 */
export interface MessageBus {
  /** Connects and declares what it needs; resolves once ready to publish and consume. */
  start(): Promise<void>;
  /** Whether publishing can succeed right now (answer deliver_sm with ESME_RX_T_APPN otherwise). */
  readonly connected: boolean;
  /** Publishes an inbound user message; resolves once the broker has confirmed it. */
  publishInbound(message: VumiMessage): Promise<void>;
  /** Publishes an event (ack, nack, delivery_report); resolves once the broker has confirmed it. */
  publishEvent(event: VumiEvent): Promise<void>;
  /**
   * Starts consuming outbound messages, at most `concurrency` unsettled at a time (AMQP
   * prefetch). Calling it again replaces nothing: one consumer per bus.
   */
  consumeOutbound(handler: OutboundHandler, concurrency: number): Promise<void>;
  /** Stops taking new outbound messages; those in hand may still be settled. */
  stopConsuming(): Promise<void>;
  /** Closes everything. */
  close(): Promise<void>;
  on<E extends keyof BusEvents>(event: E, listener: (...args: BusEvents[E]) => void): this;
  off<E extends keyof BusEvents>(event: E, listener: (...args: BusEvents[E]) => void): this;
}
