import { createInspector, createSkyInspector, createWebSocketInspector } from '@statelyai/inspect';
import type { StatelyInspectionEvent } from '@statelyai/inspect';
import type { Logger } from 'pino';
import type { InspectionEvent, Observer } from 'xstate';

/**
 * Watching the running statechart. Opt-in only, and never in tests: the WebSocket inspectors
 * retry forever when nothing listens, which keeps a process alive.
 *
 * - `sky`: Stately's hosted live view; prints a link to open in a browser (needs internet).
 * - `{ url }`: a WebSocket inspector server of your own (e.g. ws://localhost:8080).
 * - `log`: every inspection event to the log at debug level, for machines without internet.
 */
export type InspectOption = 'sky' | 'log' | { url: string };

export interface Inspection {
  inspect: Observer<InspectionEvent>;
  stop(): void;
}

/** Keys whose values never leave the process: the bind password and a TLS private key. */
const SECRET_KEYS: ReadonlySet<string> = new Set(['password', 'key', 'passphrase']);

/**
 * Inspection events carry the machine's input, context and the bind request, so the password:
 * a copy with every secret replaced goes to the log or to Stately instead. Objects seen twice
 * (cycles) are cut, as JSON cannot hold them anyway.
 */
export function redactInspectionEvent(event: StatelyInspectionEvent): StatelyInspectionEvent {
  const seen = new WeakSet<object>();
  const json = JSON.stringify(event, (key, value: unknown) => {
    if (SECRET_KEYS.has(key) && value !== undefined && value !== null && value !== '') return '[redacted]';
    if (typeof value === 'object' && value !== null) {
      if (seen.has(value)) return '[circular]';
      seen.add(value);
    }
    return value;
  });
  return JSON.parse(json) as StatelyInspectionEvent;
}

export function createInspection(option: InspectOption, logger: Logger): Inspection {
  const serialize = redactInspectionEvent;
  if (option === 'log') {
    const inspector = createInspector(
      {
        send: (event) => logger.debug({ inspection: event }, 'statechart inspection event'),
        start: () => undefined,
        stop: () => undefined,
      },
      { serialize },
    );
    return { inspect: inspector.inspect, stop: () => inspector.stop() };
  }
  const inspector = option === 'sky' ? createSkyInspector({ serialize }) : createWebSocketInspector({ url: option.url, serialize });
  return { inspect: inspector.inspect, stop: () => inspector.stop() };
}
