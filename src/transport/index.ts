export { SmppTransport } from './transport.js';
export type { TransportParts } from './transport.js';
export { ConfigError, redactedTransportConfig, resolveTransportConfig, transportConfigSchema } from './config.js';
export type { TransportConfig, TransportConfigInput } from './config.js';
export { loadTransportConfig } from './config-sources.js';
export {
  InvalidMessageError,
  MESSAGE_VERSION,
  createEvent,
  createMessage,
  formatTimestamp,
  newId,
  parseMessage,
  parseTimestamp,
  serialiseEvent,
  serialiseMessage,
} from './messages.js';
export type {
  DeliveryStatus,
  EventType,
  SessionEvent as VumiSessionEvent,
  TransportType,
  VumiEvent,
  VumiEventInput,
  VumiMessage,
  VumiMessageInput,
} from './messages.js';
export { AmqpBus, BusPublishError, DeliveryLostError, MemoryBus } from './bus/index.js';
export type { MessageBus, OutboundDelivery, OutboundHandler } from './bus/index.js';
export { MemorySmppCache, RedisConnection, RedisSequencer, RedisSmppCache } from './state/index.js';
export type { SmppCache } from './state/index.js';
export { nackReason } from './outbound/nack-reason.js';
