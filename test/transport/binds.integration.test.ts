/**
 * Several binds per transport, and several transports on one account: work spread over the
 * binds that can transmit, receipts found whichever bind (or transport) they arrive on, and the
 * Redis sequencer shared. Through RabbitMQ and Redis, with the simulator as the SMSC.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { PduEvent, Simulator, SessionEvent } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { MemoryBus } from '../../src/transport/bus/memory-bus.js';
import { resolveTransportConfig } from '../../src/transport/config.js';
import { createMessage } from '../../src/transport/messages.js';
import type { VumiMessage } from '../../src/transport/messages.js';
import { SmppTransport } from '../../src/transport/transport.js';
import { deleteRedisKeys } from '../helpers/redis-keys.js';
import { REDIS_URL, rabbitmqAvailable, redisAvailable } from '../helpers/services.js';
import { VumiApp } from '../helpers/vumi-app.js';
import { transportTestSimulator } from '../helpers/transport-simulator.js';

const silent = pino({ level: process.env.E2E_LOG ?? 'silent' });
const services = (await rabbitmqAvailable()) && (await redisAvailable());

const RECEIPTS = { submit_sm_processor_config: { registered_delivery: { delivery_receipt: 'SMSC_DELIVERY_RECEIPT_REQUESTED' } } };

interface World {
  name: string;
  sim: Simulator;
  app: VumiApp;
  transports: SmppTransport[];
  /** Every PDU the simulator sent or received. */
  pdus: PduEvent[];
  bound: SessionEvent[];
}

let world: World | undefined;

async function setUp(simOptions: SimulatorOptions = {}): Promise<World> {
  const name = `binds-${randomUUID().slice(0, 8)}`;
  const sim = transportTestSimulator(simOptions);
  await sim.start();
  const app = new VumiApp(name);
  await app.start();
  world = { name, sim, app, transports: [], pdus: [], bound: [] };
  const w = world;
  sim.on('pdu', (e) => w.pdus.push(e));
  sim.on('bound', (e) => w.bound.push(e));
  return w;
}

/** A transport on the world's simulator and queues; state in Redis unless the config says otherwise. */
async function addTransport(w: World, config: Record<string, unknown> = {}): Promise<SmppTransport> {
  const { config: resolved } = resolveTransportConfig({
    file: {
      transport_name: w.name,
      host: '127.0.0.1',
      port: w.sim.ports!.port,
      bus: 'amqp',
      smpp_cache_class: 'redis',
      sequencer_class: 'redis',
      redis: { url: REDIS_URL, key_prefix: `test:${w.name}:` },
      ...config,
    },
  });
  const transport = new SmppTransport(resolved, { logger: silent });
  w.transports.push(transport);
  await transport.start();
  await transport.whenBound(10_000);
  return transport;
}

const outbound = (w: World, i: number): VumiMessage =>
  createMessage({ to_addr: `2783${String(i).padStart(7, '0')}`, from_addr: '1234', transport_name: w.name, transport_type: 'sms', content: `message ${i}` });

/** Sends `n` messages and waits for the final event of each; returns them. */
async function sendAndAck(w: World, n: number): Promise<VumiMessage[]> {
  const messages = Array.from({ length: n }, (_, i) => outbound(w, i));
  await Promise.all(messages.map((m) => w.app.send(m)));
  for (const m of messages) await w.app.waitFor('events', (e) => e.user_message_id === m.message_id && e.event_type === 'ack');
  return messages;
}

const received = (w: World, command: string) => w.pdus.filter((e) => e.direction === 'received' && e.pdu.command === command);
const sent = (w: World, command: string) => w.pdus.filter((e) => e.direction === 'sent' && e.pdu.command === command);

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  if (!world) return;
  const { transports, sim, app, name } = world;
  world = undefined;
  await Promise.all(transports.map((t) => t.stop()));
  await sim.stop();
  await app.close();
  await deleteRedisKeys(REDIS_URL, `test:${name}:`);
});

