/**
 * The simulator's sessions seen from a third-party ESME (node-smpp, or a raw socket where
 * node-smpp cannot send what a test needs): binds and credentials, the session states of
 * reference §9.2, max_binds, stats by bind type, enquire_link both ways, unbind both ways, the
 * 'pdu' events, and the generic_nack answers to frames the simulator cannot use.
 */
import { connect } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus } from '../../src/pdu/command-status.js';
import { SmppCodecError } from '../../src/pdu/codec-error.js';
import { decodePdu } from '../../src/pdu/decode.js';
import { encodePdu } from '../../src/pdu/encode.js';
import type { PduEvent } from '../../src/simulator/simulator.js';
import { SimulatorConfigError, createSimulator } from '../../src/index.js';
import { http, nextEvent, useSimulator } from '../helpers/simulator.js';
import type { BindType } from '../helpers/simulator.js';

const fx = useSimulator();

beforeEach(() => {
  expect.hasAssertions();
});

const BIND_TYPES: readonly BindType[] = ['transmitter', 'receiver', 'transceiver'];
const credentials = (system_id = 'smppclient1', password = 'password') => ({ system_id, password, interface_version: 0x34 });

describe('lifecycle', () => {
  it('is created through the package entry, starts on free ports and stops', async () => {
    const sim = createSimulator({ port: 0, http_port: 0, log_level: 'silent' });
    try {
      const ports = await sim.start();
      expect(ports.port).toBeGreaterThan(0);
      expect(ports.http_port).toBeGreaterThan(0);
      expect(ports.http_port).not.toBe(ports.port);
      expect(await sim.start()).toEqual(ports);
      expect(sim.ports).toEqual(ports);
      const client = await fx.bind(ports.port, 'transceiver');
      expect((await client.call('enquire_link')).command_status).toBe(CommandStatus.ESME_ROK);
    } finally {
      await sim.stop();
    }
    expect(sim.ports).toBeUndefined();
    await sim.stop();
  });

  it('refuses invalid options with an error naming the field', () => {
    expect(() => createSimulator({ port: 70_000 })).toThrow(SimulatorConfigError);
    expect(() => createSimulator({ receipts: { delay_ms: -1 } })).toThrow(/receipts\.delay_ms/);
    expect(() => createSimulator({ accounts: [] })).toThrow(/accounts/);
  });
});

