/**
 * The real session — the statechart with its socket and codec actors (src/session/smpp-machine.ts),
 * or SmppClient around it — against the simulator over real TCP on 127.0.0.1, one simulator per
 * test on a free port. Timings are a few tenths of a second so the file runs in seconds; states
 * are awaited with xstate's `waitFor` and simulator events with `nextEvent`, never with sleeps.
 *
 * Every state change is recorded with its time (`performance.now()`), so the delays the machine
 * waits (bind timeout, enquire_link timeout, back-off) are checked from both sides: no earlier
 * than configured (jitter 0 makes the back-off exact), and not much later.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import type { Server as TlsServer } from 'node:tls';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import type { SnapshotFrom, StateValue } from 'xstate';
import { reconnectDelay } from '../../machines/backoff.js';
import type { SmppActor, SmppMachine, SmppMachineInput } from '../../machines/smpp.machine.js';
import { CommandStatus } from '../../src/pdu/command-status.js';
import type { Pdu, PduInput } from '../../src/pdu/types.js';
import { BIND_TYPES } from '../../src/session/config.js';
import type { SessionConfigInput } from '../../src/session/config.js';
import { ConnectionLostError, ResponseTimeoutError } from '../../src/session/errors.js';
import type { InboundMessage } from '../../src/session/runtime.js';
import { SmppClient } from '../../src/session/smpp-client.js';
import type { SmppClientOptions } from '../../src/session/smpp-client.js';
import { smppMachine } from '../../src/session/smpp-machine.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import { FAST_SESSION } from '../helpers/fast-session.js';
import { nextEvent } from '../helpers/simulator.js';

const silent = pino({ level: 'silent' });

/** Fast timings (see FAST_SESSION), with a short enquire_link timeout and a back-off cap. */
const FAST = { ...FAST_SESSION, smpp_enquire_link_timeout: 0.5, reconnect_delay_max: 2 } satisfies SessionConfigInput;

/**
 * A timer may fire up to a millisecond "early" by performance.now() (libuv rounds its clock to
 * ms), and a state change is stamped when the subscriber sees it, a little after its timer was
 * set: on a loaded machine the measured gap can be some milliseconds shorter than the delay.
 */
const CLOCK_SLACK_MS = 25;
/** How late a delayed transition may come on a busy 2-core machine and still count as on time. */
const LATE_MS = 400;
const WAIT = { timeout: 5_000 };

// ---- fixtures ---------------------------------------------------------------------------------

const simulators: Simulator[] = [];
const actors: SmppActor[] = [];

afterEach(async () => {
  // Sessions first, so that the simulators' stop() has no unbind handshakes to wait for.
  for (const a of actors.splice(0)) a.stop();
  await Promise.all(simulators.splice(0).map((s) => s.stop()));
});

beforeEach(() => {
  expect.hasAssertions();
});

interface TrafficEntry {
  direction: 'received' | 'sent';
  command: string;
  sequence_number: number;
  command_status: number;
  at: number;
}

interface Running {
  sim: Simulator;
  port: number;
  /** Every PDU the simulator received or sent, with its time. */
  traffic: TrafficEntry[];
}

async function simulator(options: SimulatorOptions = {}): Promise<Running> {
  const sim = createSimulator({
    port: 0,
    http_port: null,
    log_level: 'silent',
    enquire_link_interval_ms: 0,
    unbind_timeout_ms: 300,
    ...options,
  });
  simulators.push(sim);
  const traffic: TrafficEntry[] = [];
  sim.on('pdu', (e) => {
    const pdu: Pdu | PduInput = e.pdu;
    traffic.push({
      direction: e.direction,
      command: pdu.command,
      sequence_number: pdu.sequence_number,
      command_status: pdu.command_status ?? 0,
      at: performance.now(),
    });
  });
  const { port } = await sim.start();
  return { sim, port, traffic };
}

