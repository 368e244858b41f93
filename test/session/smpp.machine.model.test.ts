/**
 * Model-based tests of the connection manager: paths generated from the abstract model in
 * smpp.model.ts (the shortest path to every state, and a path through every transition) run
 * against the real machine with the real codec actor and request window, a scripted SMSC in
 * place of the socket, and fake timers, so each named delay is checked to the millisecond.
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createActor } from 'xstate';
import type { Snapshot } from 'xstate';
import { createTestModel } from 'xstate/graph';
import type { TestParam, TestPath } from 'xstate/graph';
import { smppMachineDefinition } from '../../machines/smpp.machine.js';
import type { SmppActor } from '../../machines/smpp.machine.js';
import { CommandStatus } from '../../src/index.js';
import { codecActor } from '../../src/session/codec-actor.js';
import { ScriptedSmsc } from '../helpers/scripted-smsc.js';
import { REAL_STATE, smppModel } from './smpp.model.js';
import type { ModelEvent, ModelState } from './smpp.model.js';

const CONFIG = {
  host: '127.0.0.1',
  port: 2775,
  smpp_connect_timeout: 10,
  smpp_bind_timeout: 30,
  smpp_enquire_link_interval: 55,
  smpp_enquire_link_timeout: 10,
  smpp_unbind_timeout: 5,
  reconnect_delay_initial: 1,
  reconnect_delay_max: 60,
  reconnect_jitter: 0,
} as const;

interface World {
  smsc: ScriptedSmsc;
  actor: SmppActor;
}

let world: World | undefined;

function start(): World {
  const smsc = new ScriptedSmsc();
  const machine = smppMachineDefinition.provide({ actors: { socket: smsc.socketActor, codec: codecActor } });
  const actor = createActor(machine, { input: { ...CONFIG, logger: pino({ level: 'silent' }) } });
  actor.start();
  world = { smsc, actor };
  return world;
}

/** Lets promise reactions (request actors settling) run, without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

/** Advances to one millisecond short of `ms`, checks nothing fired, then to `ms`. */
async function elapse(w: World, ms: number): Promise<void> {
  const before = w.actor.getSnapshot().value;
  await vi.advanceTimersByTimeAsync(ms - 1);
  expect(w.actor.getSnapshot().value, `fired before ${ms} ms`).toEqual(before);
  await vi.advanceTimersByTimeAsync(1);
}

