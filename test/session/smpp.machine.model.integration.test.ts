/**
 * Model-based tests over real TCP: the paths of smpp.model.ts (one through every transition)
 * run against the real machine, socket and codec, connected over 127.0.0.1 to the simulator.
 * The simulator holds bind, enquire_link and unbind unanswered (its `hold` fault) so that each
 * step decides how the SMSC answers, and it is stopped and started on its fixed port for the
 * steps where the connection must fail. Timeouts are real but short; every wait is on a state,
 * never a sleep.
 *
 * CONNECT_TIMEOUT needs a peer that swallows SYNs, which loopback does not offer: its paths run
 * only in the fake-timer suite (smpp.machine.model.test.ts).
 */
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActor, waitFor } from 'xstate';
import type { SnapshotFrom } from 'xstate';
import { createTestModel } from 'xstate/graph';
import type { SmppActor } from '../../machines/smpp.machine.js';
import { CommandStatus } from '../../src/index.js';
import { smppMachine } from '../../src/session/smpp-machine.js';
import { createSimulator } from '../../src/simulator/simulator.js';
import type { Simulator } from '../../src/simulator/simulator.js';
import type { HeldCommand } from '../../src/simulator/options.js';
import { REAL_STATE, smppModel } from './smpp.model.js';
import type { ModelEvent, ModelState } from './smpp.model.js';

const SECONDS = {
  smpp_bind_timeout: 0.2,
  smpp_enquire_link_interval: 0.4,
  smpp_enquire_link_timeout: 0.2,
  smpp_unbind_timeout: 0.2,
  smpp_connect_timeout: 5,
  reconnect_delay_initial: 0.3,
  reconnect_delay_max: 0.5,
  reconnect_jitter: 0,
} as const;
const WAIT = { timeout: 5_000 };

type Snapshot = SnapshotFrom<SmppActor>;

interface World {
  simulator: Simulator;
  port: number;
  up: boolean;
  actor: SmppActor;
}

let world: World | undefined;

async function simulatorUp(w: World, up: boolean): Promise<void> {
  if (w.up === up) return;
  if (up) await w.simulator.start();
  else await w.simulator.stop();
  w.up = up;
}

function makeSimulator(port: number): Simulator {
  return createSimulator({
    port,
    http_port: null,
    log_level: 'silent',
    enquire_link_interval_ms: 0,
    faults: { hold: ['bind', 'enquire_link', 'unbind'] },
  });
}

/** A free port for the simulator to keep across its stops and starts. */
async function freePort(): Promise<number> {
  const probe = makeSimulator(0);
  const { port } = await probe.start();
  await probe.stop();
  return port;
}

/** Resolves once the simulator holds a request of `kind` (it may arrive after the state changes). */
function held(simulator: Simulator, kind: HeldCommand): Promise<void> {
  if (simulator.heldRequests(kind) > 0) return Promise.resolve();
  return new Promise((resolve) => {
    const onHeld = (e: { command: HeldCommand }) => {
      if (e.command !== kind) return;
      simulator.off('held', onHeld);
      resolve();
    };
    simulator.on('held', onHeld);
  });
}

const is = (state: ModelState) => (s: Snapshot) => s.matches(REAL_STATE[state] as never);

/** Enacts a model event on the simulator and the clock; `next` is the event after it. */
async function enact(w: World, event: ModelEvent['type'], next: ModelEvent['type'] | undefined, stopping: boolean): Promise<void> {
  const { actor, simulator } = w;
  switch (event) {
    case 'CONNECT_OK':
      await waitFor(actor, is('binding'), WAIT);
      await held(simulator, 'bind');
      expect(simulator.heldRequests('bind')).toBe(1);
      return;
    case 'CONNECT_FAILS':
      await waitFor(actor, is('backoff'), WAIT);
      expect(actor.getSnapshot().context.reason).toContain('ECONNREFUSED');
      return;
    case 'BIND_OK':
      expect(simulator.releaseHeld('bind')).toBe(true);
      await waitFor(actor, is('bound'), WAIT);
      return;
    case 'BIND_BAD_PASSWORD':
      expect(simulator.releaseHeld('bind', CommandStatus.ESME_RINVPASWD)).toBe(true);
      await waitFor(actor, is('backoff'), WAIT);
      expect(actor.getSnapshot().context).toMatchObject({ configError: true, reason: 'bind refused: ESME_RINVPASWD' });
      return;
    case 'BIND_ALREADY_BOUND':
      expect(simulator.releaseHeld('bind', CommandStatus.ESME_RALYBND)).toBe(true);
      await waitFor(actor, is('backoff'), WAIT);
      expect(actor.getSnapshot().context).toMatchObject({ configError: false, reason: 'bind refused: ESME_RALYBND' });
      return;
    case 'BIND_TIMEOUT': {
      const started = performance.now();
      await waitFor(actor, is('backoff'), WAIT);
      expect(actor.getSnapshot().context.reason).toBe('bind timeout');
      expect(performance.now() - started).toBeGreaterThanOrEqual(SECONDS.smpp_bind_timeout * 1000 - 50);
      return;
    }
    case 'LINK_IDLE':
      await waitFor(actor, is('enquiring'), WAIT);
      await held(simulator, 'enquire_link');
      expect(simulator.heldRequests('enquire_link')).toBe(1);
      return;
    case 'ENQUIRE_ANSWERED':
      expect(simulator.releaseHeld('enquire_link')).toBe(true);
      await waitFor(actor, is('bound'), WAIT);
      return;
    case 'ENQUIRE_TIMEOUT':
      await waitFor(actor, is('unbinding'), WAIT);
      expect(actor.getSnapshot().context.reason).toBe('enquire_link timeout');
      return;
    case 'SMSC_ENQUIRES': {
      const answered = new Promise<void>((resolve) =>
        simulator.on('pdu', (e) => e.direction === 'received' && e.pdu.command === 'enquire_link_resp' && resolve()),
      );
      expect(simulator.enquireLinkAll()).toBe(1);
      await answered;
      return;
    }
    case 'SMSC_UNBINDS':
      void simulator.unbindAll();
      await waitFor(actor, is('backoff'), WAIT);
      expect(actor.getSnapshot().context.reason).toBe('unbind from the SMSC');
      return;
    case 'CONNECTION_DROPS':
      simulator.disconnectAll();
      await waitFor(actor, is('backoff'), WAIT);
      return;
    case 'GARBAGE_LENGTH':
      expect(simulator.sendGarbage('bad_length')).toBe(1);
      await waitFor(actor, is('backoff'), WAIT);
      expect(actor.getSnapshot().context.reason).toMatch(/^framing error/);
      return;
    case 'UNBIND_ANSWERED':
      await held(simulator, 'unbind');
      expect(simulator.releaseHeld('unbind')).toBe(true);
      await waitFor(actor, is(stopping ? 'stopped' : 'backoff'), WAIT);
      return;
    case 'UNBIND_TIMEOUT':
      await waitFor(actor, is(stopping ? 'stopped' : 'backoff'), WAIT);
      return;
    case 'BACKOFF_ELAPSED':
      // The SMSC must be up or down before the back-off ends, as the next step needs it.
      await simulatorUp(w, next !== 'CONNECT_FAILS');
      await waitFor(actor, (s) => !is('backoff')(s), WAIT);
      return;
    case 'STOP':
      actor.send({ type: 'stop' });
      return;
    case 'CONNECT_TIMEOUT':
      throw new Error('CONNECT_TIMEOUT cannot be enacted on loopback');
  }
}

