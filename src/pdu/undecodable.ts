import { isResponse } from './commands.js';
import type { SmppCodecError } from './codec-error.js';

/**
 * How a session answers a PDU it could not decode, on either side of the link: a request gets a
 * generic_nack with the codec's status, to its sequence_number (0 when even that was unreadable);
 * a response gets nothing, since responses are never answered, and is dropped.
 */
export function answerToUndecodable(err: SmppCodecError): { command: 'generic_nack'; command_status: number; sequence_number: number } | undefined {
  if (err.command_id !== undefined && isResponse(err.command_id)) return undefined;
  return { command: 'generic_nack', command_status: err.command_status, sequence_number: err.sequence_number ?? 0 };
}
