import { pino } from 'pino';
import type { Logger } from 'pino';
import { InMemorySequencer } from '../session/sequencer.js';
import type { Sequencer } from '../session/sequencer.js';
import { SmppClient } from '../session/smpp-client.js';
import type { InspectOption } from '../session/inspect.js';
import { AmqpBus } from './bus/amqp-bus.js';
import type { MessageBus, OutboundHandler } from './bus/bus.js';
import { withTimeout } from './with-timeout.js';
import { MemoryBus } from './bus/memory-bus.js';
import { bindConfigsOf, redactedTransportConfig, submitSmOptionsOf } from './config.js';
import type { TransportConfig } from './config.js';
import { HealthServer } from './http/health-server.js';
import type { HealthReport, HealthSource } from './http/health-server.js';
import type { InboundOptions } from './inbound/index.js';
import { TransportMetrics, bindStateOf } from './metrics.js';
import { BindPool } from './processors/bind-pool.js';
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
  /** Node's process metrics in the transport's registry (default: when `http_bind` is set). */
  defaultMetrics?: boolean;
}

/** How long a consumer that could not be started waits before trying again, in ms. */
const CONSUME_RETRY_MS = 1_000;

/**
 * The worker users deploy: SMPP sessions (one by default, as vumi2's SmppTransceiverTransport;
 * `binds` for more) bridged to the bus in vumi's format, with its state in memory or in Redis.
 *
 * Every bind shares the bus, the cache, the sequencer and the inbound processor. Outbound
 * messages go to the bind pool, which lends each to a bound bind that can transmit and has room.
 * The outbound consumer runs only while some bind can transmit: with none bound it is stopped,
 * so messages wait in the broker rather than in memory, and at most `worker_concurrency` are in
 * hand at any time (a new consumer starts only once the old one's deliveries are settled).
 */
export class SmppTransport {
  readonly logger: Logger;
  readonly bus: MessageBus;
  /** One client per bind, in the order of `binds`. */
  readonly clients: readonly SmppClient[];
  readonly pool: BindPool;
  /** The Prometheus metrics, in a registry of this transport's own (`metrics.registry`). */
  readonly metrics: TransportMetrics;
  private http: HealthServer | undefined;
  private readonly bindSystemIds: readonly string[];
  private readonly cache: SmppCache;
  private readonly sequencer: Sequencer;
  private readonly redis: RedisConnection | undefined;
  private readonly aborting = new AbortController();
  private readonly tracker = new SubmitTracker();
  private readonly handler: OutboundHandler;
  /** The outbound handlers running now. */
  private readonly active = new Set<Promise<void>>();
  private startPromise: Promise<void> | undefined;
  private stopPromise: Promise<void> | undefined;
  private stopping = false;
  // The consumer's state, changed by one loop at a time (runFlow).
  private consuming = false;
  private drained: Promise<void> = Promise.resolve();
  private flowDirty = false;
  private flow: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private clientsStarted = false;

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
      parts.sequencer ?? (this.redis && config.sequencer_class === 'redis' ? new RedisSequencer(this.redis, { blockSize: config.sequencer_config.block_size }) : new InMemorySequencer());
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
    const bindConfigs = bindConfigsOf(config);
    this.clients = bindConfigs.map(
      (session, i) =>
        new SmppClient({
          ...session,
          logger: this.logger.child(bindConfigs.length > 1 ? { component: 'smpp', bind: i } : { component: 'smpp' }),
          sequencer: this.sequencer,
          // The processor is made below (it records into the metrics, which follow these clients).
          handlers: { inbound: (pdu) => inboundHandler(pdu, i) },
          ...(parts.inspect !== undefined && { inspect: parts.inspect }),
        }),
    );
    this.pool = new BindPool(this.clients.map((client, i) => ({ client, bindType: bindConfigs[i]!.bind_type })));
    this.bindSystemIds = bindConfigs.map((c) => c.system_id);
    this.metrics = new TransportMetrics(
      this.clients.map((client, i) => ({ client, bindType: bindConfigs[i]!.bind_type, systemId: bindConfigs[i]!.system_id })),
      { defaultMetrics: parts.defaultMetrics ?? config.http_bind !== null },
    );
    // One inbound processor for every bind: a receipt finds its message whichever bind (or
    // process, with the Redis cache) sent it.
    const inboundHandler = createInboundProcessor({
      bus: this.bus,
      cache: this.cache,
      transportName: config.transport_name,
      inbound,
      messageIdProfile: dr.message_id_profile,
      multipartTtlSeconds: sm.multipart_timeout,
      vumi2Metadata: config.vumi2_metadata,
      tracker: this.tracker,
      logger: this.logger.child({ component: 'inbound' }),
      metrics: this.metrics,
    });

