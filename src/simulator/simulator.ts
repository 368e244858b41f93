import { EventEmitter } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { CommandStatus } from '../pdu/command-status.js';
import { messageStateOf } from '../pdu/message-state.js';
import { formatSmppTime } from '../pdu/smpp-time.js';
import type { Pdu, PduInput, PduInputOf } from '../pdu/types.js';
import { createHttpApi } from './http-api.js';
import { createMessageIdSource } from './message-ids.js';
import { MessageStore } from './message-store.js';
import type { StoredMessage } from './message-store.js';
import { buildMoParts } from './mo.js';
import type { MoRequest } from './mo.js';
import { NO_FAULTS, faultsSchema, parseSimulatorOptions, describeConfigError, SimulatorConfigError } from './options.js';
import type { Faults, HeldCommand, SimulatorConfig, SimulatorOptions } from './options.js';
import { RateWindow } from './rate-window.js';
import { buildReceipt, pickFinalState, wantsIntermediate, wantsReceipt } from './receipts.js';
import { SmscSession } from './smsc-session.js';
import type { BindType, SessionHost } from './smsc-session.js';
import { SimulatorStats } from './stats.js';
import type { Direction, StatsSnapshot } from './stats.js';

export interface PduEvent {
  direction: Direction;
  session_id: number;
  system_id: string;
  pdu: Pdu | PduInput;
}

export interface SessionEvent {
  session_id: number;
  system_id: string;
  bind_type: BindType | undefined;
}

export interface DeliveryEvent {
  system_id: string;
  kind: 'receipt' | 'mo';
  pdu: DeliverSm;
}

export interface HeldEvent {
  session_id: number;
  command: HeldCommand;
  pdu: Pdu;
}

export interface SimulatorEvents {
  /** A request held by Faults.hold, waiting for releaseHeld(). */
  held: [HeldEvent];
  pdu: [PduEvent];
  bound: [SessionEvent];
  closed: [SessionEvent];
  /** A submitted message the simulator accepted. */
  message: [StoredMessage];
  /** A deliver_sm the ESME acknowledged with status 0. */
  delivered: [DeliveryEvent];
}

type DeliverSm = Omit<PduInputOf<'deliver_sm'>, 'sequence_number'>;

interface Delivery {
  system_id: string;
  kind: 'receipt' | 'mo';
  pdu: DeliverSm;
  attempts: number;
}

interface InFlight {
  delivery: Delivery;
  timer: NodeJS.Timeout;
}

export interface SimulatorAddresses {
  port: number;
  http_port: number | undefined;
}

export type GarbageKind = 'unknown_command' | 'bad_length' | 'random';

/** Deliveries each session may have unanswered at once, like an SMSC's window. */
const DELIVERY_WINDOW = 10;

/**
 * An SMSC for development, tests, demos and benchmarks: it binds ESMEs with the configured
 * accounts, answers what an SMSC answers, sends delivery receipts and injected MO messages, and
 * misbehaves on request (throttling, full queues, slow or lost responses, unbinds, disconnects,
 * garbage) so that a client's handling of each can be tested.
 */
export class Simulator extends EventEmitter<SimulatorEvents> implements SessionHost {
  readonly config: SimulatorConfig;
  readonly logger: Logger;
  private faultState: Faults;
  private readonly sessions = new Set<SmscSession>();
  private readonly store: MessageStore;
  private readonly nextMessageId: () => string;
  private readonly throttle = new RateWindow();
  private readonly statistics = new SimulatorStats();
  private readonly queues = new Map<string, Delivery[]>();
  private readonly inFlight = new Map<SmscSession, Map<number, InFlight>>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly roundRobin = new Map<string, number>();
  private moReference = 0;
  private held: { session: SmscSession; pdu: Pdu; kind: HeldCommand }[] = [];
  private server: Server | undefined;
  private http: HttpServer | undefined;
  private addresses: SimulatorAddresses | undefined;

