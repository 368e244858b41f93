/**
 * The whole path, as deployed: a vumi application publishing to RabbitMQ, the transport (state
 * in Redis), the simulator as the SMSC over TCP, and the events and inbound messages coming back
 * through RabbitMQ.
 */
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus, concatFromSar, decodeText, parseUdh } from '../../src/index.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import type { StoredMessage } from '../../src/simulator/message-store.js';
import { resolveTransportConfig } from '../../src/transport/config.js';
import { createMessage, newId } from '../../src/transport/messages.js';
import type { VumiMessageInput } from '../../src/transport/messages.js';
import { RedisConnection } from '../../src/transport/state/redis-connection.js';
import { SmppTransport } from '../../src/transport/transport.js';
import { deleteRedisKeys } from '../helpers/redis-keys.js';
import { REDIS_URL, rabbitmqAvailable, redisAvailable } from '../helpers/services.js';
import { VumiApp } from '../helpers/vumi-app.js';
import { transportTestSimulator } from '../helpers/transport-simulator.js';

const silent = pino({ level: process.env.E2E_LOG ?? 'silent' });
const services = (await rabbitmqAvailable()) && (await redisAvailable());

interface World {
  name: string;
  sim: Simulator;
  app: VumiApp;
  transport: SmppTransport;
  submitted: StoredMessage[];
}

let world: World | undefined;

async function start(config: Record<string, unknown> = {}, simOptions: SimulatorOptions = {}): Promise<World> {
  const name = `e2e-${randomUUID().slice(0, 8)}`;
  const sim = transportTestSimulator(simOptions);
  const { port } = await sim.start();
  const submitted: StoredMessage[] = [];
  sim.on('message', (m) => submitted.push(m));
  const app = new VumiApp(name);
  await app.start();
  const { config: resolved } = resolveTransportConfig({
    file: {
      transport_name: name,
      host: '127.0.0.1',
      port,
      bus: 'amqp',
      smpp_cache_class: 'redis',
      sequencer_class: 'redis',
      redis: { url: REDIS_URL, key_prefix: `test:${name}:` },
      ...config,
    },
  });
  const transport = new SmppTransport(resolved, { logger: silent });
  world = { name, sim, app, transport, submitted };
  await transport.start();
  await transport.client.whenBound(10_000);
  return world;
}

const outbound = (fields: Partial<VumiMessageInput> = {}) =>
  createMessage({
    to_addr: '27831234567',
    from_addr: '1234',
    transport_name: world!.name,
    transport_type: 'sms',
    content: 'hello',
    ...fields,
  });

/** The text the SMSC got for submits whose parts are `messages` (UDH or SAR joined, decoded). */
function textAtSmsc(messages: StoredMessage[], dataCoding: number): string {
  const parts = messages.map((m) => {
    const udh = m.short_message.length > 0 && (m.short_message[0] === 5 || m.short_message[0] === 6) ? parseUdh(m.short_message) : undefined;
    return { seq: udh?.concat?.sequence ?? 1, bytes: udh?.concat ? udh.payload : m.short_message };
  });
  parts.sort((a, b) => a.seq - b.seq);
  return decodeText(Buffer.concat(parts.map((p) => p.bytes)), dataCoding);
}

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  if (!world) return;
  const { transport, sim, app, name } = world;
  world = undefined;
  await transport.stop();
  await sim.stop();
  await app.close();
  await deleteRedisKeys(REDIS_URL, `test:${name}:`);
});

