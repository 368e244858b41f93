import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { Connection } from 'rabbitmq-client';
import type { Publisher } from 'rabbitmq-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AmqpBus, BusPublishError, DeliveryLostError, amqpConnectionSettings, redactAmqpUrl } from '../../../src/transport/bus/index.js';
import type { AmqpBusOptions, OutboundHandler } from '../../../src/transport/bus/index.js';
import { amqpSocketOf, isCoalescing } from '../../../src/transport/bus/coalesce-writes.js';
import { createEvent, createMessage, serialiseEvent, serialiseMessage } from '../../../src/transport/messages.js';
import { RABBITMQ_URL, rabbitmqAvailable } from '../../helpers/services.js';
import { probe as makeProbe } from '../../helpers/probe.js';
import { consumeHolding, outboundContract } from './bus-contract.js';

const probe = () => makeProbe(5_000);

const silent = pino({ level: 'silent' });
const execFileAsync = promisify(execFile);

/** A logger whose every line lands in `lines`. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString('utf8'));
      callback();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, stream) };
}


function openHandles(): { sockets: number; timers: number } {
  const info = process.getActiveResourcesInfo();
  return { sockets: info.filter((r) => r === 'TCPSocketWrap').length, timers: info.filter((r) => r === 'Timeout').length };
}

/** No more sockets than before, and no more timers (vitest's own may have gone meanwhile). */
function expectNothingLeftSince(before: { sockets: number; timers: number }): void {
  const now = openHandles();
  expect(now.sockets).toBe(before.sockets);
  expect(now.timers).toBeLessThanOrEqual(before.timers);
}


const message = (content: string) =>
  createMessage({ to_addr: '+27820001111', from_addr: '12345', transport_name: 'smpp', transport_type: 'sms', content });

