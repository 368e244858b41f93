/**
 * What the transport remembers between a submit and its receipts, and between the parts of a
 * long MO message: shared by every process through Redis, or kept in memory. Every key has a
 * TTL, so nothing grows without end.
 */
export interface SmppCache {
  /** Remembers which vumi message an SMSC message id belongs to (the id already normalised). */
  storeMessageId(smscId: string, vumiId: string, ttlSeconds: number): Promise<void>;
  /** The vumi message id for an SMSC message id, without removing it (receipts can come more than once). */
  getMessageId(smscId: string): Promise<string | undefined>;
  deleteMessageId(smscId: string): Promise<void>;
  /**
   * Stores part `sequence` (1-based) of `total` under `key`; when this completes the set, returns
   * every part in order and forgets the set, atomically (two processes never both complete it).
   * A duplicate part overwrites its earlier copy. The set expires `ttlSeconds` after its last part.
   */
  storeMultipartPart(key: string, total: number, sequence: number, part: Buffer, ttlSeconds: number): Promise<Buffer[] | undefined>;
  close(): Promise<void>;
}