interface Step {
  state: string;
  reason: string;
  attempt: number;
  at: number;
}

/** 'session.connected.bound.idle' for { session: { connected: { bound: 'idle' } } }. */
function stateName(value: StateValue): string {
  if (typeof value === 'string') return value;
  const [key, sub] = Object.entries(value)[0]!;
  return sub === undefined ? key : `${key}.${stateName(sub)}`;
}

/** Records each state the actor settles in (transient ones, like `disconnected`, are never seen). */
function record(actor: SmppActor): Step[] {
  const steps: Step[] = [];
  const push = (s: SnapshotFrom<SmppMachine>) => {
    const state = stateName(s.value);
    if (steps.at(-1)?.state === state) return;
    steps.push({ state, reason: s.context.reason, attempt: s.context.attempt, at: performance.now() });
  };
  actor.subscribe(push);
  return steps;
}

/** The real machine, started; with its recorded steps. */
function session(port: number, input: SmppMachineInput = {}): { actor: SmppActor; steps: Step[] } {
  const actor = createActor(smppMachine, { input: { ...FAST, port, logger: silent, ...input } });
  const steps = record(actor);
  actors.push(actor);
  actor.start();
  return { actor, steps };
}

/** SmppClient, started; with the steps of its actor. */
function client(port: number, options: SmppClientOptions = {}): { client: SmppClient; steps: Step[] } {
  const c = new SmppClient({ ...FAST, port, logger: silent, ...options });
  const steps = record(c.actor);
  actors.push(c.actor);
  c.start();
  return { client: c, steps };
}

const isBound = (s: SnapshotFrom<SmppMachine>) => s.hasTag('bound');
const inState = (name: string) => (s: SnapshotFrom<SmppMachine>) => stateName(s.value) === name;

function stepOf(steps: readonly Step[], state: string, from = 0): Step {
  const step = steps.slice(from).find((s) => s.state === state);
  if (!step) throw new Error(`never in ${state}: ${steps.map((s) => s.state).join(' → ')}`);
  return step;
}

const received = (command: string) => (e: { direction: string; pdu: { command: string } }) =>
  e.direction === 'received' && e.pdu.command === command;

const policyOf = (input: SessionConfigInput) => ({
  initialMs: (input.reconnect_delay_initial ?? FAST.reconnect_delay_initial) * 1000,
  maxMs: (input.reconnect_delay_max ?? FAST.reconnect_delay_max) * 1000,
  jitter: 0,
});

const SUBMIT = { source_addr: '1234', destination_addr: '27831234567', short_message: Buffer.from('hello') };

// ---- connect, bind, stay bound ----------------------------------------------------------------

