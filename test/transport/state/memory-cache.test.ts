import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemorySmppCache } from '../../../src/transport/state/index.js';
import { describeSmppCacheContract } from './smpp-cache-contract.js';

describeSmppCacheContract('MemorySmppCache', () => {
  vi.useFakeTimers();
  const cache = new MemorySmppCache();
  return Promise.resolve({
    cache,
    elapse: (ms: number) => {
      vi.advanceTimersByTime(ms);
      return Promise.resolve();
    },
    ttlSeconds: 60,
    expirySlackMs: 0,
    numRuns: 300,
    close: async () => {
      await cache.close();
      vi.useRealTimers();
    },
  });
});

describe('MemorySmppCache', () => {
  beforeEach(() => {
    expect.hasAssertions();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires an entry exactly at its TTL', async () => {
    const cache = new MemorySmppCache();
    await cache.storeMessageId('a', 'vumi-a', 10);
    await cache.storeMultipartPart('k', 2, 1, Buffer.from('1'), 10);
    vi.advanceTimersByTime(9_999);
    expect(await cache.getMessageId('a')).toBe('vumi-a');
    vi.advanceTimersByTime(1);
    expect(await cache.getMessageId('a')).toBeUndefined();
    expect(await cache.storeMultipartPart('k', 2, 2, Buffer.from('2'), 10)).toBeUndefined();
    await cache.close();
  });

  it('takes fractional TTLs in seconds', async () => {
    const cache = new MemorySmppCache();
    await cache.storeMessageId('a', 'vumi-a', 0.25);
    vi.advanceTimersByTime(249);
    expect(await cache.getMessageId('a')).toBe('vumi-a');
    vi.advanceTimersByTime(1);
    expect(await cache.getMessageId('a')).toBeUndefined();
    await cache.close();
  });

  it('keeps at most maxMessageIds, dropping the least recently stored', async () => {
    const cache = new MemorySmppCache({ maxMessageIds: 3 });
    for (const id of ['a', 'b', 'c']) await cache.storeMessageId(id, `vumi-${id}`, 60);
    await cache.storeMessageId('a', 'vumi-a2', 60); // re-stored: now the newest
    await cache.storeMessageId('d', 'vumi-d', 60);
    expect(await cache.getMessageId('b')).toBeUndefined();
    expect(await cache.getMessageId('a')).toBe('vumi-a2');
    expect(await cache.getMessageId('c')).toBe('vumi-c');
    expect(await cache.getMessageId('d')).toBe('vumi-d');
    expect(cache.size.messageIds).toBe(3);
    await cache.close();
  });

  it('keeps at most maxMessageIds notes too, apart from the message ids', async () => {
    const cache = new MemorySmppCache({ maxMessageIds: 2 });
    for (const key of ['a', 'b', 'c']) await cache.storeNote(key, `note-${key}`, 60);
    await cache.storeMessageId('x', 'vumi-x', 60);
    expect(await cache.getNote('a')).toBeUndefined();
    expect(await cache.getNote('c')).toBe('note-c');
    expect(cache.size).toMatchObject({ messageIds: 1, notes: 2 });
    await cache.close();
  });

  it('keeps at most maxMultipartSets, dropping the one touched longest ago', async () => {
    const cache = new MemorySmppCache({ maxMultipartSets: 2 });
    await cache.storeMultipartPart('x', 2, 1, Buffer.from('x1'), 60);
    await cache.storeMultipartPart('y', 2, 1, Buffer.from('y1'), 60);
    await cache.storeMultipartPart('x', 3, 1, Buffer.from('x1 of 3'), 60); // a third set: drops x/2
    expect(cache.size.multipartSets).toBe(2);
    expect(await cache.storeMultipartPart('x', 2, 2, Buffer.from('x2'), 60)).toBeUndefined(); // x/2 began again; drops y
    expect(await cache.storeMultipartPart('y', 2, 2, Buffer.from('y2'), 60)).toBeUndefined();
    await cache.close();
  });

  it('sweeps expired entries out periodically, without waiting for a read', async () => {
    const cache = new MemorySmppCache({ sweepIntervalMs: 1_000 });
    await cache.storeMessageId('short', 'v1', 1);
    await cache.storeMessageId('long', 'v2', 60);
    await cache.storeNote('final:short', 'ack', 1);
    await cache.storeMultipartPart('k', 3, 1, Buffer.from('1'), 1);
    expect(cache.size).toEqual({ messageIds: 2, notes: 1, multipartSets: 1 });
    vi.advanceTimersByTime(1_000);
    expect(cache.size).toEqual({ messageIds: 1, notes: 0, multipartSets: 0 });
    expect(await cache.getMessageId('long')).toBe('v2');
    await cache.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('its sweep timer does not keep the process alive', async () => {
    vi.useRealTimers();
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const cache = new MemorySmppCache({ sweepIntervalMs: 10 });
    expect(timers()).toBe(before);
    await cache.close();
  });

  it('has no timer with sweepIntervalMs 0', async () => {
    const cache = new MemorySmppCache({ sweepIntervalMs: 0 });
    expect(vi.getTimerCount()).toBe(0);
    await cache.close();
  });

  it('refuses nonsensical options', () => {
    expect(() => new MemorySmppCache({ maxMessageIds: 0 })).toThrow(RangeError);
    expect(() => new MemorySmppCache({ maxMultipartSets: 1.5 })).toThrow(RangeError);
    expect(() => new MemorySmppCache({ sweepIntervalMs: -1 })).toThrow(RangeError);
  });
});
