/**
 * Interop with a third-party SMSC: node-smpp 0.5.1's server (`smpp.createServer`) plays the SMSC
 * and the real session (statechart + socket and codec actors) binds to it over TCP on 127.0.0.1.
 * What node-smpp decoded is what the checks look at, so both directions go through a codec that
 * is not ours: the bind (credentials, interface_version 0x34), enquire_link both ways, a submit
 * round trip, a deliver_sm, an unbind from the SMSC, and the graceful unbind on stop.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo, Server, Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import type { SmppActor, SmppMachine, SmppMachineInput } from '../../machines/smpp.machine.js';
import { CommandStatus } from '../../src/pdu/command-status.js';
import { BIND_TYPES } from '../../src/session/config.js';
import type { InboundMessage } from '../../src/session/runtime.js';
import { SmppClient } from '../../src/session/smpp-client.js';
import type { SmppClientOptions } from '../../src/session/smpp-client.js';
import { smppMachine } from '../../src/session/smpp-machine.js';
import type { NodeSmppPdu } from '../helpers/node-smpp.js';

// ---- node-smpp's server, typed just enough ----------------------------------------------------

interface ServerPdu extends NodeSmppPdu {
  /** The response PDU to this request, with its sequence_number. */
  response(options?: Record<string, unknown>): NodeSmppPdu;
}

interface NodeSmppServerSession extends EventEmitter {
  send(pdu: NodeSmppPdu, onResponse?: (pdu: ServerPdu) => void): boolean;
  close(callback?: () => void): void;
  destroy(callback?: () => void): void;
  socket: Socket;
}

interface NodeSmppServerModule {
  createServer(listener: (session: NodeSmppServerSession) => void): Server;
  PDU: new (command: string, options?: Record<string, unknown>) => NodeSmppPdu;
}

const smpp = createRequire(import.meta.url)('smpp') as NodeSmppServerModule;

const WAIT_MS = 5_000;

/**
 * node-smpp as an SMSC that answers like one: binds (with `bindStatus`), enquire_link, submit_sm
 * (message ids node-1, node-2 …) and unbind (answer, then close). Every PDU it decodes is kept
 * and can be awaited.
 */
class NodeSmsc {
  readonly server: Server;
  readonly sessions: NodeSmppServerSession[] = [];
  readonly received: ServerPdu[] = [];
  bindStatus: number = CommandStatus.ESME_ROK;
  private messageIds = 0;
  private readonly waiters: { test: (pdu: ServerPdu) => boolean; resolve: (pdu: ServerPdu) => void }[] = [];

  constructor() {
    this.server = smpp.createServer((session) => this.accept(session));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  private accept(session: NodeSmppServerSession): void {
    this.sessions.push(session);
    session.on('error', () => undefined);
    session.on('pdu', (pdu: ServerPdu) => {
      this.received.push(pdu);
      const i = this.waiters.findIndex((w) => w.test(pdu));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(pdu);
      switch (pdu.command) {
        case 'bind_transceiver':
        case 'bind_transmitter':
        case 'bind_receiver':
          session.send(
            this.bindStatus === CommandStatus.ESME_ROK
              ? pdu.response({ system_id: 'NODESMSC' })
              : pdu.response({ command_status: this.bindStatus }),
          );
          return;
        case 'enquire_link':
          session.send(pdu.response());
          return;
        case 'submit_sm':
          session.send(pdu.response({ message_id: `node-${++this.messageIds}` }));
          return;
        case 'unbind':
          session.send(pdu.response());
          session.close();
          return;
      }
    });
  }

  /** The next PDU of `command` node-smpp decodes (or already decoded and not yet taken). */
  next(command: string, test: (pdu: ServerPdu) => boolean = () => true): Promise<ServerPdu> {
    const match = (pdu: ServerPdu) => pdu.command === command && test(pdu);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node-smpp got no ${command} within ${WAIT_MS} ms`)), WAIT_MS);
      this.waiters.push({
        test: match,
        resolve: (pdu) => {
          clearTimeout(timer);
          resolve(pdu);
        },
      });
    });
  }

  /** Sends a request from the SMSC; resolves with the ESME's response as node-smpp decoded it. */
  call(session: NodeSmppServerSession, command: string, fields: Record<string, unknown> = {}): Promise<ServerPdu> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${command} within ${WAIT_MS} ms`)), WAIT_MS);
      const sent = session.send(new smpp.PDU(command, fields), (pdu) => {
        clearTimeout(timer);
        resolve(pdu);
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new Error(`node-smpp could not send ${command}`));
      }
    });
  }

  close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