describe('connect and bind over TCP', () => {
  it.each(BIND_TYPES)('binds as %s and stays bound through enquire_link exchanges', async (bindType) => {
    const { sim, port, traffic } = await simulator();
    const bound = nextEvent(sim, 'bound');
    const { actor, steps } = session(port, { bind_type: bindType, smpp_enquire_link_interval: 0.15 });
    await waitFor(actor, isBound, WAIT);
    const [event] = await bound;
    expect(event).toMatchObject({ system_id: 'smppclient1', bind_type: bindType });
    expect(traffic.find((t) => t.direction === 'received')?.command).toBe(`bind_${bindType}`);
    expect(traffic.find((t) => t.command === `bind_${bindType}_resp`)?.command_status).toBe(0);

    // Two idle intervals, two enquire_links, both answered: the session stays bound throughout.
    await nextEvent(sim, 'pdu', received('enquire_link'));
    await nextEvent(sim, 'pdu', received('enquire_link'));
    await waitFor(actor, inState('session.connected.bound.idle'), WAIT);
    expect(steps.map((s) => s.state)).toEqual([
      'session.connecting',
      'session.connected.binding',
      'session.connected.bound.idle',
      'session.connected.bound.enquiring',
      'session.connected.bound.idle',
      'session.connected.bound.enquiring',
      'session.connected.bound.idle',
    ]);
    expect(traffic.filter((t) => t.command === 'enquire_link_resp' && t.direction === 'sent')).toHaveLength(2);
    expect(actor.getSnapshot().context.runtime.window.bound).toBe(bindType);
  });

  it('sends interface_version 0x34 and the configured credentials', async () => {
    const { sim, port } = await simulator({ accounts: [{ system_id: 'esme42', password: 'pw42' }] });
    const bind = nextEvent(sim, 'pdu', received('bind_transceiver'));
    const { actor } = session(port, { system_id: 'esme42', password: 'pw42', system_type: 'VMA' });
    const [{ pdu }] = await bind;
    expect(pdu).toMatchObject({ system_id: 'esme42', password: 'pw42', system_type: 'VMA', interface_version: 0x34 });
    await waitFor(actor, isBound, WAIT);
  });

  it('submits and resolves with the submit_sm_resp carrying the simulator’s message_id', async () => {
    const { sim, port } = await simulator();
    const { client: c } = client(port);
    await c.whenBound(5_000);
    const stored = nextEvent(sim, 'message');
    const resp = await c.submit(SUBMIT);
    const [message] = await stored;
    expect(resp).toMatchObject({ command: 'submit_sm_resp', command_status: 0, message_id: message.message_id });
    expect(message).toMatchObject({ destination_addr: '27831234567', source_addr: '1234', system_id: 'smppclient1' });
    expect(message.short_message.toString()).toBe('hello');
    expect(c.runtime.window.inFlight).toBe(0);
  });
});

// ---- the simulator's faults -------------------------------------------------------------------

