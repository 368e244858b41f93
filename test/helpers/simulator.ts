/**
 * Fixtures for the simulator's tests: a simulator on free ports with quiet, fast defaults,
 * node-smpp clients bound to it, its HTTP API, and awaiting its events with a deadline. Every
 * simulator and client a test makes through `useSimulator()` is closed after the test.
 */
import { afterEach } from 'vitest';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { Simulator, SimulatorEvents } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { DEFAULT_WAIT_MS, NodeSmppClient } from './node-smpp-client.js';
import { RawSmppClient } from './raw-smpp-client.js';

export type BindType = 'transmitter' | 'receiver' | 'transceiver';

export interface Running {
  sim: Simulator;
  port: number;
  /** Set when the options asked for HTTP (`http_port: 0`). */
  httpPort: number;
}

/** Defaults that keep a test fast and quiet: free ports, no HTTP, no idle enquire_link. */
const TEST_DEFAULTS: SimulatorOptions = {
  port: 0,
  http_port: null,
  log_level: 'silent',
  enquire_link_interval_ms: 0,
  unbind_timeout_ms: 500,
  receipts: { delay_ms: 10, retry_delay_ms: 20, response_timeout_ms: 2_000 },
};

export interface SimulatorFixture {
  start(options?: SimulatorOptions): Promise<Running>;
  /** Connects without binding. */
  connect(port: number, options?: { autoAnswer?: boolean }): Promise<NodeSmppClient>;
  /** Connects and binds (default smppclient1/password); throws unless the bind succeeds. */
  bind(
    port: number,
    bindType?: BindType,
    credentials?: { system_id?: string; password?: string },
    options?: { autoAnswer?: boolean },
  ): Promise<NodeSmppClient>;
  raw(port: number, options?: { allowHalfOpen?: boolean }): Promise<RawSmppClient>;
}

/** Registers an afterEach that closes the clients, then stops the simulators, of each test. */
export function useSimulator(): SimulatorFixture {
  const simulators: Simulator[] = [];
  const clients: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    // Clients first, so that stop() has no unbind handshakes to wait for.
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(simulators.splice(0).map((s) => s.stop()));
  });
  return {
    async start(options = {}) {
      const receipts = { ...TEST_DEFAULTS.receipts, ...options.receipts };
      const sim = createSimulator({ ...TEST_DEFAULTS, ...options, receipts });
      simulators.push(sim);
      const ports = await sim.start();
      return { sim, port: ports.port, httpPort: ports.http_port ?? -1 };
    },
    async connect(port, options = {}) {
      const client = await NodeSmppClient.connect(port, options);
      clients.push(client);
      return client;
    },
    async bind(port, bindType = 'transceiver', credentials = {}, options = {}) {
      const client = await NodeSmppClient.bound(port, bindType, credentials, options);
      clients.push(client);
      return client;
    },
    async raw(port, options = {}) {
      const client = await RawSmppClient.connect(port, options);
      clients.push(client);
      return client;
    },
  };
}

/** The next `event` of the simulator whose argument passes `test`, or a rejection after `waitMs`. */
export function nextEvent<E extends keyof SimulatorEvents>(
  sim: Simulator,
  event: E,
  test: (...args: SimulatorEvents[E]) => boolean = () => true,
  waitMs = DEFAULT_WAIT_MS,
): Promise<SimulatorEvents[E]> {
  return new Promise((resolve, reject) => {
    const listener = (...args: SimulatorEvents[E]) => {
      if (!test(...args)) return;
      clearTimeout(timer);
      sim.off(event, listener as never);
      resolve(args);
    };
    const timer = setTimeout(() => {
      sim.off(event, listener as never);
      reject(new Error(`no simulator '${String(event)}' event within ${waitMs} ms`));
    }, waitMs);
    sim.on(event, listener as never);
  });
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** One request to the simulator's HTTP API; `body` is sent as is when a string, else as JSON. */
export async function http(port: number, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return { status: res.status, body: (await res.json()) };
}

/** The short_message text of a node-smpp PDU (it decodes short_message into `{ message, udh? }`). */
export function textOf(pdu: Record<string, unknown>, field = 'short_message'): string {
  const value = pdu[field] as { message?: unknown } | Buffer | string | undefined;
  if (typeof value === 'string') return value;
  if (value === undefined) throw new Error(`no ${field}`);
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (typeof value.message === 'string') return value.message;
  if (Buffer.isBuffer(value.message)) return value.message.toString('latin1');
  throw new Error(`${field} has no message`);
}
