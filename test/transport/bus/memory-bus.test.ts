import { once } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { BusPublishError, DeliveryLostError, MemoryBus } from '../../../src/transport/bus/index.js';
import type { OutboundDelivery, OutboundHandler } from '../../../src/transport/bus/index.js';
import { createEvent, createMessage, serialiseEvent, serialiseMessage } from '../../../src/transport/messages.js';
import { probe as makeProbe } from '../../helpers/probe.js';

const probe = () => makeProbe();

const silent = pino({ level: 'silent' });

const message = (content: string) =>
  createMessage({ to_addr: '+27820001111', from_addr: '12345', transport_name: 'smpp', transport_type: 'sms', content });


/** A handler that records each delivery and leaves settling to the test. */
function holding(record: (delivery: OutboundDelivery) => void): OutboundHandler {
  return (delivery) => {
    record(delivery);
    return Promise.resolve();
  };
}

async function startedBus(options: ConstructorParameters<typeof MemoryBus>[0] = {}): Promise<MemoryBus> {
  const bus = new MemoryBus({ logger: silent, ...options });
  await bus.start();
  return bus;
}

describe('MemoryBus', () => {
  it('is connected from start() until close(), and keeps what is published as a queue consumer would parse it', async () => {
    expect.hasAssertions();
    const bus = new MemoryBus({ logger: silent });
    expect(bus.connected).toBe(false);
    const connected = once(bus, 'connected');
    await bus.start();
    await connected;
    expect(bus.connected).toBe(true);

    const inbound = message('héllo ☺');
    const event = createEvent({ user_message_id: inbound.message_id, event_type: 'nack', nack_reason: 'no' });
    await bus.publishInbound(inbound);
    await bus.publishEvent(event);
    expect(bus.inbound).toEqual([JSON.parse(serialiseMessage(inbound))]);
    expect(bus.inbound[0]).not.toBe(inbound);
    expect(bus.events).toEqual([JSON.parse(serialiseEvent(event))]);
    await expect(bus.waitForInbound(1)).resolves.toHaveLength(1);
    await expect(bus.waitForEvents(2, 50)).rejects.toThrow(/2 event\(s\), got 1/);

    await bus.close();
    expect(bus.connected).toBe(false);
    const failure = await bus.publishInbound(inbound).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BusPublishError);
    expect(failure).toMatchObject({ reason: 'closed', maybePublished: false });
    await expect(bus.start()).rejects.toThrow(/closed/);
  });

  it('waitForInbound resolves when a later publish arrives', async () => {
    expect.hasAssertions();
    const bus = await startedBus();
    const waiting = bus.waitForInbound(2);
    await bus.publishInbound(message('one'));
    await bus.publishInbound(message('two'));
    expect((await waiting).map((m) => m.content)).toEqual(['one', 'two']);
    await bus.close();
  });

  it('consumes with at most `concurrency` deliveries unsettled', async () => {
    expect.hasAssertions();
    const bus = await startedBus();
    const outcomes = Array.from({ length: 10 }, (_, i) => bus.publishOutbound(`{"n":${i}}`));
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
    expect(bus.readyCount).toBe(7);
    expect(bus.unsettledCount).toBe(3);
    while (order.length < 10 || held.length > 0) {
      await changed.until(() => held.length > 0, 'the next delivery');
      await held.shift()?.ack();
    }
    expect(maxUnsettled).toBe(3);
    expect(order).toEqual(Array.from({ length: 10 }, (_, i) => `{"n":${i}}`));
    expect(await Promise.all(outcomes)).toEqual(Array(10).fill('ack'));
    await bus.close();
  });

  it('ack removes, reject drops, requeue redelivers at the head; settling twice is refused', async () => {
    expect.hasAssertions();
    const bus = await startedBus();
    const a = bus.publishOutbound('A');
    const b = bus.publishOutbound(Buffer.from('B'));
    const c = bus.publishOutbound('C');
    const seen: [string, boolean][] = [];
    let double: unknown;
    const changed = probe();
    await bus.consumeOutbound(async (delivery) => {
      const body = delivery.body.toString();
      seen.push([body, delivery.redelivered]);
      if (body === 'A') {
        await delivery.ack();
        double = await delivery.reject().catch((e: unknown) => e);
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
    expect(double).toMatchObject({ message: expect.stringMatching(/already been settled/) });
    expect([await a, await b, await c]).toEqual(['ack', 'reject', 'ack']);
    expect(bus.stats).toEqual({ acked: 2, rejected: 1, requeued: 1, lost: 0 });
    expect(bus.readyCount).toBe(0);
    await bus.close();
  });

  it('publishOutbound serialises a VumiMessage as vumi does', async () => {
    expect.hasAssertions();
    const bus = await startedBus();
    const outbound = message('to the handset');
    void bus.publishOutbound(outbound);
    const bodies: string[] = [];
    const changed = probe();
    await bus.consumeOutbound(async (delivery) => {
      bodies.push(delivery.body.toString('utf8'));
      await delivery.ack();
      changed.notify();
    }, 1);
    await changed.until(() => bodies.length === 1, 'the delivery');
    expect(bodies).toEqual([serialiseMessage(outbound)]);
    await bus.close();
  });

  it('a handler that throws before settling rejects its message (no requeue) and the consumer carries on', async () => {
    expect.hasAssertions();
    const bus = await startedBus();
    const outcomes = [bus.publishOutbound('{"message_id":"m1"}'), bus.publishOutbound('acks-then-throws'), bus.publishOutbound('fine')];
    const seen: string[] = [];
    const changed = probe();
    await bus.consumeOutbound(async (delivery) => {
      const body = delivery.body.toString();
      seen.push(body);
      changed.notify();
      if (body.includes('m1')) throw new Error('boom');
      await delivery.ack();
      if (body === 'acks-then-throws') throw new Error('late boom');
    }, 1);
    expect(await Promise.all(outcomes)).toEqual(['reject', 'ack', 'ack']);
    expect(seen).toEqual(['{"message_id":"m1"}', 'acks-then-throws', 'fine']);
    await bus.close();
  });

  it('stopConsuming stops new deliveries and waits for those in hand; consumeOutbound again resumes', async () => {
    expect.hasAssertions();
    const bus = await startedBus();
    void bus.publishOutbound('first');
    const second = bus.publishOutbound('second');
    const held: OutboundDelivery[] = [];
    const seen: string[] = [];
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
    expect(stoppedYet).toBe(false);
    await held.shift()?.ack();
    await stopped;
    await Promise.resolve();
    expect(seen).toEqual(['first']);
    expect(bus.readyCount).toBe(1);

    await bus.consumeOutbound(handler, 1);
    await changed.until(() => held.length === 1, 'the second delivery');
    await held.shift()?.ack();
    expect(await second).toBe('ack');
    expect(seen).toEqual(['first', 'second']);
    await bus.close();
  });

  it('an outage: connected false, deliveries in hand lost and redelivered, publishes wait within their timeout, consumption resumes', async () => {
    expect.hasAssertions();
    const bus = await startedBus({ publishTimeoutMs: 5_000 });
    const outcome = bus.publishOutbound('A');
    const got: OutboundDelivery[] = [];
    const changed = probe();
    await bus.consumeOutbound(
      holding((delivery) => {
        got.push(delivery);
        changed.notify();
      }),
      2,
    );
    await changed.until(() => got.length === 1, 'A');

    const down = once(bus, 'disconnected');
    bus.setConnected(false);
    const [error] = (await down) as [Error | undefined];
    expect(error?.message).toMatch(/outage/);
    expect(bus.connected).toBe(false);
    await expect(got[0]?.ack()).rejects.toBeInstanceOf(DeliveryLostError);
    expect(bus.readyCount).toBe(1);
    expect(bus.stats.lost).toBe(1);

    const refused = await bus.publishInbound(message('dropped'), { timeoutMs: 20 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ reason: 'unavailable', maybePublished: false });
    const waiting = bus.publishInbound(message('kept'));
    void bus.publishOutbound('B');
    await Promise.resolve();
    expect(got).toHaveLength(1); // nothing delivered while down

    const up = once(bus, 'connected');
    bus.setConnected(true);
    await up;
    await waiting;
    expect(bus.inbound.map((m) => m.content)).toEqual(['kept']);
    await changed.until(() => got.length === 3, 'A again, then B');
    expect(got.slice(1).map((d) => [d.body.toString(), d.redelivered])).toEqual([
      ['A', true],
      ['B', false],
    ]);
    await got[1]?.ack();
    await got[2]?.ack();
    expect(await outcome).toBe('ack');
    await bus.close();
  });

  it('close() waits for deliveries in hand within closeTimeoutMs, then gives them up', async () => {
    expect.hasAssertions();
    const bus = await startedBus({ closeTimeoutMs: 50 });
    void bus.publishOutbound('stuck');
    const held: OutboundDelivery[] = [];
    const changed = probe();
    await bus.consumeOutbound(
      holding((delivery) => {
        held.push(delivery);
        changed.notify();
      }),
      1,
    );
    await changed.until(() => held.length === 1, 'the delivery');
    await bus.close();
    await expect(held[0]?.ack()).rejects.toBeInstanceOf(DeliveryLostError);
    expect(bus.readyCount).toBe(1);
    await bus.close();
  });

  it('consumeOutbound requires start() and a positive integer concurrency', async () => {
    expect.hasAssertions();
    const bus = new MemoryBus({ logger: silent });
    const noop = () => Promise.resolve();
    await expect(bus.consumeOutbound(noop, 1)).rejects.toThrow(/start/);
    await bus.start();
    await expect(bus.consumeOutbound(noop, 0)).rejects.toThrow(RangeError);
    await expect(bus.consumeOutbound(noop, 2.5)).rejects.toThrow(RangeError);
    await bus.close();
  });
});
