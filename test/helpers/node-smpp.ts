/**
 * node-smpp (`smpp` 0.5.1, CommonJS, no type declarations) as a typed third-party peer for the
 * interop tests and the benchmarks. Loaded with `createRequire` so no ambient `declare module`
 * is needed (it would clash with any other declaration of the module in the program).
 */
import { createRequire } from 'node:module';

/** A node-smpp PDU: header fields plus whatever body fields and TLVs it decoded or was given. */
export interface NodeSmppPdu {
  command: string;
  command_length: number;
  command_id: number;
  command_status: number;
  sequence_number: number;
  [field: string]: unknown;
  toBuffer(): Buffer;
  isResponse(): boolean;
}

export interface NodeSmppPduConstructor {
  /** Builds a PDU from a command name and its fields (missing fields take node-smpp defaults). */
  new (command: string, options?: Record<string, unknown>): NodeSmppPdu;
  /** Decodes one complete PDU. */
  new (buffer: Buffer): NodeSmppPdu;
  /** Decodes one PDU; `false` when the buffer is shorter than 16 octets or its command_length. */
  fromBuffer(buffer: Buffer): NodeSmppPdu | false;
  maxLength: number;
}

export interface NodeSmpp {
  PDU: NodeSmppPduConstructor;
}

const require = createRequire(import.meta.url);

export const smpp = require('smpp') as NodeSmpp;
