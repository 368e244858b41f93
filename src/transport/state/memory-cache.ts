import { checkMultipartPart, ttlMillis } from './cache.js';
import type { SmppCache } from './cache.js';

export interface MemorySmppCacheOptions {
  /** The most message-id mappings kept, and separately the most notes (so up to twice this in all); past it the oldest stored is dropped. Default 1 000 000. */
  readonly maxMessageIds?: number;
  /** The most incomplete multipart sets kept; past it the one touched longest ago is dropped. Default 10 000. */
  readonly maxMultipartSets?: number;
  /**
   * How often expired entries are swept out, in ms (entries are also checked when read). The timer
   * is unref'd: it never keeps the process alive. 0 turns the sweep off. Default 60 000.
   */
  readonly sweepIntervalMs?: number;
}

interface MultipartSet {
  readonly parts: Map<number, Buffer>;
  expiresAt: number;
}

/** A monotonic clock in ms (faked along with the timers by vitest's fake timers). */
const now = (): number => performance.now();

/**
 * Strings by key, each with its own expiry, at most `max` of them: the oldest stored is dropped
 * first (Map keeps insertion order, and every store re-inserts at the end).
 */
class ExpiringStrings {
  private readonly entries = new Map<string, { readonly value: string; readonly expiresAt: number }>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.entries.size;
  }

  store(key: string, value: string, ttlSeconds: number): void {
    const expiresAt = now() + ttlMillis(ttlSeconds);
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    dropOldest(this.entries, this.max);
  }

  get(key: string): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  sweep(at: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= at) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * The cache of one process: the same contract as the Redis cache, without sharing. Expiry is
 * checked on every read and by a periodic sweep; every map is bounded, dropping its oldest
 * entries first.
 */
export class MemorySmppCache implements SmppCache {
  private readonly messageIds: ExpiringStrings;
  private readonly notes: ExpiringStrings;
  private readonly multiparts = new Map<string, MultipartSet>();
  private readonly maxMultipartSets: number;
  private readonly sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: MemorySmppCacheOptions = {}) {
    const maxMessageIds = positiveInteger('maxMessageIds', options.maxMessageIds ?? 1_000_000);
    this.messageIds = new ExpiringStrings(maxMessageIds);
    this.notes = new ExpiringStrings(maxMessageIds);
    this.maxMultipartSets = positiveInteger('maxMultipartSets', options.maxMultipartSets ?? 10_000);
    const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
    if (!Number.isFinite(sweepIntervalMs) || sweepIntervalMs < 0) {
      throw new RangeError(`sweepIntervalMs is a number of ms ≥ 0, got ${sweepIntervalMs}`);
    }
    if (sweepIntervalMs > 0) {
      this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs);
      this.sweeper.unref();
    }
  }

  /** How many message-id mappings, notes and incomplete multipart sets are held (expired ones included until swept). */
  get size(): { messageIds: number; notes: number; multipartSets: number } {
    return { messageIds: this.messageIds.size, notes: this.notes.size, multipartSets: this.multiparts.size };
  }

  storeMessageId(smscId: string, vumiId: string, ttlSeconds: number): Promise<void> {
    return this.settleOpen(() => this.messageIds.store(smscId, vumiId, ttlSeconds));
  }

  getMessageId(smscId: string): Promise<string | undefined> {
    return this.settleOpen(() => this.messageIds.get(smscId));
  }

  deleteMessageId(smscId: string): Promise<void> {
    return this.settleOpen(() => this.messageIds.delete(smscId));
  }

  storeNote(key: string, value: string, ttlSeconds: number): Promise<void> {
    return this.settleOpen(() => this.notes.store(key, value, ttlSeconds));
  }

  getNote(key: string): Promise<string | undefined> {
    return this.settleOpen(() => this.notes.get(key));
  }

  deleteNote(key: string): Promise<void> {
    return this.settleOpen(() => this.notes.delete(key));
  }

  storeMultipartPart(key: string, total: number, sequence: number, part: Buffer, ttlSeconds: number): Promise<Buffer[] | undefined> {
    return this.settleOpen(() => this.storePart(key, total, sequence, part, ttlSeconds));
  }

  private storePart(key: string, total: number, sequence: number, part: Buffer, ttlSeconds: number): Buffer[] | undefined {
    checkMultipartPart(total, sequence);
    const ttl = ttlMillis(ttlSeconds);
    const setKey = `${total}:${key}`;
    const at = now();
    let set = this.multiparts.get(setKey);
    if (set !== undefined) this.multiparts.delete(setKey);
    if (set === undefined || set.expiresAt <= at) set = { parts: new Map(), expiresAt: 0 };
    // A copy: the caller's buffer may be a view into a PDU buffer that gets reused.
    set.parts.set(sequence, Buffer.from(part));
    if (set.parts.size === total) {
      const parts: Buffer[] = [];
      for (let i = 1; i <= total; i++) parts.push(set.parts.get(i) as Buffer);
      return parts;
    }
    set.expiresAt = at + ttl;
    this.multiparts.set(setKey, set);
    dropOldest(this.multiparts, this.maxMultipartSets);
    return undefined;
  }

  /** Drops every expired entry now (the periodic sweep calls this). */
  sweep(): void {
    const at = now();
    this.messageIds.sweep(at);
    this.notes.sweep(at);
    for (const [key, set] of this.multiparts) if (set.expiresAt <= at) this.multiparts.delete(key);
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.messageIds.clear();
    this.notes.clear();
    this.multiparts.clear();
    return Promise.resolve();
  }

  /**
   * Runs `fn` now if the cache is open, its result or throw as a settled promise (a bad argument
   * rejects, as it does with Redis).
   */
  private settleOpen<T>(fn: () => T): Promise<T> {
    return new Promise((resolve) => {
      if (this.closed) throw new Error('the SMPP cache is closed');
      resolve(fn());
    });
  }
}

function dropOldest(map: Map<string, unknown>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done === true) return;
    map.delete(oldest.value);
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} is an integer ≥ 1, got ${value}`);
  return value;
}
