/**
 * Session round trips: submit_sm → submit_sm_resp per second over one bind on loopback, with W
 * requests kept in flight (W = 1, 10, 100), our SmppClient against node-smpp 0.5.1's client
 * (`smpp.connect` + bind_transceiver + submit_sm with callbacks), both against the same simulator
 * in the same run.
 *
 * The simulator runs in a child process (`simulator-child.ts`) so that
 * client and SMSC do not share one event loop: the bench process holds only the client under
 * test. Each side's CPU use during the measured window is printed; an SMSC near 100 % means the
 * SMSC, not the client, set the pace.
 *
 * A second table prices what the design keeps off the hot path: an XState v5 event (one
 * transition with one assign) per PDU, against a plain method call doing the same counting.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { Bench } from 'tinybench';
import { assign, createActor, setup } from 'xstate';
import { SmppClient } from '../src/session/smpp-client.js';
import type { NodeSmppPdu } from '../test/helpers/node-smpp.js';
import type { BenchOptions, BenchSuite } from './index.js';
import { SimulatorChild } from './simulator-child.js';
import { cpuShare, micros, percent, perSecond } from './simulator.js';

// ---- the two clients --------------------------------------------------------------------------

interface Measurement {
  rate: number;
  /** The client's (this process's) CPU use during the measured window; 1 = one core. */
  clientCpu: number;
  smscCpu: number;
  errors: number;
}

/** Counts completions; `measure` reads it at the window's edges. */
interface Load {
  completed(): number;
  /** Stops sending and resolves when nothing is in flight any more. */
  stop(): Promise<void>;
}

async function measure(smsc: SimulatorChild, load: Load, warmupMs: number, measureMs: number): Promise<Omit<Measurement, 'errors'>> {
  await sleep(warmupMs);
  const [smsc0, client0, count0, t0] = [await smsc.cpu(), process.cpuUsage(), load.completed(), performance.now()];
  await sleep(measureMs);
  const [count1, t1, client1] = [load.completed(), performance.now(), process.cpuUsage()];
  const smsc1 = await smsc.cpu();
  await load.stop();
  const ms = t1 - t0;
  return { rate: ((count1 - count0) / ms) * 1000, clientCpu: cpuShare(client0, client1, ms), smscCpu: cpuShare(smsc0, smsc1, ms) };
}

const silent = pino({ level: 'silent' });
const SHORT_MESSAGE = Buffer.from('hello world, this is a benchmark message');
const SUBMIT = { source_addr: '1234', dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '27831234567', short_message: SHORT_MESSAGE };

/** Submits sent at most per measurement, warmup included. */
const MAX_SUBMITS = 2_000_000;

async function ours(smsc: SimulatorChild, window: number, warmupMs: number, measureMs: number): Promise<Measurement> {
  const client = new SmppClient({
    host: '127.0.0.1',
    port: smsc.port,
    window_size: window,
    logger: silent,
    smpp_enquire_link_interval: 600,
    reconnect_delay_initial: 60,
    reconnect_delay_max: 60,
  }).start();
  await client.whenBound(10_000);
  let completed = 0;
  let sent = 0;
  let errors = 0;
  let stopping = false;
  // W callers, each with one submit outstanding: W in flight, and the window never makes one wait.
  const caller = async () => {
    while (!stopping && sent < MAX_SUBMITS) {
      sent++;
      const resp = await client.submit(SUBMIT);
      if (resp.command_status !== 0) errors++;
      completed++;
    }
  };
  const callers = Array.from({ length: window }, caller);
  const load: Load = {
    completed: () => completed,
    stop: async () => {
      stopping = true;
      await Promise.all(callers);
    },
  };
  try {
    return { ...(await measure(smsc, load, warmupMs, measureMs)), errors };
  } finally {
    stopping = true;
    await client.stop(10_000);
  }
}

interface NodeSmppClientSession {
  on(event: 'error', listener: (err: Error) => void): void;
  once(event: 'connect' | 'close', listener: () => void): void;
  bind_transceiver(options: Record<string, unknown>, onResponse: (pdu: NodeSmppPdu) => void): boolean;
  submit_sm(options: Record<string, unknown>, onResponse: (pdu: NodeSmppPdu) => void): boolean;
  unbind(options: Record<string, unknown>, onResponse: (pdu: NodeSmppPdu) => void): boolean;
  destroy(): void;
}