describe('binding', () => {
  it.each(BIND_TYPES)('accepts bind_%s with the default account and reports the session by its bind type', async (type) => {
    const { sim, port } = await fx.start();
    const client = await fx.connect(port);
    const bound = nextEvent(sim, 'bound');

    const resp = await client.call(`bind_${type}`, credentials());

    expect(resp.command).toBe(`bind_${type}_resp`);
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    expect(resp.system_id).toBe('SMPPSim');
    expect(resp.sc_interface_version).toBe(0x34);
    const [event] = await bound;
    expect(event).toMatchObject({ system_id: 'smppclient1', bind_type: type });
    expect(sim.stats().sessions).toEqual({
      open: 0,
      transmitter: type === 'transmitter' ? 1 : 0,
      receiver: type === 'receiver' ? 1 : 0,
      transceiver: type === 'transceiver' ? 1 : 0,
    });
  });

  it('answers binds with the configured system_id', async () => {
    const { port } = await fx.start({ system_id: 'MySMSC' });
    const client = await fx.connect(port);
    const resp = await client.call('bind_transceiver', credentials());
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    expect(resp.system_id).toBe('MySMSC');
  });

  it('refuses a wrong password with ESME_RINVPASWD and leaves the session open for another bind', async () => {
    const { sim, port } = await fx.start();
    const client = await fx.connect(port);

    const refused = await client.call('bind_transceiver', credentials('smppclient1', 'wrong'));
    expect(refused.command).toBe('bind_transceiver_resp');
    expect(refused.command_status).toBe(CommandStatus.ESME_RINVPASWD);
    expect(sim.stats().sessions).toMatchObject({ open: 1, transceiver: 0 });

    const accepted = await client.call('bind_transceiver', credentials());
    expect(accepted.command_status).toBe(CommandStatus.ESME_ROK);
    expect(sim.stats().sessions).toMatchObject({ open: 0, transceiver: 1 });
  });

  it('refuses an unknown system_id with ESME_RINVSYSID', async () => {
    const { port } = await fx.start();
    const client = await fx.connect(port);
    const resp = await client.call('bind_transmitter', credentials('nobody', 'password'));
    expect(resp.command_status).toBe(CommandStatus.ESME_RINVSYSID);
  });

  it('accepts exactly the configured accounts', async () => {
    const { port } = await fx.start({
      accounts: [
        { system_id: 'alice', password: 'secret1' },
        { system_id: 'bob', password: '' },
      ],
    });
    const client = await fx.connect(port);
    expect((await client.call('bind_receiver', credentials())).command_status).toBe(CommandStatus.ESME_RINVSYSID);
    expect((await client.call('bind_receiver', credentials('alice', 'secret2'))).command_status).toBe(CommandStatus.ESME_RINVPASWD);
    expect((await client.call('bind_receiver', credentials('alice', 'secret1'))).command_status).toBe(CommandStatus.ESME_ROK);
    const other = await fx.connect(port);
    expect((await other.call('bind_transmitter', credentials('bob', ''))).command_status).toBe(CommandStatus.ESME_ROK);
  });

  it.each(BIND_TYPES)('answers bind_%s on a bound session with ESME_RALYBND and keeps the first bind', async (type) => {
    const { sim, port } = await fx.start();
    const client = await fx.bind(port, 'transceiver');
    const resp = await client.call(`bind_${type}`, credentials());
    expect(resp.command).toBe(`bind_${type}_resp`);
    expect(resp.command_status).toBe(CommandStatus.ESME_RALYBND);
    expect(sim.stats().sessions).toEqual({ open: 0, transmitter: 0, receiver: 0, transceiver: 1 });
    expect((await client.call('submit_sm', { destination_addr: '123', short_message: 'still bound' })).command_status).toBe(0);
  });

  it('limits the binds of an account to max_binds and frees a place when a session unbinds', async () => {
    const { sim, port } = await fx.start({
      accounts: [
        { system_id: 'smppclient1', password: 'password', max_binds: 2 },
        { system_id: 'other', password: 'pw' },
      ],
    });
    const first = await fx.bind(port, 'transmitter');
    await fx.bind(port, 'receiver');
    const third = await fx.connect(port);
    expect((await third.call('bind_transceiver', credentials())).command_status).toBe(CommandStatus.ESME_RBINDFAIL);
    // Another account has its own count.
    await fx.bind(port, 'transceiver', { system_id: 'other', password: 'pw' });

    const closed = nextEvent(sim, 'closed', (e) => e.system_id === 'smppclient1');
    expect((await first.call('unbind')).command_status).toBe(CommandStatus.ESME_ROK);
    await closed;
    expect((await third.call('bind_transceiver', credentials())).command_status).toBe(CommandStatus.ESME_ROK);
  });
});

