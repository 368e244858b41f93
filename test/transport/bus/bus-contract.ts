/**
 * What every MessageBus does with outbound deliveries, run against each bus by its own test
 * file: the memory bus as is, the AMQP bus on a real RabbitMQ. Each file keeps the tests of what
 * only its bus has (the broker's topology and reconnection, the memory bus's outcomes).
 */
import { expect, it } from 'vitest';
import type { MessageBus, OutboundDelivery, OutboundHandler } from '../../../src/transport/bus/index.js';
import { probe as makeProbe } from '../../helpers/probe.js';

/** A started bus of the kind under test, with its outbound queue as a test drives it. */
export interface BusUnderTest {
  readonly bus: MessageBus;
  /** Puts these bodies on the outbound queue, in order, and resolves once they are there. */
  readonly send: (bodies: readonly string[]) => Promise<void>;
  /** Messages waiting on the outbound queue, not delivered. */
  readonly ready: () => Promise<number>;
}

/** A handler that records each delivery and leaves settling to the test. */
export function holding(record: (delivery: OutboundDelivery) => void): OutboundHandler {
  return (delivery) => {
    record(delivery);
    return Promise.resolve();
  };
}

/**
 * Consumes with a handler that keeps every delivery, settling none, and notifies `changed` of
 * each; answers the array the deliveries land in.
 */
export async function consumeHolding(bus: MessageBus, concurrency: number, changed: { notify(): void }): Promise<OutboundDelivery[]> {
  const held: OutboundDelivery[] = [];
  await bus.consumeOutbound(
    holding((delivery) => {
      held.push(delivery);
      changed.notify();
    }),
    concurrency,
  );
  return held;
}

/** Registers the shared tests; `start` makes a fresh bus for each (and the file closes them). */
export function outboundContract(start: () => Promise<BusUnderTest>, probeTimeoutMs = 5_000): void {
  const probe = () => makeProbe(probeTimeoutMs);

  it('consumes with at most `concurrency` deliveries unsettled, in order', async () => {
    expect.hasAssertions();
    const { bus, send, ready } = await start();
    await send(Array.from({ length: 10 }, (_, i) => `{"n":${i}}`));
    expect(await ready()).toBe(10);
    const held: OutboundDelivery[] = [];
    const order: string[] = [];
    let maxUnsettled = 0;
    const changed = probe();
    await bus.consumeOutbound(
      holding((delivery) => {
        held.push(delivery);
        order.push(delivery.body.toString());
        maxUnsettled = Math.max(maxUnsettled, held.length);
        changed.notify();
      }),
      3,
    );
    await changed.until(() => held.length === 3, '3 deliveries');
    // The rest are held back: 7 still ready.
    expect(await ready()).toBe(7);
    while (order.length < 10 || held.length > 0) {
      await changed.until(() => held.length > 0, 'the next delivery');
      await held.shift()?.ack();
    }
    expect(maxUnsettled).toBe(3);
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `{"n":${i}}`));
    await bus.stopConsuming();
    expect(await ready()).toBe(0);
  });

  it('ack removes, reject drops without requeue, requeue redelivers; settling twice is refused', async () => {
    expect.hasAssertions();
    const { bus, send, ready } = await start();
    await send(['A', 'B', 'C']);
    const seen: [string, boolean][] = [];
    const doubles: Promise<unknown>[] = [];
    const changed = probe();
    await bus.consumeOutbound(async (delivery) => {
      const body = delivery.body.toString();
      seen.push([body, delivery.redelivered]);
      if (body === 'A') {
        await delivery.ack();
        doubles.push(delivery.requeue().catch((e: unknown) => e), delivery.reject().catch((e: unknown) => e));
      } else if (body === 'B') await delivery.reject();
      else if (!delivery.redelivered) await delivery.requeue();
      else await delivery.ack();
      changed.notify();
    }, 1);
    await changed.until(() => seen.length === 4, 'four deliveries');
    expect(seen).toEqual([
      ['A', false],
      ['B', false],
      ['C', false],
      ['C', true],
    ]);
    for (const double of doubles) expect(await double).toMatchObject({ message: expect.stringMatching(/already been settled/) });
    await bus.stopConsuming();
    // Anything unsettled would be ready again now: nothing is.
    expect(await ready()).toBe(0);
  });

  it('a handler that throws before settling rejects its message (no requeue) and the consumer carries on', async () => {
    expect.hasAssertions();
    const { bus, send, ready } = await start();
    await send(['throws', 'acks-then-throws', 'fine']);
    const seen: string[] = [];
    const changed = probe();
    await bus.consumeOutbound(async (delivery) => {
      const body = delivery.body.toString();
      seen.push(body);
      changed.notify();
      if (body === 'throws') throw new Error('boom');
      await delivery.ack();
      if (body === 'acks-then-throws') throw new Error('late boom');
    }, 1);
    await changed.until(() => seen.length === 3, 'three deliveries');
    // With one slot and a requeue putting a message back at the head, a requeued 'throws' would have come next.
    expect(seen).toEqual(['throws', 'acks-then-throws', 'fine']);
    await bus.stopConsuming();
    expect(await ready()).toBe(0);
  });

  it('stopConsuming stops new deliveries and waits for those in hand; consumeOutbound again resumes', async () => {
    expect.hasAssertions();
    const { bus, send, ready } = await start();
    await send(['first', 'second']);
    const seen: string[] = [];
    const held: OutboundDelivery[] = [];
    const changed = probe();
    const handler = holding((delivery) => {
      seen.push(delivery.body.toString());
      held.push(delivery);
      changed.notify();
    });
    await bus.consumeOutbound(handler, 1);
    await changed.until(() => held.length === 1, 'the first delivery');
    await expect(bus.consumeOutbound(handler, 1)).rejects.toThrow(/already consuming/);

    let stoppedYet = false;
    const stopped = bus.stopConsuming().then(() => {
      stoppedYet = true;
    });
    await Promise.resolve();
    expect(stoppedYet).toBe(false); // 'first' is still in hand
    await held.shift()?.ack();
    await stopped;
    expect(seen).toEqual(['first']);
    expect(await ready()).toBe(1);

    await bus.consumeOutbound(handler, 1);
    await changed.until(() => held.length === 1, 'the second delivery');
    expect(seen).toEqual(['first', 'second']);
    await held.shift()?.ack();
    await bus.stopConsuming();
    expect(await ready()).toBe(0);
  });
}