function expectedBackoff(w: World): number {
  const { attempt, configError } = w.actor.getSnapshot().context;
  // Written out rather than calling reconnectDelay(), so the test states the rule itself.
  return configError ? CONFIG.reconnect_delay_max * 1000 : Math.min(60_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

function sent(w: World, command: string): number {
  return w.smsc.received.filter((p) => p.command === command).length;
}

type Param = TestParam<Snapshot<unknown>, ModelEvent>;

const events = (w: () => World): NonNullable<Param['events']> => ({
  CONNECT_OK: async () => {
    w().smsc.accept();
    await settle();
    expect(w().smsc.last('bind_transceiver')).toMatchObject({ system_id: 'smppclient1', interface_version: 0x34 });
  },
  CONNECT_FAILS: async () => {
    w().smsc.drop('socket closed: connect ECONNREFUSED 127.0.0.1:2775');
    await settle();
  },
  CONNECT_TIMEOUT: () => elapse(w(), CONFIG.smpp_connect_timeout * 1000),
  BIND_OK: async () => {
    w().smsc.answer('bind_transceiver', 0, { system_id: 'SMSC' });
    await settle();
  },
  BIND_BAD_PASSWORD: async () => {
    w().smsc.answer('bind_transceiver', CommandStatus.ESME_RINVPASWD);
    await settle();
    expect(w().actor.getSnapshot().context.configError).toBe(true);
  },
  BIND_ALREADY_BOUND: async () => {
    w().smsc.answer('bind_transceiver', CommandStatus.ESME_RALYBND);
    await settle();
    expect(w().actor.getSnapshot().context.configError).toBe(false);
  },
  BIND_TIMEOUT: () => elapse(w(), CONFIG.smpp_bind_timeout * 1000),
  LINK_IDLE: async () => {
    const before = sent(w(), 'enquire_link');
    await elapse(w(), CONFIG.smpp_enquire_link_interval * 1000);
    expect(sent(w(), 'enquire_link')).toBe(before + 1);
  },
  ENQUIRE_ANSWERED: async () => {
    w().smsc.answer('enquire_link');
    await settle();
  },
  ENQUIRE_TIMEOUT: async () => {
    await elapse(w(), CONFIG.smpp_enquire_link_timeout * 1000);
    expect(w().smsc.received.at(-1)?.command).toBe('unbind');
  },
  SMSC_ENQUIRES: async () => {
    const seq = w().smsc.request({ command: 'enquire_link' });
    await settle();
    expect(w().smsc.received.at(-1)).toMatchObject({ command: 'enquire_link_resp', sequence_number: seq });
  },
  SMSC_UNBINDS: async () => {
    const seq = w().smsc.request({ command: 'unbind' });
    await settle();
    expect(w().smsc.received.at(-1)).toMatchObject({ command: 'unbind_resp', sequence_number: seq });
  },
  CONNECTION_DROPS: async () => {
    w().smsc.drop();
    await settle();
  },
  GARBAGE_LENGTH: async () => {
    // command_length 5: the stream cannot be framed any more.
    w().smsc.bytes(Buffer.from('00000005800000040000000000000009', 'hex'));
    await settle();
    // Nothing the SMSC sends can be read any more, so no unbind is tried: nack and close.
    expect(w().smsc.received.at(-1)).toMatchObject({
      command: 'generic_nack',
      command_status: CommandStatus.ESME_RINVCMDLEN,
      sequence_number: 9,
    });
  },
  UNBIND_ANSWERED: async () => {
    w().smsc.answer('unbind');
    await settle();
  },
  UNBIND_TIMEOUT: () => elapse(w(), CONFIG.smpp_unbind_timeout * 1000),
  BACKOFF_ELAPSED: async () => {
    const attempts = w().smsc.connectionAttempts;
    await elapse(w(), expectedBackoff(w()));
    expect(w().smsc.connectionAttempts).toBe(attempts + 1);
  },
  STOP: async () => {
    w().actor.send({ type: 'stop' });
    await settle();
  },
});

function stateChecks(w: () => World): NonNullable<Param['states']> {
  const check = (state: ModelState) => () => {
    const snapshot = w().actor.getSnapshot();
    expect(snapshot.value).toEqual(REAL_STATE[state]);
    const connected = ['binding', 'bound', 'enquiring', 'unbinding'].includes(state);
    expect(snapshot.hasTag('connected')).toBe(connected);
    expect(snapshot.hasTag('bound')).toBe(state === 'bound' || state === 'enquiring');
    expect(w().smsc.isOpen).toBe(state !== 'backoff' && state !== 'stopped');
    if (state === 'stopped') expect(snapshot.status).toBe('done');
  };
  const states: Record<string, () => void> = {};
  for (const state of Object.keys(REAL_STATE) as ModelState[]) states[state] = check(state);
  return states;
}

const model = createTestModel(smppModel);
const params: Param = {
  states: stateChecks(() => world!),
  events: events(() => world!),
};

/** One path per transition of the model: the shortest path to its source state, then its event. */
function transitionPaths(): TestPath<Snapshot<unknown>, ModelEvent>[] {
  const toState = model.getShortestPaths({ allowDuplicatePaths: true });
  const adjacency = model.getAdjacencyMap();
  const paths: TestPath<Snapshot<unknown>, ModelEvent>[] = [];
  for (const path of toState) {
    const key = JSON.stringify(path.state);
    const entry = Object.values(adjacency).find((v) => JSON.stringify(v.state) === key);
    const transitions: { event: ModelEvent }[] = Object.values(entry?.transitions ?? {});
    for (const { event } of transitions) {
      paths.push(...model.getPathsFromEvents([...path.steps.map((s) => s.event), event] as ModelEvent[]));
    }
  }
  return paths;
}

beforeEach(() => {
  expect.hasAssertions();
  vi.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') });
  start();
});

afterEach(() => {
  world?.actor.stop();
  world = undefined;
  vi.useRealTimers();
});

describe('model-based: shortest path to every state', () => {
  // Duplicates kept: a path that is the prefix of a longer one still ends in a state of its own.
  const paths = model.getShortestPaths({ allowDuplicatePaths: true });
  it('covers every state of the model', () => {
    const reached = new Set(paths.map((p) => (p.state as unknown as { value: string }).value));
    expect([...reached].sort()).toEqual(Object.keys(REAL_STATE).sort());
  });
  it.each(paths.map((p) => [p.description, p] as const))('%s', async (_, path) => {
    await path.test(params);
  });
});

describe('model-based: every transition', () => {
  const paths = transitionPaths();
  it('has a path for each of the model’s transitions', () => {
    expect(paths.length).toBeGreaterThanOrEqual(30);
  });
  it.each(paths.map((p) => [p.description, p] as const))('%s', async (_, path) => {
    await path.test(params);
  });
});
