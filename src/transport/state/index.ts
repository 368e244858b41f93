export { checkMultipartPart, DEFAULT_MESSAGE_ID_TTL_SECONDS, MAX_MULTIPART_PARTS, ttlMillis } from './cache.js';
export type { SmppCache } from './cache.js';
export { MemorySmppCache } from './memory-cache.js';
export type { MemorySmppCacheOptions } from './memory-cache.js';
export { RedisSmppCache } from './redis-cache.js';
export { RedisSequencer } from './redis-sequencer.js';
export type { RedisSequencerOptions } from './redis-sequencer.js';
export { DEFAULT_REDIS_URL, defaultKeyPrefix, LuaScript, RedisConnection, redactRedisUrl } from './redis-connection.js';
export type { RedisClient, RedisConnectionOptions } from './redis-connection.js';
