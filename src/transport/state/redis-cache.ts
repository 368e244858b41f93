import { RESP_TYPES } from 'redis';
import { checkMultipartPart, ttlMillis } from './cache.js';
import type { SmppCache } from './cache.js';
import { LuaScript, RedisConnection } from './redis-connection.js';
import type { RedisConnectionOptions } from './redis-connection.js';

/**
 * Stores one part and, if that completes the set, takes the whole set, in one atomic step: of
 * two processes storing the last parts at once, exactly one gets the set. The hash only ever
 * holds fields "1".."total" (the total is part of the key and the sequence is checked before),
 * so HLEN reaching the total means every part is there.
 * KEYS[1] the set's hash; ARGV[1] total, ARGV[2] sequence, ARGV[3] the part's bytes, ARGV[4] TTL in ms.
 */
const STORE_PART = new LuaScript(`
local total = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
if redis.call('HLEN', KEYS[1]) < total then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return false
end
local fields = {}
for i = 1, total do fields[i] = tostring(i) end
local parts = redis.call('HMGET', KEYS[1], unpack(fields))
redis.call('DEL', KEYS[1])
return parts
`);

/** Bulk strings as Buffers, so the parts come back byte for byte. */
const BUFFERS = { [RESP_TYPES.BLOB_STRING]: Buffer } as const;

/**
 * The cache shared by every process on one Redis (and surviving a restart of the transport,
 * not of a Redis without persistence). Keys, after the connection's prefix:
 *
 * - `msgid:<smsc id>`: a string, the vumi message id; TTL as stored.
 * - `note:<key>`: a string, a note about a vumi message being handled; TTL as stored.
 * - `multipart:<total>:<key>`: a hash, part number ("1".."total") → the part's bytes; its TTL is
 *   restarted by every part; deleted when complete.
 */
export class RedisSmppCache implements SmppCache {
  private readonly messageIdPrefix: string;
  private readonly notePrefix: string;
  private readonly multipartPrefix: string;
  private closed = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly ownsConnection = false,
  ) {
    this.messageIdPrefix = connection.key('msgid:');
    this.notePrefix = connection.key('note:');
    this.multipartPrefix = connection.key('multipart:');
  }

  /** A cache on a connection of its own, which `close()` closes. */
  static async connect(options: RedisConnectionOptions = {}): Promise<RedisSmppCache> {
    return new RedisSmppCache(await RedisConnection.connect(options), true);
  }

  /** The full Redis key of a message-id mapping. */
  messageIdKey(smscId: string): string {
    return this.messageIdPrefix + smscId;
  }

  /** The full Redis key of a multipart set. */
  multipartKey(key: string, total: number): string {
    return `${this.multipartPrefix}${total}:${key}`;
  }

  storeMessageId(smscId: string, vumiId: string, ttlSeconds: number): Promise<void> {
    return this.setString(this.messageIdKey(smscId), vumiId, ttlSeconds);
  }

  getMessageId(smscId: string): Promise<string | undefined> {
    return this.getString(this.messageIdKey(smscId));
  }

  deleteMessageId(smscId: string): Promise<void> {
    return this.deleteKey(this.messageIdKey(smscId));
  }

  /** The full Redis key of a note. */
  noteKey(key: string): string {
    return this.notePrefix + key;
  }

  storeNote(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.setString(this.noteKey(key), value, ttlSeconds);
  }

  getNote(key: string): Promise<string | undefined> {
    return this.getString(this.noteKey(key));
  }

  deleteNote(key: string): Promise<void> {
    return this.deleteKey(this.noteKey(key));
  }

  private async setString(fullKey: string, value: string, ttlSeconds: number): Promise<void> {
    this.checkOpen();
    const ttl = ttlMillis(ttlSeconds);
    await this.connection.commands.set(fullKey, value, { expiration: { type: 'PX', value: ttl } });
  }

  private async getString(fullKey: string): Promise<string | undefined> {
    this.checkOpen();
    const value = await this.connection.commands.get(fullKey);
    return value ?? undefined;
  }

  private async deleteKey(fullKey: string): Promise<void> {
    this.checkOpen();
    await this.connection.commands.del(fullKey);
  }

  async storeMultipartPart(key: string, total: number, sequence: number, part: Buffer, ttlSeconds: number): Promise<Buffer[] | undefined> {
    this.checkOpen();
    checkMultipartPart(total, sequence);
    const ttl = ttlMillis(ttlSeconds);
    const reply = await STORE_PART.run(
      this.connection.commands,
      [this.multipartKey(key, total)],
      [String(total), String(sequence), part, String(ttl)],
      BUFFERS,
    );
    if (reply === null) return undefined;
    if (!isBuffers(reply) || reply.length !== total) {
      throw new Error(`Redis answered a completed multipart set of ${total} with something else`);
    }
    return reply;
  }

  /** Closes the connection if this cache made it (see `connect`); a shared one is its maker's to close. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsConnection) await this.connection.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new Error('the SMPP cache is closed');
  }
}

function isBuffers(value: unknown): value is Buffer[] {
  return Array.isArray(value) && value.every((item) => Buffer.isBuffer(item));
}
