/**
 * The simulator's faults, switched through the API and through HTTP (PUT /faults, POST
 * /faults/unbind|disconnect|garbage, DELETE /faults), each seen from the ESME's side: node-smpp
 * where it copes, a raw socket where it cannot (frames no codec accepts).
 *
 * Absence is proved without sleeping: responses go out on one TCP stream in the order the
 * requests were handled, so once the answer to a later request is in, an earlier one that was
 * going to be answered would already have arrived.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus } from '../../src/pdu/command-status.js';
import { NO_FAULTS } from '../../src/simulator/options.js';
import type { Faults } from '../../src/simulator/options.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import type { NodeSmppClient } from '../helpers/node-smpp-client.js';
import { http, nextEvent, useSimulator } from '../helpers/simulator.js';

const fx = useSimulator();

beforeEach(() => {
  expect.hasAssertions();
});

const SUBMIT = { source_addr: '1234', destination_addr: '27831234567', short_message: 'hello' };

type Switch = 'api' | 'http';
const SWITCHES: readonly Switch[] = ['api', 'http'];

/** Switches faults on through the API or PUT /faults; returns the faults in force after. */
async function setFaults(how: Switch, sim: Simulator, httpPort: number, patch: Partial<Faults>): Promise<Faults> {
  if (how === 'api') return sim.setFaults(patch);
  const answer = await http(httpPort, 'PUT', '/faults', patch);
  expect(answer.status).toBe(200);
  return answer.body as Faults;
}

async function clearFaults(how: Switch, sim: Simulator, httpPort: number): Promise<Faults> {
  if (how === 'api') return sim.clearFaults();
  const answer = await http(httpPort, 'DELETE', '/faults');
  expect(answer.status).toBe(200);
  return answer.body as Faults;
}

async function started(how: Switch) {
  const running = await fx.start(how === 'http' ? { http_port: 0 } : {});
  const client = await fx.bind(running.port, 'transceiver');
  return { ...running, client };
}

const statusesOf = async (client: NodeSmppClient, n: number) =>
  (await Promise.all(Array.from({ length: n }, () => client.call('submit_sm', SUBMIT)))).map((r) => r.command_status);

describe('refused fault changes', () => {
  it('answers a misspelt fault with 400 naming it, and changes nothing', async () => {
    const { sim, httpPort } = await fx.start({ http_port: 0 });
    const answer = await http(httpPort, 'PUT', '/faults', { throttle: 5 });
    expect(answer.status).toBe(400);
    expect((answer.body as { error: string }).error).toContain('throttle');
    expect(sim.faults).toEqual(NO_FAULTS);
  });
});

