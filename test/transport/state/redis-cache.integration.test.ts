import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MESSAGE_ID_TTL_SECONDS, RedisSmppCache } from '../../../src/transport/state/index.js';
import type { RedisConnection } from '../../../src/transport/state/index.js';
import { redisAvailable } from '../../helpers/services.js';
import { describeSmppCacheContract } from './smpp-cache-contract.js';
import { connectTo, deleteKeysUnder, keysUnder, sleep, testPrefix } from './redis-test-keys.js';

const PREFIX = testPrefix('redis-cache');

describe.runIf(await redisAvailable())('RedisSmppCache (Redis)', () => {
  let admin: RedisConnection;

  beforeAll(async () => {
    admin = await connectTo(PREFIX);
  });
  afterAll(async () => {
    await deleteKeysUnder(admin, PREFIX);
    expect(await keysUnder(admin, PREFIX)).toEqual([]);
    await admin.close();
  });

  describeSmppCacheContract('RedisSmppCache', async () => {
    const cache = new RedisSmppCache(await connectTo(PREFIX), true);
    return {
      cache,
      elapse: sleep,
      ttlSeconds: 0.5,
      expirySlackMs: 500,
      numRuns: 60,
      close: () => cache.close(),
    };
  });

  describe('shared between processes', () => {
    let a: RedisSmppCache;
    let b: RedisSmppCache;

    beforeEach(async () => {
      expect.hasAssertions();
      a = new RedisSmppCache(await connectTo(PREFIX), true);
      b = new RedisSmppCache(await connectTo(PREFIX), true);
      return async () => {
        await a.close();
        await b.close();
      };
    });

    it('a mapping stored by one process is read and deleted by another', async () => {
      await a.storeMessageId('shared-1', 'vumi-1', 60);
      expect(await b.getMessageId('shared-1')).toBe('vumi-1');
      expect(await a.getMessageId('shared-1')).toBe('vumi-1');
      await b.deleteMessageId('shared-1');
      expect(await a.getMessageId('shared-1')).toBeUndefined();
    });

    it('a restarted process sees what the one before it stored', async () => {
      await a.storeMessageId('restart-1', 'vumi-r', 60);
      await a.storeMultipartPart('restart-mo', 2, 1, Buffer.from('before'), 60);
      await a.close();
      a = new RedisSmppCache(await connectTo(PREFIX), true);
      expect(await a.getMessageId('restart-1')).toBe('vumi-r');
      const parts = await a.storeMultipartPart('restart-mo', 2, 2, Buffer.from('after'), 60);
      expect(parts?.map(String)).toEqual(['before', 'after']);
    });

    it('parts arriving at different processes complete one set', async () => {
      expect(await a.storeMultipartPart('split', 3, 2, Buffer.from('2'), 60)).toBeUndefined();
      expect(await b.storeMultipartPart('split', 3, 1, Buffer.from('1'), 60)).toBeUndefined();
      expect((await a.storeMultipartPart('split', 3, 3, Buffer.from('3'), 60))?.map(String)).toEqual(['1', '2', '3']);
    });

    it('when two processes race to complete sets, each set completes exactly once', async () => {
      const rounds = Array.from({ length: 100 }, (_, round) => {
        const total = 2 + (round % 5);
        const parts = Array.from({ length: total }, (_, i) => i + 1);
        return { key: `race-${round}`, total, parts };
      });
      const results = await Promise.all(
        rounds.map(async ({ key, total, parts }) => {
          const replies = await Promise.all(
            parts.map((sequence) => (Math.random() < 0.5 ? a : b).storeMultipartPart(key, total, sequence, Buffer.from(`${key}/${sequence}`), 60)),
          );
          return { key, total, completed: replies.filter((reply) => reply !== undefined) };
        }),
      );
      for (const { key, total, completed } of results) {
        expect(completed).toHaveLength(1);
        expect(completed[0]?.map(String)).toEqual(Array.from({ length: total }, (_, i) => `${key}/${i + 1}`));
      }
      expect((await keysUnder(admin, `${PREFIX}multipart:`)).filter((k) => k.includes(':race-'))).toEqual([]);
    });
  });

  describe('keys', () => {
    let cache: RedisSmppCache;

    beforeEach(async () => {
      expect.hasAssertions();
      cache = new RedisSmppCache(await connectTo(PREFIX), true);
      return () => cache.close();
    });

    it('lays keys out under the prefix as msgid:<id>, note:<key> and multipart:<total>:<key>', async () => {
      await cache.storeMessageId('layout-id', 'vumi', 60);
      await cache.storeNote('final:layout', 'ack', 60);
      await cache.storeMultipartPart('layout:mo', 3, 1, Buffer.from('x'), 60);
      expect(cache.messageIdKey('layout-id')).toBe(`${PREFIX}msgid:layout-id`);
      expect(cache.noteKey('final:layout')).toBe(`${PREFIX}note:final:layout`);
      expect(cache.multipartKey('layout:mo', 3)).toBe(`${PREFIX}multipart:3:layout:mo`);
      expect(await admin.client.get(`${PREFIX}msgid:layout-id`)).toBe('vumi');
      expect(await admin.client.get(`${PREFIX}note:final:layout`)).toBe('ack');
      expect(await admin.client.hGetAll(`${PREFIX}multipart:3:layout:mo`)).toEqual({ 1: 'x' });
    });

    it('a message-id key carries its TTL (24 h by default)', async () => {
      await cache.storeMessageId('ttl-id', 'vumi', DEFAULT_MESSAGE_ID_TTL_SECONDS);
      const pttl = await admin.client.pTTL(cache.messageIdKey('ttl-id'));
      expect(pttl).toBeGreaterThan(86_399_000);
      expect(pttl).toBeLessThanOrEqual(86_400_000);
      await cache.storeMessageId('ttl-id', 'vumi', 30);
      expect(await admin.client.pTTL(cache.messageIdKey('ttl-id'))).toBeLessThanOrEqual(30_000);
    });

    it('a multipart key carries the TTL of its last part and is gone once complete', async () => {
      const key = cache.multipartKey('ttl-mo', 3);
      await cache.storeMultipartPart('ttl-mo', 3, 1, Buffer.from('1'), 100);
      expect(await admin.client.pTTL(key)).toBeGreaterThan(99_000);
      await cache.storeMultipartPart('ttl-mo', 3, 2, Buffer.from('2'), 50);
      const pttl = await admin.client.pTTL(key);
      expect(pttl).toBeGreaterThan(49_000);
      expect(pttl).toBeLessThanOrEqual(50_000);
      await cache.storeMultipartPart('ttl-mo', 3, 3, Buffer.from('3'), 50);
      expect(await admin.client.exists(key)).toBe(0);
    });

    it('transports under different prefixes do not see each other', async () => {
      const otherPrefix = `${PREFIX}other:`;
      const other = new RedisSmppCache(await connectTo(otherPrefix), true);
      try {
        await cache.storeMessageId('same-id', 'mine', 60);
        await other.storeMessageId('same-id', 'theirs', 60);
        await cache.storeMultipartPart('same-mo', 2, 1, Buffer.from('mine'), 60);
        expect(await other.storeMultipartPart('same-mo', 2, 2, Buffer.from('theirs'), 60)).toBeUndefined();
        expect(await cache.getMessageId('same-id')).toBe('mine');
        expect(await other.getMessageId('same-id')).toBe('theirs');
      } finally {
        await other.close();
      }
    });

    it('still works after Redis has forgotten its scripts (SCRIPT FLUSH, a restart)', async () => {
      await admin.client.scriptFlush();
      await cache.storeMultipartPart('flushed', 2, 1, Buffer.from('1'), 60);
      await admin.client.scriptFlush();
      expect((await cache.storeMultipartPart('flushed', 2, 2, Buffer.from('2'), 60))?.map(String)).toEqual(['1', '2']);
    });

    it('a cache on a shared connection leaves the connection open when closed', async () => {
      const shared = await connectTo(PREFIX);
      const borrowing = new RedisSmppCache(shared);
      await borrowing.close();
      expect(await shared.client.ping()).toBe('PONG');
      await shared.close();
      expect(shared.client.isOpen).toBe(false);
    });
  });
});