  constructor(options: SimulatorOptions = {}, logger?: Logger) {
    super();
    this.config = parseSimulatorOptions(options);
    this.logger = logger ?? pino({ name: 'smsc-simulator', level: this.config.log_level });
    this.faultState = withFaults(NO_FAULTS, this.config.faults);
    this.store = new MessageStore(this.config.message_store_size);
    this.nextMessageId = createMessageIdSource(this.config.message_id);
  }

  // ---- lifecycle --------------------------------------------------------------------------

  /** Listens for ESMEs (and HTTP, unless http_port is null); resolves with the ports bound. */
  async start(): Promise<SimulatorAddresses> {
    if (this.addresses) return this.addresses;
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await listen(server, this.config.port, this.config.host);
    let httpPort: number | undefined;
    if (this.config.http_port !== null) {
      this.http = createHttpApi(this);
      await listen(this.http, this.config.http_port, this.config.host);
      httpPort = (this.http.address() as AddressInfo).port;
    }
    this.addresses = { port: (server.address() as AddressInfo).port, http_port: httpPort };
    this.logger.info({ host: this.config.host, ...this.addresses }, 'SMSC simulator listening');
    return this.addresses;
  }

  /** Unbinds every session (closing those that do not answer in time) and closes the ports. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.addresses = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.sessions].map((s) => s.unbind()));
    await closed;
    if (this.http) {
      const http = this.http;
      this.http = undefined;
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.store.clear();
    this.logger.info('SMSC simulator stopped');
  }

  get ports(): SimulatorAddresses | undefined {
    return this.addresses;
  }

  // ---- control: faults and one-off events -------------------------------------------------

  get faults(): Faults {
    return { ...this.faultState };
  }

  /** Switches faults on or off; fields left out keep their value. Throws on an invalid value. */
  setFaults(patch: Partial<Faults>): Faults {
    // strict: a misspelt fault is an error, not a silent no-op.
    const parsed = faultsSchema.partial().strict().safeParse(patch);
    if (!parsed.success) throw new SimulatorConfigError(describeConfigError(parsed.error));
    this.faultState = withFaults(this.faultState, parsed.data);
    this.logger.info({ faults: this.faultState }, 'faults changed');
    return this.faults;
  }

  clearFaults(): Faults {
    this.faultState = { ...NO_FAULTS };
    return this.faults;
  }

  /** Server-initiated unbind of every bound session (of one system_id, if given). */
  async unbindAll(systemId?: string): Promise<number> {
    const targets = this.boundSessions(systemId);
    await Promise.all(targets.map((s) => s.unbind()));
    return targets.length;
  }

  /** Drops every connection (of one system_id, if given) without an unbind. */
  disconnectAll(systemId?: string): number {
    const targets = [...this.sessions].filter((s) => systemId === undefined || s.system_id === systemId);
    targets.forEach((s) => s.disconnect());
    return targets.length;
  }

  /** Sends a frame no ESME can make sense of to every bound session. */
  sendGarbage(kind: GarbageKind = 'unknown_command'): number {
    const targets = this.boundSessions();
    for (const s of targets) s.writeRaw(garbage(kind));
    return targets.length;
  }

  /**
   * Queues a mobile-originated message for the receiver and transceiver binds of `system_id`
   * (the first account's when left out); long text goes as several parts. Returns the parts.
   */
  injectMo(request: MoRequest): number {
    const systemId = request.system_id ?? this.config.accounts[0]!.system_id;
    if (!this.config.accounts.some((a) => a.system_id === systemId)) {
      // Queued for an account that can never bind, it would wait for ever.
      throw new SimulatorConfigError(`system_id: no account ${JSON.stringify(systemId)}`);
    }
    this.moReference = (this.moReference + 1) % 0x10000;
    const parts = buildMoParts(request, this.moReference);
    for (const pdu of parts) this.enqueue({ system_id: systemId, kind: 'mo', pdu, attempts: 0 });
    this.pump(systemId);
    return parts.length;
  }