describe('faults', () => {
  it('no enquire_link_resp: unbinds, then reconnects and is bound again within the timeouts and back-off', async () => {
    const { sim, port, traffic } = await simulator({ faults: { ignore_enquire_link: true } });
    const timing = { smpp_enquire_link_interval: 0.15, smpp_enquire_link_timeout: 0.3, smpp_unbind_timeout: 0.3 };
    const { actor, steps } = session(port, timing);
    await waitFor(actor, isBound, WAIT);
    await waitFor(actor, inState('session.connected.unbinding'), WAIT);
    sim.clearFaults();
    const enquiring = stepOf(steps, 'session.connected.bound.enquiring');
    const unbinding = stepOf(steps, 'session.connected.unbinding');
    expect(unbinding.reason).toBe('enquire_link timeout');
    expect(unbinding.at - enquiring.at).toBeGreaterThanOrEqual(300 - CLOCK_SLACK_MS);

    await waitFor(actor, inState('backoff'), WAIT);
    const firstBound = steps.findIndex((s) => s.state === 'session.connected.bound.idle');
    await waitFor(actor, isBound, WAIT);
    const backoff = stepOf(steps, 'backoff');
    const rebound = stepOf(steps, 'session.connected.bound.idle', firstBound + 1);
    const delay = reconnectDelay(policyOf(timing), backoff.attempt, false);
    expect(rebound.at - enquiring.at).toBeLessThanOrEqual(300 + 300 + delay + LATE_MS);
    expect(rebound.at - backoff.at).toBeGreaterThanOrEqual(delay - CLOCK_SLACK_MS);

    // The SMSC saw the enquire_link it ignored, then the unbind, which it answered.
    const commands = traffic.filter((t) => t.direction === 'received').map((t) => t.command);
    expect(commands.slice(0, 3)).toEqual(['bind_transceiver', 'enquire_link', 'unbind']);
    expect(traffic.some((t) => t.direction === 'sent' && t.command === 'unbind_resp')).toBe(true);
  });

  it('no bind_resp: bind timeout, back-off, and bound once the fault is cleared', async () => {
    const { sim, port } = await simulator({ faults: { ignore_bind: true } });
    const { actor, steps } = session(port, { smpp_bind_timeout: 0.3 });
    await waitFor(actor, inState('backoff'), WAIT);
    sim.clearFaults();
    const binding = stepOf(steps, 'session.connected.binding');
    const backoff = stepOf(steps, 'backoff');
    expect(backoff.reason).toBe('bind timeout');
    expect(backoff.at - binding.at).toBeGreaterThanOrEqual(300 - CLOCK_SLACK_MS);
    expect(backoff.at - binding.at).toBeLessThanOrEqual(300 + LATE_MS);

    await waitFor(actor, isBound, WAIT);
    expect(steps.map((s) => s.state)).toEqual([
      'session.connecting',
      'session.connected.binding',
      'backoff',
      'session.connecting',
      'session.connected.binding',
      'session.connected.bound.idle',
    ]);
    const reconnect = steps[3]!;
    expect(reconnect.at - backoff.at).toBeGreaterThanOrEqual(reconnectDelay(policyOf({}), backoff.attempt, false) - CLOCK_SLACK_MS);
    // The failure still counts until the new bind has held for reconnect_delay_max.
    expect(actor.getSnapshot().context.attempt).toBe(1);
  });

  it('abrupt disconnect: back-off, then reconnect and bound again, no earlier than the back-off delay', async () => {
    const { sim, port } = await simulator();
    const { actor, steps } = session(port, { reconnect_delay_initial: 0.15 });
    await waitFor(actor, isBound, WAIT);
    const rebound = nextEvent(sim, 'bound');
    const cutAt = performance.now();
    expect(sim.disconnectAll()).toBe(1);
    await waitFor(actor, inState('backoff'), WAIT);
    const backoff = steps.at(-1)!;
    expect(backoff.reason).toMatch(/^socket closed/);
    // The delay for the attempt counted at this back-off, with jitter 0: a lower bound, exactly.
    const delay = reconnectDelay(policyOf({ reconnect_delay_initial: 0.15 }), backoff.attempt, false);
    expect(delay).toBeGreaterThanOrEqual(150);

    await rebound;
    const boundAgainAt = performance.now();
    await waitFor(actor, isBound, WAIT);
    const reconnect = steps[steps.indexOf(backoff) + 1]!;
    expect(reconnect.state).toBe('session.connecting');
    // From the client's clock: back-off entered → connecting; from the SMSC's: cut → bound again.
    expect(reconnect.at - backoff.at).toBeGreaterThanOrEqual(delay - CLOCK_SLACK_MS);
    expect(boundAgainAt - cutAt).toBeGreaterThanOrEqual(delay - CLOCK_SLACK_MS);
    expect(boundAgainAt - cutAt).toBeLessThanOrEqual(delay + LATE_MS);
  });

  it('unbind from the SMSC: answered with unbind_resp, then reconnect and bound again', async () => {
    const { sim, port, traffic } = await simulator();
    const { actor, steps } = session(port);
    await waitFor(actor, isBound, WAIT);
    const rebound = nextEvent(sim, 'bound');
    expect(await sim.unbindAll()).toBe(1);
    const unbind = traffic.find((t) => t.direction === 'sent' && t.command === 'unbind')!;
    const resp = traffic.find((t) => t.direction === 'received' && t.command === 'unbind_resp');
    expect(resp).toMatchObject({ sequence_number: unbind.sequence_number, command_status: 0 });

    await rebound;
    await waitFor(actor, isBound, WAIT);
    const backoff = stepOf(steps, 'backoff');
    expect(backoff.reason).toBe('unbind from the SMSC');
    // Counted (an SMSC that unbinds every bind at once must not be redialled at full speed), yet
    // the first failure waits only the initial delay.
    expect(backoff.attempt).toBe(1);
    expect(stepOf(steps, 'session.connecting', steps.indexOf(backoff)).at - backoff.at).toBeGreaterThanOrEqual(
      FAST.reconnect_delay_initial * 1000 - CLOCK_SLACK_MS,
    );
  });

  it('wrong password: ESME_RINVPASWD logged as the reason, retried on the long back-off, bound once fixed', async () => {
    const { sim, port, traffic } = await simulator({ accounts: [{ system_id: 'smppclient1', password: 'right' }] });
    const lines: Record<string, unknown>[] = [];
    const logger: Logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    const timing = { reconnect_delay_initial: 0.05, reconnect_delay_max: 0.8 };
    const refused = nextEvent(sim, 'pdu', (e) => e.direction === 'sent' && e.pdu.command === 'bind_transceiver_resp');
    const { actor, steps } = session(port, { ...timing, password: 'wrong', logger });
    const [{ pdu: resp }] = await refused;
    expect(resp.command_status).toBe(CommandStatus.ESME_RINVPASWD);
    await waitFor(actor, inState('backoff'), WAIT);
    expect(actor.getSnapshot().context).toMatchObject({ configError: true, reason: 'bind refused: ESME_RINVPASWD' });
    const logged = lines.find((l) => l.state === 'backoff');
    expect(logged).toMatchObject({ level: 30, reason: 'bind refused: ESME_RINVPASWD', system_id: 'smppclient1' });
    expect(JSON.stringify(lines)).not.toContain('wrong');

    // The SMSC's account is fixed while the ESME waits out the long back-off.
    sim.config.accounts[0]!.password = 'wrong';
    await waitFor(actor, isBound, WAIT);
    const binds = traffic.filter((t) => t.direction === 'received' && t.command === 'bind_transceiver');
    const refusedAt = traffic.find((t) => t.command === 'bind_transceiver_resp')!.at;
    expect(binds).toHaveLength(2);
    // reconnect_delay_max, not the initial 50 ms (nor its doubling).
    expect(binds[1]!.at - refusedAt).toBeGreaterThanOrEqual(800 - CLOCK_SLACK_MS);
    expect(binds[1]!.at - refusedAt).toBeLessThanOrEqual(800 + LATE_MS);
    expect(steps.filter((s) => s.state === 'backoff')).toHaveLength(1);
  });

  it('hands pending submits back as ConnectionLostError when the connection drops', async () => {
    const { sim, port, traffic } = await simulator({ faults: { response_delay_ms: 10_000 } });
    const { client: c } = client(port);
    await c.whenBound(5_000);
    const outcomes = [1, 2, 3].map(() => c.submit(SUBMIT).catch((e: unknown) => e));
    await nextEvent(sim, 'pdu', () => traffic.filter((t) => t.command === 'submit_sm').length === 3);
    expect(c.runtime.window.inFlight).toBe(3);
    sim.disconnectAll();
    for (const err of await Promise.all(outcomes)) {
      expect(err).toBeInstanceOf(ConnectionLostError);
      expect((err as ConnectionLostError).reason).toMatch(/^socket closed/);
    }
    expect(c.runtime.window.inFlight).toBe(0);

    // After the reconnect the window works again.
    sim.clearFaults();
    await waitFor(c.actor, inState('backoff'), WAIT);
    await c.whenBound(5_000);
    await expect(c.submit(SUBMIT)).resolves.toMatchObject({ command_status: 0 });
  });

  it('a dropped response ends in ResponseTimeoutError after smpp_response_timeout, and the session stays bound', async () => {
    const { port } = await simulator({ faults: { drop_response_rate: 1 } });
    const { client: c, steps } = client(port, { smpp_response_timeout: 0.3 });
    await c.whenBound(5_000);
    const t0 = performance.now();
    const err = await c.submit(SUBMIT).catch((e: unknown) => e);
    const elapsed = performance.now() - t0;
    expect(err).toBeInstanceOf(ResponseTimeoutError);
    expect(err).toMatchObject({ outcome: 'unknown', command: 'submit_sm', timeoutMs: 300 });
    expect(elapsed).toBeGreaterThanOrEqual(300 - CLOCK_SLACK_MS);
    expect(elapsed).toBeLessThanOrEqual(300 + LATE_MS);
    expect(c.isBound).toBe(true);
    expect(c.runtime.window.inFlight).toBe(0);
    expect(steps.map((s) => s.state)).not.toContain('backoff');
  });

  it('throttling: with no throttle_statuses, submits above the rate resolve with ESME_RTHROTTLED (0x58) instead of rejecting', async () => {
    // By default the bind pauses and resends instead: see flow-control.integration.test.ts.
    const { port } = await simulator({ faults: { throttle_per_second: 2 } });
    const { client: c } = client(port, { throttle_statuses: [] });
    await c.whenBound(5_000);
    const resps = await Promise.all([1, 2, 3, 4, 5].map(() => c.submit(SUBMIT)));
    expect(resps.map((r) => r.command_status)).toEqual([0, 0, 0x58, 0x58, 0x58]);
    expect(CommandStatus.ESME_RTHROTTLED).toBe(0x58);
    expect(resps.every((r) => r.command === 'submit_sm_resp')).toBe(true);
    expect(c.isBound).toBe(true);
  });
});

