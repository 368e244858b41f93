/**
 * The message bus: vumi messages between the transport and RabbitMQ (or memory).
 */
export type {
  BusEvents,
  BusPublishFailure,
  MessageBus,
  OutboundDelivery,
  OutboundHandler,
  PublishOptions,
} from './bus.js';
export { BusPublishError, DeliveryLostError, VUMI_EXCHANGE, busQueues } from './bus.js';
export { AmqpBus, amqpConnectionSettings, redactAmqpUrl } from './amqp-bus.js';
export type { AmqpBusOptions, AmqpSettings } from './amqp-bus.js';
export { MemoryBus } from './memory-bus.js';
export type { MemoryBusOptions, OutboundOutcome } from './memory-bus.js';