describe('AMQP bus settings (no broker)', () => {
  it('uses amqp_url when non-empty, else amqp.* with vumi2 defaults, and never shows the password', () => {
    expect.hasAssertions();
    const fromUrl = amqpConnectionSettings({ amqp_url: 'amqp://user:p%40ss@rabbit:5673/vh', amqp: { hostname: 'ignored' } });
    expect(fromUrl.connection).toEqual({ url: 'amqp://user:p%40ss@rabbit:5673/vh' });
    expect(fromUrl.safeUrl).toBe('amqp://user:***@rabbit:5673/vh');

    const defaults = amqpConnectionSettings({ amqp_url: '' });
    expect(defaults.connection).toEqual({ hostname: '127.0.0.1', port: 5672, username: 'guest', password: 'guest', vhost: '/' });
    expect(defaults.safeUrl).toBe('amqp://guest:***@127.0.0.1:5672/%2F');

    const fields = amqpConnectionSettings({ amqp: { hostname: 'mq', port: 5000, username: 'u', password: 'hunter2', vhost: 'prod' } });
    expect(fields.connection).toEqual({ hostname: 'mq', port: 5000, username: 'u', password: 'hunter2', vhost: 'prod' });
    expect(fields.safeUrl).not.toContain('hunter2');

    expect(() => amqpConnectionSettings({ amqp_url: 'http://u:hunter2@host/' })).toThrow(/not an amqp/);
    expect(() => amqpConnectionSettings({ amqp_url: 'amqp://u:hunter2@[bad' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
    expect(redactAmqpUrl('amqps://u:hunter2@h/')).toBe('amqps://u:***@h/');
    expect(redactAmqpUrl('amqp://h/')).toBe('amqp://h/');
  });

  it('start() gives up after startTimeoutMs when the broker is unreachable, logs no password and leaves nothing open', async () => {
    expect.hasAssertions();
    const before = openHandles();
    const { lines, logger } = capturingLogger();
    const bus = new AmqpBus({
      transport_name: 'unreachable',
      amqp_url: 'amqp://guest:sup3rsecret@127.0.0.1:1/',
      logger,
      startTimeoutMs: 300,
      reconnectDelayMs: { min: 50, max: 50 },
    });
    await expect(bus.start()).rejects.toThrow(/could not start the message bus on amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1/);
    expect(bus.connected).toBe(false);
    await expect(bus.publishEvent(createEvent({ user_message_id: 'x', event_type: 'ack', sent_message_id: 'x' }))).rejects.toMatchObject({
      reason: 'closed',
    });
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('')).not.toContain('sup3rsecret');
    expectNothingLeftSince(before);
  });
});

describe.runIf(await rabbitmqAvailable())('AmqpBus on RabbitMQ', () => {
  let admin: Connection;
  let adminPublisher: Publisher;
  const buses: AmqpBus[] = [];
  const names: string[] = [];

  beforeAll(() => {
    admin = new Connection({ url: RABBITMQ_URL, connectionName: 'amqp-bus-test-admin' });
    admin.on('error', () => undefined);
    adminPublisher = admin.createPublisher({ confirm: true });
  });

  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
    for (const name of names.splice(0)) {
      for (const suffix of ['outbound', 'inbound', 'event']) await admin.queueDelete({ queue: `${name}.${suffix}` });
    }
  });

  afterAll(async () => {
    await adminPublisher.close();
    await admin.close();
  });

  function newName(): string {
    const name = `bus-test-${randomUUID().slice(0, 8)}`;
    names.push(name);
    return name;
  }

  function newBus(name: string, options: Partial<AmqpBusOptions> = {}): AmqpBus {
    const bus = new AmqpBus({ transport_name: name, amqp_url: RABBITMQ_URL, logger: silent, reconnectDelayMs: { min: 50, max: 100 }, ...options });
    buses.push(bus);
    return bus;
  }

  async function readyCount(queue: string): Promise<number> {
    return (await admin.queueDeclare({ queue, passive: true })).messageCount;
  }

  async function sendOutbound(name: string, bodies: readonly string[]): Promise<void> {
    for (const body of bodies) await adminPublisher.send({ exchange: 'vumi', routingKey: `${name}.outbound`, durable: true }, Buffer.from(body));
  }

  /** What a network drop (or a broker closing the connection) looks like to the client: its socket closes. */
  function dropConnection(bus: AmqpBus): void {
    const connection = (bus as unknown as { connection: { _socket: Socket } }).connection;
    connection._socket.destroy();
  }

  it('declares exchange vumi (direct, durable) and the three durable queues bound by their own names', async () => {
    expect.hasAssertions();
    const name = newName();
    const bus = newBus(name);
    expect(bus.connected).toBe(false);
    await bus.start();
    expect(bus.connected).toBe(true);
    // Re-declaring with the same properties succeeds; with others the broker refuses (PRECONDITION_FAILED).
    await expect(admin.exchangeDeclare({ exchange: 'vumi', type: 'direct', durable: true })).resolves.toBeUndefined();
    for (const suffix of ['outbound', 'inbound', 'event']) {
      const queue = `${name}.${suffix}`;
      await expect(admin.queueDeclare({ queue, passive: true })).resolves.toMatchObject({ queue, messageCount: 0 });
      await expect(admin.queueDeclare({ queue, durable: false })).rejects.toThrow(/durable/);
      await adminPublisher.send({ exchange: 'vumi', routingKey: queue, durable: true }, Buffer.from('{}'));
      expect(await readyCount(queue)).toBe(1);
    }
  });

  it('publishes inbound messages and events as persistent JSON exactly as serialised, before any consumer exists', async () => {
    expect.hasAssertions();
    const name = newName();
    const bus = newBus(name);
    await bus.start();
    const inbound = message('héllo ☺ {"quoted"}');
    const event = createEvent({ user_message_id: inbound.message_id, event_type: 'ack', sent_message_id: inbound.message_id });
    await bus.publishInbound(inbound);
    await bus.publishEvent(event, { timeoutMs: 2_000 });

    const gotInbound = await admin.basicGet({ queue: `${name}.inbound`, noAck: true });
    expect(gotInbound).toMatchObject({ exchange: 'vumi', routingKey: `${name}.inbound`, durable: true });
    expect(gotInbound?.contentType).toBeUndefined();
    expect(Buffer.isBuffer(gotInbound?.body)).toBe(true);
    expect((gotInbound?.body as Buffer).equals(Buffer.from(serialiseMessage(inbound), 'utf8'))).toBe(true);
    expect((gotInbound?.body as Buffer).toString()).toContain('h\\u00e9llo \\u263a');

    const gotEvent = await admin.basicGet({ queue: `${name}.event`, noAck: true });
    expect(gotEvent).toMatchObject({ exchange: 'vumi', routingKey: `${name}.event`, durable: true });
    expect((gotEvent?.body as Buffer).toString('utf8')).toBe(serialiseEvent(event));
  });

  describe('as every bus', () => {
    outboundContract(async () => {
      const name = newName();
      const bus = newBus(name);
      await bus.start();
      return { bus, send: (bodies) => sendOutbound(name, bodies), ready: () => readyCount(`${name}.outbound`) };
    });
  });

  it('closes cleanly: no socket or timer left behind, publishing afterwards is refused', async () => {
    expect.hasAssertions();
    const name = newName();
    const before = openHandles();
    const bus = newBus(name);
    await bus.start();
    await bus.consumeOutbound((delivery) => delivery.ack(), 2);
    await sendOutbound(name, ['x']);
    await bus.publishInbound(message('bye'));
    expect(openHandles().sockets).toBeGreaterThan(before.sockets);
    await bus.close();
    await bus.close();
    expect(bus.connected).toBe(false);
    expectNothingLeftSince(before);
    await expect(bus.publishInbound(message('late'))).rejects.toSatisfy((e) => e instanceof BusPublishError && e.reason === 'closed');
    await expect(bus.start()).rejects.toThrow(/closed/);
  });

  it('a process that starts, consumes, publishes and closes the bus exits by itself', async () => {
    expect.hasAssertions();
    const name = newName();
    const script = `
      import { AmqpBus } from ${JSON.stringify(fileURLToPath(new URL('../../../src/transport/bus/index.ts', import.meta.url)))};
      import { createMessage } from ${JSON.stringify(fileURLToPath(new URL('../../../src/transport/messages.ts', import.meta.url)))};
      import { pino } from 'pino';
      const bus = new AmqpBus({ transport_name: ${JSON.stringify(name)}, amqp_url: ${JSON.stringify(RABBITMQ_URL)}, logger: pino({ level: 'silent' }) });
      await bus.start();
      await bus.consumeOutbound((delivery) => delivery.ack(), 2);
      await bus.publishInbound(createMessage({ to_addr: '1', from_addr: '2', transport_name: 'smpp', transport_type: 'sms' }));
      await bus.close();
      console.log('closed');
    `;
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe('closed');
  });

  it('close() cuts the connection after closeTimeoutMs when a delivery is never settled; the broker keeps the message', async () => {
    expect.hasAssertions();
    const name = newName();
    const before = openHandles();
    const bus = newBus(name, { closeTimeoutMs: 300 });
    await bus.start();
    const changed = probe();
    const held = await consumeHolding(bus, 1, changed);
    await sendOutbound(name, ['stuck']);
    await changed.until(() => held.length === 1, 'the delivery');
    await bus.close();
    await expect(held[0]?.ack()).rejects.toBeInstanceOf(DeliveryLostError);
    expectNothingLeftSince(before);
    // The broker requeued it once the connection went.
    await expect.poll(() => readyCount(`${name}.outbound`), { timeout: 5_000 }).toBe(1);
  });

  it('reconnects after the connection drops: connected goes false then true, in-hand deliveries are lost and redelivered, consumption resumes', async () => {
    expect.hasAssertions();
    const name = newName();
    const bus = newBus(name, { reconnectDelayMs: { min: 100, max: 100 } });
    const transitions: string[] = [];
    bus.on('connected', () => transitions.push('connected'));
    bus.on('disconnected', () => transitions.push('disconnected'));
    await bus.start();
    const changed = probe();
    const got = await consumeHolding(bus, 2, changed);
    await sendOutbound(name, ['A']);
    await changed.until(() => got.length === 1, 'A');

    const down = once(bus, 'disconnected', { signal: AbortSignal.timeout(5_000) });
    const up = once(bus, 'connected', { signal: AbortSignal.timeout(10_000) });
    dropConnection(bus);
    await down;
    expect(bus.connected).toBe(false);
    await expect(got[0]?.ack()).rejects.toBeInstanceOf(DeliveryLostError);
    await up;
    expect(bus.connected).toBe(true);
    expect(transitions).toEqual(['connected', 'disconnected', 'connected']);

    // The broker put A back when the connection went; the consumer came back by itself.
    await changed.until(() => got.length === 2, 'A again', 10_000);
    expect(got[1]?.body.toString()).toBe('A');
    expect(got[1]?.redelivered).toBe(true);
    await got[1]?.ack();
    await sendOutbound(name, ['B']);
    await changed.until(() => got.length === 3, 'B', 10_000);
    expect(got[2]?.body.toString()).toBe('B');
    await got[2]?.ack();

    const inbound = message('after the drop');
    await bus.publishInbound(inbound);
    const read = await admin.basicGet({ queue: `${name}.inbound`, noAck: true });
    expect((read?.body as Buffer).toString()).toBe(serialiseMessage(inbound));
    await bus.stopConsuming();
    expect(await readyCount(`${name}.outbound`)).toBe(0);
  });

  it('coalesces the writes of each turn of the event loop on every connection, the first and each after a reconnect, and loses no publish by it', async () => {
    expect.hasAssertions();
    const name = newName();
    const bus = newBus(name);
    await bus.start();
    const socketOf = () => amqpSocketOf((bus as unknown as { connection: object }).connection);
    const first = socketOf();
    expect(first).toBeDefined();
    expect(isCoalescing(first!)).toBe(true);
    const events = Array.from({ length: 50 }, (_, i) => createEvent({ user_message_id: `m${i}`, event_type: 'ack', sent_message_id: `m${i}` }));
    // Fifty publishes made at once, and all confirmed.
    await Promise.all(events.map((event) => bus.publishEvent(event)));
    expect(await readyCount(`${name}.event`)).toBe(50);
    for (const event of events) {
      const got = await admin.basicGet({ queue: `${name}.event`, noAck: true });
      expect((got?.body as Buffer).toString('utf8')).toBe(serialiseEvent(event));
    }

    const up = once(bus, 'connected', { signal: AbortSignal.timeout(10_000) });
    dropConnection(bus);
    await up;
    const second = socketOf();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(isCoalescing(second!)).toBe(true);
  });

  it('while disconnected a publish waits for the reconnection within its timeout, else fails promptly having sent nothing', async () => {
    expect.hasAssertions();
    const name = newName();
    const bus = newBus(name, { reconnectDelayMs: { min: 1_500, max: 1_500 } });
    await bus.start();
    const down = once(bus, 'disconnected', { signal: AbortSignal.timeout(5_000) });
    dropConnection(bus);
    await down;

    const startedAt = Date.now();
    const lost = message('not sent');
    const failure = await bus.publishInbound(lost, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BusPublishError);
    expect(failure).toMatchObject({ reason: 'unavailable', maybePublished: false });
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(bus.connected).toBe(false);

    const kept = message('sent after reconnecting');
    await bus.publishInbound(kept, { timeoutMs: 10_000 });
    expect(bus.connected).toBe(true);
    const first = await admin.basicGet({ queue: `${name}.inbound`, noAck: true });
    expect((first?.body as Buffer).toString()).toBe(serialiseMessage(kept));
    expect(await admin.basicGet({ queue: `${name}.inbound`, noAck: true })).toBeUndefined();
  });

  it('stopConsuming and consumeOutbound during an outage return at once; consumption begins once reconnected', async () => {
    expect.hasAssertions();
    const name = newName();
    const bus = newBus(name, { reconnectDelayMs: { min: 500, max: 500 } });
    await bus.start();
    const seen: string[] = [];
    const changed = probe();
    const handler: OutboundHandler = async (delivery) => {
      seen.push(delivery.body.toString());
      await delivery.ack();
      changed.notify();
    };
    await bus.consumeOutbound(handler, 1);
    const down = once(bus, 'disconnected', { signal: AbortSignal.timeout(5_000) });
    dropConnection(bus);
    await down;
    await bus.stopConsuming();
    await bus.consumeOutbound(handler, 1);
    expect(bus.connected).toBe(false);
    await once(bus, 'connected', { signal: AbortSignal.timeout(10_000) });
    await sendOutbound(name, ['after']);
    await changed.until(() => seen.length === 1, 'the delivery', 10_000);
    expect(seen).toEqual(['after']);
  });

  it('close() while reconnecting gives up at once and leaves nothing open', async () => {
    expect.hasAssertions();
    const name = newName();
    const before = openHandles();
    const bus = newBus(name, { reconnectDelayMs: { min: 5_000, max: 5_000 } });
    await bus.start();
    await bus.consumeOutbound((delivery) => delivery.ack(), 1);
    await bus.publishEvent(createEvent({ user_message_id: 'm', event_type: 'ack', sent_message_id: 'm' }));
    const down = once(bus, 'disconnected', { signal: AbortSignal.timeout(5_000) });
    dropConnection(bus);
    await down;
    const waiting = bus.publishInbound(message('never'), { timeoutMs: 10_000 }).catch((e: unknown) => e);
    const startedAt = Date.now();
    await bus.close();
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(await waiting).toMatchObject({ reason: 'closed' });
    expectNothingLeftSince(before);
  });

  it('consumeOutbound requires start() and a positive integer concurrency', async () => {
    expect.hasAssertions();
    const bus = newBus(newName());
    await expect(bus.consumeOutbound(() => Promise.resolve(), 1)).rejects.toThrow(/start/);
    await bus.start();
    await expect(bus.consumeOutbound(() => Promise.resolve(), 0)).rejects.toThrow(RangeError);
    await expect(bus.consumeOutbound(() => Promise.resolve(), 1.5)).rejects.toThrow(RangeError);
  });
});
