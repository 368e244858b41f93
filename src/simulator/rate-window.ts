/**
 * Counts events in fixed one-second windows: the simplest model of an SMSC's per-account
 * throughput limit, and the one whose effect a client can predict when tested against it.
 */
export class RateWindow {
  private windowStart = 0;
  private count = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Counts one event; true when it is within `limit` for the current second. */
  take(limit: number): boolean {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.count = 0;
    }
    this.count++;
    return this.count <= limit;
  }
}