describe.runIf(services)('AMQP → SMSC → AMQP', () => {
  it('a plain message: submit_sm at the SMSC, an ack event, then a delivery_report', async () => {
    const w = await start({ submit_sm_processor_config: { registered_delivery: { delivery_receipt: 'SMSC_DELIVERY_RECEIPT_REQUESTED' } } });
    const msg = outbound({ content: 'Knights who say "Nì!"' });
    await w.app.send(msg);
    const ack = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id && e.event_type === 'ack');
    expect(ack).toMatchObject({ sent_message_id: msg.message_id, message_type: 'event', message_version: '20110921' });
    const smscId = (ack.transport_metadata as { smpp_message_id: string }).smpp_message_id;
    expect(w.submitted.map((m) => m.message_id)).toEqual([smscId]);
    expect(decodeText(w.submitted[0]!.short_message, 0)).toBe('Knights who say "Nì!"');
    expect(w.submitted[0]).toMatchObject({ source_addr: '1234', destination_addr: '27831234567', registered_delivery: 1 });
    const dr = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id && e.event_type === 'delivery_report');
    expect(dr).toMatchObject({ delivery_status: 'delivered', sent_message_id: null });
    expect(dr.transport_metadata).toMatchObject({ smpp_delivery_status: 'DELIVERED' });
    expect(w.app.eventsFor(msg.message_id)).toHaveLength(2);
  });

  it('a Unicode message in UCS2, emoji included', async () => {
    const w = await start({ submit_sm_processor_config: { data_coding: 'UCS2' } });
    const msg = outbound({ content: 'Привет, héllo 😀' });
    await w.app.send(msg);
    await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id && e.event_type === 'ack');
    expect(w.submitted[0]!.short_message.toString('hex').slice(0, 4)).toBe('041f');
    expect(textAtSmsc(w.submitted, 8)).toBe('Привет, héllo 😀');
  });

  describe.each([
    ['short_message', 1],
    ['message_payload', 1],
    ['multipart_sar', 2],
    ['multipart_udh', 2],
  ] as const)('a long message with multipart_handling %s', (mode, parts) => {
    it(`reaches the SMSC in ${parts} submit_sm and gets exactly one ack`, async () => {
      const w = await start({ submit_sm_processor_config: { multipart_handling: mode } });
      const text = 'The quick brown fox jumps over the lazy dog {€}. '.repeat(4); // 200 characters, 212 septets
      const msg = outbound({ content: text });
      await w.app.send(msg);
      const ack = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id && e.event_type === 'ack');
      expect((ack.transport_metadata as { smpp_message_ids: string[] }).smpp_message_ids).toHaveLength(parts);
      expect(w.submitted).toHaveLength(parts);
      if (mode === 'multipart_sar') {
        // The simulator stores short_message; SAR parts carry no header, and come in order.
        expect(decodeText(Buffer.concat(w.submitted.map((m) => m.short_message)), 0)).toBe(text);
      } else {
        expect(textAtSmsc(w.submitted, 0)).toBe(text);
      }
      expect(w.app.eventsFor(msg.message_id).filter((e) => e.event_type === 'ack' || e.event_type === 'nack')).toHaveLength(1);
    });
  });

  it('receipts of every final state map to delivered, failed or pending', async () => {
    const states = ['DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD'] as const;
    const expected = { DELIVRD: 'delivered', EXPIRED: 'failed', DELETED: 'failed', UNDELIV: 'failed', ACCEPTD: 'delivered', UNKNOWN: 'pending', REJECTD: 'failed' };
    // With the message_state TLV present, vumi2 reports the state's name, not the stat word.
    const names = { DELIVRD: 'DELIVERED', EXPIRED: 'EXPIRED', DELETED: 'DELETED', UNDELIV: 'UNDELIVERABLE', ACCEPTD: 'ACCEPTED', UNKNOWN: 'UNKNOWN', REJECTD: 'REJECTED' };
    const w = await start(
      { submit_sm_processor_config: { registered_delivery: { delivery_receipt: 'SMSC_DELIVERY_RECEIPT_REQUESTED' } } },
      { receipts: { delay_ms: 20, final_state: { type: 'prefix', rules: states.map((state, i) => ({ prefix: `${i + 1}`, state })), default: 'DELIVRD' } } },
    );
    const sent = states.map((state, i) => ({ state, msg: outbound({ to_addr: `${i + 1}0000` }) }));
    for (const { msg } of sent) await w.app.send(msg);
    for (const { state, msg } of sent) {
      const dr = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id && e.event_type === 'delivery_report');
      expect(dr.delivery_status, state).toBe(expected[state]);
      expect(dr.transport_metadata).toMatchObject({ smpp_delivery_status: names[state] });
    }
  });

  it('an intermediate ENROUTE receipt does not evict the mapping: the final one still finds its message', async () => {
    const w = await start({
      submit_sm_processor_config: { registered_delivery: { delivery_receipt: 'SMSC_DELIVERY_RECEIPT_REQUESTED', intermediate_notification: true } },
    });
    const msg = outbound();
    await w.app.send(msg);
    const final = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id && e.delivery_status === 'delivered');
    expect(final.event_type).toBe('delivery_report');
    const reports = w.app.eventsFor(msg.message_id).filter((e) => e.event_type === 'delivery_report');
    expect(reports.map((e) => e.delivery_status)).toEqual(['pending', 'delivered']);
  });

  it('an SMSC error status becomes a nack with vumi2’s reason and the status in transport_metadata', async () => {
    // ESME_RMSGQFUL pauses the bind and retries by default; as a plain error it is nacked.
    const w = await start({ throttle_statuses: [] }, { faults: { queue_full: true } });
    const msg = outbound();
    await w.app.send(msg);
    const nack = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id);
    expect(nack).toMatchObject({ event_type: 'nack', nack_reason: 'Message Queue Full', sent_message_id: msg.message_id });
    expect(nack.transport_metadata).toMatchObject({ smpp_command_status: 'ESME_RMSGQFUL', smpp_command_status_code: CommandStatus.ESME_RMSGQFUL });
    expect(await w.app.depth('outbound')).toBe(0);
  });
});

