import { createHash } from 'node:crypto';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import type { RedisArgument, TypeMapping } from 'redis';
import { redactUrl } from '../redact-url.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The key prefix of a transport, so several transports share one Redis: `smpp:<transport_name>:`. */
export function defaultKeyPrefix(transportName: string): string {
  return `smpp:${transportName}:`;
}

export interface RedisConnectionOptions {
  /** `redis[s]://[[user][:password]@]host[:port][/db]`. Default redis://127.0.0.1:6379. */
  readonly url?: string;
  /** Put before every key this connection's users make. Default `smpp:`; see {@link defaultKeyPrefix}. */
  readonly keyPrefix?: string;
  /** Where connection errors and reconnects are logged (the URL's password never is). */
  readonly logger?: Logger;
  /** How long one connection attempt may take, in ms. Default 5 000. */
  readonly connectTimeoutMs?: number;
  /**
   * How long a command made while Redis is away may wait in the offline queue for the
   * reconnection before it fails with node-redis's TimeoutError, in ms. Default 5 000; 0 waits
   * for ever. (A command sent to a connected Redis waits for its reply however long it takes,
   * as node-redis's own timeout does.)
   */
  readonly commandTimeoutMs?: number;
  /** Reconnect back-off: 50 ms doubling up to this, in ms, with jitter; retried for ever. Default 5 000. */
  readonly maxReconnectDelayMs?: number;
  /** Shown by CLIENT LIST. Default `smpp-transport`. */
  readonly clientName?: string;
}

function newClient(url: string, options: RedisConnectionOptions) {
  const maxDelay = options.maxReconnectDelayMs ?? 5_000;
  return createClient({
    url,
    name: options.clientName ?? 'smpp-transport',
    socket: {
      connectTimeout: options.connectTimeoutMs ?? 5_000,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 16), maxDelay) * (0.75 + Math.random() / 2),
    },
  });
}

/** The node-redis client the cache and sequencer use. */
export type RedisClient = ReturnType<typeof newClient>;

/** The URL with its password (if any) replaced by `***`, fit for a log. */
export const redactRedisUrl = (url: string): string => redactUrl(url, 'Redis');

/**
 * One node-redis client and the key prefix its users share. It reconnects by itself (commands
 * made meanwhile through `commands` wait in node-redis's offline queue, up to the command
 * timeout); errors are logged, once per outage at error level and then at debug, so a long
 * outage does not flood the log. One connection can serve a cache and a sequencer: whoever
 * made it closes it.
 */
export class RedisConnection {
  /** The client itself, with no command timeout: for set-up, tests and administration. */
  readonly client: RedisClient;
  readonly keyPrefix: string;
  /** The URL as it may be logged (password redacted). */
  readonly safeUrl: string;
  private readonly logger: Logger;
  /** The client with the command timeout, for commands made while Redis is away. */
  private readonly offlineClient: RedisClient;
  private failing = false;
  private closed = false;

  /** Makes the client without connecting it: see `connect()`. */
  constructor(options: RedisConnectionOptions = {}) {
    const url = options.url ?? DEFAULT_REDIS_URL;
    this.safeUrl = redactRedisUrl(url);
    this.keyPrefix = options.keyPrefix ?? 'smpp:';
    this.logger = (options.logger ?? pino({ name: 'smpp' })).child({ component: 'redis', redis: this.safeUrl });
    this.client = newClient(url, options);
    const commandTimeout = options.commandTimeoutMs ?? 5_000;
    this.offlineClient = commandTimeout > 0 ? this.client.withCommandOptions({ timeout: commandTimeout }) : this.client;
    this.client.on('error', (error: unknown) => this.onError(error));
    this.client.on('reconnecting', () => this.logger.debug('reconnecting to Redis'));
    this.client.on('ready', () => {
      if (this.failing) this.logger.info('reconnected to Redis');
      else this.logger.debug('connected to Redis');
      this.failing = false;
    });
  }

  /** Makes a connection and connects it (see the `connect` method). */
  static async connect(options: RedisConnectionOptions = {}): Promise<RedisConnection> {
    const connection = new RedisConnection(options);
    await connection.connect();
    return connection;
  }

  /**
   * Connects; resolves once Redis answers. While Redis cannot be reached this keeps retrying
   * (and logging), so start-up waits for Redis; `close()` meanwhile makes it reject.
   */
  async connect(): Promise<void> {
    if (this.closed) throw new Error('the Redis connection is closed');
    await this.client.connect();
    if (this.closed) throw new Error('the Redis connection was closed while connecting');
  }

  /**
   * The client for the cache's and the sequencer's commands. node-redis times a command out only
   * while it waits to be written, which on a connected client is until the next write, and it
   * does so with an AbortSignal.timeout and its listeners per command: a tenth of the
   * transport's CPU at a few thousand messages a second. So the timeout is asked for only while
   * Redis is away, when a command may wait in the offline queue.
   */
  get commands(): RedisClient {
    return this.client.isReady ? this.client : this.offlineClient;
  }

  /** `keyPrefix` + `name`. */
  key(name: string): string {
    return this.keyPrefix + name;
  }

  /** Whether commands can be sent right now (connected, not reconnecting). */
  get ready(): boolean {
    return this.client.isReady;
  }

  /**
   * Closes the client: waits for commands already sent, then quits. If Redis is unreachable the
   * client is destroyed instead (its pending commands reject). Closing twice is harmless.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.client.isOpen) return;
    if (this.client.isReady) {
      try {
        await this.client.close();
        return;
      } catch (error) {
        this.logger.debug({ err: error }, 'closing Redis failed, destroying the client');
      }
    }
    if (this.client.isOpen) this.client.destroy();
  }

  private onError(error: unknown): void {
    if (this.closed) return;
    const described = redactText(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    if (this.failing) {
      this.logger.debug({ error: described }, 'Redis still unreachable');
    } else {
      this.failing = true;
      this.logger.error({ error: described }, 'Redis connection error; reconnecting');
    }
  }
}

/** Strips anything that looks like credentials in a URL out of an error message. */
function redactText(text: string): string {
  return text.replace(/(rediss?:\/\/[^:@/\s]*:)[^@\s]*@/g, '$1***@');
}

/**
 * A Lua script run with EVALSHA, falling back to EVAL once when Redis does not know it yet (a
 * fresh or restarted server, SCRIPT FLUSH).
 */
export class LuaScript {
  readonly sha1: string;

  constructor(readonly source: string) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  async run<T extends TypeMapping = Record<never, never>>(
    client: RedisClient,
    keys: RedisArgument[],
    args: RedisArgument[],
    typeMapping?: T,
  ): Promise<unknown> {
    const target = typeMapping === undefined ? client : client.withTypeMapping(typeMapping);
    try {
      return await target.evalSha(this.sha1, { keys, arguments: args });
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return await target.eval(this.source, { keys, arguments: args });
    }
  }
}
