/**
 * A scripted SMSC for the statechart's model-based tests: it stands in for the socket actor, so
 * the real codec actor, request window and machine run unchanged, and every reaction of the
 * SMSC (accept the connection, answer the bind, answer or ignore an enquire_link, unbind, close)
 * happens only when a test step says so. With vi.useFakeTimers() the run is deterministic.
 */
import { fromCallback } from 'xstate';
import type { SmppEvent, SocketInput } from '../../machines/smpp.machine.js';
import { decodePdu, encodePdu, FrameReader } from '../../src/index.js';
import type { Pdu, PduInput } from '../../src/index.js';
import type { OutboundRequest } from '../../src/session/request-window.js';
import type { SessionRuntime } from '../../src/session/runtime.js';

interface Connection {
  runtime: SessionRuntime;
  sendBack: (event: SmppEvent) => void;
  connected: boolean;
  closed: boolean;
}

export class ScriptedSmsc {
  /** Every PDU the ESME wrote, in order, across connections. */
  readonly received: Pdu[] = [];
  connectionAttempts = 0;
  private connection: Connection | undefined;
  private seq = 1000;

  /** The socket actor to provide to the machine in place of the real one. */
  readonly socketActor = fromCallback<{ type: 'noop' }, SocketInput, SmppEvent>(({ input, sendBack }) => {
    this.connectionAttempts++;
    const connection: Connection = { runtime: input.runtime, sendBack, connected: false, closed: false };
    this.connection = connection;
    return () => {
      connection.closed = true;
      input.runtime.writeBytes = undefined;
    };
  });

  get isOpen(): boolean {
    return this.connection !== undefined && !this.connection.closed;
  }

  /** The pending TCP connect succeeds. */
  accept(): void {
    const c = this.current();
    const reader = new FrameReader();
    c.connected = true;
    c.runtime.writeBytes = (bytes) => {
      for (const frame of reader.push(bytes)) this.received.push(decodePdu(frame));
    };
    c.sendBack({ type: 'socket.connected' });
  }

  /** The pending TCP connect fails, or the open connection drops. */
  drop(reason = 'socket closed: ECONNRESET'): void {
    const c = this.current();
    c.closed = true;
    c.sendBack({ type: 'socket.closed', reason });
  }

  /** The last request of `command` the ESME sent. */
  last(command: string): Pdu {
    const found = [...this.received].reverse().find((p) => p.command === command);
    if (!found) throw new Error(`the ESME sent no ${command}; it sent ${this.received.map((p) => p.command).join(', ')}`);
    return found;
  }

  /** Answers the last request of `command` with its _resp and `command_status`. */
  answer(command: string, command_status = 0, fields: Record<string, unknown> = {}): void {
    const request = this.last(command);
    this.deliver({ command: `${command}_resp`, command_status, sequence_number: request.sequence_number, ...fields } as PduInput);
  }

  /** The SMSC sends a request of its own (enquire_link, unbind, deliver_sm …). */
  request(pdu: OutboundRequest): number {
    const sequence_number = ++this.seq;
    this.deliver({ ...pdu, sequence_number });
    return sequence_number;
  }

  /** Raw bytes as if read from the socket. */
  bytes(bytes: Buffer): void {
    this.current().runtime.onBytes?.(bytes);
  }

  deliver(pdu: PduInput): void {
    this.bytes(encodePdu(pdu));
  }

  private current(): Connection {
    if (!this.connection) throw new Error('no connection attempt yet');
    return this.connection;
  }
}
