/**
 * The session's protocol duties and request window, driven through the real machine and codec
 * actor with a scripted SMSC and fake timers.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import { backoffDelay, reconnectDelay } from '../../machines/backoff.js';
import { smppMachineDefinition } from '../../machines/smpp.machine.js';
import type { SmppActor, SmppMachineInput } from '../../machines/smpp.machine.js';
import { CommandStatus, encodePdu } from '../../src/index.js';
import { codecActor } from '../../src/session/codec-actor.js';
import { interfaceVersionOctet, resolveSessionConfig, SessionConfigError } from '../../src/session/config.js';
import { ConnectionLostError, NotBoundError, ResponseTimeoutError } from '../../src/session/errors.js';
import { InMemorySequencer } from '../../src/session/sequencer.js';
import { ScriptedSmsc } from '../helpers/scripted-smsc.js';

const settle = () => vi.advanceTimersByTimeAsync(0);

let actor: SmppActor | undefined;

async function boundSession(input: SmppMachineInput = {}): Promise<{ smsc: ScriptedSmsc; actor: SmppActor }> {
  const smsc = new ScriptedSmsc();
  const machine = smppMachineDefinition.provide({ actors: { socket: smsc.socketActor, codec: codecActor } });
  actor = createActor(machine, { input: { logger: pino({ level: 'silent' }), reconnect_jitter: 0, ...input } });
  actor.start();
  smsc.accept();
  await settle();
  const bindType = input.bind_type ?? 'transceiver';
  smsc.answer(`bind_${bindType}`, 0, { system_id: 'SMSC' });
  await settle();
  expect(actor.getSnapshot().hasTag('bound')).toBe(true);
  return { smsc, actor };
}

const windowOf = (a: SmppActor) => a.getSnapshot().context.runtime.window;

beforeEach(() => {
  expect.hasAssertions();
  vi.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') });
});

afterEach(() => {
  actor?.stop();
  actor = undefined;
  vi.useRealTimers();
});

describe('requests through the window', () => {
  it('resolves a submit with its submit_sm_resp, matched by sequence_number', async () => {
    const { smsc, actor } = await boundSession();
    const pending = windowOf(actor).request({ command: 'submit_sm', destination_addr: '27831234567', short_message: Buffer.from('hi') });
    await settle();
    const submit = smsc.last('submit_sm');
    smsc.deliver({ command: 'submit_sm_resp', sequence_number: submit.sequence_number, message_id: 'abc' });
    await expect(pending).resolves.toMatchObject({ command: 'submit_sm_resp', command_status: 0, message_id: 'abc' });
  });

  it('settles a request with the generic_nack that answers it', async () => {
    const { smsc, actor } = await boundSession();
    const pending = windowOf(actor).request({ command: 'query_sm', message_id: '1' });
    await settle();
    smsc.deliver({ command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID, sequence_number: smsc.last('query_sm').sequence_number });
    await expect(pending).resolves.toMatchObject({ command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID });
    expect(windowOf(actor).inFlight).toBe(0);
  });

  it('reports a response timeout as an unknown outcome, distinct from a failure', async () => {
    const { actor } = await boundSession({ smpp_response_timeout: 20 });
    const pending = windowOf(actor).request({ command: 'submit_sm' });
    const outcome = pending.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(19_999);
    expect(windowOf(actor).inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(ResponseTimeoutError);
    expect(err).toMatchObject({ outcome: 'unknown', command: 'submit_sm' });
    expect(windowOf(actor).inFlight).toBe(0);
  });

  it('expires each request at its own deadline with one timer for all', async () => {
    const { smsc, actor } = await boundSession({ smpp_response_timeout: 10 });
    const first = windowOf(actor).request({ command: 'submit_sm' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(4_000);
    const second = windowOf(actor).request({ command: 'submit_sm' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(6_000);
    expect(await first).toBeInstanceOf(ResponseTimeoutError);
    expect(windowOf(actor).inFlight).toBe(1);
    const seq = smsc.received.filter((p) => p.command === 'submit_sm')[1]!.sequence_number;
    smsc.deliver({ command: 'submit_sm_resp', sequence_number: seq, message_id: 'late-but-in-time' });
    expect(await second).toMatchObject({ message_id: 'late-but-in-time' });
  });

  it('hands every pending request back as connection lost when the connection drops', async () => {
    const { smsc, actor } = await boundSession();
    const a = windowOf(actor).request({ command: 'submit_sm' }).catch((e: unknown) => e);
    const b = windowOf(actor).request({ command: 'submit_sm' }).catch((e: unknown) => e);
    await settle();
    smsc.drop('socket closed: read ECONNRESET');
    await settle();
    for (const err of [await a, await b]) {
      expect(err).toBeInstanceOf(ConnectionLostError);
      expect((err as Error).message).toContain('ECONNRESET');
    }
    expect(actor.getSnapshot().value).toBe('backoff');
  });

  it('holds requests beyond the window until a response frees a slot', async () => {
    const { smsc, actor } = await boundSession({ window_size: 2 });
    const results = [1, 2, 3].map(() => windowOf(actor).request({ command: 'submit_sm' }));
    await settle();
    expect(smsc.received.filter((p) => p.command === 'submit_sm')).toHaveLength(2);
    expect(windowOf(actor).hasCapacity).toBe(false);
    smsc.deliver({ command: 'submit_sm_resp', sequence_number: smsc.last('submit_sm').sequence_number, message_id: 'x' });
    await settle();
    const submits = smsc.received.filter((p) => p.command === 'submit_sm');
    expect(submits).toHaveLength(3);
    for (const s of submits) smsc.deliver({ command: 'submit_sm_resp', sequence_number: s.sequence_number, message_id: 'y' });
    await expect(Promise.all(results)).resolves.toHaveLength(3);
  });

  it('refuses submits before the bind and on a receiver bind', async () => {
    const { actor } = await boundSession({ bind_type: 'receiver' });
    await expect(windowOf(actor).request({ command: 'submit_sm' })).rejects.toThrow(NotBoundError);
    await expect(windowOf(actor).request({ command: 'submit_sm' })).rejects.toThrow('receiver');
  });

  it('rejects a PDU it cannot encode without sending anything or leaking a slot', async () => {
    const { smsc, actor } = await boundSession({ window_size: 1 });
    await expect(windowOf(actor).request({ command: 'submit_sm', short_message: Buffer.alloc(300) })).rejects.toThrow('short_message');
    expect(smsc.received.filter((p) => p.command === 'submit_sm')).toHaveLength(0);
    expect(windowOf(actor).hasCapacity).toBe(true);
  });

  it('drops a response that answers nothing pending, and stays bound', async () => {
    const { smsc, actor } = await boundSession();
    smsc.deliver({ command: 'submit_sm_resp', sequence_number: 4242, message_id: 'stray' });
    await settle();
    expect(actor.getSnapshot().hasTag('bound')).toBe(true);
  });
});

describe('answering the SMSC', () => {
  it('answers an unknown command_id with generic_nack ESME_RINVCMDID and stays bound', async () => {
    const { smsc, actor } = await boundSession();
    smsc.bytes(Buffer.from('000000100000000a0000000000000033', 'hex'));
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID, sequence_number: 0x33 });
    expect(actor.getSnapshot().hasTag('bound')).toBe(true);
  });

  it('answers an undecodable request with generic_nack carrying the codec status', async () => {
    const { smsc } = await boundSession();
    // deliver_sm whose sm_length (the octet before the one-octet short_message) runs past the end.
    const bytes = encodePdu({ command: 'deliver_sm', sequence_number: 0x34, short_message: Buffer.from('A') });
    bytes[bytes.length - 2] = 0xff;
    smsc.bytes(bytes);
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'generic_nack', command_status: CommandStatus.ESME_RINVMSGLEN, sequence_number: 0x34 });
  });

  it('answers a request only an ESME sends (submit_sm from the SMSC) with generic_nack', async () => {
    const { smsc } = await boundSession();
    const seq = smsc.request({ command: 'submit_sm' });
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID, sequence_number: seq });
  });

  it('answers deliver_sm on a transmitter bind with ESME_RINVBNDSTS', async () => {
    const { smsc } = await boundSession({ bind_type: 'transmitter' });
    const seq = smsc.request({ command: 'deliver_sm', short_message: Buffer.from('hi') });
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'deliver_sm_resp', command_status: CommandStatus.ESME_RINVBNDSTS, sequence_number: seq });
  });

  it('lets the inbound handler decide the deliver_sm_resp status, after its promise settles', async () => {
    const { smsc, actor } = await boundSession();
    let release!: (status: number) => void;
    actor.getSnapshot().context.runtime.handlers.inbound = () => new Promise<number>((r) => (release = r));
    const seq = smsc.request({ command: 'deliver_sm', short_message: Buffer.from('hi') });
    await settle();
    expect(smsc.received.some((p) => p.command === 'deliver_sm_resp')).toBe(false);
    release(CommandStatus.ESME_RX_T_APPN);
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'deliver_sm_resp', command_status: CommandStatus.ESME_RX_T_APPN, sequence_number: seq, message_id: '' });
  });

  it('answers ESME_RX_T_APPN when the inbound handler throws, so the SMSC retries', async () => {
    const { smsc, actor } = await boundSession();
    actor.getSnapshot().context.runtime.handlers.inbound = () => {
      throw new Error('bus down');
    };
    const seq = smsc.request({ command: 'data_sm', message_payload: Buffer.from('hi') });
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'data_sm_resp', command_status: CommandStatus.ESME_RX_T_APPN, sequence_number: seq });
  });

  it('accepts deliver_sm with status 0 when no handler is set', async () => {
    const { smsc } = await boundSession();
    const seq = smsc.request({ command: 'deliver_sm' });
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'deliver_sm_resp', command_status: 0, sequence_number: seq });
  });
});

describe('keep-alive', () => {
  it('pushes the enquire_link back while traffic flows, and sends it after a full idle interval', async () => {
    const { smsc } = await boundSession({ smpp_enquire_link_interval: 30 });
    const enquiries = () => smsc.received.filter((p) => p.command === 'enquire_link').length;
    await vi.advanceTimersByTimeAsync(20_000);
    smsc.request({ command: 'enquire_link' }); // traffic from the SMSC at t = 20 s
    await vi.advanceTimersByTimeAsync(29_999);
    expect(enquiries()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(enquiries()).toBe(1);
  });
});

describe('configuration and sequence numbers', () => {
  it('sends interface_version 34 as 0x34', async () => {
    const { smsc } = await boundSession({ interface_version: 34 });
    expect(smsc.last('bind_transceiver')).toMatchObject({ interface_version: 0x34 });
    expect(interfaceVersionOctet(33)).toBe(0x33);
  });

  it('binds as transmitter or receiver when asked', async () => {
    const { smsc } = await boundSession({ bind_type: 'transmitter', system_id: 'acct', password: 'pw' });
    expect(smsc.last('bind_transmitter')).toMatchObject({ system_id: 'acct', password: 'pw' });
  });

  it('rejects a bad value with a message naming the field', () => {
    expect(() => resolveSessionConfig({ system_id: 'x'.repeat(16) })).toThrow(SessionConfigError);
    expect(() => resolveSessionConfig({ system_id: 'x'.repeat(16) })).toThrow('system_id');
    expect(() => resolveSessionConfig({ reconnect_delay_initial: 10, reconnect_delay_max: 5 })).toThrow('reconnect_delay_max');
  });

  it('counts sequence numbers 1 … 0x7FFFFFFF and then 1 again', () => {
    const seq = new InMemorySequencer(0x7ffffffe);
    expect([seq.next(), seq.next(), seq.next()]).toEqual([0x7ffffffe, 0x7fffffff, 1]);
  });

  it('backs off exponentially, capped, with jitter within its spread', () => {
    const policy = { initialMs: 1000, maxMs: 60_000, jitter: 0.2 };
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(policy, n, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 60_000]);
    expect(backoffDelay(policy, 2, () => 0)).toBe(3200);
    expect(backoffDelay(policy, 2, () => 1)).toBe(4800);
    expect(backoffDelay(policy, 20, () => 1)).toBe(60_000);
    // The first failure waits the initial delay; a clean end (failures 0) too; credentials the longest.
    expect([0, 1, 2, 3].map((n) => reconnectDelay(policy, n, false, () => 0.5))).toEqual([1000, 1000, 2000, 4000]);
    expect(reconnectDelay(policy, 1, true)).toBe(60_000);
  });

  it('waits the longest back-off after wrong credentials', async () => {
    const smsc = new ScriptedSmsc();
    const machine = smppMachineDefinition.provide({ actors: { socket: smsc.socketActor, codec: codecActor } });
    actor = createActor(machine, { input: { logger: pino({ level: 'silent' }), reconnect_delay_max: 120 } });
    actor.start();
    smsc.accept();
    await settle();
    smsc.answer('bind_transceiver', CommandStatus.ESME_RINVSYSID);
    await settle();
    expect(actor.getSnapshot().context.reason).toBe('bind refused: ESME_RINVSYSID');
    await vi.advanceTimersByTimeAsync(119_999);
    expect(smsc.connectionAttempts).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(smsc.connectionAttempts).toBe(2);
  });
});

describe('a flapping SMSC', () => {
  it('backs off longer each time an SMSC unbinds right after the bind, and starts over once a bind holds', async () => {
    const { smsc, actor } = await boundSession({ reconnect_delay_initial: 1, reconnect_delay_max: 60 });
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      smsc.request({ command: 'unbind' });
      await settle();
      expect(actor.getSnapshot().value).toBe('backoff');
      const attempts = smsc.connectionAttempts;
      let waited = 0;
      while (smsc.connectionAttempts === attempts) {
        await vi.advanceTimersByTimeAsync(250);
        waited += 250;
      }
      waits.push(waited);
      smsc.accept();
      await settle();
      smsc.answer('bind_transceiver');
      await settle();
    }
    expect(waits).toEqual([1_000, 2_000, 4_000]);
    // A bind that holds for reconnect_delay_max counts as a success: the next failure waits 1 s again.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(actor.getSnapshot().context.attempt).toBe(0);
  });
});

describe('logging', () => {
  it('logs every state change at info with its reason, and never the password', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    const smsc = new ScriptedSmsc();
    const { smppMachine } = await import('../../src/session/smpp-machine.js');
    const machine = smppMachine.provide({ actors: { socket: smsc.socketActor } });
    actor = createActor(machine, { input: { logger, password: 's3cr3tpw' } });
    actor.start();
    smsc.accept();
    await settle();
    smsc.answer('bind_transceiver', CommandStatus.ESME_RINVPASWD);
    await settle();
    const states = lines.map((l) => JSON.parse(l) as { state?: string; reason?: string; level: number }).filter((l) => l.state);
    expect(states.map((l) => l.state)).toEqual(['disconnected', 'connecting', 'binding', 'backoff']);
    expect(states.every((l) => l.level === 30)).toBe(true);
    expect(states.at(-1)?.reason).toBe('bind refused: ESME_RINVPASWD');
    const configError = lines.map((l) => JSON.parse(l) as { config_error?: boolean; level: number; msg: string }).find((l) => l.config_error);
    expect(configError).toMatchObject({ level: 50 });
    expect(configError?.msg).toContain('configuration error');
    expect(lines.join('\n')).not.toContain('s3cr3tpw');
  });
});

describe('answers that outlive their connection', () => {
  it('drops a deliver_sm_resp decided after the connection went, instead of sending it on the next one', async () => {
    const { smsc, actor } = await boundSession({ reconnect_delay_initial: 1 });
    let release!: (status: number) => void;
    actor.getSnapshot().context.runtime.handlers.inbound = () => new Promise<number>((r) => (release = r));
    smsc.request({ command: 'deliver_sm', short_message: Buffer.from('slow') });
    await settle();
    smsc.drop();
    await settle();
    await vi.advanceTimersByTimeAsync(1_000);
    smsc.accept();
    await settle();
    const before = smsc.received.length;
    release(0);
    await settle();
    expect(smsc.received.slice(before).map((p) => p.command)).toEqual([]);
  });

  it('answers a handler that resolves to something other than a status with ESME_RX_T_APPN', async () => {
    const { smsc, actor } = await boundSession();
    actor.getSnapshot().context.runtime.handlers.inbound = () => Promise.resolve(-1);
    const seq = smsc.request({ command: 'deliver_sm' });
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'deliver_sm_resp', command_status: CommandStatus.ESME_RX_T_APPN, sequence_number: seq });
  });

  it('survives an alert_notification handler that throws', async () => {
    const { smsc, actor } = await boundSession();
    actor.getSnapshot().context.runtime.handlers.alert = () => {
      throw new Error('boom');
    };
    smsc.request({ command: 'alert_notification', source_addr: '1' });
    const seq = smsc.request({ command: 'enquire_link' });
    await settle();
    expect(smsc.received.at(-1)).toMatchObject({ command: 'enquire_link_resp', sequence_number: seq });
    expect(actor.getSnapshot().hasTag('bound')).toBe(true);
  });
});
