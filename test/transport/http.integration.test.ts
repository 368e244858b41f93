/**
 * The transport's HTTP endpoint (`http_bind`): /health and /metrics, with the in-memory bus and
 * the simulator over TCP.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { MemoryBus } from '../../src/transport/bus/memory-bus.js';
import { resolveTransportConfig } from '../../src/transport/config.js';
import type { HealthReport } from '../../src/transport/http/health-server.js';
import { parseHttpBind } from '../../src/transport/http/health-server.js';
import { createMessage } from '../../src/transport/messages.js';
import { SmppTransport } from '../../src/transport/transport.js';
import { transportTestSimulator } from '../helpers/transport-simulator.js';

const silent = pino({ level: 'silent' });
const PASSWORD = 's3cr3tpw';
const ACCOUNT = { system_id: 'healthy', password: PASSWORD };

interface World {
  sim: Simulator;
  bus: MemoryBus;
  transport: SmppTransport;
  base: string;
}
let world: World | undefined;

async function start(config: Record<string, unknown> = {}, simOptions: SimulatorOptions = {}, waitBound = true): Promise<World> {
  const sim = transportTestSimulator({ accounts: [ACCOUNT], ...simOptions });
  const { port } = await sim.start();
  const bus = new MemoryBus({ logger: silent });
  const { config: resolved } = resolveTransportConfig({
    file: { transport_name: 'mem', host: '127.0.0.1', port, bus: 'memory', http_bind: '127.0.0.1:0', ...ACCOUNT, ...config },
  });
  const transport = new SmppTransport(resolved, { bus, logger: silent });
  world = { sim, bus, transport, base: '' };
  await transport.start();
  world.base = `http://${transport.httpAddress}`;
  if (waitBound) await transport.client.whenBound(10_000);
  return world;
}

async function health(w: World): Promise<{ status: number; body: HealthReport; text: string }> {
  const res = await fetch(`${w.base}/health`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as HealthReport, text };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (enough of the format for prom-client's output). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`unparsed metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

async function scrape(w: World): Promise<Sample[]> {
  const res = await fetch(`${w.base}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  expect(text).not.toContain(PASSWORD);
  return parseMetrics(text);
}

/** The sum of the samples of `name` whose labels include `labels`. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

const outbound = (content = 'hello') =>
  createMessage({ to_addr: '27831234567', from_addr: '1234', transport_name: 'mem', transport_type: 'sms', content });

/** A TCP port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  if (!world) return;
  await world.transport.stop();
  await world.sim.stop();
  world = undefined;
});

describe('http_bind', () => {
  it('parses vumi2’s forms', () => {
    expect(parseHttpBind('127.0.0.1:8000')).toEqual({ host: '127.0.0.1', port: 8000 });
    expect(parseHttpBind('0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseHttpBind('[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(parseHttpBind(':8000')).toEqual({ host: undefined, port: 8000 });
    expect(parseHttpBind('unix:/tmp/smpp.sock')).toEqual({ path: '/tmp/smpp.sock' });
  });

  it('is not served without http_bind', async () => {
    const w = await start({ http_bind: null });
    expect(w.transport.httpAddress).toBeUndefined();
  });
  it('listens on a unix socket, and stop closes it', async () => {
    const path = join(tmpdir(), `smpp-health-${randomUUID().slice(0, 8)}.sock`);
    const w = await start({ http_bind: `unix:${path}` });
    expect(w.transport.httpAddress).toBe(`unix:${path}`);
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ socketPath: path, path: '/health' }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ health: 'ok' });
    await w.transport.stop();
    expect(w.transport.httpAddress).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('stops listening when the transport stops', async () => {
    const w = await start();
    expect((await health(w)).status).toBe(200);
    await w.transport.stop();
    await expect(fetch(`${w.base}/health`)).rejects.toThrow();
  });
});

describe('GET /health', () => {
  it('is 500 until a bind is bound, 200 once bound, and 500 while the bus is down', async () => {
    const w = await start({}, { faults: { hold: ['bind'] } }, false);
    expect(w.transport.httpAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    // The bind request is held by the simulator: the session waits in `binding`.
    await waitFor(w.transport.client.actor, (s) => s.matches({ session: { connected: 'binding' } }), { timeout: 5_000 });
    const before = await health(w);
    expect(before.status).toBe(500);
    expect(before.body).toMatchObject({ health: 'down', bus: { connected: true }, binds: [{ bind: 0, bind_type: 'transceiver', state: 'binding' }] });

    w.sim.releaseHeld('bind');
    await w.transport.whenBound(5_000);
    const bound = await health(w);
    expect(bound.status).toBe(200);
    expect(bound.body).toEqual({
      health: 'ok',
      bus: { connected: true },
      binds: [
        {
          bind: 0,
          bind_type: 'transceiver',
          system_id: 'healthy',
          state: 'bound',
          reason: 'bind accepted',
          attempt: 0,
          in_flight: 0,
          window_size: w.transport.client.runtime.window.size,
          paused: false,
        },
      ],
    });
    expect(bound.text).not.toContain(PASSWORD);

    w.bus.setConnected(false);
    const busDown = await health(w);
    expect(busDown.status).toBe(500);
    expect(busDown.body).toMatchObject({ health: 'down', bus: { connected: false }, binds: [{ state: 'bound' }] });

    w.bus.setConnected(true);
    expect((await health(w)).status).toBe(200);
  });

  it('gives each bind’s state, and is ok while one of two is bound', async () => {
    // The second bind points at a port with nothing listening: it never binds.
    const w = await start({ binds: [{}, { port: await closedPort(), reconnect_delay_initial: 0.05, reconnect_delay_max: 0.05 }] });
    const second = w.transport.clients[1]!;
    await waitFor(second.actor, (s) => s.matches('backoff'), { timeout: 5_000 });
    const { status, body } = await health(w);
    expect(status).toBe(200);
    expect(body.health).toBe('ok');
    expect(body.binds).toHaveLength(2);
    expect(body.binds[0]).toMatchObject({ bind: 0, state: 'bound' });
    expect(body.binds[1]).toMatchObject({ bind: 1, bind_type: 'transceiver' });
    expect(['connecting', 'backoff']).toContain(body.binds[1]!.state);
    expect(body.binds[1]!.attempt).toBeGreaterThan(0);

    // The second bind keeps trying: every attempt after its first is a reconnect.
    await waitFor(second.actor, (s) => s.context.attempt >= 3, { timeout: 5_000 });
    const samples = await scrape(w);
    expect(value(samples, 'smpp_transport_bind_state', { bind: '0', state: 'bound' })).toBe(1);
    expect(value(samples, 'smpp_transport_bind_state', { bind: '0' })).toBe(1);
    expect(value(samples, 'smpp_transport_bind_state', { bind: '1', state: 'bound' })).toBe(0);
    expect(value(samples, 'smpp_transport_binds', { state: 'bound' })).toBe(1);
    expect(value(samples, 'smpp_transport_binds')).toBe(2);
    expect(value(samples, 'smpp_transport_reconnects_total', { bind: '0' })).toBe(0);
    expect(value(samples, 'smpp_transport_reconnects_total', { bind: '1' })).toBeGreaterThanOrEqual(2);
  });

  it('says down, with every bind disconnected, before the transport starts', async () => {
    const sim = createSimulator({ port: 0, http_port: null, log_level: 'silent' });
    const { port } = await sim.start();
    const { config } = resolveTransportConfig({ file: { host: '127.0.0.1', port, bus: 'memory', binds: 2 } });
    const transport = new SmppTransport(config, { bus: new MemoryBus({ logger: silent }), logger: silent });
    try {
      const report = transport.health();
      expect(report).toMatchObject({ health: 'down', bus: { connected: false } });
      expect(report.binds.map((b) => [b.bind, b.state])).toEqual([
        [0, 'disconnected'],
        [1, 'disconnected'],
      ]);
      const samples = parseMetrics(await transport.metrics.metrics());
      expect(value(samples, 'smpp_transport_binds', { state: 'disconnected' })).toBe(2);
    } finally {
      await sim.stop();
    }
  });

  it('answers 404 elsewhere', async () => {
    const w = await start();
    const res = await fetch(`${w.base}/nowhere`);
    expect(res.status).toBe(404);
    await res.body?.cancel();
  });
});

describe('GET /metrics', () => {
  it('counts submits, their latency and their events', async () => {
    const w = await start();
    expect(await w.bus.publishOutbound(outbound())).toBe('ack');
    expect(await w.bus.publishOutbound(outbound())).toBe('ack');
    const samples = await scrape(w);
    const bind0 = { bind: '0', system_id: 'healthy' };
    expect(value(samples, 'smpp_transport_submits_total', { ...bind0, command_status: 'ESME_ROK' })).toBe(2);
    expect(value(samples, 'smpp_transport_submits_total')).toBe(2);
    expect(value(samples, 'smpp_transport_submit_response_seconds_count', bind0)).toBe(2);
    expect(value(samples, 'smpp_transport_submit_response_seconds_sum', bind0)).toBeGreaterThan(0);
    expect(value(samples, 'smpp_transport_submit_response_seconds_bucket', { ...bind0, le: '30' })).toBe(2);
    expect(value(samples, 'smpp_transport_outbound_events_total', { event_type: 'ack' })).toBe(2);
    expect(value(samples, 'smpp_transport_outbound_events_total', { event_type: 'nack' })).toBe(0);
    expect(value(samples, 'smpp_transport_window_in_use', bind0)).toBe(0);
    expect(value(samples, 'smpp_transport_window_size', bind0)).toBe(w.transport.client.runtime.window.size);
    expect(value(samples, 'smpp_transport_bind_state', { ...bind0, state: 'bound', bind_type: 'transceiver' })).toBe(1);
    expect(value(samples, 'smpp_transport_reconnects_total', bind0)).toBe(0);
    // Node's process metrics come along when http_bind is set.
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('counts a refused submit under its status, and its nack', async () => {
    // ESME_RMSGQFUL is not a throttle status here: the submit is refused for good.
    const w = await start({ throttle_statuses: ['ESME_RTHROTTLED'] });
    expect(await w.bus.publishOutbound(outbound('accepted'))).toBe('ack');
    w.sim.setFaults({ queue_full: true });
    expect(await w.bus.publishOutbound(outbound('refused'))).toBe('ack');
    expect(w.bus.events.map((e) => e.event_type)).toEqual(['ack', 'nack']);
    const samples = await scrape(w);
    const bind0 = { bind: '0', system_id: 'healthy' };
    expect(value(samples, 'smpp_transport_submits_total', { ...bind0, command_status: 'ESME_ROK' })).toBe(1);
    expect(value(samples, 'smpp_transport_submits_total', { ...bind0, command_status: 'ESME_RMSGQFUL' })).toBe(1);
    expect(value(samples, 'smpp_transport_submit_response_seconds_count', bind0)).toBe(2);
    expect(value(samples, 'smpp_transport_throttled_responses_total', bind0)).toBe(0);
    expect(value(samples, 'smpp_transport_outbound_events_total', { event_type: 'ack' })).toBe(1);
    expect(value(samples, 'smpp_transport_outbound_events_total', { event_type: 'nack' })).toBe(1);
  });

  it('counts a submit left unanswered as an error, not a response', async () => {
    const w = await start({ smpp_response_timeout: 0.2 }, { faults: { drop_response_rate: 1 } });
    expect(await w.bus.publishOutbound(outbound())).toBe('ack');
    expect(w.bus.events.map((e) => e.event_type)).toEqual(['nack']);
    const samples = await scrape(w);
    const bind0 = { bind: '0', system_id: 'healthy' };
    expect(value(samples, 'smpp_transport_submit_errors_total', { ...bind0, error: 'response_timeout' })).toBe(1);
    expect(value(samples, 'smpp_transport_response_timeouts_total', bind0)).toBe(1);
    expect(value(samples, 'smpp_transport_submits_total')).toBe(0);
    expect(value(samples, 'smpp_transport_submit_response_seconds_count')).toBe(0);
    expect(value(samples, 'smpp_transport_outbound_events_total', { event_type: 'nack' })).toBe(1);
  });

  it('counts throttling: the response, the pause and its time; the submit counts once, as accepted', async () => {
    const w = await start({ throttle_delay_initial: 0.05, throttle_delay_max: 0.05 }, { faults: { queue_full: true } });
    const window = w.transport.client.runtime.window;
    // The SMSC says its queue is full once; then takes messages again.
    window.once('paused', () => w.sim.clearFaults());
    expect(await w.bus.publishOutbound(outbound())).toBe('ack');
    const samples = await scrape(w);
    const bind0 = { bind: '0', system_id: 'healthy' };
    expect(value(samples, 'smpp_transport_throttled_responses_total', bind0)).toBe(1);
    expect(value(samples, 'smpp_transport_throttle_pauses_total', bind0)).toBe(1);
    expect(value(samples, 'smpp_transport_throttled_seconds_total', bind0)).toBeGreaterThanOrEqual(0.04);
    expect(value(samples, 'smpp_transport_throttle_paused', bind0)).toBe(0);
    expect(value(samples, 'smpp_transport_submits_total', { ...bind0, command_status: 'ESME_ROK' })).toBe(1);
    expect(value(samples, 'smpp_transport_submits_total')).toBe(1);
    expect(value(samples, 'smpp_transport_submit_response_seconds_count', bind0)).toBe(1);
    // The pause is in the latency.
    expect(value(samples, 'smpp_transport_submit_response_seconds_sum', bind0)).toBeGreaterThanOrEqual(0.04);
    expect(value(samples, 'smpp_transport_submit_response_seconds_bucket', { ...bind0, le: '0.025' })).toBe(0);
  });

  it('counts receipts by delivery_status and MO messages', async () => {
    const w = await start({ submit_sm_processor_config: { registered_delivery: { delivery_receipt: 1 } } });
    const msg = outbound();
    await w.bus.publishOutbound(msg);
    await w.bus.waitForEvents(2, 5_000);
    w.sim.injectMo({ from: '27831234567', to: '1234', text: 'hi there' });
    await w.bus.waitForInbound(1, 5_000);
    const samples = await scrape(w);
    const bind0 = { bind: '0', system_id: 'healthy' };
    expect(value(samples, 'smpp_transport_receipts_total', { ...bind0, delivery_status: 'delivered' })).toBe(1);
    expect(value(samples, 'smpp_transport_receipts_total')).toBe(1);
    expect(value(samples, 'smpp_transport_receipts_unmatched_total')).toBe(0);
    expect(value(samples, 'smpp_transport_mo_messages_total', bind0)).toBe(1);
    expect(value(samples, 'smpp_transport_submit_response_seconds_count')).toBe(1);
  });

  it('counts a reconnect after the SMSC drops the connection', async () => {
    const w = await start({ reconnect_delay_initial: 0.05 });
    const client = w.transport.client;
    w.sim.disconnectAll();
    await waitFor(client.actor, (s) => s.matches('backoff'), { timeout: 5_000 });
    await client.whenBound(5_000);
    const samples = await scrape(w);
    expect(value(samples, 'smpp_transport_reconnects_total', { bind: '0', system_id: 'healthy' })).toBe(1);
    expect(value(samples, 'smpp_transport_bind_state', { bind: '0', state: 'bound' })).toBe(1);
    expect((await health(w)).status).toBe(200);
  });

  it('keeps each transport’s metrics in its own registry', async () => {
    const w = await start();
    await w.bus.publishOutbound(outbound());
    const other = new SmppTransport(w.transport.config, { bus: new MemoryBus({ logger: silent }), logger: silent });
    expect(other.metrics.registry).not.toBe(w.transport.metrics.registry);
    expect(parseMetrics(await other.metrics.metrics()).filter((s) => s.name === 'smpp_transport_submits_total')).toEqual([]);
    expect(value(parseMetrics(await w.transport.metrics.metrics()), 'smpp_transport_submits_total')).toBe(1);
  });
});