    const process = createOutboundProcessor({
      binds: this.pool,
      bus: this.bus,
      cache: this.cache,
      sequencer: this.sequencer,
      submit: submitSmOptionsOf(config.submit_sm_processor_config),
      messageIdProfile: config.dr_processor_config.message_id_profile,
      messageIdTtlSeconds: config.smpp_cache_config.timeout,
      logger: this.logger.child({ component: 'outbound' }),
      signal: this.aborting.signal,
      tracker: this.tracker,
      vumi2Metadata: config.vumi2_metadata,
      metrics: this.metrics,
    });
    this.handler = (delivery) => {
      const run = process(delivery);
      this.active.add(run);
      run.then(
        () => this.active.delete(run),
        () => this.active.delete(run),
      );
      return run;
    };
  }

  /** The first bind's client (the only one of a single-bind config). */
  get client(): SmppClient {
    return this.clients[0]!;
  }

  /** Outbound messages being handled now (waiting for a bind, submitting, publishing their event). */
  get inFlight(): number {
    return this.active.size;
  }

  /** Whether the outbound consumer is running (some bind can transmit, and not stopping). */
  get isConsuming(): boolean {
    return this.consuming;
  }

  /**
   * What `GET /health` answers: ok when the bus is connected and at least one bind is bound,
   * with each bind's state (nothing from the configuration but bind_type and system_id).
   */
  health(): HealthReport {
    const binds = this.clients.map((client, i) => {
      const window = client.runtime.window;
      const { reason, attempt } = client.actor.getSnapshot().context;
      return {
        bind: i,
        bind_type: this.pool.binds[i]!.bindType,
        system_id: this.bindSystemIds[i] ?? '',
        // Not started yet (the bus is connecting): its snapshot would already say `connecting`.
        state: this.clientsStarted ? bindStateOf(client) : ('disconnected' as const),
        reason,
        attempt,
        in_flight: window.inFlight,
        window_size: window.size,
        paused: window.paused,
      };
    });
    const connected = this.bus.connected;
    return { health: connected && binds.some((b) => b.state === 'bound') ? 'ok' : 'down', bus: { connected }, binds };
  }

  /**
   * Where the HTTP server (`http_bind`) listens, with the actual port (`127.0.0.1:41234`,
   * `[::]:8000`, `unix:/path`); undefined when it is not listening.
   */
  get httpAddress(): string | undefined {
    return this.http?.address;
  }

  /** Resolves once every bind is bound; rejects after `timeoutMs`. */
  async whenBound(timeoutMs = 30_000): Promise<void> {
    await Promise.all(this.clients.map((c) => c.whenBound(timeoutMs)));
  }

  /**
   * Connects Redis (if used) and the bus and starts every SMPP session. Outbound messages are
   * consumed from when a bind that can transmit is bound.
   */
  start(): Promise<void> {
    this.startPromise ??= this.doStart();
    return this.startPromise;
  }

  private async doStart(): Promise<void> {
    this.logger.info({ config: redactedTransportConfig(this.config), binds: this.clients.length }, 'starting');
    if (this.config.http_bind !== null) {
      // First, so that /health says "down" (rather than nothing) while the rest starts.
      const source: HealthSource = {
        health: () => this.health(),
        metrics: () => this.metrics.metrics(),
        metricsContentType: this.metrics.contentType,
      };
      const http = new HealthServer(source, this.logger.child({ component: 'http' }));
      await http.listen(this.config.http_bind);
      this.http = http;
    }
    await this.redis?.connect();
    await this.bus.start();
    if (this.stopping) return;
    this.clientsStarted = true;
    for (const client of this.clients) client.start();
    this.metrics.watch();
    this.pool.on('transmit', (canTransmit) => {
      this.logger.info({ in_hand: this.active.size }, canTransmit ? 'a bind can transmit: consuming outbound messages' : 'no bind can transmit: outbound consumption paused');
      this.kickFlow();
    });
    this.pool.watch();
    this.kickFlow();
  }

  // ---- the outbound consumer, following the binds --------------------------------------------

  private kickFlow(): void {
    this.flowDirty = true;
    this.flow ??= this.runFlow().finally(() => {
      this.flow = undefined;
    });
  }

  private async runFlow(): Promise<void> {
    while (this.flowDirty) {
      this.flowDirty = false;
      await this.applyFlow();
    }
  }

  private async applyFlow(): Promise<void> {
    const want = !this.stopping && this.pool.canTransmit;
    if (want === this.consuming) return;
    if (!want) {
      this.consuming = false;
      // Not awaited: the deliveries in hand finish (or wait for a bind) meanwhile.
      this.drained = this.bus.stopConsuming().catch((err: unknown) => this.logger.warn({ err }, 'stopping the outbound consumer failed'));
      return;
    }
    // The stopped consumer's deliveries first: never more than worker_concurrency in hand.
    await this.drained;
    if (this.stopping || !this.pool.canTransmit) {
      this.flowDirty = true; // look again
      return;
    }
    this.consuming = true;
    try {
      await this.bus.consumeOutbound(this.handler, this.config.worker_concurrency);
    } catch (err) {
      this.consuming = false;
      if (this.stopping) return;
      this.logger.error({ err }, `could not consume outbound messages; trying again in ${CONSUME_RETRY_MS} ms`);
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.kickFlow(), CONSUME_RETRY_MS);
    }
  }

  // ---- stopping --------------------------------------------------------------------------------

  /**
   * Stops gracefully: stops consuming; hands messages still waiting for a bind back to the queue;
   * lets those the SMSC has (submits in flight, events being published) finish, within
   * `shutdown_timeout`; past it, gives up on them (their deliveries go back to the queue, not
   * acked); unbinds every session; closes the bus, the cache and Redis.
   */
  stop(): Promise<void> {
    if (this.startPromise === undefined) return Promise.resolve();
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    this.logger.info({ in_hand: this.active.size }, 'stopping');
    if (!this.clientsStarted) {
      // Still starting (Redis or the broker unreachable, retrying for ever): closing them makes
      // the start give up, instead of the stop waiting for a start that may never end.
      await this.redis?.close().catch(() => undefined);
      await this.bus.close().catch(() => undefined);
    }
    await this.startPromise?.catch(() => undefined);
    clearTimeout(this.retryTimer);
    // `stopping` is set: the flow loop will not start another consumer after this one stops.
    const consumerStopped = this.bus.stopConsuming().catch((err: unknown) => this.logger.warn({ err }, 'stopping the outbound consumer failed'));
    this.consuming = false;
    this.kickFlow();
    // Not sent yet: back to the queue at once.
    this.pool.close();
    const deadlineMs = this.config.shutdown_timeout * 1000;
    const finished = await settleWithin([...this.active], deadlineMs);
    if (!finished) {
      this.logger.warn({ in_hand: this.active.size, shutdown_timeout: this.config.shutdown_timeout }, 'shutdown_timeout passed: messages still in hand go back to the queue');
    }
    // Publishes give up now (after one more attempt); unbinding fails the submits still pending.
    this.aborting.abort();
    const unbindMs = (this.config.smpp_unbind_timeout + this.config.smpp_connect_timeout) * 1000;
    if (this.clientsStarted) {
      await Promise.all(
        this.clients.map((c) => c.stop(unbindMs).catch((err: unknown) => this.logger.warn({ err }, 'a session did not stop cleanly'))),
      );
    }
    this.pool.unwatch();
    this.metrics.unwatch();
    await settleWithin([...this.active], 10_000);
    await withTimeout(consumerStopped, 10_000, () => new Error('the outbound consumer did not stop')).catch((err: unknown) => this.logger.warn({ err }, 'stopping'));
    if (this.flow !== undefined) await settleWithin([this.flow], 5_000);
    await this.bus.close();
    await this.cache.close();
    await this.redis?.close();
    await this.http?.close().catch((err: unknown) => this.logger.warn({ err }, 'closing the HTTP server'));
    this.logger.info('stopped');
  }
}

/** Whether every promise settled (a rejection counts) within `ms`. */
function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  return withTimeout(Promise.allSettled(promises), ms, () => new Error('not settled in time')).then(
    () => true,
    () => false,
  );
}
