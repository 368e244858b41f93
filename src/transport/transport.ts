import { pino } from 'pino';
import type { Logger } from 'pino';
import { InMemorySequencer } from '../session/sequencer.js';
import type { Sequencer } from '../session/sequencer.js';
import { SmppClient } from '../session/smpp-client.js';
import type { InspectOption } from '../session/inspect.js';
import { AmqpBus } from './bus/amqp-bus.js';
import type { MessageBus } from './bus/bus.js';
import { MemoryBus } from './bus/memory-bus.js';
import { redactedTransportConfig, registeredDeliveryOctet, sessionConfigOf } from './config.js';
import type { TransportConfig } from './config.js';
import type { InboundOptions } from './inbound/index.js';
import type { SubmitSmOptions } from './outbound/submit-sm.js';
import { createInboundProcessor } from './processors/inbound-processor.js';
import { createOutboundProcessor } from './processors/outbound-processor.js';
import { SubmitTracker } from './processors/submit-tracker.js';
import type { SmppCache } from './state/cache.js';
import { MemorySmppCache } from './state/memory-cache.js';
import { RedisConnection } from './state/redis-connection.js';
import { RedisSmppCache } from './state/redis-cache.js';
import { RedisSequencer } from './state/redis-sequencer.js';

/** Parts made outside the transport (an in-memory bus to drive it from code, a logger…). */
export interface TransportParts {
  bus?: MessageBus;
  cache?: SmppCache;
  sequencer?: Sequencer;
  logger?: Logger;
  inspect?: InspectOption;
}

/**
 * The worker users deploy: one SMPP session bridged to the bus in vumi's format, as vumi2's
 * SmppTransceiverTransport, with its state in memory or in Redis.
 */
export class SmppTransport {
  readonly logger: Logger;
  readonly bus: MessageBus;
  readonly client: SmppClient;
  private readonly cache: SmppCache;
  private readonly sequencer: Sequencer;
  private readonly redis: RedisConnection | undefined;
  private readonly stopping = new AbortController();
  private readonly tracker = new SubmitTracker();
  private started = false;

  constructor(
    readonly config: TransportConfig,
    parts: TransportParts = {},
  ) {
    this.logger = parts.logger ?? pino({ name: 'smpp-transport', level: config.log_level });
    const needsRedis =
      (parts.cache === undefined && config.smpp_cache_class === 'redis') ||
      (parts.sequencer === undefined && config.sequencer_class === 'redis');
    this.redis = needsRedis
      ? new RedisConnection({ url: config.redis.url, keyPrefix: config.redis.key_prefix, logger: this.logger.child({ component: 'redis' }) })
      : undefined;
    this.cache = parts.cache ?? (this.redis && config.smpp_cache_class === 'redis' ? new RedisSmppCache(this.redis) : new MemorySmppCache());
    this.sequencer =
      parts.sequencer ?? (this.redis && config.sequencer_class === 'redis' ? new RedisSequencer(this.redis) : new InMemorySequencer());
    this.bus =
      parts.bus ??
      (config.bus === 'memory'
        ? new MemoryBus({ transport_name: config.transport_name, logger: this.logger })
        : new AmqpBus({
            transport_name: config.transport_name,
            amqp_url: config.amqp_url,
            amqp: config.amqp,
            logger: this.logger,
          }));

    const dr = config.dr_processor_config;
    const sm = config.sm_processor_config;
    const inbound: InboundOptions = {
      deliveryReports: {
        regex: dr.regex,
        tolerant: dr.tolerant_parser,
        matchBodyWithoutEsmClass: dr.match_body_without_esm_class,
        statusMapping: dr.status_mapping,
      },
      shortMessages: {
        dataCodingOverrides: sm.data_coding_overrides,
        gsmPacked: sm.gsm_packed,
        concatUdhWithoutUdhi: sm.concat_udh_without_udhi,
      },
      unparsedReceipts: dr.unparsed_receipts,
      multipartScope: config.system_id,
    };
    this.client = new SmppClient({
      ...sessionConfigOf(config),
      logger: this.logger.child({ component: 'smpp' }),
      sequencer: this.sequencer,
      handlers: {
        inbound: createInboundProcessor({
          bus: this.bus,
          cache: this.cache,
          transportName: config.transport_name,
          inbound,
          messageIdProfile: dr.message_id_profile,
          multipartTtlSeconds: sm.multipart_timeout,
          vumi2Metadata: config.vumi2_metadata,
          tracker: this.tracker,
          logger: this.logger.child({ component: 'inbound' }),
        }),
      },
      ...(parts.inspect !== undefined && { inspect: parts.inspect }),
    });
  }

  /** What submit_sm_processor_config says, as wire values. */
  private submitOptions(): SubmitSmOptions {
    const c = this.config.submit_sm_processor_config;
    return {
      data_coding: c.data_coding,
      multipart_handling: c.multipart_handling,
      service_type: c.service_type,
      source_addr_ton: c.source_addr_ton,
      source_addr_npi: c.source_addr_npi,
      dest_addr_ton: c.dest_addr_ton,
      dest_addr_npi: c.dest_addr_npi,
      registered_delivery: registeredDeliveryOctet(c.registered_delivery),
      multipart_sar_reference_rollover: c.multipart_sar_reference_rollover,
      multipart_udh_reference_bits: c.multipart_udh_reference_bits,
    };
  }

  /** Connects Redis (if used) and the bus, starts the SMPP session, then consumes outbound messages. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.logger.info({ config: redactedTransportConfig(this.config) }, 'starting');
    await this.redis?.connect();
    await this.bus.start();
    this.client.start();
    await this.bus.consumeOutbound(
      createOutboundProcessor({
        client: this.client,
        bus: this.bus,
        cache: this.cache,
        sequencer: this.sequencer,
        submit: this.submitOptions(),
        messageIdProfile: this.config.dr_processor_config.message_id_profile,
        messageIdTtlSeconds: this.config.smpp_cache_config.timeout,
        logger: this.logger.child({ component: 'outbound' }),
        signal: this.stopping.signal,
        tracker: this.tracker,
      }),
      this.config.worker_concurrency,
    );
  }

  /**
   * Stops taking outbound messages, lets those in hand finish (a message still waiting for a
   * bind goes back to the queue), unbinds, and closes the bus and Redis.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.logger.info('stopping');
    const consuming = this.bus.stopConsuming();
    // Work that cannot finish without a session (waiting for a bind) is handed back now.
    if (!this.client.isBound) this.stopping.abort();
    await consuming;
    this.stopping.abort();
    await this.client.stop();
    await this.bus.close();
    await this.cache.close();
    await this.redis?.close();
    this.logger.info('stopped');
  }
}
