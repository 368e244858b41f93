/**
 * A key prefix of its own for each Redis test file (random, so parallel runs and other suites
 * never meet), and the clean-up that removes every key under it.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { RedisConnection } from '../../../src/transport/state/index.js';
import type { RedisConnectionOptions } from '../../../src/transport/state/index.js';
import { REDIS_URL } from '../../helpers/services.js';

export const silent = pino({ level: 'silent' });

export function testPrefix(name: string): string {
  return `test:${name}:${randomUUID()}:`;
}

export function connectTo(keyPrefix: string, options: RedisConnectionOptions = {}): Promise<RedisConnection> {
  return RedisConnection.connect({ url: REDIS_URL, keyPrefix, logger: silent, ...options });
}

/** Every key under `prefix`, sorted. */
export async function keysUnder(connection: RedisConnection, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const keys of connection.client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) found.push(...keys);
  return found.sort();
}

export async function deleteKeysUnder(connection: RedisConnection, prefix: string): Promise<void> {
  const keys = await keysUnder(connection, prefix);
  if (keys.length > 0) await connection.client.del(keys);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