// ---- fixtures ---------------------------------------------------------------------------------

const silent = pino({ level: 'silent' });
const FAST = {
  host: '127.0.0.1',
  smpp_enquire_link_interval: 60,
  smpp_unbind_timeout: 1,
  reconnect_delay_initial: 0.1,
  reconnect_jitter: 0,
} satisfies SmppMachineInput;

const smscs: NodeSmsc[] = [];
const actors: SmppActor[] = [];

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  for (const a of actors.splice(0)) a.stop();
  await Promise.all(smscs.splice(0).map((s) => s.close()));
});

async function nodeSmsc(): Promise<{ smsc: NodeSmsc; port: number }> {
  const smsc = new NodeSmsc();
  smscs.push(smsc);
  return { smsc, port: await smsc.start() };
}

function session(port: number, input: SmppMachineInput = {}): { actor: SmppActor; states: string[] } {
  const actor = createActor(smppMachine, { input: { ...FAST, port, logger: silent, ...input } });
  const states: string[] = [];
  actor.subscribe((s) => {
    const name = JSON.stringify(s.value);
    if (states.at(-1) !== name) states.push(name);
  });
  actors.push(actor);
  actor.start();
  return { actor, states };
}

function client(port: number, options: SmppClientOptions = {}): SmppClient {
  const c = new SmppClient({ ...FAST, port, logger: silent, ...options });
  actors.push(c.actor);
  return c.start();
}

const isBound = (s: SnapshotFrom<SmppMachine>) => s.hasTag('bound');
const WAIT = { timeout: WAIT_MS };

/** node-smpp decodes short_message to `{ message }` (text for data_coding 0). */
const textOf = (pdu: NodeSmppPdu) => (pdu.short_message as { message: string }).message;

// ---- tests --------------------------------------------------------------------------------------