// ---- inbound ----------------------------------------------------------------------------------

describe('inbound messages', () => {
  it('hands an injected MO deliver_sm to onInbound; the simulator records each deliver_sm_resp status', async () => {
    const { sim, port, traffic } = await simulator({ receipts: { retry_delay_ms: 30 } });
    const { client: c } = client(port);
    const seen: InboundMessage[] = [];
    // The first offer is refused (bus down: ESME_RX_T_APPN), the retry accepted.
    c.onInbound((message) => {
      seen.push(message);
      return seen.length === 1 ? CommandStatus.ESME_RX_T_APPN : CommandStatus.ESME_ROK;
    });
    await c.whenBound(5_000);
    const delivered = nextEvent(sim, 'delivered');
    expect(sim.injectMo({ from: '27831234567', to: '1234', text: 'hi there' })).toBe(1);
    const [delivery] = await delivered;
    expect(delivery).toMatchObject({ kind: 'mo', system_id: 'smppclient1' });

    expect(seen).toHaveLength(2);
    for (const m of seen) {
      expect(m).toMatchObject({ command: 'deliver_sm', source_addr: '27831234567', destination_addr: '1234' });
      expect(m.command === 'deliver_sm' && Buffer.from(m.short_message).toString()).toBe('hi there');
    }
    const statuses = traffic.filter((t) => t.direction === 'received' && t.command === 'deliver_sm_resp').map((t) => t.command_status);
    expect(statuses).toEqual([CommandStatus.ESME_RX_T_APPN, CommandStatus.ESME_ROK]);
  });
});