const model = createTestModel(smppModel);

const isModelEvent = (type: string): type is ModelEvent['type'] => type !== 'xstate.init';

/** One path per transition of the model, as event lists, without CONNECT_TIMEOUT. */
function transitionPaths(): { description: string; events: ModelEvent['type'][] }[] {
  const adjacency = model.getAdjacencyMap();
  const out: { description: string; events: ModelEvent['type'][] }[] = [];
  for (const path of model.getShortestPaths({ allowDuplicatePaths: true })) {
    const key = JSON.stringify(path.state);
    const entry = Object.values(adjacency).find((v) => JSON.stringify(v.state) === key);
    const transitions: { event: ModelEvent }[] = Object.values(entry?.transitions ?? {});
    for (const { event } of transitions) {
      // Paths start with xstate.init, which is no event of the model's.
      const events = [...path.steps.map((s) => s.event.type as string), event.type].filter(isModelEvent);
      if (events.includes('CONNECT_TIMEOUT')) continue;
      const description = events.join(' → ');
      if (!out.some((p) => p.description === description)) out.push({ description, events });
    }
  }
  return out;
}

/** The model's state after each event, to check the real machine against. */
function modelStates(events: ModelEvent['type'][]): { state: ModelState; stopping: boolean }[] {
  const path = model.getPathsFromEvents(events.map((type) => ({ type })))[0]!;
  return path.steps
    .filter((s) => isModelEvent(s.event.type))
    .map((s) => {
      const snap = s.state as unknown as { value: ModelState; context: { stopping: boolean } };
      return { state: snap.value, stopping: snap.context.stopping };
    });
}

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(async () => {
  if (!world) return;
  world.actor.stop();
  if (world.up) await world.simulator.stop();
  world = undefined;
});

describe('model-based over TCP against the simulator: every transition', () => {
  const paths = transitionPaths();

  it('covers every transition the loopback can enact', () => {
    expect(paths.length).toBeGreaterThanOrEqual(25);
  });

  it.each(paths.map((p) => [p.description, p.events] as const))('%s', async (_, events) => {
    const port = await freePort();
    world = { simulator: makeSimulator(port), port, up: false, actor: undefined as unknown as SmppActor };
    await simulatorUp(world, events[0] !== 'CONNECT_FAILS');
    world.actor = createActor(smppMachine, {
      input: { host: '127.0.0.1', port, ...SECONDS, logger: pino({ level: 'silent' }) },
    });
    world.actor.start();
    const expected = modelStates(events);
    for (let i = 0; i < events.length; i++) {
      const { state, stopping } = expected[i]!;
      await enact(world, events[i]!, events[i + 1], stopping);
      // "connecting" passes in an instant on loopback: the next step checks where it led.
      if (state === 'connecting') continue;
      if (state === 'stopped' || state === 'unbinding') await waitFor(world.actor, is(state), WAIT);
      const snapshot = world.actor.getSnapshot();
      expect(snapshot.matches(REAL_STATE[state] as never), `after ${events[i]}: ${JSON.stringify(snapshot.value)}`).toBe(true);
      expect(snapshot.hasTag('bound')).toBe(state === 'bound' || state === 'enquiring');
      if (state === 'stopped') expect(snapshot.status).toBe('done');
    }
  });
});
