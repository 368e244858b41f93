/**
 * An abstract model of the connection manager, for model-based tests: the states a user can
 * tell apart, and the things the SMSC, the network and the clock can do in each. Paths through
 * it (shortest to every state, and one through every transition) are run against the real
 * machine, which must be in the matching state after every step.
 */
import { assign, setup } from 'xstate';

export type ModelEvent =
  | { type: 'CONNECT_OK' }
  | { type: 'CONNECT_FAILS' }
  | { type: 'CONNECT_TIMEOUT' }
  | { type: 'BIND_OK' }
  | { type: 'BIND_BAD_PASSWORD' }
  | { type: 'BIND_ALREADY_BOUND' }
  | { type: 'BIND_TIMEOUT' }
  | { type: 'LINK_IDLE' }
  | { type: 'ENQUIRE_ANSWERED' }
  | { type: 'ENQUIRE_TIMEOUT' }
  | { type: 'SMSC_ENQUIRES' }
  | { type: 'SMSC_UNBINDS' }
  | { type: 'CONNECTION_DROPS' }
  | { type: 'GARBAGE_LENGTH' }
  | { type: 'UNBIND_ANSWERED' }
  | { type: 'UNBIND_TIMEOUT' }
  | { type: 'BACKOFF_ELAPSED' }
  | { type: 'STOP' };

const toBackoff = { target: 'backoff' } as const;

export const smppModel = setup({
  types: { context: {} as { stopping: boolean }, events: {} as ModelEvent },
}).createMachine({
  id: 'model',
  context: { stopping: false },
  initial: 'connecting',
  states: {
    connecting: {
      on: {
        CONNECT_OK: 'binding',
        CONNECT_FAILS: toBackoff,
        CONNECT_TIMEOUT: toBackoff,
        STOP: { target: 'stopped', actions: assign({ stopping: true }) },
      },
    },
    binding: {
      on: {
        BIND_OK: 'bound',
        BIND_BAD_PASSWORD: toBackoff,
        BIND_ALREADY_BOUND: toBackoff,
        BIND_TIMEOUT: toBackoff,
        CONNECTION_DROPS: toBackoff,
        STOP: { target: 'stopped', actions: assign({ stopping: true }) },
      },
    },
    bound: {
      on: {
        LINK_IDLE: 'enquiring',
        SMSC_ENQUIRES: 'bound',
        SMSC_UNBINDS: toBackoff,
        CONNECTION_DROPS: toBackoff,
        GARBAGE_LENGTH: toBackoff,
        STOP: { target: 'unbinding', actions: assign({ stopping: true }) },
      },
    },
    enquiring: {
      on: {
        ENQUIRE_ANSWERED: 'bound',
        ENQUIRE_TIMEOUT: 'unbinding',
        CONNECTION_DROPS: toBackoff,
        STOP: { target: 'unbinding', actions: assign({ stopping: true }) },
      },
    },
    unbinding: {
      on: {
        UNBIND_ANSWERED: [{ guard: ({ context }) => context.stopping, target: 'stopped' }, toBackoff],
        UNBIND_TIMEOUT: [{ guard: ({ context }) => context.stopping, target: 'stopped' }, toBackoff],
      },
    },
    backoff: {
      on: {
        BACKOFF_ELAPSED: 'connecting',
        STOP: { target: 'stopped', actions: assign({ stopping: true }) },
      },
    },
    stopped: { type: 'final' },
  },
});

export type ModelState = 'connecting' | 'binding' | 'bound' | 'enquiring' | 'unbinding' | 'backoff' | 'stopped';

/** The real machine's state value for each model state. */
export const REAL_STATE: Record<ModelState, unknown> = {
  connecting: { session: 'connecting' },
  binding: { session: { connected: 'binding' } },
  bound: { session: { connected: { bound: 'idle' } } },
  enquiring: { session: { connected: { bound: 'enquiring' } } },
  unbinding: { session: { connected: 'unbinding' } },
  backoff: 'backoff',
  stopped: 'stopped',
};
