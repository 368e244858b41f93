/**
 * Simulator throughput: how many submit_sm per second an SMSC answers on loopback, ours
 * (`createSimulator`) against node-smpp 0.5.1's server (`smpp.createServer` answering submit_sm)
 * as a peer SMSC, same load, same run.
 *
 * The load comes from a lean pipelined client written with our codec directly (net.Socket +
 * encodePdu / FrameReader / decodePdu): it binds as a transceiver, then keeps W submit_sm in
 * flight, writing each batch of new submits in one write. It runs in a child process (this file,
 * started again with `--load-client`), so the SMSC under test has the bench process's event loop
 * to itself and its CPU use can be read apart from the client's: an SMSC near 100 % set the pace
 * (the number is its capacity); below that, the client or the ping-pong between the two did.
 * BENCH_LOAD_IN_PROCESS=1 runs the client in the bench process instead, for comparison.
 *
 * Our simulator is measured twice: with its defaults, after a warmup long enough to fill its
 * message store (100,000 messages), as a simulator that has run a while is; and with the store
 * off (message_store_size 0), which is what the rest of it costs.
 *
 * Every run is bounded: a warmup (time, count, cap), a measured window, a cap on submits, and a
 * stall deadline; a child that does not finish is killed.
 */
import { fork } from 'node:child_process';
import os from 'node:os';
import { once } from 'node:events';
import { connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodePdu, encodePdu, FrameReader } from '../src/pdu/index.js';
import { createSimulator } from '../src/simulator/simulator.js';
import { smpp } from '../test/helpers/node-smpp.js';
import type { NodeSmppPdu } from '../test/helpers/node-smpp.js';
import type { BenchOptions, BenchSuite } from './index.js';

// ---- child processes --------------------------------------------------------------------------

/** Whether the module at `url` is the process's entry script (started as a child, not imported). */
export function isEntry(url: string): boolean {
  const entry = process.argv[1];
  return entry !== undefined && pathToFileURL(resolve(entry)).href === url;
}

