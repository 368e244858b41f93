/**
 * What the transport remembers between a submit and its receipts, and between the parts of a
 * long MO message: shared by every process through Redis, or kept in memory. Every key has a
 * TTL, so nothing grows without end (field lessons §3.8).
 */
export interface SmppCache {
  /**
   * Remembers which vumi message an SMSC message id belongs to (the id already normalised).
   * Storing an id again replaces its vumi id and restarts its TTL: re-store with a short TTL to
   * shorten the life of an entry once its final receipt has been seen.
   */
  storeMessageId(smscId: string, vumiId: string, ttlSeconds: number): Promise<void>;
  /** The vumi message id for an SMSC message id, without removing it (receipts can come more than once). */
  getMessageId(smscId: string): Promise<string | undefined>;
  /** Forgets an SMSC message id; forgetting an unknown one is not an error. */
  deleteMessageId(smscId: string): Promise<void>;
  /**
   * Remembers a note about a vumi message being handled (its final event went out, how far a
   * long message got) under a key of the transport's making. Notes are kept apart from the SMSC
   * message ids, so no id an SMSC returns can read or overwrite one. Storing again replaces the
   * value and restarts its TTL.
   */
  storeNote(key: string, value: string, ttlSeconds: number): Promise<void>;
  /** The note under `key`, if there is one that has not expired. */
  getNote(key: string): Promise<string | undefined>;
  /** Forgets a note; forgetting an unknown one is not an error. */
  deleteNote(key: string): Promise<void>;
  /**
   * Stores part `sequence` (1-based) of `total` under `key`; when this completes the set, returns
   * every part in order and forgets the set, atomically (two processes never both complete it).
   * A duplicate part overwrites its earlier copy. The set expires `ttlSeconds` after its last part.
   *
   * A set is told apart by `key` and `total` together (as vumi does with reference and total), so
   * a stray part claiming another total never completes the wrong set. `key` should name the
   * sender, the recipient and the reference (field lessons §3.11); the cache does not build it.
   * Throws a RangeError unless 1 ≤ sequence ≤ total ≤ 255 (integers) and ttlSeconds > 0.
   */
  storeMultipartPart(key: string, total: number, sequence: number, part: Buffer, ttlSeconds: number): Promise<Buffer[] | undefined>;
  /** Releases what the cache holds (timers, connections); using it afterwards is an error. */
  close(): Promise<void>;
}

/** vumi2's lifetime of a message-id mapping (`smpp_cache_config.timeout`, reference §1.7): 24 h. */
export const DEFAULT_MESSAGE_ID_TTL_SECONDS = 86_400;

/** The most parts a concatenated message can have: its count is one octet (UDH and sar_total_segments). */
export const MAX_MULTIPART_PARTS = 255;

/** Checks a part's place in its set: integers with 1 ≤ sequence ≤ total ≤ 255. */
export function checkMultipartPart(total: number, sequence: number): void {
  if (!Number.isInteger(total) || total < 1 || total > MAX_MULTIPART_PARTS) {
    throw new RangeError(`a multipart total is an integer from 1 to ${MAX_MULTIPART_PARTS}, got ${total}`);
  }
  if (!Number.isInteger(sequence) || sequence < 1 || sequence > total) {
    throw new RangeError(`a multipart sequence is an integer from 1 to its total ${total}, got ${sequence}`);
  }
}

/** A TTL in seconds (fractions allowed) as whole milliseconds, at least 1; throws a RangeError unless > 0 and finite. */
export function ttlMillis(ttlSeconds: number): number {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`a TTL is a positive number of seconds, got ${ttlSeconds}`);
  }
  return Math.max(1, Math.ceil(ttlSeconds * 1000));
}