describe.runIf(services)('several binds per transport', () => {
  it('binds: 3 keeps three sessions and spreads submits over all of them', async () => {
    const w = await setUp();
    const transport = await addTransport(w, { binds: 3, window_size: 2, worker_concurrency: 12 });
    expect(transport.clients).toHaveLength(3);
    expect(w.bound).toHaveLength(3);
    expect(new Set(w.bound.map((b) => b.bind_type))).toEqual(new Set(['transceiver']));

    const messages = await sendAndAck(w, 30);
    const submits = received(w, 'submit_sm');
    expect(submits).toHaveLength(messages.length);
    const perSession = new Map<number, number>();
    for (const s of submits) perSession.set(s.session_id, (perSession.get(s.session_id) ?? 0) + 1);
    expect([...perSession.keys()].sort()).toEqual(w.bound.map((b) => b.session_id).sort());
    for (const count of perSession.values()) expect(count).toBeGreaterThan(0);
    // Exactly one final event each.
    for (const m of messages) expect(w.app.eventsFor(m.message_id).filter((e) => e.event_type === 'ack' || e.event_type === 'nack')).toHaveLength(1);
  });

  it('every part of a long message goes on one bind, in order', async () => {
    const w = await setUp();
    await addTransport(w, { binds: 3, submit_sm_processor_config: { multipart_handling: 'multipart_udh' } });
    const messages = Array.from({ length: 6 }, (_, i) => ({ ...outbound(w, i), content: `${i} `.repeat(120) }));
    await Promise.all(messages.map((m) => w.app.send(m)));
    for (const m of messages) await w.app.waitFor('events', (e) => e.user_message_id === m.message_id && e.event_type === 'ack');
    const submits = received(w, 'submit_sm');
    for (const m of messages) {
      const parts = submits.filter((s) => (s.pdu as { destination_addr: string }).destination_addr === m.to_addr);
      expect(parts).toHaveLength(2);
      expect(new Set(parts.map((p) => p.session_id)).size).toBe(1);
      // UDH: 05 00 03 ref total seq
      const seqs = parts.map((p) => (p.pdu as { short_message: Buffer }).short_message[5]);
      expect(seqs).toEqual([1, 2]);
    }
  });

  it.each(['memory', 'redis'] as const)(
    'a transmitter and a receiver (%s cache): submits on the transmitter, receipts on the receiver find their message',
    async (cache) => {
      const w = await setUp();
      await addTransport(w, {
        ...RECEIPTS,
        smpp_cache_class: cache,
        binds: [{ bind_type: 'transmitter' }, { bind_type: 'receiver' }],
      });
      const tx = w.bound.find((b) => b.bind_type === 'transmitter')!;
      const rx = w.bound.find((b) => b.bind_type === 'receiver')!;
      expect(tx).toBeDefined();
      expect(rx).toBeDefined();

      const messages = await sendAndAck(w, 10);
      for (const m of messages) {
        const dr = await w.app.waitFor('events', (e) => e.user_message_id === m.message_id && e.event_type === 'delivery_report');
        expect(dr.delivery_status).toBe('delivered');
      }
      expect(received(w, 'submit_sm').every((s) => s.session_id === tx.session_id)).toBe(true);
      const receipts = sent(w, 'deliver_sm');
      expect(receipts.length).toBeGreaterThanOrEqual(messages.length);
      expect(receipts.every((s) => s.session_id === rx.session_id)).toBe(true);
    },
  );
});

