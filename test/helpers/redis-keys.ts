/**
 * Removing what a test or benchmark run left in Redis: the transport's sequencer and cache keys,
 * all under the run's own key prefix.
 */
import { RedisConnection } from '../../src/transport/state/redis-connection.js';

/** Deletes every Redis key under `prefix`, in batches so a long benchmark's keys fit one DEL each. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = await RedisConnection.connect({ url, keyPrefix: prefix });
  try {
    const keys = await redis.client.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.client.del(keys.slice(i, i + 1000));
  } finally {
    await redis.close();
  }
}