/** Starts the TypeScript module at `url` in a child Node process (through tsx) with an IPC channel. */
export function forkModule(url: string, args: readonly string[]) {
  return fork(fileURLToPath(url), [...args], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** CPU time (user + system) used between two `process.cpuUsage()` readings, as a share of `ms`. */
export function cpuShare(before: NodeJS.CpuUsage, after: NodeJS.CpuUsage, ms: number): number {
  return (after.user - before.user + after.system - before.system) / 1000 / ms;
}

export const percent = (share: number): string => `${Math.round(share * 100)} %`;
export const perSecond = (n: number): string => Math.round(n).toLocaleString('en-US');
/** A CPU share per operation (seconds of CPU per op) in µs. */
export const micros = (secondsPerOp: number): string => `${(secondsPerOp * 1e6).toFixed(1)} µs`;

// ---- the load client ----------------------------------------------------------------------------

export interface LoadParams {
  port: number;
  window: number;
  /** Warmup lasts at least this long and at least `warmupSubmits` responses, but no longer than `maxWarmupMs`. */
  warmupMs: number;
  warmupSubmits: number;
  maxWarmupMs: number;
  measureMs: number;
  /** Submits sent at most, warmup included. */
  maxSubmits: number;
}

export interface LoadResult {
  /** submit_sm_resp received in the measured window. */
  responses: number;
  /** The measured window's length. */
  ms: number;
  /** Responses with a status other than 0, or generic_nack, during the whole run. */
  errors: number;
  /** The client's CPU use during the measured window (1 = one core). */
  cpu: number;
  /** Responses received in the warmup. */
  warmup: number;
}

type LoadMessage = { type: 'measuring' } | { type: 'measured' } | { type: 'result'; result: LoadResult } | { type: 'error'; message: string };

const SUBMIT = {
  command: 'submit_sm',
  source_addr: '1234',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: '27831234567',
  short_message: Buffer.from('hello world, this is a benchmark message'),
} as const;

/** A stalled run (the SMSC stopped answering) ends with an error after this long. */
const STALL_MS = 5_000;

async function runLoad(params: LoadParams, report: (message: LoadMessage) => void): Promise<LoadResult> {
  const socket: Socket = connect(params.port, '127.0.0.1');
  socket.setNoDelay(true);
  await once(socket, 'connect');
  const reader = new FrameReader();
  let sequence = 0;
  let inFlight = 0;
  let sent = 0;
  let received = 0;
  let errors = 0;
  let phase: 'bind' | 'warmup' | 'measure' | 'drain' | 'done' = 'bind';
  let startedAt = 0;
  let measureFrom = 0;
  let measureStart = 0;
  let measured = 0;
  let measuredMs = 0;
  let cpuBefore = process.cpuUsage();
  let cpu = 0;
  let lastProgress = performance.now();

  const pump = () => {
    if (phase !== 'warmup' && phase !== 'measure') return;
    const batch: Buffer[] = [];
    while (inFlight < params.window && sent < params.maxSubmits) {
      batch.push(encodePdu({ ...SUBMIT, sequence_number: ++sequence }));
      inFlight++;
      sent++;
    }
    if (batch.length > 0) socket.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch));
  };

  return new Promise<LoadResult>((resolvePromise, reject) => {
    const fail = (err: Error) => {
      clearInterval(watchdog);
      socket.destroy();
      reject(err);
    };
    const finish = () => {
      if (phase === 'done') return;
      phase = 'done';
      clearInterval(watchdog);
      // Unbind politely and close; whatever the SMSC answers is not waited for.
      socket.end(encodePdu({ command: 'unbind', sequence_number: ++sequence }));
      setTimeout(() => socket.destroy(), 1_000).unref();
      resolvePromise({ responses: measured, ms: measuredMs, errors, cpu, warmup: measureFrom });
    };
    const endMeasure = () => {
      const now = performance.now();
      measured = received - measureFrom;
      measuredMs = now - measureStart;
      cpu = cpuShare(cpuBefore, process.cpuUsage(), measuredMs);
      report({ type: 'measured' });
      phase = 'drain';
    };
    const tick = (now: number) => {
      const warm =
        (now - startedAt >= params.warmupMs && received >= params.warmupSubmits) || now - startedAt >= params.maxWarmupMs;
      if (phase === 'warmup' && warm) {
        phase = 'measure';
        measureFrom = received;
        measureStart = now;
        cpuBefore = process.cpuUsage();
        report({ type: 'measuring' });
      } else if (phase === 'measure' && (now - measureStart >= params.measureMs || sent >= params.maxSubmits)) {
        endMeasure();
      }
    };
    const watchdog = setInterval(() => {
      const now = performance.now();
      tick(now);
      if (phase === 'drain' && inFlight === 0) finish();
      else if (now - lastProgress > STALL_MS) fail(new Error(`no response for ${STALL_MS} ms (${inFlight} in flight, phase ${phase})`));
    }, 20);

    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      if (phase === 'done') return;
      const now = performance.now();
      lastProgress = now;
      for (const frame of reader.push(chunk)) {
        const pdu = decodePdu(frame);
        if (pdu.command === 'submit_sm_resp' || pdu.command === 'generic_nack') {
          inFlight--;
          received++;
          if (pdu.command_status !== 0) errors++;
        } else if (pdu.command === 'bind_transceiver_resp') {
          if (pdu.command_status !== 0) return fail(new Error(`bind refused: status ${pdu.command_status}`));
          phase = 'warmup';
          startedAt = now;
        } else if (pdu.command === 'enquire_link') {
          socket.write(encodePdu({ command: 'enquire_link_resp', sequence_number: pdu.sequence_number }));
        }
      }
      tick(now);
      if (phase === 'drain') {
        if (inFlight === 0) finish();
      } else {
        pump();
      }
    });
    socket.write(
      encodePdu({
        command: 'bind_transceiver',
        sequence_number: ++sequence,
        system_id: 'smppclient1',
        password: 'password',
        interface_version: 0x34,
      }),
    );
  });
}