// ---- stop ---------------------------------------------------------------------------------------

describe('graceful stop', () => {
  it('unbinds, reaches the final state, and the simulator sees the unbind and the close', async () => {
    const { sim, port, traffic } = await simulator();
    const { client: c, steps } = client(port);
    await c.whenBound(5_000);
    const closed = nextEvent(sim, 'closed');
    await c.stop(5_000);
    expect(c.actor.getSnapshot().status).toBe('done');
    expect(steps.slice(-2).map((s) => s.state)).toEqual(['session.connected.unbinding', 'stopped']);
    const unbind = traffic.find((t) => t.direction === 'received' && t.command === 'unbind');
    expect(unbind).toBeDefined();
    expect(traffic.find((t) => t.direction === 'sent' && t.command === 'unbind_resp')?.sequence_number).toBe(unbind!.sequence_number);
    const [event] = await closed;
    expect(event).toMatchObject({ system_id: 'smppclient1', bind_type: 'transceiver' });
    // Finished by the unbind_resp, not by the unbind timeout.
    const unbinding = stepOf(steps, 'session.connected.unbinding');
    expect(stepOf(steps, 'stopped').at - unbinding.at).toBeLessThan(FAST.smpp_unbind_timeout * 1000);
  });
});

// ---- TLS ----------------------------------------------------------------------------------------