  stats(): StatsSnapshot & { sessions: Record<BindType | 'open', number>; queued_deliveries: number; stored_messages: number } {
    const sessions = { open: 0, transmitter: 0, receiver: 0, transceiver: 0 };
    for (const s of this.sessions) {
      const type = s.bindType;
      if (type) sessions[type]++;
      else if (s.state === 'open') sessions.open++;
    }
    let queued = 0;
    for (const q of this.queues.values()) queued += q.length;
    return { ...this.statistics.snapshot(), sessions, queued_deliveries: queued, stored_messages: this.store.size };
  }

  /** The bound sessions, of one system_id if given. */
  boundSessions(systemId?: string): SmscSession[] {
    return [...this.sessions].filter((s) => s.bindType !== undefined && (systemId === undefined || s.system_id === systemId));
  }

  /** A submitted message, with its state as query_sm would report it. */
  message(messageId: string): StoredMessage | undefined {
    return this.settled(messageId);
  }

  // ---- SessionHost --------------------------------------------------------------------------

  get systemId(): string {
    return this.config.system_id;
  }

  get maxCommandLength(): number {
    return this.config.max_command_length;
  }

  get enquireLinkIntervalMs(): number {
    return this.config.enquire_link_interval_ms;
  }

  get unbindTimeoutMs(): number {
    return this.config.unbind_timeout_ms;
  }

  bind(session: SmscSession, pdu: Pdu, bindType: BindType): number | undefined {
    if (this.faultState.ignore_bind) return undefined;
    const { system_id, password } = pdu as PduInputOf<'bind_transceiver'>;
    const account = this.config.accounts.find((a) => a.system_id === system_id);
    if (!account) {
      this.logger.warn({ system_id }, 'bind refused: unknown system_id');
      return CommandStatus.ESME_RINVSYSID;
    }
    if (account.password !== password) {
      // Never log the password itself, right or wrong.
      this.logger.warn({ system_id }, 'bind refused: wrong password');
      return CommandStatus.ESME_RINVPASWD;
    }
    if (account.max_binds !== undefined && this.boundSessions(system_id).length >= account.max_binds) {
      this.logger.warn({ system_id, max_binds: account.max_binds }, 'bind refused: too many binds');
      return CommandStatus.ESME_RBINDFAIL;
    }
    this.logger.debug({ session: session.id, system_id, bind_type: bindType }, 'bind accepted');
    return CommandStatus.ESME_ROK;
  }

  bound(session: SmscSession): void {
    this.emit('bound', sessionEvent(session));
    this.pump(session.system_id);
  }

  request(session: SmscSession, pdu: Pdu): PduInput | undefined {
    switch (pdu.command) {
      case 'submit_sm':
      case 'data_sm':
      case 'submit_multi':
        return this.submit(session, pdu);
      case 'query_sm':
        return this.query(pdu);
      case 'cancel_sm':
        return this.cancel(pdu);
      case 'replace_sm':
        return this.replace(pdu);
      default:
        return undefined;
    }
  }

  response(session: SmscSession, pdu: Pdu): void {
    const flights = this.inFlight.get(session);
    const flight = flights?.get(pdu.sequence_number);
    if (!flight || !flights) return;
    flights.delete(pdu.sequence_number);
    clearTimeout(flight.timer);
    if (pdu.command_status === CommandStatus.ESME_ROK && pdu.command === 'deliver_sm_resp') {
      this.emit('delivered', { system_id: flight.delivery.system_id, kind: flight.delivery.kind, pdu: flight.delivery.pdu });
    } else {
      this.logger.info({ session: session.id, status: pdu.command_status }, 'delivery refused; offering it again later');
      this.retryLater(flight.delivery);
    }
    this.pump(session.system_id);
  }

  responseFault(): number | 'drop' {
    const f = this.faultState;
    if (f.drop_response_rate > 0 && Math.random() < f.drop_response_rate) return 'drop';
    return f.response_delay_ms;
  }

  ignoreEnquireLink(): boolean {
    return this.faultState.ignore_enquire_link;
  }

  hold(session: SmscSession, pdu: Pdu, kind: HeldCommand): boolean {
    if (!this.faultState.hold.includes(kind)) return false;
    this.held.push({ session, pdu, kind });
    this.emit('held', { session_id: session.id, command: kind, pdu });
    return true;
  }

