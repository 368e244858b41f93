import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BindType } from '../session/config.js';
import type { SmppClient } from '../session/smpp-client.js';

/** Where one bind's session is, as the health check and the metrics name it. */
export const BIND_STATES = ['disconnected', 'connecting', 'binding', 'bound', 'unbinding', 'backoff', 'stopped'] as const;
export type BindState = (typeof BIND_STATES)[number];

/** The state of a session's statechart, from its snapshot. */
export function bindStateOf(client: SmppClient): BindState {
  const s = client.actor.getSnapshot();
  if (s.status === 'done' || s.matches('stopped')) return 'stopped';
  if (s.matches('backoff')) return 'backoff';
  if (s.matches({ session: 'connecting' })) return 'connecting';
  if (s.matches({ session: { connected: 'binding' } })) return 'binding';
  if (s.matches({ session: { connected: 'bound' } })) return 'bound';
  if (s.matches({ session: { connected: 'unbinding' } })) return 'unbinding';
  return 'disconnected';
}

/**
 * What the processors record, by bind index (the position in the transport's `binds`). Kept
 * apart from prom-client so the processors work (and are tested) without any metrics.
 */
export interface MetricsRecorder {
  /** A submit_sm answered (submit_sm_resp or generic_nack), after any throttle resends and retries. */
  submitResult(bind: number, commandStatus: string, latencyMs: number): void;
  /** A submit_sm with no answer: response timeout, connection lost, not bound, other. */
  submitError(bind: number, error: SubmitErrorKind): void;
  /** An outbound message's final event (ack or nack) was confirmed by the broker. */
  event(eventType: 'ack' | 'nack'): void;
  /** A delivery receipt matched to its message and published. */
  receipt(bind: number | undefined, deliveryStatus: string): void;
  /** A delivery receipt whose message was not found in the cache (answered, not published). */
  receiptUnmatched(bind: number | undefined): void;
  /** An inbound (MO) message published (a long message once, when complete). */
  mo(bind: number | undefined): void;
}

export type SubmitErrorKind = 'response_timeout' | 'connection_lost' | 'not_bound' | 'other';

/** One bind of the transport, as the metrics see it. */
export interface MeteredBind {
  readonly client: SmppClient;
  readonly bindType: BindType;
  readonly systemId: string;
}

export interface TransportMetricsOptions {
  /** Node's process metrics (CPU, memory, event loop lag…) in the same registry. Default true. */
  defaultMetrics?: boolean;
}

/** Response latency buckets, in seconds: 1 ms to 30 s. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type BindLabels = 'bind' | 'system_id';

/**
 * The transport's Prometheus metrics, in a registry of its own (never prom-client's global one,
 * so several transports in one process, and tests, do not collide). Counters move as the
 * processors record; gauges and the window's counters are read from the sessions at each scrape;
 * bind states are followed through each session's actor, which is also where reconnects are
 * counted (every entry into `connecting` after a bind's first).
 */
export class TransportMetrics implements MetricsRecorder {
  readonly registry = new Registry();
  private readonly states: BindState[];
  private readonly seenConnecting: boolean[];
  private readonly subscriptions: (() => void)[] = [];
  private readonly submits: Counter<BindLabels | 'command_status'>;
  private readonly submitErrors: Counter<BindLabels | 'error'>;
  private readonly latency: Histogram<BindLabels>;
  private readonly events: Counter<'event_type'>;
  private readonly receipts: Counter<BindLabels | 'delivery_status'>;
  private readonly unmatched: Counter<BindLabels>;
  private readonly mos: Counter<BindLabels>;
  private readonly reconnects: Counter<BindLabels>;
  /**
   * The labelled series that every submit moves, looked up once: prom-client hashes the label
   * set on each inc()/observe() otherwise, a few percent of the transport's CPU under load.
   */
  private readonly submitSeries = new Map<string, { inc(): void }>();
  private readonly latencySeries: { observe(value: number): void }[] = [];

