/**
 * Flow control against the simulator over real TCP on 127.0.0.1: its throttle_per_second and
 * queue_full faults refuse submits with ESME_RTHROTTLED / ESME_RMSGQFUL, and SmppClient must get
 * every message accepted exactly once, each caller's parts in order. Back-off delays are a tenth
 * of a second so the file runs in a few seconds; completion is awaited through the submits'
 * promises and the window's events, never with sleeps.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus } from '../../src/pdu/command-status.js';
import type { Pdu, PduInput, PduOf } from '../../src/pdu/types.js';
import type { SessionConfigInput } from '../../src/session/config.js';
import { SmppClient } from '../../src/session/smpp-client.js';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import type { SimulatorOptions } from '../../src/simulator/options.js';
import { FAST_SESSION } from '../helpers/fast-session.js';

const silent = pino({ level: 'silent' });

const FAST = { ...FAST_SESSION, throttle_delay_initial: 0.1, throttle_delay_max: 0.4 } satisfies SessionConfigInput;

const simulators: Simulator[] = [];
const clients: SmppClient[] = [];

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop(5_000)));
  await Promise.all(simulators.splice(0).map((s) => s.stop()));
});

interface Ledger {
  /** short_message of every submit_sm the SMSC accepted, in the order it accepted them. */
  accepted: string[];
  /** How many submit_sm it refused, by status. */
  refused: Map<number, number>;
}

async function simulator(options: SimulatorOptions = {}): Promise<{ sim: Simulator; port: number; ledger: Ledger }> {
  const sim = createSimulator({ port: 0, http_port: null, log_level: 'silent', enquire_link_interval_ms: 0, unbind_timeout_ms: 300, ...options });
  simulators.push(sim);
  const ledger: Ledger = { accepted: [], refused: new Map() };
  const texts = new Map<number, string>();
  sim.on('pdu', (e) => {
    const pdu: Pdu | PduInput = e.pdu;
    if (e.direction === 'received' && pdu.command === 'submit_sm') {
      texts.set(pdu.sequence_number, pdu.short_message?.toString() ?? '');
    } else if (e.direction === 'sent' && pdu.command === 'submit_sm_resp') {
      const status = pdu.command_status ?? 0;
      if (status === 0) ledger.accepted.push(texts.get(pdu.sequence_number) ?? '?');
      else ledger.refused.set(status, (ledger.refused.get(status) ?? 0) + 1);
    }
  });
  const { port } = await sim.start();
  return { sim, port, ledger };
}

async function boundClient(port: number, config: SessionConfigInput = {}): Promise<SmppClient> {
  const client = new SmppClient({ ...FAST, port, logger: silent, ...config });
  clients.push(client);
  client.start();
  await client.whenBound(5_000);
  return client;
}

const submit = (client: SmppClient, text: string) =>
  client.submit({ source_addr: '1234', destination_addr: '27831234567', short_message: Buffer.from(text) });

/** `chains` callers, each sending `parts` submits one after the other (like the parts of a long message). */
function chains(client: SmppClient, chains: number, parts: number): Promise<PduOf<'submit_sm_resp'>[][]> {
  return Promise.all(
    Array.from({ length: chains }, async (_, c) => {
      const responses: PduOf<'submit_sm_resp'>[] = [];
      for (let p = 0; p < parts; p++) responses.push((await submit(client, `c${c}p${p}`)) as PduOf<'submit_sm_resp'>);
      return responses;
    }),
  );
}

/** The parts of chain `c` in the order the SMSC accepted them. */
const chainOrder = (accepted: string[], c: number) => accepted.filter((t) => t.startsWith(`c${c}p`));

describe('flow control against the simulator', () => {
  it('gets a burst through throttle_per_second: every submit accepted exactly once, each caller in order', async () => {
    const { port, ledger } = await simulator({ faults: { throttle_per_second: 20 } });
    const client = await boundClient(port, { window_size: 10 });
    const results = await chains(client, 6, 8);
    for (const responses of results) expect(responses.every((r) => r.command === 'submit_sm_resp' && r.command_status === 0)).toBe(true);
    // 48 submits at 20 a second: the SMSC refused some, and each refused one came back.
    expect(ledger.refused.get(CommandStatus.ESME_RTHROTTLED) ?? 0).toBeGreaterThan(0);
    expect(ledger.accepted).toHaveLength(48);
    expect(new Set(ledger.accepted).size).toBe(48);
    for (let c = 0; c < 6; c++) expect(chainOrder(ledger.accepted, c)).toEqual(Array.from({ length: 8 }, (_, p) => `c${c}p${p}`));
    const stats = client.runtime.window.stats;
    expect(stats.throttled).toBe(ledger.refused.get(CommandStatus.ESME_RTHROTTLED));
    expect(stats.pauses).toBeGreaterThan(0);
    expect(stats.throttledMs).toBeGreaterThan(0);
    expect(client.runtime.window.paused).toBe(false);
  });

  it('keeps strict order with window 1 under throttling', async () => {
    const { port, ledger } = await simulator({ faults: { throttle_per_second: 15 } });
    const client = await boundClient(port, { window_size: 1 });
    const texts = Array.from({ length: 30 }, (_, i) => `m${i}`);
    const responses = await Promise.all(texts.map((t) => submit(client, t)));
    expect(responses.every((r) => r.command_status === 0)).toBe(true);
    expect(ledger.accepted).toEqual(texts);
    expect(ledger.refused.get(CommandStatus.ESME_RTHROTTLED) ?? 0).toBeGreaterThan(0);
  });

  it('stays under the SMSC limit with submit_rate_limit: no refusal at all', async () => {
    const { port, ledger } = await simulator({ faults: { throttle_per_second: 25 } });
    const client = await boundClient(port, { window_size: 10, submit_rate_limit: 20 });
    const texts = Array.from({ length: 30 }, (_, i) => `r${i}`);
    const started = performance.now();
    await Promise.all(texts.map((t) => submit(client, t)));
    // 30 PDUs at 20 a second, burst 1: the last leaves 1.45 s after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(ledger.refused.size).toBe(0);
    expect(ledger.accepted).toEqual(texts);
  });

  it('waits out queue_full, backing off, and gets everything accepted once it clears', async () => {
    const { sim, port, ledger } = await simulator({ faults: { queue_full: true } });
    const client = await boundClient(port, { window_size: 5 });
    const window = client.runtime.window;
    const delays: number[] = [];
    // Three pauses, then the SMSC's queue drains.
    const threePauses = new Promise<void>((resolve) => {
      window.on('paused', (e) => {
        delays.push(e.delayMs);
        if (delays.length === 3) resolve();
      });
    });
    const pending = chains(client, 4, 5);
    await threePauses;
    expect(window.canTakeWork).toBe(false);
    expect(ledger.accepted).toHaveLength(0);
    sim.setFaults({ queue_full: false });
    const results = await pending;
    expect(results.flat().every((r) => r.command_status === 0)).toBe(true);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    expect(ledger.accepted).toHaveLength(20);
    expect(new Set(ledger.accepted).size).toBe(20);
    for (let c = 0; c < 4; c++) expect(chainOrder(ledger.accepted, c)).toEqual(Array.from({ length: 5 }, (_, p) => `c${c}p${p}`));
    expect(ledger.refused.get(CommandStatus.ESME_RMSGQFUL)).toBe(window.stats.throttled);
    await window.whenCanTakeWork();
    expect(window.canTakeWork).toBe(true);
  });
});