describe('our session against node-smpp as the SMSC', () => {
  it.each(BIND_TYPES)('binds as %s: node-smpp sees system_id, password and interface_version 0x34', async (bindType) => {
    const { smsc, port } = await nodeSmsc();
    const bind = smsc.next(`bind_${bindType}`);
    const { actor } = session(port, { bind_type: bindType, system_id: 'esme1', password: 'secret', system_type: 'VMA' });
    const pdu = await bind;
    expect(pdu).toMatchObject({
      system_id: 'esme1',
      password: 'secret',
      system_type: 'VMA',
      interface_version: 0x34,
      addr_ton: 0,
      addr_npi: 0,
      address_range: '',
    });
    await waitFor(actor, isBound, WAIT);
    expect(actor.getSnapshot().context.runtime.window.bound).toBe(bindType);
  });

  it('answers node-smpp’s enquire_link with enquire_link_resp and stays bound', async () => {
    const { smsc, port } = await nodeSmsc();
    const { actor } = session(port);
    await waitFor(actor, isBound, WAIT);
    const resp = await smsc.call(smsc.sessions[0]!, 'enquire_link');
    expect(resp).toMatchObject({ command: 'enquire_link_resp', command_status: 0 });
    expect(actor.getSnapshot().hasTag('bound')).toBe(true);
  });

  it('sends enquire_link when idle and takes node-smpp’s response', async () => {
    const { smsc, port } = await nodeSmsc();
    const { actor, states } = session(port, { smpp_enquire_link_interval: 0.15, smpp_enquire_link_timeout: 1 });
    await waitFor(actor, isBound, WAIT);
    await smsc.next('enquire_link');
    await smsc.next('enquire_link');
    await waitFor(actor, (s) => s.matches({ session: { connected: { bound: 'idle' } } }), WAIT);
    const bound = states.filter((s) => s.includes('"bound"'));
    expect(bound).toEqual([
      JSON.stringify({ session: { connected: { bound: 'idle' } } }),
      JSON.stringify({ session: { connected: { bound: 'enquiring' } } }),
      JSON.stringify({ session: { connected: { bound: 'idle' } } }),
      JSON.stringify({ session: { connected: { bound: 'enquiring' } } }),
      JSON.stringify({ session: { connected: { bound: 'idle' } } }),
    ]);
    expect(states.some((s) => s.includes('unbinding') || s.includes('backoff'))).toBe(false);
  });

  it('submits: node-smpp decodes the submit_sm, and its submit_sm_resp resolves the submit', async () => {
    const { smsc, port } = await nodeSmsc();
    const c = client(port);
    await c.whenBound(WAIT_MS);
    const seen = smsc.next('submit_sm');
    const resp = await c.submit({
      source_addr: '1234',
      destination_addr: '27831234567',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      registered_delivery: 1,
      short_message: Buffer.from('hello from us'),
    });
    const pdu = await seen;
    expect(pdu).toMatchObject({ source_addr: '1234', destination_addr: '27831234567', dest_addr_ton: 1, registered_delivery: 1 });
    expect(textOf(pdu)).toBe('hello from us');
    expect(resp).toMatchObject({ command: 'submit_sm_resp', command_status: 0, message_id: 'node-1', sequence_number: pdu.sequence_number });
  });

  it('answers node-smpp’s deliver_sm with the status the inbound handler decides', async () => {
    const { smsc, port } = await nodeSmsc();
    const c = client(port);
    const seen: InboundMessage[] = [];
    c.onInbound((m) => {
      seen.push(m);
      return CommandStatus.ESME_RX_T_APPN;
    });
    await c.whenBound(WAIT_MS);
    const resp = await smsc.call(smsc.sessions[0]!, 'deliver_sm', {
      source_addr: '27831234567',
      destination_addr: '1234',
      short_message: 'an MO',
    });
    expect(resp).toMatchObject({ command: 'deliver_sm_resp', command_status: CommandStatus.ESME_RX_T_APPN });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ command: 'deliver_sm', source_addr: '27831234567', destination_addr: '1234' });
    expect(seen[0]!.command === 'deliver_sm' && seen[0]!.short_message.toString()).toBe('an MO');
  });

  it('answers node-smpp’s unbind with unbind_resp, then reconnects and binds again', async () => {
    const { smsc, port } = await nodeSmsc();
    const { actor, states } = session(port);
    await waitFor(actor, isBound, WAIT);
    const rebind = smsc.next('bind_transceiver');
    const resp = await smsc.call(smsc.sessions[0]!, 'unbind');
    expect(resp).toMatchObject({ command: 'unbind_resp', command_status: 0 });
    await waitFor(actor, (s) => s.matches('backoff'), WAIT);
    expect(actor.getSnapshot().context.reason).toBe('unbind from the SMSC');
    await rebind;
    await waitFor(actor, isBound, WAIT);
    expect(smsc.sessions).toHaveLength(2);
    expect(states).toContain('"backoff"');
  });

  it('unbinds gracefully on stop: node-smpp sees the unbind, answers, and the machine ends', async () => {
    const { smsc, port } = await nodeSmsc();
    const c = client(port);
    await c.whenBound(WAIT_MS);
    const unbind = smsc.next('unbind');
    const closed = new Promise<void>((resolve) => smsc.sessions[0]!.on('close', () => resolve()));
    await c.stop(WAIT_MS);
    await unbind;
    await closed;
    expect(c.actor.getSnapshot()).toMatchObject({ status: 'done', value: 'stopped' });
    expect(smsc.received.map((p) => p.command)).toEqual(['bind_transceiver', 'unbind']);
  });

  it('takes a bind refusal from node-smpp as a configuration error', async () => {
    const { smsc, port } = await nodeSmsc();
    smsc.bindStatus = CommandStatus.ESME_RINVPASWD;
    const { actor } = session(port, { reconnect_delay_max: 30 });
    await waitFor(actor, (s) => s.matches('backoff'), WAIT);
    expect(actor.getSnapshot().context).toMatchObject({ configError: true, reason: 'bind refused: ESME_RINVPASWD' });
  });
});