describe('session states (reference §9.2)', () => {
  it('answers a submit_sm before any bind with ESME_RINVBNDSTS', async () => {
    const { sim, port } = await fx.start();
    const client = await fx.connect(port);
    const resp = await client.call('submit_sm', { destination_addr: '27831234567', short_message: 'hi' });
    expect(resp.command).toBe('submit_sm_resp');
    expect(resp.command_status).toBe(CommandStatus.ESME_RINVBNDSTS);
    expect(sim.stats().statuses.submit_sm_resp).toEqual({ ESME_RINVBNDSTS: 1 });
  });

  it('answers unbind before any bind with ESME_RINVBNDSTS and keeps the connection', async () => {
    const { port } = await fx.start();
    const client = await fx.connect(port);
    expect((await client.call('unbind')).command_status).toBe(CommandStatus.ESME_RINVBNDSTS);
    expect((await client.call('bind_transceiver', credentials())).command_status).toBe(CommandStatus.ESME_ROK);
  });

  it('answers enquire_link in every state, bound or not', async () => {
    const { port } = await fx.start();
    const client = await fx.connect(port);
    const open = await client.call('enquire_link');
    expect(open.command).toBe('enquire_link_resp');
    expect(open.command_status).toBe(CommandStatus.ESME_ROK);
    await client.call('bind_receiver', credentials());
    const bound = await client.call('enquire_link');
    expect(bound.command_status).toBe(CommandStatus.ESME_ROK);
  });

  it.each([
    ['submit_sm', { destination_addr: '123', short_message: 'x' }],
    ['submit_multi', { dest_address: [{ destination_addr: '123' }], short_message: 'x' }],
    ['data_sm', { destination_addr: '123' }],
    ['query_sm', { message_id: '1' }],
    ['cancel_sm', { message_id: '1' }],
    ['replace_sm', { message_id: '1', short_message: 'x' }],
  ])('answers %s on a receiver bind with ESME_RINVBNDSTS', async (command, fields) => {
    const { port } = await fx.start();
    const client = await fx.bind(port, 'receiver');
    const resp = await client.call(command, fields);
    expect(resp.command).toBe(`${command}_resp`);
    expect(resp.command_status).toBe(CommandStatus.ESME_RINVBNDSTS);
  });

  it('answers a deliver_sm from the ESME with generic_nack ESME_RINVCMDID (only an SMSC sends it)', async () => {
    const { port } = await fx.start();
    const client = await fx.bind(port, 'transceiver');
    const resp = await client.call('deliver_sm', { destination_addr: '123', short_message: 'x' });
    expect(resp.command).toBe('generic_nack');
    expect(resp.command_status).toBe(CommandStatus.ESME_RINVCMDID);
  });
});

describe('stats', () => {
  it('counts sessions by bind type, commands and statuses, through the API and GET /stats', async () => {
    const { sim, port, httpPort } = await fx.start({ http_port: 0 });
    await fx.bind(port, 'transmitter');
    await fx.bind(port, 'receiver');
    const trx = await fx.bind(port, 'transceiver');
    const unbound = await fx.connect(port);
    // The answer proves the simulator has taken the connection in.
    await unbound.call('enquire_link');
    await unbound.call('bind_transceiver', credentials('smppclient1', 'nope'));
    await trx.call('submit_sm', { destination_addr: '123', short_message: 'x' });

    const expected = { open: 1, transmitter: 1, receiver: 1, transceiver: 1 };
    expect(sim.stats().sessions).toEqual(expected);
    const answer = await http(httpPort, 'GET', '/stats');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      sessions: expected,
      received: { bind_transmitter: 1, bind_receiver: 1, bind_transceiver: 2, enquire_link: 1, submit_sm: 1 },
      sent: { bind_transmitter_resp: 1, bind_receiver_resp: 1, bind_transceiver_resp: 2, enquire_link_resp: 1, submit_sm_resp: 1 },
      statuses: {
        bind_transceiver_resp: { ESME_ROK: 1, ESME_RINVPASWD: 1 },
        submit_sm_resp: { ESME_ROK: 1 },
      },
      stored_messages: 1,
    });
  });
});

describe('enquire_link from the simulator', () => {
  it('sends enquire_link on an idle bound link and takes the answer', async () => {
    const { sim, port } = await fx.start({ enquire_link_interval_ms: 30 });
    const client = await fx.bind(port, 'transceiver');
    const answered = nextEvent(sim, 'pdu', (e) => e.direction === 'received' && e.pdu.command === 'enquire_link_resp');

    const enquire = await client.next('enquire_link');
    const [event] = await answered;
    expect(event.pdu.sequence_number).toBe(enquire.sequence_number);
    expect(event.pdu.command_status).toBe(CommandStatus.ESME_ROK);
    // And again, once the link has been idle for another interval.
    const again = await client.next('enquire_link');
    expect(again.sequence_number).toBeGreaterThan(enquire.sequence_number);
  });

  it('sends no enquire_link on a session that is not bound', async () => {
    const { sim, port } = await fx.start({ enquire_link_interval_ms: 30 });
    const sentTo: number[] = [];
    sim.on('pdu', (e) => {
      if (e.direction === 'sent' && e.pdu.command === 'enquire_link') sentTo.push(e.session_id);
    });
    // Connected first, so its idle timer runs out before the bound session's every time.
    const unbound = await fx.connect(port);
    await unbound.call('enquire_link');
    const bound = nextEvent(sim, 'bound');
    const client = await fx.bind(port, 'transceiver');
    const [{ session_id: boundId }] = await bound;
    await client.next('enquire_link');
    await client.next('enquire_link');
    expect(sentTo.length).toBeGreaterThanOrEqual(2);
    expect(sentTo.every((id) => id === boundId)).toBe(true);
    expect(unbound.received.filter((p) => p.command === 'enquire_link')).toEqual([]);
  });
});