interface NodeSmppClientModule {
  connect(options: { host: string; port: number }): NodeSmppClientSession;
}

const nodeSmpp = createRequire(import.meta.url)('smpp') as NodeSmppClientModule;

async function nodeSmppClient(smsc: SimulatorChild, window: number, warmupMs: number, measureMs: number): Promise<Measurement> {
  const session = nodeSmpp.connect({ host: '127.0.0.1', port: smsc.port });
  session.on('error', () => undefined);
  await new Promise<void>((ok) => session.once('connect', ok));
  const bound = await new Promise<NodeSmppPdu>((ok) =>
    session.bind_transceiver({ system_id: 'smppclient1', password: 'password', interface_version: 0x34 }, ok),
  );
  if (bound.command_status !== 0) throw new Error(`node-smpp bind refused: ${bound.command_status}`);
  let completed = 0;
  let sent = 0;
  let inFlight = 0;
  let errors = 0;
  let stopping = false;
  let drained: (() => void) | undefined;
  // Each response sends the next submit: W in flight.
  const send = () => {
    sent++;
    inFlight++;
    session.submit_sm(SUBMIT, (resp) => {
      inFlight--;
      completed++;
      if (resp.command_status !== 0) errors++;
      if (!stopping && sent < MAX_SUBMITS) send();
      else if (inFlight === 0) drained?.();
    });
  };
  for (let i = 0; i < window; i++) send();
  const load: Load = {
    completed: () => completed,
    stop: () => {
      stopping = true;
      return inFlight === 0 ? Promise.resolve() : new Promise<void>((ok) => (drained = ok));
    },
  };
  try {
    return { ...(await measure(smsc, load, warmupMs, measureMs)), errors };
  } finally {
    stopping = true;
    const closed = new Promise<void>((ok) => session.once('close', ok));
    session.unbind({}, () => undefined);
    const timer = setTimeout(() => session.destroy(), 2_000);
    await closed;
    clearTimeout(timer);
  }
}

// ---- XState transition per PDU vs a method call ----------------------------------------------------

interface Counter {
  n: number;
}

