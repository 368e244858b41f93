/**
 * The transport with the in-memory bus and cache (no RabbitMQ, no Redis) against the simulator
 * over TCP: the behaviours that need a bus outage, a slow SMSC or a receipt racing its response,
 * which are easier to stage without a broker.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { CommandStatus } from '../../src/index.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { MemoryBus } from '../../src/transport/bus/memory-bus.js';
import { MemorySmppCache } from '../../src/transport/state/memory-cache.js';
import { InMemorySequencer } from '../../src/session/sequencer.js';
import type { Sequencer } from '../../src/session/sequencer.js';
import { resolveTransportConfig } from '../../src/transport/config.js';
import { createMessage } from '../../src/transport/messages.js';
import { SmppTransport } from '../../src/transport/transport.js';
import { transportTestSimulator } from '../helpers/transport-simulator.js';

const silent = pino({ level: 'silent' });

interface World {
  sim: Simulator;
  bus: MemoryBus;
  transport: SmppTransport;
}
let world: World | undefined;

async function start(
  config: Record<string, unknown> = {},
  simOptions: SimulatorOptions = {},
  parts: { cache?: MemorySmppCache; sequencer?: Sequencer } = {},
): Promise<World> {
  const sim = transportTestSimulator(simOptions);
  const { port } = await sim.start();
  const bus = new MemoryBus({ logger: silent });
  const { config: resolved } = resolveTransportConfig({ file: { transport_name: 'mem', host: '127.0.0.1', port, bus: 'memory', ...config } });
  const transport = new SmppTransport(resolved, { bus, logger: silent, ...parts });
  world = { sim, bus, transport };
  await transport.start();
  await transport.client.whenBound(10_000);
  return world;
}

/**
 * Records the short_message of every submit_sm the simulator takes; when it takes the `nth`,
 * holds that part's answer back and, on the next turn, lets the SMSC answer promptly again and
 * runs `then` (which drops connections), so the transport never learns that part's outcome.
 */
function holdPartThen(w: World, nth: number, then: () => void): Buffer[] {
  const parts: Buffer[] = [];
  w.sim.on('message', (m) => {
    parts.push(Buffer.from(m.short_message));
    if (parts.length !== nth) return;
    w.sim.setFaults({ response_delay_ms: 60_000 });
    setImmediate(() => {
      w.sim.setFaults({ response_delay_ms: 0 });
      then();
    });
  });
  return parts;
}

const outbound = (content = 'hello') =>
  createMessage({ to_addr: '27831234567', from_addr: '1234', transport_name: 'mem', transport_type: 'sms', content });

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  if (!world) return;
  await world.transport.stop();
  await world.sim.stop();
  world = undefined;
});

