/**
 * Reconnect back-off: exponential from `initial`, capped at `max`, spread by ±`jitter` so that
 * many ESMEs cut off together do not all come back in the same second. `random` is injectable
 * so tests can pin it.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** 0–1: 0.2 spreads each delay over ±20 %. */
  jitter: number;
}

export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const exponential = policy.initialMs * 2 ** Math.min(attempt, 30);
  const base = Math.min(policy.maxMs, exponential);
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.min(policy.maxMs, Math.round(base + spread)));
}

/**
 * The wait before reconnecting after `failures` failed attempts in a row (0 after a clean end,
 * such as an unbind from the SMSC): the first failure waits `initial`, each further one twice as
 * long. Wrong credentials will not fix themselves, so a configuration error waits the longest,
 * as Kannel does.
 */
export function reconnectDelay(policy: BackoffPolicy, failures: number, configError: boolean, random: () => number = Math.random): number {
  return configError ? policy.maxMs : backoffDelay(policy, Math.max(0, failures - 1), random);
}
