/**
 * The submits this process has sent whose SMSC message id is not stored yet. A receipt can
 * overtake its submit_sm_resp (reference §6.4 item 7); rather than guess how long to wait, the
 * inbound side waits for exactly the submits that were in flight when the receipt came.
 */
export class SubmitTracker {
  private readonly pending = new Set<Promise<unknown>>();

  get size(): number {
    return this.pending.size;
  }

  /** Runs `work` (a submit and the storing of its id) as one tracked operation. */
  track<T>(work: Promise<T>): Promise<T> {
    const entry = work.finally(() => this.pending.delete(entry));
    this.pending.add(entry);
    return entry;
  }

  /** Resolves when every submit in flight now has settled, whatever the outcome. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
