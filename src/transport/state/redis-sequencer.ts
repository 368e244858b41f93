import { MAX_SEQUENCE_NUMBER } from '../../session/sequencer.js';
import type { Sequencer } from '../../session/sequencer.js';
import { LuaScript, RedisConnection } from './redis-connection.js';
import type { RedisConnectionOptions } from './redis-connection.js';

/**
 * Reserves the next block of ARGV[3] numbers and answers its last: INCRBY and wrap in one atomic
 * step, so processes racing at the top each get a block of their own, all within 1 …
 * 0x7FFFFFFF (ARGV[1]). A missing key starts the first block at 1; a block that would pass the
 * top, or a value out of range (set by hand), restarts at 1. The key's TTL is refreshed on every
 * call (ARGV[2] ms; 0 keeps none).
 */
const RESERVE = new LuaScript(`
local size = tonumber(ARGV[3])
local last = redis.call('INCRBY', KEYS[1], size)
if last - size < 0 or last > tonumber(ARGV[1]) then
  last = size
  redis.call('SET', KEYS[1], last)
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
return last
`);

/** The most numbers one reservation may take (about a two-thousandth of the range). */
export const MAX_BLOCK_SIZE = 1_000_000;

export interface RedisSequencerOptions {
  /** The counter's key, after the connection's prefix. Default `sequence`. */
  readonly key?: string;
  /**
   * The counter expires this long after its last use, in seconds (every key has a TTL); it then
   * restarts at 1, harmless once nothing has been in flight for that long. 0 keeps it for ever.
   * Default 7 days.
   */
  readonly ttlSeconds?: number;
  /**
   * How many numbers one round trip to Redis reserves for this sequencer, which then hands them
   * out from memory. 1 asks Redis for every number (numbers then go up across processes in the
   * order asked); a larger block saves the round trip on all but one in `blockSize` PDUs, and a
   * restart skips the rest of its block. Default 100.
   */
  readonly blockSize?: number;
}

/**
 * Sequence numbers shared by every process on one Redis key: each reserves a block of numbers
 * (see `blockSize`) and hands them out in turn, so no two processes ever hold the same number;
 * 1 … 0x7FFFFFFF, then 1 again; never 0. A caller gets its number at once while the block
 * lasts, and otherwise waits for the one reservation in flight (node-redis pipelines them).
 */
export class RedisSequencer implements Sequencer {
  /** The full Redis key of the counter. */
  readonly key: string;
  readonly blockSize: number;
  private readonly ttlMs: number;
  /** The next number of the block in hand, and its last; empty when next > last. */
  private nextNumber = 1;
  private lastNumber = 0;
  private reserving: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    options: RedisSequencerOptions = {},
    private readonly ownsConnection = false,
  ) {
    this.key = connection.key(options.key ?? 'sequence');
    const ttlSeconds = options.ttlSeconds ?? 7 * 86_400;
    if (!Number.isFinite(ttlSeconds) || ttlSeconds < 0) throw new RangeError(`ttlSeconds is a number ≥ 0, got ${ttlSeconds}`);
    this.ttlMs = Math.ceil(ttlSeconds * 1000);
    this.blockSize = options.blockSize ?? 100;
    if (!Number.isInteger(this.blockSize) || this.blockSize < 1 || this.blockSize > MAX_BLOCK_SIZE) {
      throw new RangeError(`blockSize is an integer from 1 to ${MAX_BLOCK_SIZE}, got ${options.blockSize}`);
    }
  }

  /** A sequencer on a connection of its own, which `close()` closes. */
  static async connect(options: RedisConnectionOptions & RedisSequencerOptions = {}): Promise<RedisSequencer> {
    return new RedisSequencer(await RedisConnection.connect(options), options, true);
  }

  next(): number | Promise<number> {
    if (this.closed) return Promise.reject(new Error('the sequencer is closed'));
    if (this.nextNumber <= this.lastNumber) return this.nextNumber++;
    return this.fromNextBlock();
  }

  private async fromNextBlock(): Promise<number> {
    // Callers that arrive while a block is being reserved share it; any it cannot serve wait
    // for the one after.
    for (;;) {
      this.reserving ??= this.reserve().finally(() => (this.reserving = undefined));
      await this.reserving;
      if (this.nextNumber <= this.lastNumber) return this.nextNumber++;
    }
  }

  private async reserve(): Promise<void> {
    const reply = await RESERVE.run(this.connection.commands, [this.key], [String(MAX_SEQUENCE_NUMBER), String(this.ttlMs), String(this.blockSize)]);
    const last = Number(reply);
    if (!Number.isInteger(last) || last < this.blockSize || last > MAX_SEQUENCE_NUMBER) {
      throw new Error(`the Redis sequencer answered ${String(reply)}, not the end of a block of ${this.blockSize}`);
    }
    this.nextNumber = last - this.blockSize + 1;
    this.lastNumber = last;
  }

  /** Closes the connection if this sequencer made it (see `connect`); a shared one is its maker's to close. */
  async close(): Promise<void> {
    if (!this.ownsConnection) return;
    this.closed = true;
    await this.connection.close();
  }
}
