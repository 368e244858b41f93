/**
 * The SMPP connection manager as an XState v5 statechart.
 *
 *   disconnected → session.connecting → session.connected.binding → session.connected.bound
 *   (idle ⇄ enquiring) → session.connected.unbinding → backoff → disconnected → …, and on stop,
 *   after a graceful unbind, → stopped (final).
 *
 * Every timeout is a named delay (connectTimeout, bindTimeout, enquireLinkInterval,
 * enquireLinkTimeout, unbindTimeout, reconnectDelay, stableBind), so `.provide({ delays })` can change any of
 * them. This file does no I/O, at import or ever: the socket and codec actors and the logging
 * action here are inert placeholders, and src/session/smpp-machine.ts provides the real ones.
 * That keeps the file openable in the Stately editor and lets tests provide scripted actors.
 */
import { assign, fromCallback, fromPromise, setup } from 'xstate';
import type { ActorRefFrom } from 'xstate';
import { BIND_COMMANDS } from '../src/pdu/bind-states.js';
import { CommandStatus, commandStatusName } from '../src/pdu/command-status.js';
import type { Pdu } from '../src/pdu/types.js';
import { interfaceVersionOctet, resolveSessionConfig } from '../src/session/config.js';
import type { SessionConfig, SessionConfigInput } from '../src/session/config.js';
import type { OutboundRequest } from '../src/session/request-window.js';
import { SessionRuntime } from '../src/session/runtime.js';
import type { SessionRuntimeOptions } from '../src/session/runtime.js';
import { reconnectDelay } from './backoff.js';

export interface SmppMachineInput extends SessionConfigInput, SessionRuntimeOptions {
  /** A runtime made by the caller (e.g. to share handlers); one is made from the config otherwise. */
  runtime?: SessionRuntime;
}

export interface SmppContext {
  config: SessionConfig;
  runtime: SessionRuntime;
  /** Failed connection or bind attempts since the last successful bind. */
  attempt: number;
  /** Why the machine is where it is: shown in logs and the inspector. */
  reason: string;
  /** The last bind failed on credentials: retry on the long back-off. */
  configError: boolean;
  /** A stop was asked for: after the unbind, the machine ends instead of reconnecting. */
  stopping: boolean;
}

export type SmppEvent =
  | { type: 'socket.connected' }
  | { type: 'socket.closed'; reason: string }
  | { type: 'codec.framing_error'; reason: string }
  | { type: 'smsc.unbind' }
  | { type: 'stop' };

export interface SocketInput {
  config: SessionConfig;
  runtime: SessionRuntime;
}

export interface CodecInput {
  config: SessionConfig;
  runtime: SessionRuntime;
}

export interface RequestInput {
  runtime: SessionRuntime;
  pdu: OutboundRequest;
}

/** Bind failures that only a configuration change can fix (reference §9.1). */
const CONFIG_ERRORS: ReadonlySet<number> = new Set([
  CommandStatus.ESME_RINVPASWD,
  CommandStatus.ESME_RINVSYSID,
  CommandStatus.ESME_RINVSYSTYP,
]);

