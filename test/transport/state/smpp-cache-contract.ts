/**
 * The behaviour every SmppCache owes the transport, written once and run against each
 * implementation (memory with fake timers, Redis with real short TTLs).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SmppCache } from '../../../src/transport/state/index.js';

export interface CacheHarness {
  readonly cache: SmppCache;
  /** Lets `ms` of the cache's time pass: the fake clock for memory, a real wait for Redis. */
  elapse(ms: number): Promise<void>;
  /** A TTL, in seconds, short enough for the tests to outlive. */
  readonly ttlSeconds: number;
  /** How long past a TTL an entry may still linger before it is surely gone, in ms (polled in steps). */
  readonly expirySlackMs: number;
  /** Property runs (each one a few round trips with Redis). */
  readonly numRuns: number;
  close(): Promise<void>;
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
const strings = (parts: Buffer[] | undefined): string[] | undefined => parts?.map((part) => part.toString('latin1'));

let counter = 0;
/** A key not used by any other test of this run. */
const fresh = (name: string): string => `${name}-${++counter}-${Math.random().toString(36).slice(2)}`;

/**
 * The cache's two kinds of expiring strings, SMSC message ids and notes, held to one contract
 * (and kept apart, tested below).
 */
const STRING_KINDS = [
  {
    kind: 'message ids',
    store: (cache: SmppCache, key: string, value: string, ttl: number) => cache.storeMessageId(key, value, ttl),
    get: (cache: SmppCache, key: string) => cache.getMessageId(key),
    remove: (cache: SmppCache, key: string) => cache.deleteMessageId(key),
  },
  {
    kind: 'notes',
    store: (cache: SmppCache, key: string, value: string, ttl: number) => cache.storeNote(key, value, ttl),
    get: (cache: SmppCache, key: string) => cache.getNote(key),
    remove: (cache: SmppCache, key: string) => cache.deleteNote(key),
  },
];