describe.each(SWITCHES)('faults switched through %s', (how) => {
  it('throttle_per_second: ESME_RTHROTTLED (0x58) for submits above N in a second, until cleared', async () => {
    const { sim, httpPort, client } = await started(how);
    expect(await setFaults(how, sim, httpPort, { throttle_per_second: 3 })).toMatchObject({ throttle_per_second: 3 });

    const statuses = await statusesOf(client, 6);
    expect(statuses).toEqual([0, 0, 0, 0x58, 0x58, 0x58]);
    expect(CommandStatus.ESME_RTHROTTLED).toBe(0x58);
    // Throttled submits get no message_id and are not kept.
    expect(sim.stats().stored_messages).toBe(3);

    expect(await clearFaults(how, sim, httpPort)).toEqual(NO_FAULTS);
    expect(await statusesOf(client, 4)).toEqual([0, 0, 0, 0]);
  });

  it('queue_full: ESME_RMSGQFUL (0x14) for every submit, data_sm and submit_multi', async () => {
    const { sim, httpPort, client } = await started(how);
    await setFaults(how, sim, httpPort, { queue_full: true });
    expect((await client.call('submit_sm', SUBMIT)).command_status).toBe(0x14);
    expect((await client.call('data_sm', { destination_addr: '123', message_payload: 'x' })).command_status).toBe(0x14);
    expect(
      (await client.call('submit_multi', { dest_address: [{ destination_addr: '123' }], short_message: 'x' })).command_status,
    ).toBe(CommandStatus.ESME_RMSGQFUL);
    // Other requests are answered as usual.
    expect((await client.call('enquire_link')).command_status).toBe(0);
    await clearFaults(how, sim, httpPort);
    expect((await client.call('submit_sm', SUBMIT)).command_status).toBe(0);
  });

  it('response_delay_ms: the submit_sm_resp arrives no earlier than the delay', async () => {
    const { sim, httpPort, client } = await started(how);
    await setFaults(how, sim, httpPort, { response_delay_ms: 120 });
    const sent = performance.now();
    const resp = await client.call('submit_sm', SUBMIT);
    // Timers run on a millisecond clock: allow the one millisecond of truncation.
    expect(performance.now() - sent).toBeGreaterThanOrEqual(119);
    expect(resp.command_status).toBe(0);
    expect(resp.message_id).toBe('1');
  });

  it('drop_response_rate 1: no submit_sm_resp, while enquire_link is still answered', async () => {
    const { sim, httpPort, client } = await started(how);
    await setFaults(how, sim, httpPort, { drop_response_rate: 1 });
    const accepted = nextEvent(sim, 'message');
    client.send('submit_sm', SUBMIT);
    const enquire = await client.call('enquire_link');
    expect(enquire.command_status).toBe(0);
    expect(client.received.filter((p) => p.command === 'submit_sm_resp')).toEqual([]);
    // The message itself was taken: only its response was lost.
    const [message] = await accepted;
    expect(message.message_id).toBe('1');

    await clearFaults(how, sim, httpPort);
    const resp = await client.call('submit_sm', SUBMIT);
    expect(resp.message_id).toBe('2');
    expect(client.received.filter((p) => p.command === 'submit_sm_resp')).toHaveLength(1);
  });

  it('ignore_enquire_link: enquire_link goes unanswered, other requests do not', async () => {
    const { sim, httpPort, client } = await started(how);
    await setFaults(how, sim, httpPort, { ignore_enquire_link: true });
    client.send('enquire_link');
    expect((await client.call('submit_sm', SUBMIT)).command_status).toBe(0);
    expect(client.received.filter((p) => p.command === 'enquire_link_resp')).toEqual([]);

    await clearFaults(how, sim, httpPort);
    expect((await client.call('enquire_link')).command_status).toBe(0);
  });

  it('ignore_bind: a bind goes unanswered and the session stays open', async () => {
    const { sim, port, httpPort } = await started(how);
    await setFaults(how, sim, httpPort, { ignore_bind: true });
    const late = await fx.connect(port);
    late.send('bind_transmitter', { system_id: 'smppclient1', password: 'password' });
    expect((await late.call('enquire_link')).command_status).toBe(0);
    expect(late.received.map((p) => p.command)).toEqual(['enquire_link_resp']);
    expect(sim.stats().sessions).toMatchObject({ open: 1, transmitter: 0 });

    await clearFaults(how, sim, httpPort);
    const resp = await late.call('bind_transmitter', { system_id: 'smppclient1', password: 'password' });
    expect(resp.command_status).toBe(0);
  });

  it('server-initiated unbind: every bound client receives unbind and is closed once it answers', async () => {
    const { sim, port, httpPort, client } = await started(how);
    const rx = await fx.bind(port, 'receiver');
    const unbinds = [client.next('unbind'), rx.next('unbind')];
    const count = how === 'api' ? await sim.unbindAll() : ((await http(httpPort, 'POST', '/faults/unbind')).body as { sessions: number }).sessions;
    expect(count).toBe(2);
    for (const u of await Promise.all(unbinds)) expect(u.command).toBe('unbind');
    await Promise.all([client.closed, rx.closed]);
    expect(sim.stats().statuses.unbind_resp).toEqual({ ESME_ROK: 2 });
  });

  it('abrupt disconnect: every connection closes without an unbind', async () => {
    const { sim, port, httpPort, client } = await started(how);
    const unbound = await fx.connect(port);
    await unbound.call('enquire_link');
    const count =
      how === 'api' ? sim.disconnectAll() : ((await http(httpPort, 'POST', '/faults/disconnect')).body as { sessions: number }).sessions;
    expect(count).toBe(2);
    await Promise.all([client.closed, unbound.closed]);
    expect(client.received.filter((p) => p.command === 'unbind')).toEqual([]);
    // The simulator is still listening: a new client binds.
    const again = await fx.bind(port, 'transceiver');
    expect((await again.call('enquire_link')).command_status).toBe(0);
  });

  it('garbage unknown_command: the client gets a PDU with an unknown command_id and the session goes on', async () => {
    const { sim, httpPort, client } = await started(how);
    const count =
      how === 'api'
        ? sim.sendGarbage('unknown_command')
        : ((await http(httpPort, 'POST', '/faults/garbage', { kind: 'unknown_command' })).body as { sessions: number }).sessions;
    expect(count).toBe(1);
    const garbage = await client.next('unknown');
    expect(garbage.command_id).toBe(0x0000000a);

    // An ESME answers it with generic_nack ESME_RINVCMDID; the simulator takes that quietly.
    const nacked = nextEvent(sim, 'pdu', (e) => e.direction === 'received' && e.pdu.command === 'generic_nack');
    client.send('generic_nack', { sequence_number: garbage.sequence_number, command_status: CommandStatus.ESME_RINVCMDID });
    const [event] = await nacked;
    expect(event.pdu.sequence_number).toBe(garbage.sequence_number);
    expect((await client.call('submit_sm', SUBMIT)).command_status).toBe(0);
  });

  it('garbage bad_length: a command_length below 16 that a framing reader must refuse', async () => {
    const { sim, port, httpPort } = await fx.start(how === 'http' ? { http_port: 0 } : {});
    const raw = await fx.raw(port);
    expect((await raw.bind()).command_status).toBe(0);
    const bindRespLength = raw.bytes.length;
    const count =
      how === 'api'
        ? sim.sendGarbage('bad_length')
        : ((await http(httpPort, 'POST', '/faults/garbage', { kind: 'bad_length' })).body as { sessions: number }).sessions;
    expect(count).toBe(1);
    const error = await raw.until(() => raw.error, 'framing error');
    expect(error.command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    expect(raw.bytes.subarray(bindRespLength, bindRespLength + 4).readUInt32BE(0)).toBe(8);
  });

  it('garbage random: 32 random octets on the stream', async () => {
    const { sim, port, httpPort } = await fx.start(how === 'http' ? { http_port: 0 } : {});
    const raw = await fx.raw(port);
    await raw.bind();
    const start = raw.bytes.length;
    const send = async () =>
      how === 'api'
        ? sim.sendGarbage('random')
        : ((await http(httpPort, 'POST', '/faults/garbage', { kind: 'random' })).body as { sessions: number }).sessions;
    expect(await send()).toBe(1);
    expect(await send()).toBe(1);
    await raw.until(() => (raw.bytes.length >= start + 64 ? true : undefined), '64 octets of garbage');
    expect(raw.bytes.length).toBe(start + 64);
    const first = raw.bytes.subarray(start, start + 32);
    const second = raw.bytes.subarray(start + 32, start + 64);
    // Equal only with probability 2^-256.
    expect(first.equals(second)).toBe(false);
  });
});

describe('fault control', () => {
  it('node-smpp gives up on a bad_length frame with an error', async () => {
    const { sim, port } = await fx.start();
    const client = await fx.bind(port, 'transceiver');
    const failed = new Promise<Error>((resolve) => client.session.once('error', resolve));
    sim.sendGarbage('bad_length');
    expect(await failed).toBeInstanceOf(Error);
  });

  it('takes faults from the configuration at start, and GET /faults shows them', async () => {
    const { port, httpPort } = await fx.start({ http_port: 0, faults: { queue_full: true, response_delay_ms: 5 } });
    const client = await fx.bind(port, 'transmitter');
    expect((await client.call('submit_sm', SUBMIT)).command_status).toBe(CommandStatus.ESME_RMSGQFUL);
    expect(await http(httpPort, 'GET', '/faults')).toEqual({
      status: 200,
      body: { ...NO_FAULTS, queue_full: true, response_delay_ms: 5 },
    });
  });

  it('keeps the fields a PUT /faults leaves out, and PATCH does the same', async () => {
    const { httpPort } = await fx.start({ http_port: 0 });
    await http(httpPort, 'PUT', '/faults', { queue_full: true });
    const answer = await http(httpPort, 'PATCH', '/faults', { throttle_per_second: 10 });
    expect(answer.body).toEqual({ ...NO_FAULTS, queue_full: true, throttle_per_second: 10 });
    const off = await http(httpPort, 'PUT', '/faults', { throttle_per_second: null });
    expect(off.body).toEqual({ ...NO_FAULTS, queue_full: true });
  });

  it('refuses an invalid fault value with 400 naming the field, and changes nothing', async () => {
    const { sim, httpPort } = await fx.start({ http_port: 0 });
    const answer = await http(httpPort, 'PUT', '/faults', { drop_response_rate: 2, queue_full: true });
    expect(answer.status).toBe(400);
    expect((answer.body as { error: string }).error).toMatch(/drop_response_rate/);
    expect(sim.faults).toEqual(NO_FAULTS);
    expect(() => sim.setFaults({ throttle_per_second: -1 })).toThrow(/throttle_per_second/);
    const garbage = await http(httpPort, 'POST', '/faults/garbage', { kind: 'noise' });
    expect(garbage.status).toBe(400);
  });

  it('unbinds only the sessions of the system_id given', async () => {
    const { sim, port } = await fx.start({
      accounts: [
        { system_id: 'a', password: 'a' },
        { system_id: 'b', password: 'b' },
      ],
    });
    const a = await fx.bind(port, 'transceiver', { system_id: 'a', password: 'a' });
    const b = await fx.bind(port, 'transceiver', { system_id: 'b', password: 'b' });
    expect(await sim.unbindAll('a')).toBe(1);
    await a.closed;
    expect((await b.call('enquire_link')).command_status).toBe(0);
    expect(b.received.filter((p) => p.command === 'unbind')).toEqual([]);
  });
});

describe('hold: requests answered when the test says', () => {
  it('holds a bind until releaseHeld answers it, with the status given', async () => {
    const { sim, port } = await fx.start({ faults: { hold: ['bind'] } });
    const client = await fx.connect(port);
    const held = nextEvent(sim, 'held');
    const first = client.call('bind_transceiver', { system_id: 'smppclient1', password: 'password' });
    const [event] = await held;
    expect(event).toMatchObject({ command: 'bind' });
    expect(sim.heldRequests('bind')).toBe(1);
    expect(sim.releaseHeld('bind', CommandStatus.ESME_RBINDFAIL)).toBe(true);
    expect((await first).command_status).toBe(CommandStatus.ESME_RBINDFAIL);
    expect(sim.releaseHeld('bind')).toBe(false);
  });

  it('still checks the account when a held bind is released with 0', async () => {
    const { sim, port } = await fx.start({ faults: { hold: ['bind'] } });
    const client = await fx.connect(port);
    const held = nextEvent(sim, 'held');
    const resp = client.call('bind_transceiver', { system_id: 'smppclient1', password: 'wrong' });
    await held;
    sim.releaseHeld('bind');
    expect((await resp).command_status).toBe(CommandStatus.ESME_RINVPASWD);
  });

  it('holds enquire_link and unbind, and releases them through POST /held/release', async () => {
    const { sim, port, httpPort } = await fx.start({ http_port: 0, faults: { hold: ['enquire_link', 'unbind'] } });
    const client = await fx.bind(port, 'transceiver');
    const heldEnquire = nextEvent(sim, 'held');
    const enquire = client.call('enquire_link');
    await heldEnquire;
    expect(await http(httpPort, 'POST', '/held/release', { command: 'enquire_link' })).toEqual({ status: 200, body: { released: true } });
    expect((await enquire).command).toBe('enquire_link_resp');
    const heldUnbind = nextEvent(sim, 'held');
    const unbind = client.call('unbind');
    await heldUnbind;
    expect((await http(httpPort, 'POST', '/held/release', { command: 'fax' })).status).toBe(400);
    expect(sim.releaseHeld('unbind')).toBe(true);
    expect((await unbind).command).toBe('unbind_resp');
    await client.closed;
  });
});
