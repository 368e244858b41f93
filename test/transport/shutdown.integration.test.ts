/**
 * Stopping the transport as deployed: `smpp-transport run` in a child process, the simulator as
 * the SMSC, RabbitMQ and Redis. SIGTERM stops it gracefully (exit 0, unbind, nothing lost);
 * SIGKILL loses nothing either: unacked deliveries come back and a second process, sharing the
 * Redis cache, matches the receipts of the first one's messages.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { PduEvent, Simulator, SessionEvent } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { createMessage } from '../../src/transport/messages.js';
import type { VumiMessage } from '../../src/transport/messages.js';
import { deleteRedisKeys } from '../helpers/redis-keys.js';
import { REDIS_URL, RABBITMQ_URL, rabbitmqAvailable, redisAvailable } from '../helpers/services.js';
import { VumiApp } from '../helpers/vumi-app.js';

const services = (await rabbitmqAvailable()) && (await redisAvailable());
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'src', 'cli.ts');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `smpp-transport run` child; its output is kept for the failure message. */
class Child {
  readonly output: string[] = [];
  readonly exited: Promise<Exit>;
  private readonly child: ChildProcess;

  constructor(configFile: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', '--config', configFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The exit, or a rejection (with the output) after `ms`. */
  async exit(ms: number): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the transport did not exit within ${ms} ms:\n${this.output.join('')}`)), ms);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

interface World {
  name: string;
  dir: string;
  sim: Simulator;
  app: VumiApp;
  children: Child[];
  pdus: PduEvent[];
  bound: SessionEvent[];
  closed: SessionEvent[];
  configFile: string;
}

let world: World | undefined;

async function setUp(config: Record<string, unknown>, simOptions: SimulatorOptions): Promise<World> {
  const name = `stop-${randomUUID().slice(0, 8)}`;
  const sim = createSimulator({ port: 0, http_port: null, log_level: 'silent', enquire_link_interval_ms: 0, unbind_timeout_ms: 500, ...simOptions });
  const { port } = await sim.start();
  const app = new VumiApp(name);
  await app.start();
  const dir = mkdtempSync(join(tmpdir(), 'smpp-stop-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      transport_name: name,
      host: '127.0.0.1',
      port,
      amqp_url: RABBITMQ_URL,
      smpp_cache_class: 'redis',
      sequencer_class: 'redis',
      redis: { url: REDIS_URL, key_prefix: `test:${name}:` },
      log_level: process.env.E2E_LOG ?? 'warn',
      reconnect_delay_initial: 0.1,
      ...config,
    }),
  );
  world = { name, dir, sim, app, children: [], pdus: [], bound: [], closed: [], configFile };
  const w = world;
  sim.on('pdu', (e) => w.pdus.push(e));
  sim.on('bound', (e) => w.bound.push(e));
  sim.on('closed', (e) => w.closed.push(e));
  return w;
}

/** Starts a transport process and waits until the simulator has bound it. */
async function startChild(w: World): Promise<Child> {
  const child = new Child(w.configFile);
  w.children.push(child);
  const before = w.bound.length;
  await until(() => w.bound.length > before, 20_000, () => `the transport did not bind:\n${child.output.join('')}`);
  return child;
}

/** Resolves once `test()` holds, looking again on every simulator or bus event; rejects after `ms`. */
async function until(test: () => boolean | Promise<boolean>, ms: number, what: () => string): Promise<void> {
  const w = world!;
  const deadline = Date.now() + ms;
  while (!(await test())) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out: ${what()}`);
    // Wake on the next PDU or event; check at least every 100 ms for queue depths.
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        w.sim.off('pdu', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(left, 100));
      w.sim.on('pdu', done);
    });
  }
}

const outbound = (w: World, i: number): VumiMessage =>
  createMessage({ to_addr: `2783${String(i).padStart(7, '0')}`, from_addr: '1234', transport_name: w.name, transport_type: 'sms', content: `message ${i}` });

const FINAL = new Set(['ack', 'nack']);
const finals = (w: World, m: VumiMessage) => w.app.eventsFor(m.message_id).filter((e) => FINAL.has(e.event_type as string));
const submitsAtSmsc = (w: World) => w.pdus.filter((e) => e.direction === 'received' && e.pdu.command === 'submit_sm');

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  if (!world) return;
  const w = world;
  world = undefined;
  for (const c of w.children) if (c.running) c.kill('SIGKILL');
  await Promise.all(w.children.map((c) => c.exited));
  await w.sim.stop();
  await w.app.close();
  rmSync(w.dir, { recursive: true, force: true });
  await deleteRedisKeys(REDIS_URL, `test:${w.name}:`);
});

