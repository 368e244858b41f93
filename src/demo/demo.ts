/**
 * The first-run demo (`npm start`, `smpp-transport demo`): the SMSC simulator and the transport
 * on the in-memory bus (no RabbitMQ, no Redis) in one process. It sends a GSM message, a Unicode
 * one and a long one, shows their acks and receipts, answers an MO, prints the statechart's
 * transitions as they happen and ends with a summary.
 *
 * The transport has one data_coding for every message it sends (vumi2's
 * `submit_sm_processor_config.data_coding`), so the Unicode message is first offered to the
 * GSM-configured transport, which nacks it (its text has no GSM 03.38 form), and then sent
 * through a second transport configured for UCS2, bound with its own account.
 *
 * Every wait is bounded: a step that does not happen in time fails the demo with an error
 * naming it, after everything has been stopped.
 */
import { pino } from 'pino';
import type { Logger } from 'pino';
import type { SnapshotFrom } from 'xstate';
import { dataCodingInfo, isGsmEncodable, parseUdh } from '../encoding/index.js';
import type { DataCoding } from '../encoding/index.js';
import type { smppMachine } from '../session/smpp-machine.js';
import { createSimulator } from '../simulator/simulator.js';
import type { PduEvent, Simulator } from '../simulator/simulator.js';
import { withTimeout } from '../transport/with-timeout.js';
import { MemoryBus } from '../transport/bus/memory-bus.js';
import { resolveTransportConfig } from '../transport/config.js';
import { createMessage } from '../transport/messages.js';
import type { VumiEvent, VumiMessage } from '../transport/messages.js';
import { SmppTransport } from '../transport/transport.js';
import { clip, line, shortId, stateLine, table } from './render.js';
import type { DemoOut } from './render.js';

export type { DemoOut } from './render.js';

export interface DemoOptions {
  /** Leave everything running after the summary (the caller stops it with `summary.stop()`). */
  readonly stay?: boolean;
  /** Where the readable lines go; default stdout. */
  readonly out?: DemoOut;
  /** For the simulator's and the transports' own logs; default silent. */
  readonly logger?: Logger;
  /** Bound on each step, in ms. Default 5 000. */
  readonly stepTimeoutMs?: number;
}

export interface DemoSummary {
  /** Outbound messages published on the bus (the MO reply included). */
  sent: number;
  acked: number;
  nacked: number;
  /** Delivery reports by vumi delivery_status. */
  receipts: { delivered: number; failed: number; pending: number };
  /** submit_sm PDUs the simulator saw for the long message. */
  long_parts: number;
  mo_received: number;
  /** Replies (in_reply_to set) acked and seen by the simulator. */
  replies: number;
  /** The statechart states the GSM transport went through, in order (kept up to date until stopped). */
  states: string[];
  /** Where the simulator listens (http_port only with `stay`). */
  smpp_port: number;
  http_port: number | undefined;
  /** Stops everything (already done unless `stay`). */
  stop: () => Promise<void>;
}

/** A demo step that did not happen in time. */
export class DemoStepError extends Error {
  constructor(step: string, timeoutMs: number, cause?: unknown) {
    super(`demo: ${step} did not happen within ${timeoutMs} ms`, cause === undefined ? undefined : { cause });
    this.name = 'DemoStepError';
  }
}

const ACCOUNT_GSM = { system_id: 'smppclient1', password: 'password' } as const; // the simulator's default account
const ACCOUNT_UCS2 = { system_id: 'demoucs2', password: 'password' } as const;
const SHORT_CODE = '1234';
const HANDSET = '27831234567';
/** The simulator reports every message to this prefix undeliverable, so one receipt fails. */
const UNREACHABLE_PREFIX = '2782';
const UNREACHABLE = '27820001111';

const TEXT_GSM = 'Hello from smpp-transport! Your code is 4711.';
const TEXT_UNICODE = 'Καλημέρα! 你好 — Unicode needs UCS2';
const TEXT_LONG =
  'This message is longer than one SMS can carry, so the transport splits it into parts with a ' +
  'concatenation header (multipart_udh) and the handset joins them again. Each part is its own ' +
  'submit_sm with its own message id at the SMSC, and the transport still acks it as one vumi ' +
  'message. Nothing is truncated, and no escape sequence is ever cut in two.';

