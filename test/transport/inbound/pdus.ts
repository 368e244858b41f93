/**
 * Builders for the inbound tests: PDUs go through the real encoder and decoder, so each test
 * sees exactly the object the session would hand the processor.
 */
import { decodePdu, encodePdu } from '../../../src/pdu/index.js';
import type { PduInputOf, PduOf } from '../../../src/pdu/index.js';

type DeliverInput = Omit<PduInputOf<'deliver_sm'>, 'command' | 'sequence_number'> & { sequence_number?: number };
type DataSmInput = Omit<PduInputOf<'data_sm'>, 'command' | 'sequence_number'> & { sequence_number?: number };

/** A deliver_sm from 27820001001 to 123456 (vumi2's test addresses) unless told otherwise. */
export function deliverSm(fields: DeliverInput = {}): PduOf<'deliver_sm'> {
  const pdu = decodePdu(
    encodePdu({ command: 'deliver_sm', sequence_number: 1, source_addr: '27820001001', destination_addr: '123456', ...fields }),
  );
  if (pdu.command !== 'deliver_sm') throw new Error('expected a deliver_sm');
  return pdu;
}

export function dataSm(fields: DataSmInput = {}): PduOf<'data_sm'> {
  const pdu = decodePdu(
    encodePdu({ command: 'data_sm', sequence_number: 1, source_addr: '27820001001', destination_addr: '123456', ...fields }),
  );
  if (pdu.command !== 'data_sm') throw new Error('expected a data_sm');
  return pdu;
}

/** Octets from spaced hex: `bytes('05 00 03')`. */
export function bytes(spaced: string): Buffer {
  return Buffer.from(spaced.replace(/\s+/g, ''), 'hex');
}

export const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** The Appendix B receipt text vumi2's tests use, with the stat word given. */
export function vumi2ReceiptText(stat: string, id = '0123456789'): string {
  return `id:${id} sub:001 dlvrd:001 submit date:2209121354 done date:2209121454 stat:${stat} Text:01234567890123456789`;
}