describe('unbind', () => {
  it('answers an ESME unbind with unbind_resp and closes the connection', async () => {
    const { sim, port } = await fx.start();
    const client = await fx.bind(port, 'transmitter');
    const closed = nextEvent(sim, 'closed');
    const resp = await client.call('unbind');
    expect(resp.command).toBe('unbind_resp');
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    await client.closed;
    const [event] = await closed;
    expect(event.system_id).toBe('smppclient1');
    expect(sim.stats().sessions).toEqual({ open: 0, transmitter: 0, receiver: 0, transceiver: 0 });
  });

  it('stop() sends unbind to every bound session, waits for unbind_resp and closes the port', async () => {
    const { sim, port } = await fx.start();
    const a = await fx.bind(port, 'transceiver');
    const b = await fx.bind(port, 'receiver');
    const unbound = await fx.connect(port);
    await unbound.call('enquire_link');
    const answers: number[] = [];
    sim.on('pdu', (e) => {
      if (e.direction === 'received' && e.pdu.command === 'unbind_resp') answers.push(e.session_id);
    });

    await sim.stop();

    expect((await a.next('unbind')).command).toBe('unbind');
    expect((await b.next('unbind')).command).toBe('unbind');
    await Promise.all([a.closed, b.closed, unbound.closed]);
    expect(answers).toHaveLength(2);
    // The unbound connection is closed without an unbind.
    expect(unbound.received.map((p) => p.command)).toEqual(['enquire_link_resp']);
    const refused = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve('connected'));
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('stop() closes a session that never answers its unbind after unbind_timeout_ms', async () => {
    const { sim, port } = await fx.start({ unbind_timeout_ms: 100 });
    const client = await fx.bind(port, 'transceiver', {}, { autoAnswer: false });
    const started = performance.now();
    await sim.stop();
    expect(performance.now() - started).toBeGreaterThanOrEqual(99);
    expect((await client.next('unbind')).command).toBe('unbind');
    await client.closed;
    expect(client.received.some((p) => p.command === 'unbind_resp')).toBe(false);
  });

  it('stop() is not held up by an ESME that answers unbind but never closes its end', async () => {
    const { sim, port } = await fx.start({ unbind_timeout_ms: 100 });
    const raw = await fx.raw(port, { allowHalfOpen: true });
    await raw.bind();
    const stopped = sim.stop().then(() => 'stopped');
    const unbind = await raw.next('unbind');
    raw.send({ command: 'unbind_resp', sequence_number: unbind.sequence_number });
    // The deadline only turns a hang into a failure; stop() should be done after ~100 ms.
    const hung = new Promise<string>((resolve) => setTimeout(() => resolve('hung'), 3_000).unref());
    expect(await Promise.race([stopped, hung])).toBe('stopped');
    expect(sim.stats().sessions).toEqual({ open: 0, transmitter: 0, receiver: 0, transceiver: 0 });
  });

  it("reports the bind type a session had in its 'closed' event", async () => {
    const { sim, port } = await fx.start();
    const rx = await fx.bind(port, 'receiver');
    const closed = nextEvent(sim, 'closed');
    await rx.call('unbind');
    const [event] = await closed;
    expect(event).toMatchObject({ system_id: 'smppclient1', bind_type: 'receiver' });

    const unbound = await fx.connect(port);
    await unbound.call('enquire_link');
    const closedToo = nextEvent(sim, 'closed');
    await unbound.close();
    expect((await closedToo)[0].bind_type).toBeUndefined();
  });
});

describe("'pdu' events", () => {
  it('reports every PDU received and sent, in order, with the session and system_id', async () => {
    const { sim, port } = await fx.start();
    const events: PduEvent[] = [];
    sim.on('pdu', (e) => events.push(e));
    const client = await fx.bind(port, 'transceiver');
    const submitted = await client.call('submit_sm', { destination_addr: '27831234567', short_message: 'hello' });
    await client.call('enquire_link');
    await client.call('unbind');
    await client.closed;

    expect(events.map((e) => `${e.direction} ${e.pdu.command}`)).toEqual([
      'received bind_transceiver',
      'sent bind_transceiver_resp',
      'received submit_sm',
      'sent submit_sm_resp',
      'received enquire_link',
      'sent enquire_link_resp',
      'received unbind',
      'sent unbind_resp',
    ]);
    expect(new Set(events.map((e) => e.session_id)).size).toBe(1);
    expect(events.slice(1).every((e) => e.system_id === 'smppclient1')).toBe(true);
    const submit = events[2]!.pdu as { destination_addr?: string; short_message?: Buffer };
    expect(submit.destination_addr).toBe('27831234567');
    expect(submit.short_message?.toString('latin1')).toBe('hello');
    expect(events[3]!.pdu).toMatchObject({ message_id: submitted.message_id, command_status: 0 });
  });

  it('reports the deliver_sm it sends and the deliver_sm_resp it gets', async () => {
    const { sim, port } = await fx.start();
    const events: string[] = [];
    sim.on('pdu', (e) => events.push(`${e.direction} ${e.pdu.command}`));
    await fx.bind(port, 'receiver');
    const delivered = nextEvent(sim, 'delivered');
    sim.injectMo({ from: '27831234567', to: '1234', text: 'hi' });
    await delivered;
    expect(events.slice(2)).toEqual(['sent deliver_sm', 'received deliver_sm_resp']);
  });
});

describe('frames the simulator cannot use', () => {
  it('answers an unknown command_id with generic_nack ESME_RINVCMDID and the same sequence_number', async () => {
    const { port } = await fx.start();
    const raw = await fx.raw(port);
    expect((await raw.bind()).command_status).toBe(CommandStatus.ESME_ROK);
    const frame = Buffer.alloc(16);
    frame.writeUInt32BE(16, 0);
    frame.writeUInt32BE(0x00000099, 4);
    frame.writeUInt32BE(4242, 12);
    raw.write(frame);
    const nack = await raw.next('generic_nack');
    expect(nack.command_status).toBe(CommandStatus.ESME_RINVCMDID);
    expect(nack.sequence_number).toBe(4242);
    // The session goes on.
    const seq = raw.send({ command: 'enquire_link' });
    expect((await raw.next('enquire_link_resp')).sequence_number).toBe(seq);
  });

  it('answers an undecodable request with generic_nack carrying the codec status', async () => {
    const { port } = await fx.start();
    const raw = await fx.raw(port);
    await raw.bind();
    // A submit_sm whose sm_length runs past the end of the PDU.
    const good = encodePdu({ command: 'submit_sm', sequence_number: 77, destination_addr: '123', short_message: Buffer.from('hello') });
    const bad = Buffer.from(good);
    bad[bad.length - 6] = 200; // sm_length
    let codecStatus: number | undefined;
    try {
      decodePdu(bad);
    } catch (e) {
      if (e instanceof SmppCodecError) codecStatus = e.command_status;
    }
    expect(codecStatus).toBeDefined();
    expect(codecStatus).not.toBe(CommandStatus.ESME_ROK);

    raw.write(bad);
    const nack = await raw.next('generic_nack');
    expect(nack.command_status).toBe(codecStatus);
    expect(nack.sequence_number).toBe(77);
  });

  it('answers a command_length below 16 with generic_nack ESME_RINVCMDLEN and closes', async () => {
    const { port } = await fx.start();
    const raw = await fx.raw(port);
    await raw.bind();
    const frame = Buffer.alloc(16);
    frame.writeUInt32BE(8, 0);
    frame.writeUInt32BE(0x00000015, 4);
    raw.write(frame);
    const nack = await raw.next('generic_nack');
    expect(nack.command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    await raw.closed;
  });
});