describe.runIf(services)('several transports on one account', () => {
  it('share the Redis sequencer and cache: a receipt for A’s message, delivered to B’s receiver, is matched', async () => {
    const w = await setUp({ receipts: { delay_ms: 50, retry_delay_ms: 50 } });
    // A only transmits; B only receives (and so never consumes outbound messages).
    const a = await addTransport(w, { ...RECEIPTS, binds: [{ bind_type: 'transmitter' }] });
    const b = await addTransport(w, { ...RECEIPTS, binds: [{ bind_type: 'receiver' }] });
    expect(a.isConsuming).toBe(true);
    expect(b.isConsuming).toBe(false);
    const [aSession, bSession] = w.bound;

    const messages = await sendAndAck(w, 10);
    for (const m of messages) {
      const dr = await w.app.waitFor('events', (e) => e.user_message_id === m.message_id && e.event_type === 'delivery_report');
      expect(dr.delivery_status).toBe('delivered');
    }
    expect(received(w, 'submit_sm').every((s) => s.session_id === aSession!.session_id)).toBe(true);
    expect(sent(w, 'deliver_sm').every((s) => s.session_id === bSession!.session_id)).toBe(true);
    // One Redis counter for both: no sequence_number used twice across the two sessions.
    const requests = w.pdus.filter((e) => e.direction === 'received' && !e.pdu.command.endsWith('_resp'));
    const numbers = requests.map((e) => e.pdu.sequence_number);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('no bind that can transmit: the consumer stops, messages stay in the queue, and go once one binds', async () => {
    const w = await setUp();
    const rx = await addTransport(w, { binds: [{ bind_type: 'receiver' }] });
    expect(rx.isConsuming).toBe(false);
    const messages = Array.from({ length: 5 }, (_, i) => outbound(w, i));
    for (const m of messages) await w.app.send(m);
    expect(await w.app.depth('outbound')).toBe(5);
    expect(rx.inFlight).toBe(0);
    // A second process with a transmitter takes them.
    await addTransport(w, { binds: [{ bind_type: 'transmitter' }] });
    for (const m of messages) await w.app.waitFor('events', (e) => e.user_message_id === m.message_id && e.event_type === 'ack');
    expect(await w.app.depth('outbound')).toBe(0);
  });

  it('a long message A stopped part way through goes on in B from the part whose answer was lost, under A’s reference', async () => {
    const w = await setUp();
    const multipart = { submit_sm_processor_config: { multipart_handling: 'multipart_udh' }, shutdown_timeout: 0.2 };
    const a = await addTransport(w, multipart);
    const msg = { ...outbound(w, 1), content: 'x'.repeat(400) }; // three parts
    const parts = () => received(w, 'submit_sm').map((e) => Buffer.from((e.pdu as { short_message: Uint8Array }).short_message));
    // Part 2 is taken and its answer held back: A stops with it unanswered, so the message goes
    // back to the queue, and how far it got is in Redis.
    let taken = 0;
    let secondTaken!: () => void;
    const second = new Promise<void>((resolve) => (secondTaken = resolve));
    w.sim.on('message', () => {
      if (++taken !== 2) return;
      w.sim.setFaults({ response_delay_ms: 60_000 });
      secondTaken();
    });
    await w.app.send(msg);
    await second;
    await a.stop();
    expect(w.app.eventsFor(msg.message_id)).toHaveLength(0);
    w.sim.setFaults({ response_delay_ms: 0 });
    await addTransport(w, multipart);
    const ack = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id && e.event_type === 'ack');
    expect((ack.transport_metadata as { smpp_message_ids: string[] }).smpp_message_ids).toHaveLength(3);
    // UDH 05 00 03 <reference> <total> <part>: 1 and 2 from A, 2 again and 3 from B, one reference.
    expect(parts().map((p) => p[5])).toEqual([1, 2, 2, 3]);
    expect(new Set(parts().map((p) => p[3])).size).toBe(1);
    expect(w.app.eventsFor(msg.message_id)).toHaveLength(1);
  });
});

/** Resolves on the first simulator PDU event passing `test`; rejects after `ms`. */
function nextPdu(w: World, test: (e: PduEvent) => boolean, ms = 10_000): Promise<PduEvent> {
  return new Promise((resolve, reject) => {
    const listener = (e: PduEvent) => {
      if (!test(e)) return;
      clearTimeout(timer);
      w.sim.off('pdu', listener);
      resolve(e);
    };
    const timer = setTimeout(() => {
      w.sim.off('pdu', listener);
      reject(new Error(`no matching PDU within ${ms} ms`));
    }, ms);
    w.sim.on('pdu', listener);
  });
}

describe.runIf(services)('binds going down', () => {
  it('messages in hand when the connections drop are resent after the rebind or requeued: one final event each', async () => {
    const w = await setUp({ faults: { response_delay_ms: 100 } });
    await addTransport(w, { binds: 2, window_size: 3, worker_concurrency: 10, reconnect_delay_initial: 0.1 });
    const messages = Array.from({ length: 30 }, (_, i) => outbound(w, i));
    let seen = 0;
    const fourth = nextPdu(w, (e) => e.direction === 'received' && e.pdu.command === 'submit_sm' && ++seen === 4);
    await Promise.all(messages.map((m) => w.app.send(m)));
    await fourth;
    // Submits are in flight (responses take 100 ms): both connections go without an unbind.
    expect(w.sim.disconnectAll()).toBe(2);
    for (const m of messages) await w.app.waitFor('events', (e) => e.user_message_id === m.message_id && e.event_type === 'ack', 20_000);
    for (const m of messages) expect(w.app.eventsFor(m.message_id).filter((e) => e.event_type === 'ack' || e.event_type === 'nack')).toHaveLength(1);
    expect(await w.app.depth('outbound')).toBe(0);
    // Those whose response was lost went again.
    expect(received(w, 'submit_sm').length).toBeGreaterThan(messages.length);
    expect(w.bound.length).toBeGreaterThanOrEqual(4);
  });

  it('with no bind up the consumer stops (messages stay in RabbitMQ), and resumes once one binds', async () => {
    const w = await setUp();
    const t = await addTransport(w, { reconnect_delay_initial: 0.1, smpp_bind_timeout: 0.5 });
    expect(t.isConsuming).toBe(true);
    // The SMSC stops answering binds, and drops the connection.
    w.sim.setFaults({ ignore_bind: true });
    const paused = once(t.pool, 'transmit');
    w.sim.disconnectAll();
    expect(await paused).toEqual([false]);
    const messages = Array.from({ length: 5 }, (_, i) => outbound(w, i));
    for (const m of messages) await w.app.send(m);
    expect(await w.app.depth('outbound')).toBe(messages.length);
    expect(t.inFlight).toBe(0);
    expect(t.isConsuming).toBe(false);

    const resumed = once(t.pool, 'transmit');
    w.sim.setFaults({ ignore_bind: false });
    expect(await resumed).toEqual([true]);
    for (const m of messages) await w.app.waitFor('events', (e) => e.user_message_id === m.message_id && e.event_type === 'ack');
    expect(t.isConsuming).toBe(true);
    expect(await w.app.depth('outbound')).toBe(0);
  });
});

describe('the bus connection lost with messages in hand (in-memory bus)', () => {
  interface Staged {
    sim: Simulator;
    bus: MemoryBus;
    transport: SmppTransport;
    submits: PduEvent[];
    messages: VumiMessage[];
  }

  /** A transport with a window of 2 and slow responses, 6 messages in hand: 2 submits in flight, 4 waiting for room. */
  async function stage(run: (s: Staged) => Promise<void>): Promise<void> {
    const sim = createSimulator({ port: 0, http_port: null, log_level: 'silent', enquire_link_interval_ms: 0, faults: { response_delay_ms: 300 } });
    const { port } = await sim.start();
    const bus = new MemoryBus({ logger: silent });
    const { config } = resolveTransportConfig({
      file: { transport_name: 'mem', host: '127.0.0.1', port, bus: 'memory', window_size: 2, worker_concurrency: 6, reconnect_delay_initial: 0.1, smpp_bind_timeout: 0.5 },
    });
    const transport = new SmppTransport(config, { bus, logger: silent });
    const submits: PduEvent[] = [];
    sim.on('pdu', (e) => {
      if (e.direction === 'received' && e.pdu.command === 'submit_sm') submits.push(e);
    });
    try {
      await transport.start();
      await transport.whenBound(10_000);
      const messages = Array.from({ length: 6 }, (_, i) =>
        createMessage({ to_addr: `2783000000${i}`, from_addr: '1234', transport_name: 'mem', transport_type: 'sms', content: `m${i}` }),
      );
      const secondSubmit = new Promise<void>((resolve) => {
        const listener = () => {
          if (submits.length < 2) return;
          sim.off('pdu', listener);
          resolve();
        };
        sim.on('pdu', listener);
      });
      for (const m of messages) void bus.publishOutbound(m);
      await secondSubmit;
      expect(transport.inFlight).toBe(6);
      await run({ sim, bus, transport, submits, messages });
      await bus.waitForEvents(messages.length, 15_000);
      for (const m of messages) {
        expect(bus.events.filter((e) => e.user_message_id === m.message_id).map((e) => e.event_type)).toEqual(['ack']);
      }
      expect(bus.readyCount).toBe(0);
    } finally {
      await transport.stop();
      await sim.stop();
    }
  }

  it('binds up: the broker’s copies wait for the lost originals; nothing is submitted twice, one final event each', async () => {
    await stage(async ({ bus, submits, messages }) => {
      // Every delivery in hand is lost; the copies come straight back to the consumer.
      bus.setConnected(false);
      bus.setConnected(true);
      await bus.waitForEvents(messages.length, 15_000);
      expect(submits).toHaveLength(messages.length);
    });
  });

  it('SMPP and bus down together: the unanswered submits go again, the lost waiting ones go once', async () => {
    await stage(async ({ sim, bus, transport, submits, messages }) => {
      sim.setFaults({ ignore_bind: true });
      const down = once(transport.pool, 'transmit');
      sim.disconnectAll();
      expect(await down).toEqual([false]);
      bus.setConnected(false);
      bus.setConnected(true);
      sim.setFaults({ ignore_bind: false });
      await bus.waitForEvents(messages.length, 15_000);
      expect(submits).toHaveLength(messages.length + 2);
    });
  });
});