export function describeSmppCacheContract(name: string, makeHarness: () => Promise<CacheHarness>): void {
  describe(`${name}: the SmppCache contract`, () => {
    let h: CacheHarness;
    let cache: SmppCache;

    beforeEach(async () => {
      expect.hasAssertions();
      h = await makeHarness();
      cache = h.cache;
    });
    afterEach(async () => {
      await h.close();
    });

    /** Lets time pass, past the TTL plus slack at most, until `check` holds (bounded poll). */
    async function waitUntil(ttlMs: number, check: () => Promise<boolean>): Promise<boolean> {
      await h.elapse(ttlMs);
      const step = 25;
      for (let waited = 0; waited <= h.expirySlackMs; waited += step) {
        if (await check()) return true;
        await h.elapse(step);
      }
      return check();
    }

    describe.each(STRING_KINDS)('$kind', ({ store, get, remove }) => {
      it('stores and gets a value; an unknown key gives undefined', async () => {
        const key = fresh('key');
        await store(cache, key, 'vumi-1', h.ttlSeconds);
        expect(await get(cache, key)).toBe('vumi-1');
        expect(await get(cache, fresh('unknown'))).toBeUndefined();
      });

      it('get does not remove (an intermediate then a final receipt both find their message)', async () => {
        const key = fresh('key');
        await store(cache, key, 'vumi-1', h.ttlSeconds);
        expect(await get(cache, key)).toBe('vumi-1');
        expect(await get(cache, key)).toBe('vumi-1');
        expect(await get(cache, key)).toBe('vumi-1');
      });

      it('keeps keys apart, byte for byte (case, leading zeros, non-ASCII)', async () => {
        const keys = [fresh('AbC'), '', '00ff', 'ff', 'FF', 'ü:Ω 1'].map((key, i) => [key, `vumi-${i}`] as const);
        for (const [key, value] of keys) await store(cache, key, value, h.ttlSeconds);
        for (const [key, value] of keys) expect(await get(cache, key)).toBe(value);
        for (const [key] of keys) await remove(cache, key);
      });

      it('deletes; deleting an unknown key is not an error', async () => {
        const key = fresh('key');
        await store(cache, key, 'vumi-1', h.ttlSeconds);
        await remove(cache, key);
        expect(await get(cache, key)).toBeUndefined();
        await expect(remove(cache, fresh('unknown'))).resolves.toBeUndefined();
      });

      it('forgets a value once its TTL has passed, not before', async () => {
        const ttlMs = h.ttlSeconds * 1000;
        const key = fresh('key');
        await store(cache, key, 'vumi-1', h.ttlSeconds);
        await h.elapse(ttlMs / 2);
        expect(await get(cache, key)).toBe('vumi-1');
        expect(await waitUntil(ttlMs / 2, async () => (await get(cache, key)) === undefined)).toBe(true);
      });

      it('storing again replaces the value and restarts the TTL', async () => {
        const ttlMs = h.ttlSeconds * 1000;
        const key = fresh('key');
        await store(cache, key, 'vumi-1', h.ttlSeconds);
        await h.elapse(ttlMs * 0.6);
        await store(cache, key, 'vumi-2', h.ttlSeconds);
        await h.elapse(ttlMs * 0.6);
        expect(await get(cache, key)).toBe('vumi-2');
        expect(await waitUntil(ttlMs * 0.4, async () => (await get(cache, key)) === undefined)).toBe(true);
      });

      it('rejects a TTL that is not a positive number', async () => {
        for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
          await expect(store(cache, fresh('key'), 'v', ttl)).rejects.toThrow(RangeError);
        }
      });
    });

    it('keeps notes apart from message ids: an SMSC id equal to a note key neither reads, replaces nor deletes it', async () => {
      const key = fresh('final:vumi');
      await cache.storeNote(key, 'ack', h.ttlSeconds);
      await cache.storeMessageId(key, 'vumi-of-a-hostile-id', h.ttlSeconds);
      expect(await cache.getNote(key)).toBe('ack');
      expect(await cache.getMessageId(key)).toBe('vumi-of-a-hostile-id');
      await cache.deleteMessageId(key);
      expect(await cache.getNote(key)).toBe('ack');
      await cache.storeMessageId(key, 'vumi-again', h.ttlSeconds);
      await cache.deleteNote(key);
      expect(await cache.getMessageId(key)).toBe('vumi-again');
      await cache.deleteMessageId(key);
    });

    describe('multipart', () => {
      it('completes a set in order, returning the parts in order, then forgets it', async () => {
        const key = fresh('mo');
        expect(await cache.storeMultipartPart(key, 3, 1, bytes('part1'), h.ttlSeconds)).toBeUndefined();
        expect(await cache.storeMultipartPart(key, 3, 2, bytes('part2'), h.ttlSeconds)).toBeUndefined();
        expect(strings(await cache.storeMultipartPart(key, 3, 3, bytes('part3'), h.ttlSeconds))).toEqual(['part1', 'part2', 'part3']);
        // The set is gone: the same key starts afresh.
        expect(await cache.storeMultipartPart(key, 3, 3, bytes('again'), h.ttlSeconds)).toBeUndefined();
      });

      it('completes a set in any order', async () => {
        const key = fresh('mo');
        expect(await cache.storeMultipartPart(key, 3, 3, bytes('c'), h.ttlSeconds)).toBeUndefined();
        expect(await cache.storeMultipartPart(key, 3, 1, bytes('a'), h.ttlSeconds)).toBeUndefined();
        expect(strings(await cache.storeMultipartPart(key, 3, 2, bytes('b'), h.ttlSeconds))).toEqual(['a', 'b', 'c']);
      });

      it('a set of one completes at once', async () => {
        expect(strings(await cache.storeMultipartPart(fresh('mo'), 1, 1, bytes('only'), h.ttlSeconds))).toEqual(['only']);
      });

      it('a duplicate part overwrites the earlier copy and does not count twice', async () => {
        const key = fresh('mo');
        expect(await cache.storeMultipartPart(key, 2, 1, bytes('first'), h.ttlSeconds)).toBeUndefined();
        expect(await cache.storeMultipartPart(key, 2, 1, bytes('second'), h.ttlSeconds)).toBeUndefined();
        expect(strings(await cache.storeMultipartPart(key, 2, 2, bytes('two'), h.ttlSeconds))).toEqual(['second', 'two']);
      });

      it('keeps bytes exactly (NUL, 0xFF, empty parts) and owns its copy of them', async () => {
        const key = fresh('mo');
        const first = Buffer.from([0x00, 0xff, 0x80, 0x0d, 0x0a, 0x00]);
        const original = Buffer.from(first);
        await cache.storeMultipartPart(key, 3, 1, first, h.ttlSeconds);
        first.fill(0x41); // the caller reuses its buffer
        await cache.storeMultipartPart(key, 3, 2, Buffer.alloc(0), h.ttlSeconds);
        const parts = await cache.storeMultipartPart(key, 3, 3, Buffer.from('€', 'utf8'), h.ttlSeconds);
        expect(parts).toHaveLength(3);
        expect(parts?.[0]?.equals(original)).toBe(true);
        expect(parts?.[1]?.length).toBe(0);
        expect(parts?.[2]?.equals(Buffer.from([0xe2, 0x82, 0xac]))).toBe(true);
      });

      it('sets under different keys, or one key with different totals, do not mix', async () => {
        const a = fresh('mo-a');
        const b = fresh('mo-b');
        expect(await cache.storeMultipartPart(a, 2, 1, bytes('a1'), h.ttlSeconds)).toBeUndefined();
        expect(await cache.storeMultipartPart(b, 2, 2, bytes('b2'), h.ttlSeconds)).toBeUndefined();
        expect(await cache.storeMultipartPart(a, 3, 2, bytes('a2 of 3'), h.ttlSeconds)).toBeUndefined();
        expect(strings(await cache.storeMultipartPart(b, 2, 1, bytes('b1'), h.ttlSeconds))).toEqual(['b1', 'b2']);
        expect(strings(await cache.storeMultipartPart(a, 2, 2, bytes('a2'), h.ttlSeconds))).toEqual(['a1', 'a2']);
        expect(await cache.storeMultipartPart(a, 3, 1, bytes('a1 of 3'), h.ttlSeconds)).toBeUndefined();
        expect(strings(await cache.storeMultipartPart(a, 3, 3, bytes('a3 of 3'), h.ttlSeconds))).toEqual(['a1 of 3', 'a2 of 3', 'a3 of 3']);
      });

      it('an incomplete set expires its TTL after its last part', async () => {
        const ttlMs = h.ttlSeconds * 1000;
        const key = fresh('mo');
        await cache.storeMultipartPart(key, 3, 1, bytes('old1'), h.ttlSeconds);
        await cache.storeMultipartPart(key, 3, 2, bytes('old2'), h.ttlSeconds);
        // Once expired, a third part starts a new set rather than completing the old one.
        await h.elapse(ttlMs);
        await h.elapse(h.expirySlackMs);
        expect(await cache.storeMultipartPart(key, 3, 3, bytes('new3'), h.ttlSeconds)).toBeUndefined();
        await cache.storeMultipartPart(key, 3, 1, bytes('new1'), h.ttlSeconds);
        expect(strings(await cache.storeMultipartPart(key, 3, 2, bytes('new2'), h.ttlSeconds))).toEqual(['new1', 'new2', 'new3']);
      });

      it('every part restarts the set’s TTL', async () => {
        const ttlMs = h.ttlSeconds * 1000;
        const key = fresh('mo');
        await cache.storeMultipartPart(key, 3, 1, bytes('p1'), h.ttlSeconds);
        await h.elapse(ttlMs * 0.6);
        await cache.storeMultipartPart(key, 3, 2, bytes('p2'), h.ttlSeconds);
        await h.elapse(ttlMs * 0.6); // 1.2 TTL after the first part, 0.6 after the last
        expect(strings(await cache.storeMultipartPart(key, 3, 3, bytes('p3'), h.ttlSeconds))).toEqual(['p1', 'p2', 'p3']);
      });

      it('rejects a part outside 1 ≤ sequence ≤ total ≤ 255, or a bad TTL', async () => {
        const bad: [number, number][] = [[0, 1], [256, 1], [3, 0], [3, 4], [2.5, 1], [3, 1.5], [Number.NaN, 1]];
        for (const [total, sequence] of bad) {
          await expect(cache.storeMultipartPart(fresh('mo'), total, sequence, bytes('x'), h.ttlSeconds)).rejects.toThrow(RangeError);
        }
        await expect(cache.storeMultipartPart(fresh('mo'), 2, 1, bytes('x'), 0)).rejects.toThrow(RangeError);
        expect(await cache.storeMultipartPart(fresh('mo'), 255, 255, bytes('x'), h.ttlSeconds)).toBeUndefined();
      });

      it('completes a set of 255', async () => {
        const key = fresh('mo');
        const order = Array.from({ length: 255 }, (_, i) => 255 - i);
        let result: Buffer[] | undefined;
        for (const sequence of order) result = await cache.storeMultipartPart(key, 255, sequence, Buffer.from([sequence]), h.ttlSeconds);
        expect(result?.map((part) => part[0])).toEqual(Array.from({ length: 255 }, (_, i) => i + 1));
      });

      it('property: any order, with duplicates, completes exactly when the last missing part comes', async () => {
        const arrivals = fc
          .integer({ min: 1, max: 8 })
          .chain((total) =>
            fc.tuple(
              fc.constant(total),
              fc.shuffledSubarray(Array.from({ length: total }, (_, i) => i + 1), { minLength: total, maxLength: total }),
              fc.array(fc.integer({ min: 1, max: total }), { maxLength: total * 2 }),
              fc.array(fc.nat(), { maxLength: total * 3 }),
            ),
          )
          .chain(([total, permutation, duplicates, positions]) => {
            // Insert the duplicates at arbitrary places in the permutation.
            const sequence = [...permutation];
            duplicates.forEach((part, i) => sequence.splice((positions[i] ?? 0) % (sequence.length + 1), 0, part));
            return fc.tuple(
              fc.constant(total),
              fc.constant(sequence),
              fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: sequence.length, maxLength: sequence.length }),
            );
          });
        await fc.assert(
          fc.asyncProperty(arrivals, async ([total, sequence, payloads]) => {
            const key = fresh('prop');
            const model = new Map<number, Buffer>();
            for (const [i, part] of sequence.entries()) {
              const payload = Buffer.from(payloads[i] ?? []);
              model.set(part, payload);
              const result = await cache.storeMultipartPart(key, total, part, payload, h.ttlSeconds);
              if (model.size === total) {
                const expected = Array.from({ length: total }, (_, j) => model.get(j + 1));
                expect(result).toEqual(expected);
                model.clear(); // later arrivals start a new set
              } else {
                expect(result).toBeUndefined();
              }
            }
          }),
          { numRuns: h.numRuns },
        );
      });
    });

    it('refuses work once closed', async () => {
      await cache.close();
      await expect(cache.getMessageId('x')).rejects.toThrow(/closed/);
      await expect(cache.storeNote('x', 'v', h.ttlSeconds)).rejects.toThrow(/closed/);
      await expect(cache.getNote('x')).rejects.toThrow(/closed/);
      await expect(cache.storeMultipartPart('x', 2, 1, bytes('x'), h.ttlSeconds)).rejects.toThrow(/closed/);
    });
  });
}