/** What a state means, for transitions the machine gives no new reason for. */
const STATE_NOTES: Readonly<Record<string, string>> = {
  connecting: 'opening the TCP connection',
  binding: 'connected; bind_transceiver sent',
  bound: 'bind accepted',
  unbinding: 'unbind sent',
};

type SmppSnapshot = SnapshotFrom<typeof smppMachine>;

/** The state a person cares about: connecting, binding, bound, unbinding, backoff, stopped… */
export function stateName(value: SmppSnapshot['value']): string {
  const path: string[] = [];
  let v: unknown = value;
  while (typeof v === 'object' && v !== null) {
    const [key, next] = Object.entries(v)[0] ?? [];
    if (key === undefined) break;
    path.push(key);
    v = next;
  }
  if (typeof v === 'string') path.push(v);
  if (path.includes('bound')) return 'bound';
  return path.at(-1) ?? 'unknown';
}

/** A bounded wait on a predicate over a bus's arrays, printing what arrives as it arrives. */
class BusWatch {
  private printedEvents = 0;
  private printedInbound = 0;

  constructor(
    readonly bus: MemoryBus,
    private readonly onEvent: (event: VumiEvent) => void,
    private readonly onInbound: (message: VumiMessage) => void,
  ) {}

  flush(): void {
    while (this.printedEvents < this.bus.events.length) this.onEvent(this.bus.events[this.printedEvents++]!);
    while (this.printedInbound < this.bus.inbound.length) this.onInbound(this.bus.inbound[this.printedInbound++]!);
  }

  /** Waits (through the bus's own wait helpers) until `done()`, within `timeoutMs`. */
  async until(kind: 'events' | 'inbound', done: () => boolean, step: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.flush();
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new DemoStepError(step, timeoutMs);
      try {
        if (kind === 'events') await this.bus.waitForEvents(this.bus.events.length + 1, left);
        else await this.bus.waitForInbound(this.bus.inbound.length + 1, left);
      } catch (err) {
        this.flush();
        if (!done()) throw new DemoStepError(step, timeoutMs, err);
      }
      this.flush();
    }
  }
}

/** `promise`, or a DemoStepError naming `step` after `ms`. */
const stepWithin = <T>(promise: Promise<T>, ms: number, step: string): Promise<T> => withTimeout(promise, ms, () => new DemoStepError(step, ms));

