/**
 * A token bucket: `ratePerSecond` tokens a second flow in, at most `burst` are kept, and each PDU
 * sent takes one. The level is kept in thousandths of a token and refilled from the clock on
 * demand, so an integer rate gives exact whole-millisecond timings and no timer runs.
 */
export class TokenBucket {
  /** Thousandths of a token. */
  private level: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`a token bucket needs a positive rate, got ${ratePerSecond}`);
    if (!(burst >= 1)) throw new RangeError(`a token bucket holds at least one token, got ${burst}`);
    this.capacity = burst * 1000;
    this.level = this.capacity;
    this.last = now();
  }

  /** Takes a token if there is one. */
  tryTake(t = this.now()): boolean {
    this.refill(t);
    if (this.level < 1000) return false;
    this.level -= 1000;
    return true;
  }

  /** Whether a token could be taken now (takes none). */
  available(t = this.now()): boolean {
    this.refill(t);
    return this.level >= 1000;
  }

  /** Milliseconds until a token is there (0 when one is). */
  msUntilAvailable(t = this.now()): number {
    this.refill(t);
    return this.level >= 1000 ? 0 : Math.ceil((1000 - this.level) / this.ratePerSecond);
  }

  private refill(t: number): void {
    if (t <= this.last) return;
    // One millisecond adds ratePerSecond thousandths of a token.
    this.level = Math.min(this.capacity, this.level + (t - this.last) * this.ratePerSecond);
    this.last = t;
  }
}