const OPENSSL = spawnSync('openssl', ['version'], { encoding: 'utf8' }).status === 0;
if (!OPENSSL) {
  console.warn('\n*** session.integration.test.ts: no `openssl` binary on PATH — the TLS tests are SKIPPED ***\n');
}

interface Pem {
  key: string;
  cert: string;
}

/** A self-signed certificate for `smsc.test`, made by openssl in a temporary directory. */
function selfSigned(): Pem {
  const dir = mkdtempSync(join(tmpdir(), 'smpp-tls-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const out = spawnSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=smsc.test',
        '-addext', 'subjectAltName=DNS:smsc.test',
      ],
      { encoding: 'utf8' },
    );
    if (out.status !== 0) throw new Error(`openssl failed: ${out.stderr}`);
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** TLS termination in front of the simulator: decrypts and forwards each connection to `targetPort`. */
async function tlsProxy(pem: Pem, targetPort: number): Promise<{ port: number; server: TlsServer }> {
  const server = createTlsServer({ key: pem.key, cert: pem.cert }, (front) => {
    const back: Socket = netConnect(targetPort, '127.0.0.1');
    front.pipe(back);
    back.pipe(front);
    front.on('error', () => back.destroy());
    back.on('error', () => front.destroy());
    front.on('close', () => back.destroy());
    // end(), not destroy(): what the simulator wrote last (an unbind_resp) must still go out.
    back.on('close', () => front.end());
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe.skipIf(!OPENSSL)('TLS through a terminating proxy (self-signed certificate from openssl)', () => {
  let pem: Pem;
  const proxies: TlsServer[] = [];

  beforeAll(() => {
    pem = selfSigned();
  });

  afterEach(async () => {
    for (const a of actors.splice(0)) a.stop();
    await Promise.all(
      proxies.splice(0).map((p) => new Promise<void>((resolve) => p.close(() => resolve()))),
    );
  });

  it('binds with the CA trusted, reject_unauthorized and servername; submits; stops gracefully', async () => {
    const { sim, port } = await simulator();
    const proxy = await tlsProxy(pem, port);
    proxies.push(proxy.server);
    const { client: c, steps } = client(proxy.port, {
      tls: { ca: pem.cert, reject_unauthorized: true, servername: 'smsc.test' },
    });
    await c.whenBound(5_000);
    await expect(c.submit(SUBMIT)).resolves.toMatchObject({ command: 'submit_sm_resp', command_status: 0 });
    const closed = nextEvent(sim, 'closed');
    await c.stop(5_000);
    await closed;
    expect(steps.map((s) => s.state)).toEqual([
      'session.connecting',
      'session.connected.binding',
      'session.connected.bound.idle',
      'session.connected.unbinding',
      'stopped',
    ]);
  });

  it('refuses the self-signed certificate when the CA is not given, and backs off', async () => {
    const { port } = await simulator();
    const proxy = await tlsProxy(pem, port);
    proxies.push(proxy.server);
    const { actor } = session(proxy.port, { tls: { reject_unauthorized: true, servername: 'smsc.test' } });
    await waitFor(actor, inState('backoff'), WAIT);
    expect(actor.getSnapshot().context.reason).toMatch(/certificate/i);
  });

  it('refuses a certificate for another name', async () => {
    const { port } = await simulator();
    const proxy = await tlsProxy(pem, port);
    proxies.push(proxy.server);
    const { actor } = session(proxy.port, { tls: { ca: pem.cert, reject_unauthorized: true, servername: 'other.test' } });
    await waitFor(actor, inState('backoff'), WAIT);
    expect(actor.getSnapshot().context.reason).toMatch(/other\.test|altnames/i);
  });
});