function bindRequest(config: SessionConfig): OutboundRequest {
  return {
    command: BIND_COMMANDS[config.bind_type],
    system_id: config.system_id,
    password: config.password,
    system_type: config.system_type,
    interface_version: interfaceVersionOctet(config.interface_version),
    addr_ton: config.addr_ton,
    addr_npi: config.addr_npi,
    address_range: config.address_range,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export const smppMachineDefinition = setup({
  types: {
    // Every field has a default, so createActor(smppMachine) works without input too.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
    input: {} as SmppMachineInput | undefined,
    context: {} as SmppContext,
    events: {} as SmppEvent,
    tags: {} as 'connected' | 'bound',
  },
  actors: {
    /** Opens the TCP (or TLS) connection; reports socket.connected and socket.closed. Provided in src/. */
    socket: fromCallback<{ type: 'noop' }, SocketInput, SmppEvent>(() => () => undefined),
    /** Frames and decodes the connection's bytes and answers the SMSC's requests. Provided in src/. */
    codec: fromCallback<{ type: 'noop' }, CodecInput, SmppEvent>(() => () => undefined),
    /** One session-management request (bind, enquire_link, unbind) through the request window. */
    request: fromPromise<Pdu, RequestInput>(({ input }) => input.runtime.window.request(input.pdu, { management: true })),
  },
  delays: {
    connectTimeout: ({ context }) => context.config.smpp_connect_timeout * 1000,
    bindTimeout: ({ context }) => context.config.smpp_bind_timeout * 1000,
    /** Waits out the rest of the idle interval: traffic since the last probe pushes the probe back. */
    enquireLinkInterval: ({ context }) => {
      const interval = context.config.smpp_enquire_link_interval * 1000;
      const idleFor = Date.now() - context.runtime.window.lastActivity;
      return Math.max(0, Math.min(interval, interval - idleFor));
    },
    enquireLinkTimeout: ({ context }) => context.config.smpp_enquire_link_timeout * 1000,
    unbindTimeout: ({ context }) => context.config.smpp_unbind_timeout * 1000,
    /**
     * How long a bind must hold before the back-off starts over: as long as the longest back-off,
     * so an SMSC that drops every bind at once is not redialled every reconnect_delay_initial.
     */
    stableBind: ({ context }) => context.config.reconnect_delay_max * 1000,
    reconnectDelay: ({ context }) => {
      const policy = {
        initialMs: context.config.reconnect_delay_initial * 1000,
        maxMs: context.config.reconnect_delay_max * 1000,
        jitter: context.config.reconnect_jitter,
      };
      return reconnectDelay(policy, context.attempt, context.configError);
    },
  },
  guards: {
    bindAccepted: (_, params: { pdu: Pdu }) => params.pdu.command_status === CommandStatus.ESME_ROK,
    stopping: ({ context }) => context.stopping,
    /** No PDU has arrived for a whole interval. */
    linkIdle: ({ context }) =>
      Date.now() - context.runtime.window.lastActivity >= context.config.smpp_enquire_link_interval * 1000,
  },
  actions: {
    /** Logs each state change with its reason. A placeholder here; src/ provides the pino one. */
    logState: (_, _params: { state: string }) => undefined,
    because: assign((_, params: { reason: string }) => ({ reason: params.reason })),
    bindRefused: assign(({ context }, params: { pdu: Pdu }) => ({
      reason: `bind refused: ${commandStatusName(params.pdu.command_status)}`,
      configError: CONFIG_ERRORS.has(params.pdu.command_status),
      attempt: context.attempt + 1,
    })),
    countFailure: assign(({ context }) => ({ attempt: context.attempt + 1, configError: false })),
    markBound: ({ context }) => {
      context.runtime.window.bind(context.config.bind_type);
    },
    markUnbound: ({ context }) => {
      context.runtime.window.unbind();
    },
    boundOk: assign({ configError: false, reason: 'bind accepted' }),
    /** The bind has held long enough to count as a success: the back-off starts over. */
    resetAttempts: assign({ attempt: 0 }),
    handBackPending: ({ context }) => {
      context.runtime.window.detach(context.reason);
    },
    requestStop: assign({ stopping: true, reason: 'stop requested' }),
  },
}).createMachine({
  id: 'smpp',
  context: ({ input }) => {
    const config = resolveSessionConfig(input ?? {});
    return {
      config,
      runtime: input?.runtime ?? new SessionRuntime(config, input ?? {}),
      attempt: 0,
      reason: 'starting',
      configError: false,
      stopping: false,
    };
  },
  initial: 'disconnected',
  states: {
    disconnected: {
      entry: { type: 'logState', params: { state: 'disconnected' } },
      always: [{ guard: 'stopping', target: 'stopped' }, { target: 'session' }],
    },
    session: {
      invoke: { id: 'socket', src: 'socket', input: ({ context }) => ({ config: context.config, runtime: context.runtime }) },
      on: {
        'socket.closed': [
          { guard: 'stopping', target: 'stopped' },
          {
            target: 'backoff',
            actions: [{ type: 'because', params: ({ event }) => ({ reason: event.reason }) }, 'countFailure'],
          },
        ],
      },
      initial: 'connecting',
      states: {
        connecting: {
          entry: { type: 'logState', params: { state: 'connecting' } },
          on: {
            'socket.connected': { target: 'connected' },
            stop: { target: '#smpp.stopped', actions: 'requestStop' },
          },
          after: {
            connectTimeout: {
              target: '#smpp.backoff',
              actions: [{ type: 'because', params: { reason: 'connect timeout' } }, 'countFailure'],
            },
          },
        },
        connected: {
          tags: ['connected'],
          invoke: { id: 'codec', src: 'codec', input: ({ context }) => ({ config: context.config, runtime: context.runtime }) },
          on: {
            // The codec has sent generic_nack. An unbind would be pointless: its response could
            // not be read from a stream that can no longer be framed. Close and start again.
            'codec.framing_error': {
              target: '#smpp.backoff',
              actions: [{ type: 'because', params: ({ event }) => ({ reason: `framing error: ${event.reason}` }) }, 'countFailure'],
            },
            // The codec has already answered unbind_resp; leaving the session closes the socket.
            'smsc.unbind': {
              target: '#smpp.backoff',
              actions: [{ type: 'because', params: { reason: 'unbind from the SMSC' } }, 'countFailure'],
            },
          },
          initial: 'binding',
          states: {
            binding: {
              entry: { type: 'logState', params: { state: 'binding' } },
              invoke: {
                src: 'request',
                input: ({ context }) => ({ runtime: context.runtime, pdu: bindRequest(context.config) }),
                onDone: [
                  { guard: { type: 'bindAccepted', params: ({ event }) => ({ pdu: event.output }) }, target: 'bound' },
                  {
                    target: '#smpp.backoff',
                    actions: { type: 'bindRefused', params: ({ event }) => ({ pdu: event.output }) },
                  },
                ],
                onError: {
                  target: '#smpp.backoff',
                  actions: [{ type: 'because', params: ({ event }) => ({ reason: errorText(event.error) }) }, 'countFailure'],
                },
              },
              on: { stop: { target: '#smpp.stopped', actions: 'requestStop' } },
              after: {
                bindTimeout: {
                  target: '#smpp.backoff',
                  actions: [{ type: 'because', params: { reason: 'bind timeout' } }, 'countFailure'],
                },
              },
            },
            bound: {
              tags: ['connected', 'bound'],
              entry: ['boundOk', 'markBound', { type: 'logState', params: { state: 'bound' } }],
              after: { stableBind: { actions: 'resetAttempts' } },
              exit: 'markUnbound',
              on: { stop: { target: 'unbinding', actions: 'requestStop' } },
              initial: 'idle',
              states: {
                idle: {
                  after: {
                    enquireLinkInterval: [
                      { guard: 'linkIdle', target: 'enquiring' },
                      // Traffic came meanwhile: wait out the rest of a fresh interval.
                      { target: 'idle', reenter: true },
                    ],
                  },
                },
                enquiring: {
                  invoke: {
                    src: 'request',
                    input: ({ context }) => ({ runtime: context.runtime, pdu: { command: 'enquire_link' } }),
                    onDone: { target: 'idle' },
                    onError: {
                      target: '#smpp.session.connected.unbinding',
                      actions: { type: 'because', params: ({ event }) => ({ reason: errorText(event.error) }) },
                    },
                  },
                  after: {
                    enquireLinkTimeout: {
                      target: '#smpp.session.connected.unbinding',
                      actions: { type: 'because', params: { reason: 'enquire_link timeout' } },
                    },
                  },
                },
              },
            },
            unbinding: {
              entry: { type: 'logState', params: { state: 'unbinding' } },
              invoke: {
                src: 'request',
                input: ({ context }) => ({ runtime: context.runtime, pdu: { command: 'unbind' } }),
                onDone: [{ guard: 'stopping', target: '#smpp.stopped' }, { target: '#smpp.backoff' }],
                onError: [{ guard: 'stopping', target: '#smpp.stopped' }, { target: '#smpp.backoff' }],
              },
              on: { stop: { actions: 'requestStop' } },
              after: {
                unbindTimeout: [{ guard: 'stopping', target: '#smpp.stopped' }, { target: '#smpp.backoff' }],
              },
            },
          },
        },
      },
    },
    backoff: {
      // Entry, not the session's exit: the reason is assigned by the transition, after exits run.
      entry: ['handBackPending', { type: 'logState', params: { state: 'backoff' } }],
      on: { stop: { target: 'stopped', actions: 'requestStop' } },
      after: { reconnectDelay: { target: 'disconnected' } },
    },
    stopped: {
      type: 'final',
      entry: ['handBackPending', { type: 'logState', params: { state: 'stopped' } }],
    },
  },
});

export type SmppMachine = typeof smppMachineDefinition;
export type SmppActor = ActorRefFrom<SmppMachine>;
