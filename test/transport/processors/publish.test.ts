import { getEventListeners } from 'node:events';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BusPublishError } from '../../../src/transport/bus/bus.js';
import { StoppingError, publishUntilConfirmed } from '../../../src/transport/processors/publish.js';

const silent = pino({ level: 'silent' });

beforeEach(() => {
  expect.hasAssertions();
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('publishUntilConfirmed', () => {
  it('retries a failed publish with a growing delay until it is confirmed, leaving no listener behind', async () => {
    const stop = new AbortController();
    let calls = 0;
    const done = publishUntilConfirmed(
      () => (++calls < 5 ? Promise.reject(new BusPublishError('unavailable', 'down')) : Promise.resolve()),
      stop.signal,
      silent,
      'an event',
    );
    await vi.advanceTimersByTimeAsync(250 + 500 + 1000 + 2000);
    await done;
    expect(calls).toBe(5);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });

  it('gives up with StoppingError once the transport stops', async () => {
    const stop = new AbortController();
    const done = publishUntilConfirmed(() => Promise.reject(new BusPublishError('unavailable', 'down')), stop.signal, silent, 'an event').catch(
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(100);
    stop.abort();
    expect(await done).toBeInstanceOf(StoppingError);
  });

  it('passes on an error that is not the bus’s', async () => {
    const stop = new AbortController();
    await expect(publishUntilConfirmed(() => Promise.reject(new TypeError('bug')), stop.signal, silent, 'x')).rejects.toThrow(TypeError);
  });
});
