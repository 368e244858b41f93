import { once } from 'node:events';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BusPublishError, DeliveryLostError, MemoryBus } from '../../../src/transport/bus/index.js';
import { consumeHolding, outboundContract } from './bus-contract.js';
import { createEvent, createMessage, serialiseEvent, serialiseMessage } from '../../../src/transport/messages.js';
import { probe as makeProbe } from '../../helpers/probe.js';

const probe = () => makeProbe();

const silent = pino({ level: 'silent' });

const message = (content: string) =>
  createMessage({ to_addr: '+27820001111', from_addr: '12345', transport_name: 'smpp', transport_type: 'sms', content });



async function startedBus(options: ConstructorParameters<typeof MemoryBus>[0] = {}): Promise<MemoryBus> {
  const bus = new MemoryBus({ logger: silent, ...options });
  await bus.start();
  return bus;
}

describe('MemoryBus', () => {
  describe('as every bus', () => {
    const buses: MemoryBus[] = [];
    afterEach(async () => {
      await Promise.all(buses.splice(0).map((bus) => bus.close()));
    });
    outboundContract(async () => {
      const bus = await startedBus();
      buses.push(bus);
      return {
        bus,
        send: (bodies) => {
          // The outcome promises settle with the deliveries; the contract looks at the queue.
          for (const body of bodies) void bus.publishOutbound(body);
          return Promise.resolve();
        },
        ready: () => Promise.resolve(bus.readyCount),
      };
    });
  });

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

  it('publishOutbound resolves with how its message was settled, and stats count each way', async () => {
    expect.hasAssertions();
    const bus = await startedBus();
    const outcomes = ['ack', 'reject', 'requeue then ack', 'throws'].map((body) => bus.publishOutbound(body));
    await bus.consumeOutbound(async (delivery) => {
      const body = delivery.body.toString();
      if (body === 'throws') throw new Error('boom');
      if (body === 'reject') await delivery.reject();
      else if (body === 'requeue then ack' && !delivery.redelivered) await delivery.requeue();
      else await delivery.ack();
    }, 1);
    expect(await Promise.all(outcomes)).toEqual(['ack', 'reject', 'ack', 'reject']);
    expect(bus.stats).toEqual({ acked: 2, rejected: 2, requeued: 1, lost: 0 });
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

  it('an outage: connected false, deliveries in hand lost and redelivered, publishes wait within their timeout, consumption resumes', async () => {
    expect.hasAssertions();
    const bus = await startedBus({ publishTimeoutMs: 5_000 });
    const outcome = bus.publishOutbound('A');
    const changed = probe();
    const got = await consumeHolding(bus, 2, changed);
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
    const changed = probe();
    const held = await consumeHolding(bus, 1, changed);
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