describe.runIf(services)('mobile-originated messages', () => {
  it.each([
    ['GSM 03.38', 0, 'Hello @ £5 {ok} €'],
    ['UCS2', 8, 'Ωmega 😀 ünïcode'],
    ['Latin-1', 3, 'café crème'],
    ['Cyrillic', 6, 'Привет мир'],
  ])('%s reaches <name>.inbound decoded', async (_, dataCoding, text) => {
    const w = await start();
    w.sim.injectMo({ from: '27831234567', to: '1234', text, data_coding: dataCoding });
    const mo = await w.app.waitFor('inbound', (m) => m.content === text);
    expect(mo).toMatchObject({
      from_addr: '27831234567',
      to_addr: '1234',
      transport_name: w.name,
      transport_type: 'sms',
      message_type: 'user_message',
      session_event: null,
    });
    expect(mo.transport_metadata).toMatchObject({ smpp_data_coding: dataCoding });
  });

  it.each(['udh', 'udh16', 'sar'] as const)('a long MO in %s parts is published once, reassembled', async (multipart) => {
    const w = await start();
    const text = 'Part of a long mobile-originated message, split by the SMSC. '.repeat(5);
    const parts = w.sim.injectMo({ from: '27831234567', to: '1234', text, multipart });
    expect(parts).toBeGreaterThan(1);
    const mo = await w.app.waitFor('inbound', (m) => m.content === text);
    expect(mo.transport_metadata).toMatchObject({ smpp_multipart: { total: parts } });
    expect(w.app.inbound).toHaveLength(1);
  });
});

describe.runIf(services)('USSD', () => {
  it('a USSD request becomes session_event new, and a reply with close goes out as PSSR response with the end bit', async () => {
    const w = await start();
    w.sim.injectMo({ from: '27831234567', to: '*120*1#', text: '*120*1#', ussd_service_op: 1, its_session_info: 0x1200, service_type: 'USSD' });
    const mo = await w.app.waitFor('inbound', (m) => m.transport_type === 'ussd');
    expect(mo).toMatchObject({ session_event: 'new', content: '*120*1#' });
    const reply = outbound({
      to_addr: '27831234567',
      from_addr: '*120*1#',
      transport_type: 'ussd',
      session_event: 'close',
      in_reply_to: mo.message_id as string,
      content: 'Thanks, bye',
      transport_metadata: mo.transport_metadata as Record<string, unknown>,
    });
    const pdus: { ussd_service_op?: number; its_session_info?: number }[] = [];
    w.sim.on('pdu', (e) => {
      if (e.direction === 'received' && e.pdu.command === 'submit_sm') pdus.push(e.pdu);
    });
    await w.app.send(reply);
    await w.app.waitFor('events', (e) => e.user_message_id === reply.message_id && e.event_type === 'ack');
    expect(pdus[0]).toMatchObject({ ussd_service_op: 17, its_session_info: 0x1201 });
  });
});

describe.runIf(services)('bad outbound messages never block the queue', () => {
  it('invalid JSON is rejected without requeue (no message_id: no event)', async () => {
    const w = await start();
    await w.app.send('{"to_addr": "1", nope');
    const good = outbound();
    await w.app.send(good);
    await w.app.waitFor('events', (e) => e.user_message_id === good.message_id);
    expect(w.app.events).toHaveLength(1);
    expect(await w.app.depth('outbound')).toBe(0);
  });

  it('a schema error with a message_id gets a nack naming the field', async () => {
    const w = await start();
    const id = newId();
    await w.app.send({ message_id: id, to_addr: '1', from_addr: '2', transport_name: w.name, transport_type: 'carrier-pigeon' });
    const nack = await w.app.waitFor('events', (e) => e.user_message_id === id);
    expect(nack.event_type).toBe('nack');
    expect(nack.nack_reason).toMatch(/transport_type/);
    expect(w.submitted).toHaveLength(0);
  });

  it('content the coding cannot carry gets a nack naming the character', async () => {
    const w = await start();
    const msg = outbound({ content: 'emoji 😀 in GSM' });
    await w.app.send(msg);
    const nack = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id);
    expect(nack).toMatchObject({ event_type: 'nack' });
    expect(nack.nack_reason).toMatch(/cannot encode "😀"/);
    expect(await w.app.depth('outbound')).toBe(0);
  });

  it('an address too long for the wire gets a nack naming the field', async () => {
    const w = await start();
    const msg = outbound({ to_addr: '1'.repeat(30) });
    await w.app.send(msg);
    const nack = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id);
    expect(nack.nack_reason).toMatch(/destination_addr/);
  });
});

describe.runIf(services)('shared state in Redis', () => {
  it('keeps the SMSC id → vumi id mapping in Redis with a TTL', async () => {
    const w = await start({ smpp_cache_config: { timeout: 600 } });
    const msg = outbound();
    await w.app.send(msg);
    const ack = await w.app.waitFor('events', (e) => e.user_message_id === msg.message_id && e.event_type === 'ack');
    const smscId = (ack.transport_metadata as { smpp_message_id: string }).smpp_message_id;
    const redis = await RedisConnection.connect({ url: REDIS_URL, keyPrefix: `test:${w.name}:` });
    try {
      const keys = await redis.client.keys(`test:${w.name}:msgid:*`);
      expect(keys).toHaveLength(1);
      expect(keys[0]).toContain(smscId);
      expect(await redis.client.get(keys[0]!)).toBe(msg.message_id);
      const ttl = await redis.client.ttl(keys[0]!);
      expect(ttl).toBeGreaterThan(500);
      expect(ttl).toBeLessThanOrEqual(600);
    } finally {
      await redis.close();
    }
  });
});

// Keep concatFromSar referenced for readers looking for SAR helpers.
void concatFromSar;