/** The smallest running actor that does something per event: one transition, one assign. */
const flatMachine = setup({ types: { context: {} as Counter, events: {} as { type: 'pdu' } } }).createMachine({
  context: { n: 0 },
  on: { pdu: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
});

/** The same, with the event handled where a per-PDU event would be in smpp.machine.ts: session.connected.bound. */
const nestedMachine = setup({ types: { context: {} as Counter, events: {} as { type: 'pdu' } } }).createMachine({
  context: { n: 0 },
  initial: 'session',
  states: {
    session: {
      initial: 'connected',
      states: {
        connected: {
          initial: 'bound',
          states: {
            bound: {
              initial: 'idle',
              on: { pdu: { actions: assign({ n: ({ context }) => context.n + 1 }) } },
              states: { idle: {}, enquiring: {} },
            },
          },
        },
      },
    },
  },
});

class DirectCounter {
  n = 0;
  pdu(): void {
    this.n++;
  }
}

const EVENT_BATCH = 1_000;
let sink = 0;

function batched(op: () => void, read: () => number) {
  return () => {
    const t0 = performance.now();
    for (let i = 0; i < EVENT_BATCH; i++) op();
    const elapsed = performance.now() - t0;
    sink = (sink + read()) | 0;
    return { overriddenDuration: elapsed / EVENT_BATCH, overriddenIterationCost: elapsed };
  };
}

async function transitionCost(options: BenchOptions, roundTripsPerSecond: number): Promise<void> {
  const flat = createActor(flatMachine).start();
  const nested = createActor(nestedMachine).start();
  const direct = new DirectCounter();
  const event = { type: 'pdu' } as const;
  const rows = [
    { name: 'XState v5 actor.send(), one assign, root state', op: () => flat.send(event), read: () => flat.getSnapshot().context.n },
    {
      name: 'XState v5 actor.send(), one assign, handled 4 levels deep (like bound.idle)',
      op: () => nested.send(event),
      read: () => nested.getSnapshot().context.n,
    },
    { name: 'direct method call (counter.pdu())', op: () => direct.pdu(), read: () => direct.n },
  ];
  const bench = new Bench({ time: options.timeMs, warmupTime: options.warmupMs, throws: true });
  for (const row of rows) bench.add(row.name, batched(row.op, row.read));
  await bench.run();
  const ns = (name: string) => {
    const result = bench.getTask(name)?.result;
    if (result === undefined || !('latency' in result)) throw new Error(`task ${name} has no result`);
    return { ns: result.latency.mean * 1e6, rme: result.latency.rme };
  };
  const directNs = ns(rows[2]!.name).ns;
  const lines = ['| per event | ns / event | × direct call | CPU at the measured rate, 2 events per round trip |', '|---|--:|--:|--:|'];
  for (const row of rows) {
    const m = ns(row.name);
    const share = (m.ns * 2 * roundTripsPerSecond) / 1e9;
    lines.push(`| ${row.name} | ${m.ns.toFixed(1)} ±${m.rme.toFixed(1)}% | ${(m.ns / directNs).toFixed(0)}× | ${(share * 100).toFixed(1)} % |`);
  }
  flat.stop();
  nested.stop();
  console.log(lines.join('\n'));
  console.log(
    `\nThe last column: that cost for one event per submit_sm and one per submit_sm_resp at ${perSecond(roundTripsPerSecond)} round trips/s` +
      ` (ours at window 100 above), as a share of one core. ${EVENT_BATCH} events per sample; ${options.timeMs} ms per task. (sink ${sink & 1})`,
  );
}

// ---- the suite --------------------------------------------------------------------------------

const WINDOWS = [1, 10, 100] as const;

export const sessionSuite: BenchSuite = {
  name: 'session',
  description: 'submit_sm round trips per second over one bind, our SmppClient vs node-smpp 0.5.1, same simulator',
  async run(options: BenchOptions): Promise<void> {
    const measureMs = Math.max(2_000, options.timeMs * 4);
    const warmupMs = Math.max(500, options.warmupMs * 4);
    const load = os.loadavg()[0]!;
    const smsc = await SimulatorChild.start();
    const results = new Map<string, Measurement>();
    try {
      for (const window of WINDOWS) {
        results.set(`ours ${window}`, await ours(smsc, window, warmupMs, measureMs));
        results.set(`node-smpp ${window}`, await nodeSmppClient(smsc, window, warmupMs, measureMs));
      }
    } finally {
      await smsc.stop();
    }
    const lines = [
      '| window | ours (round trips/s) | node-smpp (round trips/s) | ours / node-smpp | client CPU per round trip, ours / node-smpp | client CPU, ours / node-smpp | SMSC CPU, ours / node-smpp |',
      '|--:|--:|--:|--:|--:|--:|--:|',
    ];
    for (const window of WINDOWS) {
      const a = results.get(`ours ${window}`)!;
      const b = results.get(`node-smpp ${window}`)!;
      if (a.errors + b.errors > 0) throw new Error(`window ${window}: submits answered with an error status (${a.errors} ours, ${b.errors} node-smpp)`);
      lines.push(
        `| ${window} | ${perSecond(a.rate)} | ${perSecond(b.rate)} | ${(a.rate / b.rate).toFixed(2)}× | ` +
          `${micros(a.clientCpu / a.rate)} / ${micros(b.clientCpu / b.rate)} | ${percent(a.clientCpu)} / ${percent(b.clientCpu)} | ` +
          `${percent(a.smscCpu)} / ${percent(b.smscCpu)} |`,
      );
    }
    console.log(lines.join('\n'));
    console.log(
      `\nOne bind_transceiver each, W submit_sm kept in flight (ours: W callers awaiting client.submit() with window_size W;` +
        ` node-smpp: each response callback sends the next). Client in the bench process, our simulator in a child process;` +
        ` ${warmupMs} ms warmup, then ${measureMs} ms measured (at most ${MAX_SUBMITS.toLocaleString('en-US')} submits).` +
        ` CPU = user + system time over the measured window (100 % = one core); per round trip = that time divided by the round trips.` +
        ` The simulator runs with message_store_size 0 so that it never sets the pace. Load average (1 min) before the suite: ${load.toFixed(2)}.\n`,
    );
    await transitionCost(options, results.get('ours 100')!.rate);
  },
};
