import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { CommandStatus } from '../pdu/command-status.js';
import { COMMANDS, isResponse, responseCommandFor } from '../pdu/commands.js';
import type { CommandName } from '../pdu/commands.js';
import { SmppCodecError, SmppFramingError } from '../pdu/codec-error.js';
import { decodePdu } from '../pdu/decode.js';
import { answerToUndecodable } from '../pdu/undecodable.js';
import { encodePdu } from '../pdu/encode.js';
import { FrameReader } from '../pdu/frame-reader.js';
import type { Pdu, PduInput } from '../pdu/types.js';
import type { HeldCommand } from './options.js';
import { BIND_TYPE_OF, TRANSMIT_REQUESTS, allowedOn } from '../pdu/bind-states.js';
import type { BindType } from '../pdu/bind-states.js';

export type { BindType };

function bindAnswer(pdu: Pdu, command_status: number): PduInput {
  return { command: `${pdu.command}_resp`, command_status, sequence_number: pdu.sequence_number } as PduInput;
}

/** Reference §9.1, seen from the SMSC. */
export type SessionState = 'open' | BindType | 'unbinding' | 'closed';

/** Requests only an SMSC sends: an ESME sending one gets generic_nack ESME_RINVCMDID. */
const SMSC_ONLY: ReadonlySet<CommandName> = new Set(['deliver_sm', 'alert_notification', 'outbind']);

/** Responses to the submits and the queries about them carry the response faults (delay, drop). */
export const SUBMIT_LIKE = TRANSMIT_REQUESTS;

/** What a session asks of the simulator that owns it. */
export interface SessionHost {
  readonly logger: Logger;
  /** The system_id the simulator answers binds with. */
  readonly systemId: string;
  readonly maxCommandLength: number;
  readonly enquireLinkIntervalMs: number;
  readonly unbindTimeoutMs: number;
  /** The answer to a bind: a command_status, or undefined to leave the bind unanswered. */
  bind(session: SmscSession, pdu: Pdu, bindType: BindType): number | undefined;
  /** A request allowed in the session's state; returns the response, or undefined for none. */
  request(session: SmscSession, pdu: Pdu): PduInput | undefined;
  /** A response from the ESME to a request the simulator sent. */
  response(session: SmscSession, pdu: Pdu, request: PduInput | undefined): void;
  /** Whether to hold or drop the response to a submit-like request: delay in ms, or 'drop'. */
  responseFault(): number | 'drop';
  ignoreEnquireLink(): boolean;
  /** Whether to hold this request unanswered until the test releases it (see Faults.hold). */
  hold(session: SmscSession, pdu: Pdu, kind: HeldCommand): boolean;
  /** The session is bound and its bind_resp written: deliveries may flow. */
  bound(session: SmscSession): void;
  traffic(session: SmscSession, direction: 'received' | 'sent', pdu: Pdu | PduInput, commandId: number): void;
  closed(session: SmscSession): void;
}

/**
 * One ESME connection to the simulator: framing, the bind state of reference §9.2, and the
 * sequence numbers of requests the simulator sends. What to answer is the host's business.
 */
export class SmscSession {
  private static nextId = 1;
  readonly id = SmscSession.nextId++;
  state: SessionState = 'open';
  system_id = '';
  /** The bind type the session was bound with; kept through unbind and close, for the 'closed' event. */
  boundAs: BindType | undefined;
  private readonly reader: FrameReader;
  private sequence = 0;
  /** Requests the simulator sent, by sequence_number, until their response. */
  private readonly outstanding = new Map<number, PduInput>();
  private idleTimer: NodeJS.Timeout | undefined;
  private unbindTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private framingFailed = false;