/** The child process: runs one load and sends its result over IPC. */
async function loadClientMain(json: string): Promise<void> {
  const send = (message: LoadMessage) => process.send?.(message);
  try {
    send({ type: 'result', result: await runLoad(JSON.parse(json) as LoadParams, send) });
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
  process.disconnect?.();
}

// ---- the SMSCs under test -----------------------------------------------------------------------

interface Smsc {
  port: number;
  close(): Promise<void>;
}

interface Peer {
  /** The row label. */
  label: string;
  start(): Promise<Smsc>;
}

/** Our simulator, quiet and without HTTP; `message_store_size` as given (default 100,000). */
function ourSimulator(messageStoreSize?: number): () => Promise<Smsc> {
  return async () => {
    const sim = createSimulator({
      port: 0,
      http_port: null,
      log_level: 'silent',
      enquire_link_interval_ms: 0,
      ...(messageStoreSize !== undefined && { message_store_size: messageStoreSize }),
    });
    const { port } = await sim.start();
    return { port, close: () => sim.stop() };
  };
}

interface NodeSmppServerSession {
  on(event: 'pdu', listener: (pdu: NodeSmppPdu & { response(options?: Record<string, unknown>): NodeSmppPdu }) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  send(pdu: NodeSmppPdu): boolean;
  close(): void;
  destroy(): void;
}

interface NodeSmppServerModule {
  createServer(listener: (session: NodeSmppServerSession) => void): Server;
}

/** node-smpp's server answering as an SMSC would: binds, submit_sm (a counter message_id), enquire_link, unbind. */
async function nodeSmppServer(): Promise<Smsc> {
  const serverModule = smpp as unknown as NodeSmppServerModule;
  const sessions = new Set<NodeSmppServerSession>();
  let messageId = 0;
  const server = serverModule.createServer((session) => {
    sessions.add(session);
    session.on('error', () => undefined);
    session.on('pdu', (pdu) => {
      switch (pdu.command) {
        case 'submit_sm':
          session.send(pdu.response({ message_id: String(++messageId) }));
          return;
        case 'bind_transceiver':
        case 'bind_transmitter':
        case 'bind_receiver':
          session.send(pdu.response({ system_id: 'node-smpp' }));
          return;
        case 'enquire_link':
          session.send(pdu.response());
          return;
        case 'unbind':
          session.send(pdu.response());
          session.close();
          sessions.delete(session);
          return;
      }
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const s of sessions) s.destroy();
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}

// ---- the suite --------------------------------------------------------------------------------

interface Measurement extends LoadResult {
  rate: number;
  /** The SMSC's CPU use during the measured window (with the load in-process: the whole process's). */
  smscCpu: number;
}

/**
 * Where the load client runs. A child process by default; BENCH_LOAD_IN_PROCESS=1 runs it in the
 * bench process beside the SMSC instead (then both share one event loop and the CPU columns are one).
 */
const IN_PROCESS = process.env.BENCH_LOAD_IN_PROCESS === '1';

/** Runs the load client against `params.port`; the SMSC's CPU is read in this process. */
async function measure(params: LoadParams): Promise<Measurement> {
  let smscBefore = process.cpuUsage();
  let smscAfter: NodeJS.CpuUsage | undefined;
  let windowStart = 0;
  let windowMs = 0;
  const onMessage = (message: LoadMessage) => {
    if (message.type === 'measuring') {
      smscBefore = process.cpuUsage();
      windowStart = performance.now();
    } else if (message.type === 'measured') {
      smscAfter = process.cpuUsage();
      windowMs = performance.now() - windowStart;
    }
  };
  let result: LoadResult;
  if (IN_PROCESS) {
    result = await runLoad(params, onMessage);
  } else {
    const child = forkModule(import.meta.url, ['--load-client', JSON.stringify(params)]);
    const deadline = params.maxWarmupMs + params.measureMs + 30_000;
    result = await new Promise<LoadResult>((ok, fail) => {
      const timer = setTimeout(() => {
        child.kill();
        fail(new Error(`load client did not finish within ${deadline} ms`));
      }, deadline);
      child.on('message', (message: LoadMessage) => {
        onMessage(message);
        if (message.type === 'result') {
          clearTimeout(timer);
          ok(message.result);
        } else if (message.type === 'error') {
          clearTimeout(timer);
          fail(new Error(`load client: ${message.message}`));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`load client exited with code ${code} before its result`));
      });
    });
    if (child.exitCode === null) await once(child, 'exit');
  }
  return {
    ...result,
    rate: (result.responses / result.ms) * 1000,
    smscCpu: smscAfter === undefined ? Number.NaN : cpuShare(smscBefore, smscAfter, windowMs),
  };
}

const WINDOWS = [100, 1000] as const;
/** The simulator's default message_store_size: the warmup fills the store, so the measured window sees it full, as in a simulator that has been running a while. */
const WARMUP_SUBMITS = 100_000;
const MAX_WARMUP_MS = 30_000;
const MAX_SUBMITS = 3_000_000;

const PEERS: readonly Peer[] = [
  { label: 'ours (defaults; store full, 100,000)', start: ourSimulator() },
  { label: 'ours (message_store_size: 0)', start: ourSimulator(0) },
  { label: 'node-smpp 0.5.1 server', start: nodeSmppServer },
];

export const simulatorSuite: BenchSuite = {
  name: 'simulator',
  description: 'submit_sm answered per second on loopback: our simulator vs node-smpp 0.5.1 as the SMSC',
  async run(options: BenchOptions): Promise<void> {
    // Network runs need longer windows than tinybench tasks: 4× BENCH_TIME_MS, at least 2 s.
    const measureMs = Math.max(2_000, options.timeMs * 4);
    const warmupMs = Math.max(500, options.warmupMs * 4);
    const load = os.loadavg()[0]!;
    const results = new Map<string, Measurement>();
    for (const window of WINDOWS) {
      // The SMSCs take turns, so a drift of the machine hits every row alike.
      for (const peer of PEERS) {
        const smsc = await peer.start();
        try {
          const m = await measure({
            port: smsc.port,
            window,
            warmupMs,
            warmupSubmits: WARMUP_SUBMITS,
            maxWarmupMs: MAX_WARMUP_MS,
            measureMs,
            maxSubmits: MAX_SUBMITS,
          });
          if (m.errors > 0) throw new Error(`${peer.label}: ${m.errors} submits answered with an error status`);
          results.set(`${peer.label} ${window}`, m);
        } finally {
          await smsc.close();
        }
      }
    }
    const node = PEERS[2]!.label;
    const lines = [
      '| SMSC | window | submit_sm/s | vs node-smpp | SMSC CPU | SMSC CPU per submit | client CPU | warmup submits |',
      '|---|--:|--:|--:|--:|--:|--:|--:|',
    ];
    for (const window of WINDOWS) {
      const theirs = results.get(`${node} ${window}`)!;
      for (const peer of PEERS) {
        const m = results.get(`${peer.label} ${window}`)!;
        const ratio = peer.label === node ? '—' : `${(m.rate / theirs.rate).toFixed(2)}×`;
        const cpu = IN_PROCESS ? '(one process)' : percent(m.smscCpu);
        const client = IN_PROCESS ? '(one process)' : percent(m.cpu);
        lines.push(
          `| ${peer.label} | ${window} | ${perSecond(m.rate)} | ${ratio} | ${cpu} | ${micros(m.smscCpu / m.rate)}${IN_PROCESS ? ' (both)' : ''} | ${client} | ${perSecond(m.warmup)} |`,
        );
      }
    }
    console.log(lines.join('\n'));
    console.log(
      `\nLoad client: our codec on a raw net.Socket (encodePdu / FrameReader / decodePdu), one bind_transceiver, W submit_sm in flight, ` +
        (IN_PROCESS
          ? 'in the bench process beside the SMSC (BENCH_LOAD_IN_PROCESS=1: one event loop for both).'
          : 'in a child process; the SMSC runs alone on the bench process\'s event loop.') +
        ` Warmup: at least ${warmupMs} ms and ${perSecond(WARMUP_SUBMITS)} submits (at most ${MAX_WARMUP_MS / 1000} s), then ${measureMs} ms measured` +
        ` (at most ${perSecond(MAX_SUBMITS)} submits in all). CPU = user + system time over the measured window (100 % = one core).` +
        ` Load average (1 min) before the suite: ${load.toFixed(2)}.`,
    );
  },
};

if (isEntry(import.meta.url) && process.argv[2] === '--load-client') {
  await loadClientMain(process.argv[3] ?? '{}');
}