  /** Requests held by Faults.hold and not yet released, of one kind if given. */
  heldRequests(kind?: HeldCommand): number {
    return this.held.filter((h) => h.session.state !== 'closed' && (kind === undefined || h.kind === kind)).length;
  }

  /**
   * Answers the oldest held request of `kind` on an open session with `command_status`
   * (a bind released with 0 still has to pass the account checks). False when none is held.
   */
  releaseHeld(kind: HeldCommand, command_status: number = CommandStatus.ESME_ROK): boolean {
    this.held = this.held.filter((h) => h.session.state !== 'closed');
    const i = this.held.findIndex((h) => h.kind === kind);
    if (i < 0) return false;
    const [entry] = this.held.splice(i, 1);
    entry!.session.answerHeld(entry!.pdu, command_status);
    return true;
  }

  /** Sends an enquire_link to every bound session now, as the idle timer would. */
  enquireLinkAll(): number {
    const targets = this.boundSessions();
    for (const s of targets) s.sendRequest({ command: 'enquire_link' });
    return targets.length;
  }

  traffic(session: SmscSession, direction: Direction, pdu: Pdu | PduInput, commandId: number): void {
    this.statistics.count(direction, pdu, commandId);
    if (this.listenerCount('pdu') > 0) {
      this.emit('pdu', { direction, session_id: session.id, system_id: session.system_id, pdu });
    }
  }

  closed(session: SmscSession): void {
    this.sessions.delete(session);
    const flights = this.inFlight.get(session);
    this.inFlight.delete(session);
    if (flights) {
      // Unanswered deliveries go back to the front of the queue, in their order.
      const undelivered = [...flights.values()];
      for (const f of undelivered) clearTimeout(f.timer);
      const queue = this.queueOf(session.system_id);
      queue.unshift(...undelivered.map((f) => f.delivery));
    }
    this.emit('closed', sessionEvent(session));
    this.pump(session.system_id);
  }

  // ---- internals ----------------------------------------------------------------------------

  private accept(socket: Socket): void {
    const session = new SmscSession(socket, this);
    this.sessions.add(session);
  }

  private submit(session: SmscSession, pdu: PduInputOf<'submit_sm'> | PduInputOf<'data_sm'> | PduInputOf<'submit_multi'>): PduInput {
    const resp = `${pdu.command}_resp` as const;
    const answer = (command_status: number, message_id = '') =>
      ({ command: resp, command_status, sequence_number: pdu.sequence_number, message_id }) as PduInput;
    const f = this.faultState;
    if (f.throttle_per_second !== null && !this.throttle.take(f.throttle_per_second)) {
      return answer(CommandStatus.ESME_RTHROTTLED);
    }
    if (f.queue_full) return answer(CommandStatus.ESME_RMSGQFUL);

    const messageId = this.nextMessageId();
    const destinations =
      pdu.command === 'submit_multi'
        ? (pdu.dest_address ?? []).flatMap((d) => (d.dest_flag === 1 ? [d] : []))
        : [{ destination_addr: pdu.destination_addr ?? '', dest_addr_ton: pdu.dest_addr_ton ?? 0, dest_addr_npi: pdu.dest_addr_npi ?? 0 }];
    // A decoded submit_sm always has a short_message: an empty one when the text is in message_payload.
    const text =
      pdu.command === 'data_sm' || (pdu.short_message?.length ?? 0) === 0 ? pdu.message_payload : pdu.short_message;
    const submitted = new Date();
    for (const dest of destinations) {
      const message: StoredMessage = {
        message_id: messageId,
        system_id: session.system_id,
        source_addr: pdu.source_addr ?? '',
        source_addr_ton: pdu.source_addr_ton ?? 0,
        source_addr_npi: pdu.source_addr_npi ?? 0,
        destination_addr: dest.destination_addr,
        dest_addr_ton: dest.dest_addr_ton,
        dest_addr_npi: dest.dest_addr_npi,
        registered_delivery: pdu.registered_delivery ?? 0,
        short_message: text ?? Buffer.alloc(0),
        submitted,
        state: 'ENROUTE',
        final_date: undefined,
        timer: undefined,
      };
      this.store.add(message);
      this.scheduleOutcome(message);
      if (this.listenerCount('message') > 0) this.emit('message', message);
    }
    return answer(CommandStatus.ESME_ROK, messageId);
  }