  constructor(
    readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.log = host.logger.child({ session: this.id, remote: `${socket.remoteAddress}:${socket.remotePort}` });
    this.reader = new FrameReader({ maxCommandLength: host.maxCommandLength });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log.debug({ err: err.message }, 'socket error'));
    socket.on('close', () => this.onClose());
    if (host.enquireLinkIntervalMs > 0) {
      this.idleTimer = setTimeout(() => this.onIdle(), host.enquireLinkIntervalMs);
      this.idleTimer.unref();
    }
    this.log.info('ESME connected');
  }

  get bindType(): BindType | undefined {
    return this.state === 'transmitter' || this.state === 'receiver' || this.state === 'transceiver'
      ? this.state
      : undefined;
  }

  /** Whether deliver_sm may go to this session. */
  get canReceive(): boolean {
    return this.state === 'receiver' || this.state === 'transceiver';
  }

  get outstandingCount(): number {
    return this.outstanding.size;
  }

  /** Sends a request with the next sequence number; returns that number. */
  sendRequest(pdu: Omit<PduInput, 'sequence_number'>): number {
    this.sequence = this.sequence >= 0x7fffffff ? 1 : this.sequence + 1;
    const full = { ...pdu, sequence_number: this.sequence } as PduInput;
    this.outstanding.set(this.sequence, full);
    this.write(full);
    return this.sequence;
  }

  /** Server-initiated unbind: answer it with unbind_resp, or we close after the timeout. */
  unbind(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    if (this.bindType === undefined) {
      this.socket.destroy();
      return closed;
    }
    this.state = 'unbinding';
    this.sendRequest({ command: 'unbind' });
    this.unbindTimer = setTimeout(() => this.socket.destroy(), this.host.unbindTimeoutMs);
    return closed;
  }

  /** Drops the connection without an unbind, as a crashing SMSC or a broken network would. */
  disconnect(): void {
    this.socket.destroy();
  }

  /** Writes raw bytes: the garbage-frame fault. */
  writeRaw(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  write(pdu: PduInput): void {
    if (this.socket.destroyed) return;
    const bytes = encodePdu(pdu);
    this.host.traffic(this, 'sent', pdu, bytes.readUInt32BE(4));
    this.socket.write(bytes);
  }

  private respond(request: Pdu, response: PduInput): void {
    if (!SUBMIT_LIKE.has(request.command)) {
      this.write(response);
      return;
    }
    const fault = this.host.responseFault();
    if (fault === 'drop') {
      this.log.debug({ sequence_number: request.sequence_number }, 'dropping response (fault)');
    } else if (fault > 0) {
      setTimeout(() => this.write(response), fault).unref();
    } else {
      this.write(response);
    }
  }

  private onData(chunk: Buffer): void {
    // After a framing error the connection is closing: nothing more is read from it.
    if (this.framingFailed) return;
    this.idleTimer?.refresh();
    let frames: readonly Buffer[];
    let framingError: SmppFramingError | undefined;
    try {
      frames = this.reader.push(chunk);
    } catch (e) {
      if (!(e instanceof SmppFramingError)) throw e;
      // The frames before the bad length are good PDUs: answer them before closing.
      frames = e.frames;
      framingError = e;
      this.framingFailed = true;
    }
    // One write for all the responses to one read.
    this.socket.cork();
    try {
      for (const frame of frames) this.onFrame(frame);
      if (framingError) this.framingError(framingError);
    } finally {
      this.socket.uncork();
    }
  }

  private framingError(err: SmppFramingError): void {
    this.log.warn({ err: err.message }, 'framing error: sending generic_nack and closing');
    this.write({ command: 'generic_nack', command_status: err.command_status, sequence_number: err.sequence_number ?? 0 });
    this.socket.end();
  }

  private onFrame(frame: Buffer): void {
    let pdu: Pdu;
    try {
      pdu = decodePdu(frame);
    } catch (e) {
      if (!(e instanceof SmppCodecError)) throw e;
      const answer = answerToUndecodable(e);
      if (answer === undefined) {
        this.log.warn({ err: e.message }, 'undecodable response dropped');
      } else {
        this.log.warn({ err: e.message }, 'undecodable request: generic_nack');
        this.write(answer);
      }
      return;
    }
    this.host.traffic(this, 'received', pdu, COMMANDS[pdu.command].id);
    this.log.debug({ pdu: pdu.command, sequence_number: pdu.sequence_number }, 'received');

    if (isResponse(COMMANDS[pdu.command].id)) {
      this.onResponse(pdu);
      return;
    }
    const responseCommand = responseCommandFor(pdu.command);
    if (SMSC_ONLY.has(pdu.command) || responseCommand === undefined) {
      this.write({ command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID, sequence_number: pdu.sequence_number });
      return;
    }
    const answer = (command_status: number) =>
      ({ command: responseCommand, command_status, sequence_number: pdu.sequence_number }) as PduInput;

    if (pdu.command === 'enquire_link') {
      // Answered in any state, as SMSCs do (reference §9.2).
      if (this.host.ignoreEnquireLink() || this.host.hold(this, pdu, 'enquire_link')) return;
      this.write(answer(CommandStatus.ESME_ROK));
      return;
    }
    const bindType = BIND_TYPE_OF[pdu.command];
    if (bindType !== undefined) {
      this.onBind(pdu, bindType);
      return;
    }
    const current = this.bindType;
    if (current === undefined || !allowedOn(pdu.command, current)) {
      this.respond(pdu, answer(CommandStatus.ESME_RINVBNDSTS));
      return;
    }
    if (pdu.command === 'unbind') {
      if (this.host.hold(this, pdu, 'unbind')) return;
      this.answerUnbind(pdu);
      return;
    }
    const response = this.host.request(this, pdu);
    if (response) this.respond(pdu, response);
  }

  private onBind(pdu: Pdu, bindType: BindType): void {
    if (this.state !== 'open') {
      this.write(bindAnswer(pdu, CommandStatus.ESME_RALYBND));
      return;
    }
    if (this.host.hold(this, pdu, 'bind')) return;
    const status = this.host.bind(this, pdu, bindType);
    if (status !== undefined) this.completeBind(pdu, bindType, status);
  }

  private completeBind(pdu: Pdu, bindType: BindType, status: number): void {
    if (status !== CommandStatus.ESME_ROK) {
      this.write(bindAnswer(pdu, status));
      return;
    }
    this.state = bindType;
    this.boundAs = bindType;
    this.system_id = (pdu as { system_id: string }).system_id;
    this.log.info({ system_id: this.system_id, bind_type: bindType }, 'bound');
    this.write({ ...bindAnswer(pdu, status), system_id: this.host.systemId, sc_interface_version: 0x34 } as PduInput);
    this.host.bound(this);
  }

  private answerUnbind(pdu: Pdu): void {
    this.state = 'unbinding';
    this.write({ command: 'unbind_resp', sequence_number: pdu.sequence_number });
    this.socket.end();
  }

  /**
   * Answers a request held by Faults.hold. A bind released with status 0 still goes through
   * the account checks, so a held bind cannot bind what an answered one could not.
   */
  answerHeld(pdu: Pdu, command_status: number): void {
    if (this.state === 'closed') return;
    const bindType = BIND_TYPE_OF[pdu.command];
    if (bindType !== undefined) {
      if (this.state !== 'open') return;
      const status = command_status === CommandStatus.ESME_ROK ? this.host.bind(this, pdu, bindType) : command_status;
      if (status !== undefined) this.completeBind(pdu, bindType, status);
    } else if (pdu.command === 'unbind') {
      if (command_status === CommandStatus.ESME_ROK) this.answerUnbind(pdu);
      else this.write({ command: 'unbind_resp', command_status, sequence_number: pdu.sequence_number });
    } else {
      this.write({ command: `${pdu.command}_resp`, command_status, sequence_number: pdu.sequence_number } as PduInput);
    }
  }

  private onResponse(pdu: Pdu): void {
    const request = this.outstanding.get(pdu.sequence_number);
    if (request === undefined && pdu.command !== 'generic_nack') {
      this.log.warn({ pdu: pdu.command, sequence_number: pdu.sequence_number }, 'response to no outstanding request dropped');
      return;
    }
    this.outstanding.delete(pdu.sequence_number);
    if (pdu.command === 'unbind_resp') {
      // The unbind timer stays: an ESME that never closes its end would otherwise hold the
      // session, and stop(), open for ever. onClose clears it.
      this.socket.end();
      return;
    }
    this.host.response(this, pdu, request);
  }

  /** Stops waiting for the response to a request: a late one is then logged and dropped. */
  forget(sequenceNumber: number): void {
    this.outstanding.delete(sequenceNumber);
  }

  private onIdle(): void {
    if (this.bindType !== undefined) this.sendRequest({ command: 'enquire_link' });
    this.idleTimer?.refresh();
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.idleTimer);
    clearTimeout(this.unbindTimer);
    this.log.info('ESME disconnected');
    this.host.closed(this);
  }
}