describe.runIf(services)('smpp-transport run: stopping', () => {
  it('SIGTERM mid-traffic: exit 0, unbind, every message has exactly one final event or is back in the queue', async () => {
    // Slow responses keep submits in flight when the signal comes; a small window keeps
    // messages waiting for a bind slot too.
    const w = await setUp({ window_size: 3, worker_concurrency: 10, shutdown_timeout: 5 }, { faults: { response_delay_ms: 200 } });
    const child = await startChild(w);
    const messages = Array.from({ length: 40 }, (_, i) => outbound(w, i));
    await Promise.all(messages.map((m) => w.app.send(m)));
    await until(() => messages.filter((m) => finals(w, m).length > 0).length >= 3, 20_000, () => 'no acks');

    child.kill('SIGTERM');
    const exit = await child.exit(20_000);
    expect(exit, child.output.join('')).toEqual({ code: 0, signal: null });
    // It unbound: the simulator got an unbind and answered it before the connection closed.
    expect(w.pdus.some((e) => e.direction === 'received' && e.pdu.command === 'unbind')).toBe(true);
    expect(w.pdus.some((e) => e.direction === 'sent' && e.pdu.command === 'unbind_resp')).toBe(true);

    // Events already published may still be on their way to the app: wait for the count to settle.
    const acked = () => messages.filter((m) => finals(w, m).length > 0).length;
    await until(async () => acked() + (await w.app.depth('outbound')) === messages.length, 10_000, () => `acked ${acked()}`);
    for (const m of messages) expect(finals(w, m).length).toBeLessThanOrEqual(1);
    const inQueue = await w.app.depth('outbound');
    expect(acked() + inQueue).toBe(messages.length);
    expect(inQueue).toBeGreaterThan(0); // the stop came mid-traffic
    // Graceful: what the SMSC took was acked, nothing went twice.
    expect(submitsAtSmsc(w)).toHaveLength(acked());
  }, 60_000);

  it('SIGKILL mid-traffic: a second process finishes the work; one final event each; receipts of the first process’s messages are matched by the second', async () => {
    const w = await setUp(
      {
        window_size: 5,
        worker_concurrency: 10,
        submit_sm_processor_config: { registered_delivery: { delivery_receipt: 'SMSC_DELIVERY_RECEIPT_REQUESTED' } },
      },
      // Receipts come late, after the first process is dead; an unanswered one is offered again soon.
      { faults: { response_delay_ms: 50 }, receipts: { delay_ms: 3_000, retry_delay_ms: 100, response_timeout_ms: 1_000 } },
    );
    const first = await startChild(w);
    const messages = Array.from({ length: 40 }, (_, i) => outbound(w, i));
    await Promise.all(messages.map((m) => w.app.send(m)));
    await until(() => messages.filter((m) => finals(w, m).length > 0).length >= 5, 20_000, () => 'no acks');

    first.kill('SIGKILL');
    expect((await first.exit(10_000)).signal).toBe('SIGKILL');
    const ackedByFirst = messages.filter((m) => finals(w, m).length > 0);
    // A receipt still owed for each: the second process must match them through Redis.
    expect(w.pdus.filter((e) => e.direction === 'sent' && e.pdu.command === 'deliver_sm')).toHaveLength(0);

    const second = await startChild(w);
    await until(
      async () => messages.every((m) => finals(w, m).length > 0) && (await w.app.depth('outbound')) === 0,
      30_000,
      () => `${messages.filter((m) => finals(w, m).length === 0).length} messages without a final event:\n${second.output.join('')}`,
    );
    for (const m of ackedByFirst) {
      const dr = await w.app.waitFor('events', (e) => e.user_message_id === m.message_id && e.event_type === 'delivery_report', 15_000);
      expect(dr.delivery_status).toBe('delivered');
    }
    second.kill('SIGTERM');
    expect(await second.exit(20_000)).toEqual({ code: 0, signal: null });

    for (const m of messages) expect(finals(w, m), m.message_id).toHaveLength(1);
    // Submits whose response the first process never saw went again: duplicates at the SMSC are allowed.
    const duplicates = submitsAtSmsc(w).length - messages.length;
    expect(duplicates).toBeGreaterThanOrEqual(0);
    console.info(`SIGKILL test: ${ackedByFirst.length} acked by the first process, ${duplicates} duplicate submits at the SMSC`);
  }, 90_000);
});