  private scheduleOutcome(message: StoredMessage): void {
    // After the submit_sm_resp has gone, as an SMSC would: the ENROUTE notice follows the answer.
    if (wantsIntermediate(message.registered_delivery)) setImmediate(() => this.sendReceipt(message, 'ENROUTE'));
    // Without a receipt to send, no timer: the state settles when someone asks (settle()), which
    // keeps a benchmark's tens of thousands of submits per second free of timers.
    if ((message.registered_delivery & 0x03) === 0) return;
    message.timer = setTimeout(() => {
      message.timer = undefined;
      this.finalise(message);
      if (wantsReceipt(message.registered_delivery, message.state)) this.sendReceipt(message, message.state);
    }, this.config.receipts.delay_ms);
    message.timer.unref();
  }

  private finalise(message: StoredMessage): void {
    message.state = pickFinalState(this.config.receipts.final_state, message.destination_addr);
    message.final_date = new Date();
  }

  /** The stored message with its state brought up to date. */
  private settled(messageId: string | undefined): StoredMessage | undefined {
    const message = this.store.get(messageId ?? '');
    if (
      message?.state === 'ENROUTE' &&
      message.timer === undefined &&
      Date.now() - message.submitted.getTime() >= this.config.receipts.delay_ms
    ) {
      this.finalise(message);
    }
    return message;
  }

  private sendReceipt(message: StoredMessage, state: StoredMessage['state']): void {
    const pdu = buildReceipt({
      messageId: message.message_id,
      state,
      source_addr: message.source_addr,
      source_addr_ton: message.source_addr_ton,
      source_addr_npi: message.source_addr_npi,
      destination_addr: message.destination_addr,
      dest_addr_ton: message.dest_addr_ton,
      dest_addr_npi: message.dest_addr_npi,
      submitted: message.submitted,
      done: message.final_date ?? new Date(),
      text: message.short_message,
    });
    this.enqueue({ system_id: message.system_id, kind: 'receipt', pdu, attempts: 0 });
    this.pump(message.system_id);
  }

  private query(pdu: PduInputOf<'query_sm'>): PduInput {
    const message = this.settled(pdu.message_id);
    const base = { command: 'query_sm_resp', sequence_number: pdu.sequence_number } as const;
    if (!message) return { ...base, command_status: CommandStatus.ESME_RQUERYFAIL, message_id: pdu.message_id ?? '' };
    return {
      ...base,
      command_status: CommandStatus.ESME_ROK,
      message_id: message.message_id,
      final_date: message.final_date ? formatSmppTime(message.final_date) : '',
      message_state: messageStateOf(message.state),
      error_code: 0,
    };
  }

  private cancel(pdu: PduInputOf<'cancel_sm'>): PduInput {
    // Settled first in both cases: a message without receipt stays ENROUTE in the store past its
    // delay, and query_sm already reports it final, so cancel_sm must not reach it.
    const targets = pdu.message_id
      ? [this.settled(pdu.message_id)].filter((m): m is StoredMessage => m !== undefined && m.state === 'ENROUTE')
      : this.store
          .pendingBetween(pdu.source_addr ?? '', pdu.destination_addr ?? '')
          .filter((m) => this.settled(m.message_id)?.state === 'ENROUTE');
    for (const m of targets) {
      clearTimeout(m.timer);
      m.timer = undefined;
      m.state = 'DELETED';
      m.final_date = new Date();
    }
    return {
      command: 'cancel_sm_resp',
      sequence_number: pdu.sequence_number,
      command_status: targets.length > 0 ? CommandStatus.ESME_ROK : CommandStatus.ESME_RCANCELFAIL,
    };
  }