describe('the transport on the in-memory bus', () => {
  it('acks the outbound delivery only after its ack event is published', async () => {
    const w = await start();
    const msg = outbound();
    const outcome = w.bus.publishOutbound(msg);
    expect(await outcome).toBe('ack');
    expect(w.bus.events.map((e) => [e.event_type, e.user_message_id])).toEqual([['ack', msg.message_id]]);
  });

  it('answers deliver_sm with ESME_RX_T_APPN while the bus is down, and publishes when the SMSC retries', async () => {
    const w = await start();
    const statuses: number[] = [];
    let answeredTwice!: () => void;
    const secondAnswer = new Promise<void>((resolve) => (answeredTwice = resolve));
    w.sim.on('pdu', (e) => {
      if (e.direction !== 'received' || e.pdu.command !== 'deliver_sm_resp') return;
      statuses.push(e.pdu.command_status ?? 0);
      if (statuses.length === 2) answeredTwice();
    });
    w.bus.setConnected(false);
    const refused = new Promise<void>((resolve) =>
      w.sim.on('pdu', (e) => e.direction === 'received' && e.pdu.command === 'deliver_sm_resp' && resolve()),
    );
    w.sim.injectMo({ from: '27831234567', to: '1234', text: 'kept safe' });
    await refused;
    expect(statuses).toEqual([CommandStatus.ESME_RX_T_APPN]);
    w.bus.setConnected(true);
    const [mo] = await w.bus.waitForInbound(1, 5_000);
    expect(mo?.content).toBe('kept safe');
    await secondAnswer;
    expect(statuses).toEqual([CommandStatus.ESME_RX_T_APPN, CommandStatus.ESME_ROK]);
  });

  it('a receipt that overtakes its submit_sm_resp still finds its message', async () => {
    // The response is held 300 ms; the receipt comes 20 ms after the submit.
    const w = await start(
      { submit_sm_processor_config: { registered_delivery: { delivery_receipt: 1 } } },
      { faults: { response_delay_ms: 300 } },
    );
    const msg = outbound();
    await w.bus.publishOutbound(msg);
    const events = await w.bus.waitForEvents(2, 5_000);
    expect(events.map((e) => e.event_type).sort()).toEqual(['ack', 'delivery_report']);
    expect(events.every((e) => e.user_message_id === msg.message_id)).toBe(true);
  });

  it('acks a message the SMSC accepted even when the cache cannot store its id', async () => {
    const cache = new MemorySmppCache();
    let failures = 0;
    // The correlation write fails (Redis away for it alone); the final-event note, a note apart, still works.
    cache.storeMessageId = () => {
      failures++;
      return Promise.reject(new Error('Redis is away'));
    };
    const w = await start({}, {}, { cache });
    const msg = outbound();
    expect(await w.bus.publishOutbound(msg)).toBe('ack');
    expect(w.bus.events.map((e) => e.event_type)).toEqual(['ack']);
    expect(failures).toBe(4);
    expect(await cache.getNote(`final:${msg.message_id}`)).toBe('ack');
  });

  it('publishes the ack while the SMSC id is being stored, and settles the delivery once it is', async () => {
    const cache = new MemorySmppCache();
    const store = cache.storeMessageId.bind(cache);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let correlations = 0;
    cache.storeMessageId = async (key, vumiId, ttl) => {
      correlations++;
      await gate;
      return store(key, vumiId, ttl);
    };
    const w = await start({}, {}, { cache });
    const msg = outbound();
    let settled: string | undefined;
    const settling = w.bus.publishOutbound(msg).then((outcome) => (settled = outcome));
    const [ack] = await w.bus.waitForEvents(1, 5_000);
    expect(ack).toMatchObject({ event_type: 'ack', user_message_id: msg.message_id });
    expect(correlations).toBe(1);
    const smscId = (ack?.transport_metadata as { smpp_message_id: string }).smpp_message_id;
    expect(await cache.getMessageId(smscId)).toBeUndefined();
    expect(settled).toBeUndefined();
    release();
    expect(await settling).toBe('ack');
    expect(await cache.getMessageId(smscId)).toBe(msg.message_id);
  });

  it('nacks a message that fails unexpectedly instead of dropping it in silence', async () => {
    const inner = new InMemorySequencer();
    let broken = false;
    // A sequencer that breaks in a way nothing expects, once the bind is up.
    const sequencer = {
      next: () => {
        if (broken) throw new TypeError('sequencer exploded');
        return inner.next();
      },
    };
    const w = await start({}, {}, { sequencer });
    broken = true;
    const msg = outbound();
    expect(await w.bus.publishOutbound(msg)).toBe('reject');
    expect(w.bus.events).toMatchObject([{ event_type: 'nack', user_message_id: msg.message_id }]);
    expect(w.bus.events[0]?.nack_reason).toMatch(/^transport error: sequencer exploded/);
  });

  it('with vumi2_metadata, events carry vumi2’s empty transport_metadata', async () => {
    const w = await start({ vumi2_metadata: true });
    await w.bus.publishOutbound(outbound());
    expect(w.bus.events.map((e) => [e.event_type, e.transport_metadata])).toEqual([['ack', {}]]);
  });

  it('a message whose response never comes is nacked as an unknown outcome, not a failure', async () => {
    const w = await start({ smpp_response_timeout: 0.3 }, { faults: { drop_response_rate: 1 } });
    const msg = outbound();
    expect(await w.bus.publishOutbound(msg)).toBe('ack');
    const [nack] = w.bus.events;
    expect(nack).toMatchObject({ event_type: 'nack', user_message_id: msg.message_id, transport_metadata: { smpp_outcome: 'unknown' } });
    expect(nack?.nack_reason).toMatch(/^outcome unknown/);
  });

  it('goes on with a long message after a reconnection from the part whose answer was lost, resending none the SMSC accepted', async () => {
    const w = await start({ reconnect_delay_initial: 0.05, submit_sm_processor_config: { multipart_handling: 'multipart_udh' } });
    const parts = holdPartThen(w, 2, () => w.sim.disconnectAll());
    const msg = outbound('x'.repeat(400)); // three parts of 153 septets
    expect(await w.bus.publishOutbound(msg)).toBe('ack');
    expect(w.bus.stats.requeued).toBe(0);
    expect(w.bus.events).toHaveLength(1);
    const [ack] = w.bus.events;
    expect(ack).toMatchObject({ event_type: 'ack', user_message_id: msg.message_id });
    expect((ack?.transport_metadata as { smpp_message_ids: string[] }).smpp_message_ids).toHaveLength(3);
    // UDH: 05 00 03 <reference> <total> <part>. Part 1 went once, part 2 twice (its first answer
    // was lost with the connection), part 3 once; all under one reference.
    expect(parts.map((p) => p[5])).toEqual([1, 2, 2, 3]);
    expect(new Set(parts.map((p) => p[3])).size).toBe(1);
    expect(parts.every((p) => p[4] === 3)).toBe(true);
  });

  it('goes on with a long message from its saved progress when the bus loses the delivery part way, resending none the SMSC accepted', async () => {
    const cache = new MemorySmppCache();
    const w = await start({ reconnect_delay_initial: 0.05, submit_sm_processor_config: { multipart_handling: 'multipart_udh' } }, {}, { cache });
    let saved: string | undefined;
    // Part 2's answer is lost with the SMPP connection, and the delivery with the bus connection:
    // the copy the broker hands out again is a new delivery, which knows only what the first saved.
    const parts = holdPartThen(w, 2, () => {
      w.bus.setConnected(false);
      w.sim.disconnectAll();
      void cache.getNote(`progress:${msg.message_id}`).then((value) => {
        saved = value;
        w.bus.setConnected(true);
      });
    });
    const msg = outbound('x'.repeat(400)); // three parts of 153 septets
    expect(await w.bus.publishOutbound(msg)).toBe('ack');
    expect(w.bus.stats.lost).toBe(1);
    expect(JSON.parse(saved ?? 'null')).toMatchObject({ parts: 3, smsc_ids: [expect.any(String)] });
    expect(w.bus.events.map((e) => e.event_type)).toEqual(['ack']);
    const ids = (w.bus.events[0]?.transport_metadata as { smpp_message_ids: string[] }).smpp_message_ids;
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe(JSON.parse(saved ?? '{}').smsc_ids[0]);
    // Part 1 once, part 2 twice (its answer lost), part 3 once, under the first copy's reference.
    expect(parts.map((p) => p[5])).toEqual([1, 2, 2, 3]);
    expect(new Set(parts.map((p) => p[3])).size).toBe(1);
  });

  it('sends a long message whose first answer was lost again under the same reference', async () => {
    const w = await start({ reconnect_delay_initial: 0.05, submit_sm_processor_config: { multipart_handling: 'multipart_udh' } });
    // No part is known to be accepted: the message goes back to the queue, and its copy is built
    // again under the reference saved before the first part went.
    const parts = holdPartThen(w, 1, () => w.sim.disconnectAll());
    const msg = outbound('w'.repeat(400));
    expect(await w.bus.publishOutbound(msg)).toBe('ack');
    expect(w.bus.stats.requeued).toBe(1);
    expect(w.bus.events.map((e) => e.event_type)).toEqual(['ack']);
    expect(parts.map((p) => p[5])).toEqual([1, 1, 2, 3]);
    expect(new Set(parts.map((p) => p[3])).size).toBe(1);
  });

  it('has a long message\'s reference in the cache before its first part goes', async () => {
    const cache = new MemorySmppCache();
    const storeNote = cache.storeNote.bind(cache);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const saves: string[] = [];
    let saveStarted: () => void = () => undefined;
    const firstSave = new Promise<void>((resolve) => (saveStarted = resolve));
    cache.storeNote = async (key, value, ttl) => {
      if (key.startsWith('progress:')) {
        saves.push(value);
        saveStarted();
        await gate;
      }
      return storeNote(key, value, ttl);
    };
    const w = await start({ submit_sm_processor_config: { multipart_handling: 'multipart_udh' } }, {}, { cache });
    const received: Buffer[] = [];
    w.sim.on('message', (m) => received.push(Buffer.from(m.short_message)));
    const long = w.bus.publishOutbound(outbound('v'.repeat(400)));
    try {
      await firstSave;
      // A short message sent now goes on the same bind: had the long one's first part gone
      // without waiting for the save, the SMSC would have had it first.
      expect(await w.bus.publishOutbound(outbound('short'))).toBe('ack');
      expect(received.map((m) => m.toString('latin1'))).toEqual(['short']);
    } finally {
      release();
    }
    expect(await long).toBe('ack');
    const parts = received.slice(1);
    expect(parts.map((p) => p[5])).toEqual([1, 2, 3]);
    // What was saved first is the reference the parts then carried (its low octet, in an 8-bit UDH).
    const saved = JSON.parse(saves[0] ?? 'null') as { reference: number; parts: number; smsc_ids: string[] };
    expect(saved).toMatchObject({ parts: 3, smsc_ids: [] });
    expect(parts.every((p) => p[3] === (saved.reference & 0xff))).toBe(true);
  });

  it('acks a long message delivered again after all its parts were accepted without sending any again', async () => {
    const cache = new MemorySmppCache();
    const w = await start({ submit_sm_processor_config: { multipart_handling: 'multipart_udh' } }, {}, { cache });
    const msg = outbound('y'.repeat(400));
    // What a process killed between the last submit_sm_resp and its ack event leaves behind.
    await cache.storeNote(`progress:${msg.message_id}`, JSON.stringify({ reference: 7, parts: 3, smsc_ids: ['a1', 'a2', 'a3'] }), 60);
    let submits = 0;
    w.sim.on('message', () => submits++);
    expect(await w.bus.publishOutbound(msg, { redelivered: true })).toBe('ack');
    expect(submits).toBe(0);
    expect(w.bus.events).toHaveLength(1);
    expect(w.bus.events[0]).toMatchObject({ event_type: 'ack', transport_metadata: { smpp_message_ids: ['a1', 'a2', 'a3'] } });
  });

  it.each([
    // Saved when it split into four parts (another configuration).
    ['no longer fits it', JSON.stringify({ reference: 7, parts: 4, smsc_ids: ['b1'] })],
    ['is unreadable', '{"reference": 7, "parts": 3, "smsc_ids": ["b1"'],
  ])('sends a long message delivered again whole, under a new reference, when its saved progress %s', async (_what, saved) => {
    const cache = new MemorySmppCache();
    const w = await start({ submit_sm_processor_config: { multipart_handling: 'multipart_udh' } }, {}, { cache });
    const msg = outbound('z'.repeat(400));
    await cache.storeNote(`progress:${msg.message_id}`, saved, 60);
    const parts: Buffer[] = [];
    w.sim.on('message', (m) => parts.push(Buffer.from(m.short_message)));
    expect(await w.bus.publishOutbound(msg, { redelivered: true })).toBe('ack');
    expect(parts.map((p) => p[5])).toEqual([1, 2, 3]);
    expect(parts[0]?.[3]).not.toBe(7);
    expect((w.bus.events[0]?.transport_metadata as { smpp_message_ids: string[] }).smpp_message_ids).not.toContain('b1');
  });

  it('returns a message to the queue when the connection drops before its response', async () => {
    const w = await start({ reconnect_delay_initial: 5 }, { faults: { response_delay_ms: 10_000 } });
    const submitted = new Promise<void>((resolve) => w.sim.on('message', () => resolve()));
    const outcome = w.bus.publishOutbound(outbound());
    await submitted;
    w.sim.disconnectAll();
    await waitFor(w.transport.client.actor, (s) => s.matches('backoff'), { timeout: 5_000 });
    // The pending submit was handed back as connection lost; its handler requeues it next.
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.bus.stats.requeued).toBe(1);
    expect(w.bus.events).toHaveLength(0);
    void outcome;
  });
});

describe('stopping while still starting', () => {
  it('gives up a start that waits for an unreachable Redis, and stops promptly', async () => {
    const bus = new MemoryBus({ logger: silent });
    const { config } = resolveTransportConfig({
      // Nothing listens on port 1: the Redis connection retries for ever.
      file: { transport_name: 'mem', host: '127.0.0.1', port: 2775, bus: 'memory', smpp_cache_class: 'redis', redis: { url: 'redis://127.0.0.1:1' } },
    });
    const transport = new SmppTransport(config, { bus, logger: silent });
    const starting = transport.start().catch((e: unknown) => e);
    const started = performance.now();
    await transport.stop();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await starting).toBeInstanceOf(Error);
    // The sessions were never started.
    expect(transport.health().binds.map((b) => b.state)).toEqual(['disconnected']);
  });
});
