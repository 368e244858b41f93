/**
 * node-smpp's client session as a third-party ESME for the simulator's tests, wrapped in
 * promises: `call` sends a request and resolves with its response, `next` resolves with the next
 * PDU of a command the peer sends. Every wait has a deadline so a missing PDU fails the test
 * with a message instead of hanging it.
 */
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { NodeSmppPdu } from './node-smpp.js';

interface NodeSmppSession extends EventEmitter {
  send(pdu: NodeSmppPdu, onResponse?: (pdu: NodeSmppPdu) => void): boolean;
  close(callback?: () => void): void;
  destroy(callback?: () => void): void;
  socket: { destroyed: boolean };
}

interface NodeSmppModule {
  connect(options: { host: string; port: number }, onConnect?: () => void): NodeSmppSession;
  PDU: new (command: string, options?: Record<string, unknown>) => NodeSmppPdu;
}

const smpp = createRequire(import.meta.url)('smpp') as NodeSmppModule;

export const DEFAULT_WAIT_MS = 5_000;

export class NodeSmppClient {
  /** Every PDU the peer sent, in order. */
  readonly received: NodeSmppPdu[] = [];
  /** Received PDUs no `next` has taken yet. */
  private readonly unclaimed: NodeSmppPdu[] = [];
  readonly closed: Promise<void>;
  private readonly waiters: { test: (pdu: NodeSmppPdu) => boolean; resolve: (pdu: NodeSmppPdu) => void }[] = [];

  private constructor(
    readonly session: NodeSmppSession,
    options: { autoAnswer: boolean },
  ) {
    this.closed = new Promise((resolve) => session.once('close', () => resolve()));
    session.on('error', () => undefined);
    session.on('pdu', (pdu: NodeSmppPdu) => {
      this.received.push(pdu);
      const i = this.waiters.findIndex((w) => w.test(pdu));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(pdu);
      else this.unclaimed.push(pdu);
      // An ESME answers deliver_sm and enquire_link; tests that want to answer differently say so.
      if (options.autoAnswer && !pdu.isResponse() && pdu.command !== 'unknown') {
        if (['deliver_sm', 'enquire_link', 'data_sm', 'unbind'].includes(pdu.command)) {
          session.send(new smpp.PDU(`${pdu.command}_resp`, { sequence_number: pdu.sequence_number }));
        }
      }
    });
  }

  static connect(port: number, options: { autoAnswer?: boolean } = {}): Promise<NodeSmppClient> {
    return new Promise((resolve, reject) => {
      const session = smpp.connect({ host: '127.0.0.1', port }, () => {
        session.off('error', reject);
        resolve(new NodeSmppClient(session, { autoAnswer: options.autoAnswer ?? true }));
      });
      session.once('error', reject);
    });
  }

  /** Connects and binds; resolves with the bind response whatever its status. */
  static async bound(
    port: number,
    bindType: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver',
    credentials: { system_id?: string; password?: string } = {},
    options: { autoAnswer?: boolean } = {},
  ): Promise<NodeSmppClient> {
    const client = await NodeSmppClient.connect(port, options);
    const resp = await client.call(`bind_${bindType}`, {
      system_id: credentials.system_id ?? 'smppclient1',
      password: credentials.password ?? 'password',
      interface_version: 0x34,
    });
    if (resp.command_status !== 0) throw new Error(`bind failed with status ${resp.command_status}`);
    return client;
  }

  /** Sends a request; resolves with its response. */
  call(command: string, fields: Record<string, unknown> = {}, waitMs = DEFAULT_WAIT_MS): Promise<NodeSmppPdu> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to ${command} within ${waitMs} ms`)), waitMs);
      const sent = this.session.send(new smpp.PDU(command, fields), (pdu) => {
        clearTimeout(timer);
        resolve(pdu);
      });
      if (!sent) {
        clearTimeout(timer);
        reject(new Error(`could not send ${command}: socket not writable`));
      }
    });
  }

  /** Sends a response or a request without waiting for anything. */
  send(command: string, fields: Record<string, unknown> = {}): void {
    this.session.send(new smpp.PDU(command, fields));
  }

  /** The next PDU of `command` (matching `test`, if given), including one already received and not yet taken. */
  next(command: string, test: (pdu: NodeSmppPdu) => boolean = () => true, waitMs = DEFAULT_WAIT_MS): Promise<NodeSmppPdu> {
    const match = (pdu: NodeSmppPdu) => pdu.command === command && test(pdu);
    const early = this.unclaimed.findIndex(match);
    if (early >= 0) return Promise.resolve(this.unclaimed.splice(early, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no ${command} within ${waitMs} ms`));
      }, waitMs);
      const waiter = {
        test: match,
        resolve: (pdu: NodeSmppPdu) => {
          clearTimeout(timer);
          resolve(pdu);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Collects `count` PDUs of `command`, in arrival order. */
  async collect(command: string, count: number, waitMs = DEFAULT_WAIT_MS): Promise<NodeSmppPdu[]> {
    const out: NodeSmppPdu[] = [];
    for (let i = 0; i < count; i++) out.push(await this.next(command, () => true, waitMs));
    return out;
  }

  close(): Promise<void> {
    if (!this.session.socket.destroyed) this.session.destroy();
    return this.closed;
  }
}
