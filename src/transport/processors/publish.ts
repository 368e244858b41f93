import type { Logger } from 'pino';
import { BusPublishError } from '../bus/bus.js';

/** The transport is stopping: work in hand is left for the broker to redeliver. */
export class StoppingError extends Error {
  constructor() {
    super('the transport is stopping');
    this.name = 'StoppingError';
  }
}

/**
 * Publishes until the broker confirms. Used for events about messages the SMSC has already
 * taken: losing such an event loses the sender's only news of the message, while a retry that
 * turns out to be a second copy costs a duplicate event. Gives up only when `signal` aborts; an
 * aborted signal still gets one attempt (the SMSC has the message: an event that can go out
 * now saves a resend after the redelivery).
 */
export async function publishUntilConfirmed(
  publish: () => Promise<void>,
  signal: AbortSignal,
  logger: Logger,
  what: string,
  /** Added to the retry warnings (a message_id), instead of a child logger made for every message. */
  bindings: Record<string, unknown> = {},
): Promise<void> {
  let delay = 250;
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted && attempt > 0) throw new StoppingError();
    try {
      await publish();
      return;
    } catch (err) {
      if (!(err instanceof BusPublishError)) throw err;
      logger.warn({ ...bindings, err: err.message, reason: err.reason }, `publishing ${what} failed; retrying in ${delay} ms`);
    }
    await new Promise<void>((resolve) => {
      // One listener per wait, removed when the wait ends: the signal is the whole transport's.
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, delay);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    delay = Math.min(delay * 2, 5_000);
  }
}