function codingText(dataCoding: number): string {
  try {
    return `${dataCodingInfo(dataCoding).label}, data_coding ${dataCoding}`;
  } catch {
    return `data_coding ${dataCoding}`;
  }
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const out: DemoOut = options.out ?? ((text) => process.stdout.write(`${text}\n`));
  const logger = options.logger ?? pino({ level: 'silent' });
  const stepMs = options.stepTimeoutMs ?? 5_000;
  const stay = options.stay === true;

  const sim: Simulator = createSimulator(
    {
      port: 0,
      http_port: stay ? 0 : null,
      log_level: 'silent',
      accounts: [ACCOUNT_GSM, ACCOUNT_UCS2],
      receipts: {
        delay_ms: 150,
        final_state: { type: 'prefix', rules: [{ prefix: UNREACHABLE_PREFIX, state: 'UNDELIV' }], default: 'DELIVRD' },
      },
    },
    logger.child({ component: 'simulator' }),
  );

  // What the demo saw, for the summary and the output.
  const names = new Map<string, string>(); // vumi message_id → a name for the output
  const longParts: number[] = [];
  const repliesAtSmsc: string[] = [];
  const states: string[] = [];
  let sent = 0;
  let longDestination = '';

  const transports: SmppTransport[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      const results = await Promise.allSettled([
        ...transports.map((t) => stepWithin(t.stop(), 10_000, 'stopping a transport')),
      ]);
      await stepWithin(sim.stop(), 10_000, 'stopping the simulator');
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return stopped;
  };

  try {
    const { port, http_port } = await sim.start();
    out(line('demo', 'note', `SMSC simulator listening on 127.0.0.1:${port}; transports on the in-memory bus (no RabbitMQ, no Redis)`));

    sim.on('pdu', (e: PduEvent) => {
      const pdu = e.pdu;
      if (e.direction === 'received' && pdu.command === 'submit_sm') {
        const dc = pdu.data_coding ?? 0;
        const sm = pdu.short_message ?? Buffer.alloc(0);
        let part = '';
        if (((pdu.esm_class ?? 0) & 0x40) !== 0) {
          const concat = parseUdh(sm).concat;
          if (concat) part = `, part ${concat.sequence}/${concat.total}`;
        }
        if (pdu.destination_addr === longDestination) longParts.push(1);
        out(line('smsc', 'in', `submit_sm from ${e.system_id} to ${pdu.destination_addr ?? ''}: ${codingText(dc)}, ${sm.length} octets${part}`));
      } else if (e.direction === 'sent' && pdu.command === 'deliver_sm') {
        const receipt = ((pdu.esm_class ?? 0) & 0x04) !== 0;
        const text = (pdu.short_message ?? Buffer.alloc(0)).toString('latin1');
        if (receipt) {
          const id = /id:(\S+)/.exec(text)?.[1] ?? '?';
          const stat = /stat:(\S+)/.exec(text)?.[1] ?? '?';
          out(line('smsc', 'out', `deliver_sm to ${e.system_id}: receipt for SMSC id ${id}, stat ${stat}`));
        } else {
          out(line('smsc', 'out', `deliver_sm to ${e.system_id}: MO from ${pdu.source_addr ?? ''}`));
        }
      }
    });

    const makeTransport = (label: string, account: { system_id: string; password: string }, dataCoding: keyof typeof DataCoding) => {
      const bus = new MemoryBus({ transport_name: `demo_${label}`, logger });
      const { config } = resolveTransportConfig({
        file: {
          transport_name: `demo_${label}`,
          host: '127.0.0.1',
          port,
          ...account,
          bus: 'memory',
          sequencer_class: 'memory',
          smpp_cache_class: 'memory',
          submit_sm_processor_config: {
            data_coding: dataCoding,
            multipart_handling: 'multipart_udh',
            registered_delivery: { delivery_receipt: 'SMSC_DELIVERY_RECEIPT_REQUESTED' },
          },
        },
      });
      const transport = new SmppTransport(config, { bus, logger: logger.child({ transport: label }) });
      const tag = `[${label}]`.padEnd(7);
      transports.push(transport);
      let last = '';
      let lastReason = '';
      transport.client.actor.subscribe((snapshot) => {
        const state = stateName(snapshot.value);
        if (state === last) return;
        last = state;
        if (label === 'gsm') states.push(state);
        // The machine records a reason on failures, bind results and stops; in between, say what the state means.
        const reason = snapshot.context.reason === lastReason ? (STATE_NOTES[state] ?? snapshot.context.reason) : snapshot.context.reason;
        lastReason = snapshot.context.reason;
        out(stateLine(label, state, reason));
      });
      const watch = new BusWatch(
        bus,
        (event) => {
          const name = names.get(event.user_message_id) ?? shortId(event.user_message_id);
          if (event.event_type === 'ack') out(line('bus', 'in', `${tag}ack      ${name}`));
          else if (event.event_type === 'nack') out(line('bus', 'in', `${tag}nack     ${name}: ${event.nack_reason ?? ''}`));
          else out(line('bus', 'in', `${tag}receipt  ${name}: ${event.delivery_status ?? '?'}`));
        },
        (message) => out(line('bus', 'in', `${tag}inbound  from ${message.from_addr} to ${message.to_addr}: "${clip(message.content ?? '')}"`)),
      );
      const send = (name: string, to: string, content: string, inReplyTo?: string): VumiMessage => {
        const message = createMessage({
          to_addr: to,
          from_addr: SHORT_CODE,
          transport_name: `demo_${label}`,
          transport_type: 'sms',
          content,
          ...(inReplyTo !== undefined && { in_reply_to: inReplyTo }),
        });
        names.set(message.message_id, name);
        sent++;
        out(line('app', 'out', `${tag}send     ${name} to ${to}: "${clip(content)}"`));
        void bus.publishOutbound(message).catch(() => undefined);
        return message;
      };
      const settled = (id: string) => bus.events.some((e) => e.user_message_id === id && (e.event_type === 'ack' || e.event_type === 'nack'));
      const acked = (id: string) => bus.events.some((e) => e.user_message_id === id && e.event_type === 'ack');
      /** Final receipts for the message: at least `parts` of them (the SMSC sends one per submit_sm). */
      const receipted = (id: string, parts = 1) =>
        bus.events.filter((e) => e.user_message_id === id && e.event_type === 'delivery_report' && e.delivery_status !== 'pending').length >= parts;
      return { label, bus, transport, watch, send, settled, acked, receipted };
    };

    const gsm = makeTransport('gsm', ACCOUNT_GSM, 'SMSC_DEFAULT_ALPHABET');
    const ucs2 = makeTransport('ucs2', ACCOUNT_UCS2, 'UCS2');
    await Promise.all([gsm.transport.start(), ucs2.transport.start()]);
    await stepWithin(Promise.all([gsm.transport.client.whenBound(stepMs), ucs2.transport.client.whenBound(stepMs)]), stepMs + 100, 'binding');

    // 1. GSM 03.38
    out('');
    out(line('app', 'note', `"${clip(TEXT_GSM, 20)}": GSM 03.38 can carry it (isGsmEncodable: ${isGsmEncodable(TEXT_GSM)})`));
    const m1 = gsm.send('gsm-1', HANDSET, TEXT_GSM);
    await gsm.watch.until('events', () => gsm.settled(m1.message_id), 'the ack of the GSM message', stepMs);

    // 2. Unicode: refused by the GSM transport, sent by the UCS2 one.
    out('');
    out(line('app', 'note', `"${clip(TEXT_UNICODE, 20)}": GSM 03.38 cannot (isGsmEncodable: ${isGsmEncodable(TEXT_UNICODE)}); the GSM transport must refuse it`));
    const m2 = gsm.send('unicode-on-gsm', HANDSET, TEXT_UNICODE);
    await gsm.watch.until('events', () => gsm.settled(m2.message_id), 'the nack of the Unicode message on the GSM transport', stepMs);
    out(line('app', 'note', 'one data_coding per transport: the Unicode message goes again through the transport configured for UCS2'));
    const m3 = ucs2.send('unicode', HANDSET, TEXT_UNICODE);
    await ucs2.watch.until('events', () => ucs2.settled(m3.message_id), 'the ack of the Unicode message on the UCS2 transport', stepMs);

    // 3. Long: multipart_udh.
    out('');
    out(line('app', 'note', `a ${TEXT_LONG.length}-character message to ${UNREACHABLE} (the simulator reports ${UNREACHABLE_PREFIX}… undeliverable)`));
    longDestination = UNREACHABLE;
    const m4 = gsm.send('long', UNREACHABLE, TEXT_LONG);
    await gsm.watch.until('events', () => gsm.settled(m4.message_id), 'the ack of the long message', stepMs);

    // Receipts for everything acked.
    out('');
    out(line('demo', 'note', 'waiting for the delivery receipts'));
    const gsmAcked = [m1, m2, m4].filter((m) => gsm.acked(m.message_id));
    await Promise.all([
      gsm.watch.until(
        'events',
        () => gsmAcked.every((m) => gsm.receipted(m.message_id, m === m4 ? longParts.length : 1)),
        'the receipts on the GSM transport (one per part of the long message)',
        stepMs,
      ),
      ucs2.watch.until('events', () => !ucs2.acked(m3.message_id) || ucs2.receipted(m3.message_id), 'the receipt on the UCS2 transport', stepMs),
    ]);

    // 4. An MO, answered.
    out('');
    out(line('demo', 'note', `a handset sends "what's on today?" to ${SHORT_CODE} (injected at the simulator)`));
    sim.injectMo({ from: HANDSET, to: SHORT_CODE, text: "what's on today?", system_id: ACCOUNT_GSM.system_id });
    await gsm.watch.until('inbound', () => gsm.bus.inbound.length >= 1, 'the MO on the bus', stepMs);
    const mo = gsm.bus.inbound[0]!;
    const atSmsc = new Promise<void>((resolve) => {
      const listener = (e: PduEvent) => {
        if (e.direction === 'received' && e.pdu.command === 'submit_sm' && e.pdu.destination_addr === mo.from_addr) {
          repliesAtSmsc.push(e.pdu.destination_addr);
          sim.off('pdu', listener);
          resolve();
        }
      };
      sim.on('pdu', listener);
    });
    const reply = createReply(mo, 'Tonight: the SMPP demo. Reply STOP to opt out.');
    names.set(reply.message_id, 'reply');
    sent++;
    out(line('app', 'out', `[gsm]  reply    to ${reply.to_addr} (in_reply_to ${shortId(mo.message_id)}): "${clip(reply.content ?? '')}"`));
    void gsm.bus.publishOutbound(reply).catch(() => undefined);
    await stepWithin(atSmsc, stepMs, 'the reply reaching the simulator');
    await gsm.watch.until('events', () => gsm.settled(reply.message_id), 'the ack of the reply', stepMs);
    await gsm.watch.until('events', () => !gsm.acked(reply.message_id) || gsm.receipted(reply.message_id), 'the receipt of the reply', stepMs);

    // Summary.
    const events = [...gsm.bus.events, ...ucs2.bus.events];
    const count = (pred: (e: VumiEvent) => boolean) => events.filter(pred).length;
    const receipts = {
      delivered: count((e) => e.event_type === 'delivery_report' && e.delivery_status === 'delivered'),
      failed: count((e) => e.event_type === 'delivery_report' && e.delivery_status === 'failed'),
      pending: count((e) => e.event_type === 'delivery_report' && e.delivery_status === 'pending'),
    };
    const summary: DemoSummary = {
      sent,
      acked: count((e) => e.event_type === 'ack'),
      nacked: count((e) => e.event_type === 'nack'),
      receipts,
      long_parts: longParts.length,
      mo_received: gsm.bus.inbound.length + ucs2.bus.inbound.length,
      replies: gsm.acked(reply.message_id) && repliesAtSmsc.length > 0 ? 1 : 0,
      states,
      smpp_port: port,
      http_port,
      stop,
    };
    out('');
    for (const row of table('summary', [
      ['messages sent (the reply included)', summary.sent],
      ['acked', summary.acked],
      ['nacked', summary.nacked],
      ['receipts: delivered', receipts.delivered],
      ['receipts: failed (one per part of the long one)', receipts.failed],
      ['receipts: pending', receipts.pending],
      ['parts of the long message at the SMSC', summary.long_parts],
      ['MO received', summary.mo_received],
      ['replies that reached the SMSC', summary.replies],
    ])) {
      out(row);
    }

    if (stay) {
      out('');
      out(line('demo', 'note', `still running: SMPP on 127.0.0.1:${port} (${ACCOUNT_GSM.system_id} / ${ACCOUNT_GSM.password}); Ctrl-C stops`));
      if (http_port !== undefined) {
        out(line('demo', 'note', `send an MO:  curl -X POST localhost:${http_port}/mo -d '{"from":"${HANDSET}","to":"${SHORT_CODE}","text":"hello"}'`));
        out(line('demo', 'note', `statistics:  curl localhost:${http_port}/stats`));
      }
      followWhileRunning(gsm.watch, () => stopped !== undefined, (m) => {
        const answer = createReply(m, `You said: ${clip(m.content ?? '', 100)}`);
        names.set(answer.message_id, 'reply');
        out(line('app', 'out', `[gsm]  reply    to ${answer.to_addr}: "${clip(answer.content ?? '')}"`));
        void gsm.bus.publishOutbound(answer).catch(() => undefined);
      });
      return summary;
    }
    out('');
    out(line('demo', 'note', 'unbinding and stopping'));
    await stop();
    out(line('demo', 'note', 'done'));
    return summary;
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** A reply to an inbound message, as a vumi application makes one: addresses swapped, in_reply_to set. */
function createReply(to: VumiMessage, content: string): VumiMessage {
  return createMessage({
    to_addr: to.from_addr,
    from_addr: to.to_addr,
    transport_name: to.transport_name,
    transport_type: to.transport_type,
    content,
    in_reply_to: to.message_id,
    session_event: to.session_event === null ? null : 'close',
  });
}

/** With --stay: prints what arrives and answers each new MO, until stopped. */
function followWhileRunning(watch: BusWatch, isStopped: () => boolean, answer: (message: VumiMessage) => void): void {
  let answered = watch.bus.inbound.length;
  const loop = async () => {
    while (!isStopped()) {
      await watch.bus.waitForInbound(watch.bus.inbound.length + 1, 1_000).catch(() => undefined);
      watch.flush();
      while (answered < watch.bus.inbound.length && !isStopped()) answer(watch.bus.inbound[answered++]!);
    }
  };
  void loop();
}
