/** The last sequence_number an ESME may use; after it comes 1 again (reference §1.1). */
export const MAX_SEQUENCE_NUMBER = 0x7fffffff;

/**
 * Where sequence numbers come from. In memory by default; the transport swaps in one shared
 * through Redis so that several processes on one account never reuse a number in flight.
 * `next()` may answer synchronously, which keeps the in-memory hot path free of promises.
 */
export interface Sequencer {
  next(): number | Promise<number>;
}

/** 1, 2, … 0x7FFFFFFF, then 1 again; never 0. */
export class InMemorySequencer implements Sequencer {
  private current: number;

  constructor(start = 1) {
    if (!Number.isInteger(start) || start < 1 || start > MAX_SEQUENCE_NUMBER) {
      throw new RangeError(`a sequence number starts from 1 to ${MAX_SEQUENCE_NUMBER}, got ${start}`);
    }
    this.current = start - 1;
  }

  next(): number {
    this.current = this.current >= MAX_SEQUENCE_NUMBER ? 1 : this.current + 1;
    return this.current;
  }
}
