import { createInspector, createSkyInspector, createWebSocketInspector } from '@statelyai/inspect';
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

export function createInspection(option: InspectOption, logger: Logger): Inspection {
  if (option === 'log') {
    const inspector = createInspector({
      send: (event) => logger.debug({ inspection: event }, 'statechart inspection event'),
      start: () => undefined,
      stop: () => undefined,
    });
    return { inspect: inspector.inspect, stop: () => inspector.stop() };
  }
  const inspector = option === 'sky' ? createSkyInspector() : createWebSocketInspector({ url: option.url });
  return { inspect: inspector.inspect, stop: () => inspector.stop() };
}
