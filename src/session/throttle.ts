/**
 * What the request window does with a response other than a final one, and the pause back-off
 * after the SMSC throttles the bind. Kept apart from the window so the policy reads in one place.
 */

export interface FlowControlOptions {
  /** PDUs per second on the bind; 0 or absent: no limit. */
  rateLimit?: number;
  /** Tokens the bucket holds (PDUs that may leave back to back). */
  rateBurst?: number;
  /** Statuses that pause the whole bind (ESME_RTHROTTLED, ESME_RMSGQFUL). */
  throttleStatuses?: Iterable<number>;
  throttleDelayInitialMs?: number;
  throttleDelayMaxMs?: number;
  /** Statuses retried (new sequence number) after a delay, a counted number of times. */
  temporaryStatuses?: Iterable<number>;
  temporaryRetries?: number;
  temporaryRetryDelayMs?: number;
  /** No response in time: hand back ResponseTimeoutError ('nack'), or send again first ('resend'). */
  responseTimeoutPolicy?: 'nack' | 'resend';
  responseTimeoutResends?: number;
}

/** Counters for metrics; cumulative over the window's life. */
export interface FlowControlStats {
  /** Responses with a throttle status (each one is resent). */
  throttled: number;
  /** Pauses of the bind (a throttle response while paused does not start another). */
  pauses: number;
  /** Milliseconds spent paused, the current pause included. */
  throttledMs: number;
  /** Resends after a temporary status. */
  retries: number;
  /** Requests that reached their response timeout (each resend's timeout counts too). */
  responseTimeouts: number;
  /** Resends after a response timeout (policy 'resend'). */
  timeoutResends: number;
}

/** The pause after a throttle response: doubles while they keep coming, back to the first after a success. */
export class ThrottleBackoff {
  private next: number;

  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {
    this.next = initialMs;
  }

  /** The delay of the pause starting now; the one after it is twice as long (capped). */
  take(): number {
    const delay = this.next;
    this.next = Math.min(this.next * 2, this.maxMs);
    return delay;
  }

  /** The delay the next pause would have. */
  peek(): number {
    return this.next;
  }

  reset(): void {
    this.next = this.initialMs;
  }
}
