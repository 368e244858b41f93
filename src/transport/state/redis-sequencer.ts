import { MAX_SEQUENCE_NUMBER } from '../../session/sequencer.js';
import type { Sequencer } from '../../session/sequencer.js';
import { LuaScript, RedisConnection } from './redis-connection.js';
import type { RedisConnectionOptions } from './redis-connection.js';

/**
 * INCR and wrap in one atomic step: Redis runs a script with nothing in between, so processes
 * racing at the top each get a distinct number and none gets 0 or more than 0x7FFFFFFF. A
 * missing key starts at 1; a value out of range (set by hand) also restarts at 1. The key's
 * TTL is refreshed on every call (ARGV[2] ms; 0 keeps none).
 */
const NEXT = new LuaScript(`
local n = redis.call('INCR', KEYS[1])
if n < 1 or n > tonumber(ARGV[1]) then
  n = 1
  redis.call('SET', KEYS[1], n)
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return n
`);

export interface RedisSequencerOptions {
  /** The counter's key, after the connection's prefix. Default `sequence`. */
  readonly key?: string;
  /**
   * The counter expires this long after its last use, in seconds (every key has a TTL); it then
   * restarts at 1, harmless once nothing has been in flight for that long. 0 keeps it for ever.
   * Default 7 days.
   */
  readonly ttlSeconds?: number;
}

/**
 * Sequence numbers shared by every process on one Redis key: 1, 2, … 0x7FFFFFFF, then 1 again;
 * never 0. Each `next()` is one round trip (node-redis pipelines concurrent calls).
 */
export class RedisSequencer implements Sequencer {
  /** The full Redis key of the counter. */
  readonly key: string;
  private readonly ttlMs: number;

  constructor(
    private readonly connection: RedisConnection,
    options: RedisSequencerOptions = {},
    private readonly ownsConnection = false,
  ) {
    this.key = connection.key(options.key ?? 'sequence');
    const ttlSeconds = options.ttlSeconds ?? 7 * 86_400;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) throw new RangeError(`ttlSeconds is a number ≥ 0, got ${ttlSeconds}`);
    this.ttlMs = Math.ceil(ttlSeconds * 1000);
  }

  /** A sequencer on a connection of its own, which `close()` closes. */
  static async connect(options: RedisConnectionOptions & RedisSequencerOptions = {}): Promise<RedisSequencer> {
    return new RedisSequencer(await RedisConnection.connect(options), options, true);
  }

  async next(): Promise<number> {
    const reply = await NEXT.run(this.connection.client, [this.key], [String(MAX_SEQUENCE_NUMBER), String(this.ttlMs)]);
    const n = Number(reply);
    if (!Number.isInteger(n) || n < 1 || n > MAX_SEQUENCE_NUMBER) {
      throw new Error(`the Redis sequencer answered ${String(reply)}, not a sequence number`);
    }
    return n;
  }

  /** Closes the connection if this sequencer made it (see `connect`); a shared one is its maker's to close. */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.connection.close();
  }
}
