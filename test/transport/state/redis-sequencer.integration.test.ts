import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_SEQUENCE_NUMBER } from '../../../src/session/sequencer.js';
import type { Sequencer } from '../../../src/session/sequencer.js';
import { RedisSequencer } from '../../../src/transport/state/index.js';
import { MAX_BLOCK_SIZE } from '../../../src/transport/state/redis-sequencer.js';
import type { RedisConnection } from '../../../src/transport/state/index.js';
import { REDIS_URL, redisAvailable } from '../../helpers/services.js';
import { connectTo, deleteKeysUnder, keysUnder, silent, testPrefix } from './redis-test-keys.js';

const PREFIX = testPrefix('redis-sequencer');

/** A number from the sequencer, as a promise whether it came from the block in hand or from Redis. */
const asked = (sequencer: Sequencer): Promise<number> => Promise.resolve(sequencer.next());

describe.runIf(await redisAvailable())('RedisSequencer (Redis)', () => {
  let admin: RedisConnection;
  let one: RedisConnection;
  let two: RedisConnection;
  let counter = 0;
  /** Two sequencers on one fresh counter, each on its own connection (two processes), asking Redis for every number. */
  let a: RedisSequencer;
  let b: RedisSequencer;

  beforeAll(async () => {
    admin = await connectTo(PREFIX);
    one = await connectTo(PREFIX);
    two = await connectTo(PREFIX);
  });
  afterAll(async () => {
    await deleteKeysUnder(admin, PREFIX);
    expect(await keysUnder(admin, PREFIX)).toEqual([]);
    await Promise.all([admin.close(), one.close(), two.close()]);
  });
  beforeEach(() => {
    expect.hasAssertions();
    const key = `sequence-${++counter}`;
    a = new RedisSequencer(one, { key, blockSize: 1 });
    b = new RedisSequencer(two, { key, blockSize: 1 });
  });

  it('counts 1, 2, 3 from a fresh key, shared by both processes', async () => {
    expect(await a.next()).toBe(1);
    expect(await b.next()).toBe(2);
    expect(await a.next()).toBe(3);
  });

  it('wraps from 0x7FFFFFFF to 1, never giving 0', async () => {
    await admin.client.set(a.key, String(MAX_SEQUENCE_NUMBER - 1));
    expect(await a.next()).toBe(MAX_SEQUENCE_NUMBER);
    expect(await b.next()).toBe(1);
    expect(await a.next()).toBe(2);
  });

  it('restarts at 1 from a value out of range (set by hand)', async () => {
    for (const value of ['-7', '-1', String(MAX_SEQUENCE_NUMBER), String(MAX_SEQUENCE_NUMBER + 5), '9007199254740000']) {
      await admin.client.set(a.key, value);
      expect(await a.next()).toBe(1);
    }
  });

  it('two processes × many concurrent calls get distinct numbers, 1…n', async () => {
    const n = 1_000;
    const numbers = await Promise.all(Array.from({ length: n }, (_, i) => asked(i % 2 === 0 ? a : b)));
    expect(new Set(numbers).size).toBe(n);
    expect([...numbers].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
  });

  it('two processes racing across the wrap get distinct numbers, never 0 nor above 0x7FFFFFFF', async () => {
    const before = 150;
    const n = 600;
    await admin.client.set(a.key, String(MAX_SEQUENCE_NUMBER - before));
    const numbers = await Promise.all(Array.from({ length: n }, (_, i) => asked(i % 3 === 0 ? a : b)));
    expect(new Set(numbers).size).toBe(n);
    for (const number of numbers) {
      expect(number).toBeGreaterThanOrEqual(1);
      expect(number).toBeLessThanOrEqual(MAX_SEQUENCE_NUMBER);
    }
    const expected = [
      ...Array.from({ length: n - before }, (_, i) => i + 1),
      ...Array.from({ length: before }, (_, i) => MAX_SEQUENCE_NUMBER - before + 1 + i),
    ];
    expect([...numbers].sort((x, y) => x - y)).toEqual(expected);
  });

  it('its key carries a TTL, refreshed by every reservation (7 days by default)', async () => {
    await a.next();
    const pttl = await admin.client.pTTL(a.key);
    expect(pttl).toBeGreaterThan(7 * 86_400_000 - 5_000);
    expect(pttl).toBeLessThanOrEqual(7 * 86_400_000);
    const short = new RedisSequencer(one, { key: `sequence-${++counter}`, ttlSeconds: 60, blockSize: 1 });
    await short.next();
    await admin.client.pExpire(short.key, 1_000);
    await short.next();
    expect(await admin.client.pTTL(short.key)).toBeGreaterThan(59_000);
  });

  it('keeps no TTL with ttlSeconds 0', async () => {
    const forever = new RedisSequencer(one, { key: `sequence-${++counter}`, ttlSeconds: 0 });
    await forever.next();
    expect(await admin.client.pTTL(forever.key)).toBe(-1);
  });

  it('lives under the prefix, at `sequence` by default', () => {
    expect(new RedisSequencer(one).key).toBe(`${PREFIX}sequence`);
  });

  it('is a Sequencer; one that made its connection closes it', async () => {
    const own = await RedisSequencer.connect({ url: REDIS_URL, keyPrefix: PREFIX, logger: silent, key: `sequence-${++counter}` });
    const sequencer: Sequencer = own;
    expect(await sequencer.next()).toBe(1);
    await own.close();
    await expect(own.next()).rejects.toThrow();
    // Borrowed connections stay open.
    await a.close();
    expect(await a.next()).toBeGreaterThanOrEqual(1);
  });

  it('refuses a negative TTL', () => {
    expect(() => new RedisSequencer(one, { ttlSeconds: -1 })).toThrow(RangeError);
  });

  describe('with blocks', () => {
    /** A sequencer with its own fresh counter. */
    const fresh = (connection: RedisConnection, blockSize: number, key = `sequence-${++counter}`) => new RedisSequencer(connection, { key, blockSize });

    it('reserves a block per round trip and hands out the rest from memory, in order', async () => {
      const sequencer = fresh(one, 10);
      const first = sequencer.next();
      expect(first).toBeInstanceOf(Promise);
      expect(await first).toBe(1);
      const fromMemory = Array.from({ length: 9 }, () => sequencer.next());
      expect(fromMemory).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(await sequencer.next()).toBe(11);
      expect(await admin.client.get(sequencer.key)).toBe('20');
    });

    it('gives callers that find the block empty one reservation between them, more only when it runs out', async () => {
      const sequencer = fresh(one, 100);
      const numbers = await Promise.all(Array.from({ length: 250 }, () => asked(sequencer)));
      expect(numbers).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
      expect(await admin.client.get(sequencer.key)).toBe('300');
    });

    it('never gives two processes the same number', async () => {
      const key = `sequence-${++counter}`;
      const x = fresh(one, 7, key);
      const y = fresh(two, 7, key);
      const n = 1_000;
      const numbers = await Promise.all(Array.from({ length: n }, (_, i) => asked(i % 3 === 0 ? x : y)));
      expect(new Set(numbers).size).toBe(n);
      for (const number of numbers) {
        expect(number).toBeGreaterThanOrEqual(1);
        expect(number).toBeLessThanOrEqual(n + 14);
      }
    });

    it('ends a block at 0x7FFFFFFF exactly, and starts one that would pass it at 1', async () => {
      const sequencer = fresh(one, 10);
      await admin.client.set(sequencer.key, String(MAX_SEQUENCE_NUMBER - 10));
      const top = await Promise.all(Array.from({ length: 10 }, () => asked(sequencer)));
      expect(top).toEqual(Array.from({ length: 10 }, (_, i) => MAX_SEQUENCE_NUMBER - 9 + i));
      expect(await sequencer.next()).toBe(1);
      const other = fresh(two, 10);
      await admin.client.set(other.key, String(MAX_SEQUENCE_NUMBER - 5));
      expect(await other.next()).toBe(1);
      expect(await admin.client.get(other.key)).toBe('10');
    });

    it('rejects the callers of a reservation that fails, and reserves again on the next call', async () => {
      const sequencer = fresh(one, 5);
      await admin.client.set(sequencer.key, 'not a number');
      const callers = Array.from({ length: 3 }, () => sequencer.next());
      for (const caller of callers) await expect(caller).rejects.toThrow(/not an integer/);
      await admin.client.set(sequencer.key, '0');
      expect(await sequencer.next()).toBe(1);
      expect(sequencer.next()).toBe(2);
    });

    it('refuses a block size that is not an integer from 1 to the maximum', () => {
      for (const blockSize of [0, -1, 1.5, Number.NaN, MAX_BLOCK_SIZE + 1]) {
        expect(() => new RedisSequencer(one, { blockSize })).toThrow(RangeError);
      }
      expect(new RedisSequencer(one, { blockSize: MAX_BLOCK_SIZE }).blockSize).toBe(MAX_BLOCK_SIZE);
      expect(new RedisSequencer(one).blockSize).toBe(100);
    });
  });
});