  constructor(
    private readonly binds: readonly MeteredBind[],
    options: TransportMetricsOptions = {},
  ) {
    const registers = [this.registry];
    // Until watch() (the sessions have not started): disconnected.
    this.states = binds.map(() => 'disconnected');
    this.seenConnecting = binds.map(() => false);
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    const bindState: Gauge<BindLabels | 'bind_type' | 'state'> = new Gauge({
      name: 'smpp_transport_bind_state',
      help: 'Each bind’s session state: 1 for the state it is in, 0 for the others',
      labelNames: ['bind', 'system_id', 'bind_type', 'state'],
      registers,
      collect: () => {
        binds.forEach((b, i) => {
          for (const state of BIND_STATES) {
            bindState.set({ ...this.labels(i), bind_type: b.bindType, state }, this.states[i] === state ? 1 : 0);
          }
        });
      },
    });
    const bindsByState: Gauge<'state'> = new Gauge({
      name: 'smpp_transport_binds',
      help: 'Binds in each session state',
      labelNames: ['state'],
      registers,
      collect: () => {
        for (const state of BIND_STATES) bindsByState.set({ state }, this.states.filter((s) => s === state).length);
      },
    });
    // Each bind's request window, read at each scrape.
    type Window = SmppClient['runtime']['window'];
    const eachWindow = (read: (window: Window) => number) => binds.map((b, i) => ({ labels: this.labels(i), value: read(b.client.runtime.window) }));
    const fromWindow = (name: string, help: string, read: (window: Window) => number) => {
      const gauge: Gauge<BindLabels> = new Gauge({
        name,
        help,
        labelNames: ['bind', 'system_id'],
        registers,
        collect: () => {
          for (const { labels, value } of eachWindow(read)) gauge.set(labels, value);
        },
      });
    };
    fromWindow('smpp_transport_window_in_use', 'Requests sent on the bind and not yet answered', (w) => w.inFlight);
    fromWindow('smpp_transport_window_size', 'Requests the bind may have unanswered at once', (w) => w.size);
    fromWindow('smpp_transport_throttle_paused', '1 while the bind is paused after a throttle status from the SMSC', (w) => (w.paused ? 1 : 0));
    // The window's own counters (they only grow: a window lives as long as its client).
    const fromStats = (name: string, help: string, read: (stats: Window['stats']) => number) => {
      const counter: Counter<BindLabels> = new Counter({
        name,
        help,
        labelNames: ['bind', 'system_id'],
        registers,
        collect: () => {
          counter.reset();
          for (const { labels, value } of eachWindow((w) => read(w.stats))) counter.inc(labels, value);
        },
      });
    };
    fromStats('smpp_transport_throttled_seconds_total', 'Time the bind spent paused after throttle statuses, in seconds', (s) => s.throttledMs / 1000);
    fromStats('smpp_transport_throttled_responses_total', 'Responses with a throttle status (ESME_RTHROTTLED, ESME_RMSGQFUL…); each request goes again', (s) => s.throttled);
    fromStats('smpp_transport_throttle_pauses_total', 'Pauses of the bind after a throttle status', (s) => s.pauses);
    fromStats('smpp_transport_temporary_retries_total', 'Requests sent again after a temporary error status', (s) => s.retries);
    fromStats('smpp_transport_response_timeouts_total', 'Requests whose response did not come in time', (s) => s.responseTimeouts);

    this.submits = new Counter({
      name: 'smpp_transport_submits_total',
      help: 'submit_sm answered, by the final command_status (after throttle resends and retries)',
      labelNames: ['bind', 'system_id', 'command_status'],
      registers,
    });
    this.submitErrors = new Counter({
      name: 'smpp_transport_submit_errors_total',
      help: 'submit_sm with no answer: response_timeout, connection_lost, not_bound, other',
      labelNames: ['bind', 'system_id', 'error'],
      registers,
    });
    this.latency = new Histogram({
      name: 'smpp_transport_submit_response_seconds',
      help: 'Time from a submit_sm to its final answer (throttle pauses and retries included), in seconds',
      labelNames: ['bind', 'system_id'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.events = new Counter({
      name: 'smpp_transport_outbound_events_total',
      help: 'Final events of outbound messages published and confirmed, by event_type (ack, nack)',
      labelNames: ['event_type'],
      registers,
    });
    this.receipts = new Counter({
      name: 'smpp_transport_receipts_total',
      help: 'Delivery receipts matched and published as delivery_report events, by delivery_status',
      labelNames: ['bind', 'system_id', 'delivery_status'],
      registers,
    });
    this.unmatched = new Counter({
      name: 'smpp_transport_receipts_unmatched_total',
      help: 'Delivery receipts whose message was not found in the cache',
      labelNames: ['bind', 'system_id'],
      registers,
    });
    this.mos = new Counter({
      name: 'smpp_transport_mo_messages_total',
      help: 'Inbound (MO) messages published; a long message counts once',
      labelNames: ['bind', 'system_id'],
      registers,
    });
    this.reconnects = new Counter({
      name: 'smpp_transport_reconnects_total',
      help: 'Connection attempts after the bind’s first',
      labelNames: ['bind', 'system_id'],
      registers,
    });
    // Every bind's series from the start, at 0.
    binds.forEach((_, i) => {
      this.reconnects.inc(this.labels(i), 0);
      this.mos.inc(this.labels(i), 0);
    });
    for (const event_type of ['ack', 'nack']) this.events.inc({ event_type }, 0);
  }

  /** Follows each session's state (call once the clients have started, before they are on from `connecting`). */
  watch(): void {
    if (this.subscriptions.length > 0) return;
    this.binds.forEach((b, i) => {
      const update = () => this.observe(i);
      const subscription = b.client.actor.subscribe({ next: update, error: update, complete: update });
      this.subscriptions.push(() => subscription.unsubscribe());
      update();
    });
  }

  unwatch(): void {
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    // The final states (stopped) stay visible.
    this.binds.forEach((_, i) => this.observe(i));
  }

  /** Each bind's state as last seen. */
  get bindStates(): readonly BindState[] {
    return [...this.states];
  }

  /** The Prometheus text exposition of the registry. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  submitResult(bind: number, commandStatus: string, latencyMs: number): void {
    const key = `${bind} ${commandStatus}`;
    let submits = this.submitSeries.get(key);
    if (submits === undefined) {
      submits = this.submits.labels({ ...this.labels(bind), command_status: commandStatus });
      this.submitSeries.set(key, submits);
    }
    submits.inc();
    (this.latencySeries[bind] ??= this.latency.labels(this.labels(bind))).observe(latencyMs / 1000);
  }

  submitError(bind: number, error: SubmitErrorKind): void {
    this.submitErrors.inc({ ...this.labels(bind), error });
  }

  event(eventType: 'ack' | 'nack'): void {
    this.events.inc({ event_type: eventType });
  }

  receipt(bind: number | undefined, deliveryStatus: string): void {
    this.receipts.inc({ ...this.labels(bind), delivery_status: deliveryStatus });
  }

  receiptUnmatched(bind: number | undefined): void {
    this.unmatched.inc(this.labels(bind));
  }

  mo(bind: number | undefined): void {
    this.mos.inc(this.labels(bind));
  }

  private observe(i: number): void {
    const bind = this.binds[i];
    if (bind === undefined) return;
    const state = bindStateOf(bind.client);
    if (state === 'connecting') {
      if (this.states[i] !== 'connecting' && this.seenConnecting[i]) this.reconnects.inc(this.labels(i));
      this.seenConnecting[i] = true;
    }
    this.states[i] = state;
  }

  private labels(bind: number | undefined): Record<BindLabels, string> {
    if (bind === undefined) return { bind: '', system_id: '' };
    return { bind: String(bind), system_id: this.binds[bind]?.systemId ?? '' };
  }
}