  private replace(pdu: PduInputOf<'replace_sm'>): PduInput {
    const message = this.settled(pdu.message_id);
    const answer = { command: 'replace_sm_resp', sequence_number: pdu.sequence_number } as const;
    if (!message || message.state !== 'ENROUTE') return { ...answer, command_status: CommandStatus.ESME_RREPLACEFAIL };
    message.short_message = pdu.short_message ?? Buffer.alloc(0);
    message.registered_delivery = pdu.registered_delivery ?? message.registered_delivery;
    // Submitted without a receipt, the message has no timer (scheduleOutcome); if the replacement
    // asks for one, it needs the timer now, or the receipt would never come.
    if (message.timer === undefined && (message.registered_delivery & 0x03) !== 0) this.scheduleOutcome(message);
    return { ...answer, command_status: CommandStatus.ESME_ROK };
  }

  private queueOf(systemId: string): Delivery[] {
    let queue = this.queues.get(systemId);
    if (!queue) this.queues.set(systemId, (queue = []));
    return queue;
  }

  private enqueue(delivery: Delivery): void {
    this.queueOf(delivery.system_id).push(delivery);
  }

  private retryLater(delivery: Delivery): void {
    delivery.attempts++;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(delivery);
      this.pump(delivery.system_id);
    }, this.config.receipts.retry_delay_ms);
    timer.unref();
    this.timers.add(timer);
  }

  /** Sends queued deliveries to the receiving binds of a system_id, round robin, within each window. */
  private pump(systemId: string): void {
    const queue = this.queues.get(systemId);
    if (!queue || queue.length === 0) return;
    const receivers = [...this.sessions].filter((s) => s.canReceive && s.system_id === systemId);
    if (receivers.length === 0) return;
    let turn = this.roundRobin.get(systemId) ?? 0;
    let idle = 0;
    while (queue.length > 0 && idle < receivers.length) {
      const session = receivers[turn++ % receivers.length]!;
      let flights = this.inFlight.get(session);
      if (!flights) this.inFlight.set(session, (flights = new Map<number, InFlight>()));
      if (flights.size >= DELIVERY_WINDOW) {
        idle++;
        continue;
      }
      idle = 0;
      const delivery = queue.shift()!;
      const seq = session.sendRequest(delivery.pdu);
      const timer = setTimeout(() => {
        flights.delete(seq);
        session.forget(seq);
        this.logger.info({ session: session.id, sequence_number: seq }, 'deliver_sm unanswered; offering it again later');
        this.retryLater(delivery);
      }, this.config.receipts.response_timeout_ms);
      timer.unref();
      flights.set(seq, { delivery, timer });
    }
    this.roundRobin.set(systemId, turn % receivers.length);
  }
}


/** `base` with the fields `patch` sets; a field given as undefined keeps its value. */
function withFaults(base: Faults, patch: Partial<Record<keyof Faults, unknown>>): Faults {
  const next: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) if (value !== undefined) next[key] = value;
  return next as Faults;
}

function sessionEvent(s: SmscSession): SessionEvent {
  // boundAs, not bindType: by the 'closed' event the state is 'closed' and bindType undefined.
  return { session_id: s.id, system_id: s.system_id, bind_type: s.boundAs };
}


/** A bare 16-octet header with the given command_length, command_id and sequence_number. */
function header(commandLength: number, commandId: number, sequenceNumber: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(commandLength, 0);
  b.writeUInt32BE(commandId, 4);
  b.writeUInt32BE(sequenceNumber, 12);
  return b;
}

function garbage(kind: GarbageKind): Buffer {
  switch (kind) {
    case 'unknown_command':
      // A well-framed request with a reserved command_id: the ESME should answer generic_nack.
      return header(16, 0x0000000a, 0x7ffffff0);
    case 'bad_length':
      // A command_length below the header size: the ESME can no longer trust the stream.
      return header(8, 0x00000005, 0x7ffffff1);
    case 'random': {
      const b = Buffer.alloc(32);
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(Math.random() * 256);
      return b;
    }
  }
}

function listen(server: Server | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export function createSimulator(options: SimulatorOptions = {}, logger?: Logger): Simulator {
  return new Simulator(options, logger);
}
