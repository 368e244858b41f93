/**
 * A bare TCP peer for the simulator's tests, for what node-smpp cannot do: write arbitrary
 * octets, and see every octet the simulator writes (including frames no codec accepts). Frames
 * are cut with our FrameReader and decoded with decodePdu; a framing error is kept, not thrown.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { FrameReader } from '../../src/pdu/frame-reader.js';
import { decodePdu } from '../../src/pdu/decode.js';
import { encodePdu } from '../../src/pdu/encode.js';
import { SmppCodecError } from '../../src/pdu/codec-error.js';
import type { Pdu, PduInput } from '../../src/pdu/types.js';
import { DEFAULT_WAIT_MS } from './node-smpp-client.js';

export class RawSmppClient {
  /** Every octet received, in order. */
  bytes: Buffer = Buffer.alloc(0);
  readonly pdus: Pdu[] = [];
  /** The first framing or decoding error; nothing is decoded after a framing error. */
  error: SmppCodecError | undefined;
  readonly closed: Promise<void>;
  private readonly reader = new FrameReader();
  private readonly listeners = new Set<() => void>();
  /** PDUs `next` has handed out. */
  private readonly taken = new Set<Pdu>();
  private sequence = 0;

  private constructor(readonly socket: Socket) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, chunk]);
      if (this.error === undefined) {
        try {
          for (const frame of this.reader.push(chunk)) this.pdus.push(decodePdu(frame));
        } catch (e) {
          if (!(e instanceof SmppCodecError)) throw e;
          this.error = e;
        }
      }
      for (const l of [...this.listeners]) l();
    });
    socket.on('close', () => {
      for (const l of [...this.listeners]) l();
    });
  }

  /** `allowHalfOpen`: keep this end open when the simulator closes its end (a sloppy ESME). */
  static connect(port: number, options: { allowHalfOpen?: boolean } = {}): Promise<RawSmppClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: options.allowHalfOpen ?? false }, () => {
        socket.off('error', reject);
        resolve(new RawSmppClient(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends a PDU, giving it the next sequence number unless it has one; returns that number. */
  send(pdu: Omit<PduInput, 'sequence_number'> & { sequence_number?: number }): number {
    const sequence_number = pdu.sequence_number ?? ++this.sequence;
    this.socket.write(encodePdu({ ...pdu, sequence_number } as PduInput));
    return sequence_number;
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves once `ready()` holds, re-checked on every read; rejects after `waitMs` or on close. */
  until<T>(ready: () => T | undefined, what: string, waitMs = DEFAULT_WAIT_MS): Promise<T> {
    const now = ready();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const done = (fn: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        fn();
      };
      const check = () => {
        const value = ready();
        if (value !== undefined) done(() => resolve(value));
        else if (this.socket.destroyed || this.socket.readableEnded) done(() => reject(new Error(`closed before ${what}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${waitMs} ms`))), waitMs);
      this.listeners.add(check);
    });
  }

  /** The first received PDU of `command` (matching `test`) not taken yet. */
  next(command: string, test: (pdu: Pdu) => boolean = () => true, waitMs = DEFAULT_WAIT_MS): Promise<Pdu> {
    return this.until(
      () => {
        const i = this.pdus.findIndex((p) => !this.taken.has(p) && p.command === command && test(p));
        if (i < 0) return undefined;
        const pdu = this.pdus[i]!;
        this.taken.add(pdu);
        return pdu;
      },
      command,
      waitMs,
    );
  }

  /** Sends a bind and resolves with its response. */
  async bind(bindType: 'transmitter' | 'receiver' | 'transceiver' = 'transceiver', system_id = 'smppclient1', password = 'password'): Promise<Pdu> {
    const seq = this.send({ command: `bind_${bindType}`, system_id, password, interface_version: 0x34 } as PduInput);
    return this.next(`bind_${bindType}_resp`, (p) => p.sequence_number === seq);
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}
