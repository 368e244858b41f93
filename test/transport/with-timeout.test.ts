import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from '../../src/transport/with-timeout.js';

describe('withTimeout', () => {
  beforeEach(() => {
    expect.hasAssertions();
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles as the promise does when it settles in time, leaving no timer behind', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new RangeError('bad')), 1_000, () => new Error('late'))).rejects.toThrow(RangeError);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects with the timeout error once the time is up, and ignores a later outcome', async () => {
    let resolve: (value: number) => void = () => undefined;
    const raced = withTimeout(new Promise<number>((r) => (resolve = r)), 500, () => new Error('took over 500 ms'));
    let settled = false;
    const outcome = raced.then(
      (value) => ({ value }),
      (err: unknown) => ({ err }),
    );
    void outcome.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    resolve(3);
    expect(await outcome).toEqual({ err: new Error('took over 500 ms') });
  });
});
