import { commandStatusName } from './command-status.js';

interface CodecErrorDetails {
  /** The status an ESME answers with (generic_nack or the command's _resp), reference §1.3. */
  command_status: number;
  /** The offending PDU's sequence_number, when the header could be read. */
  sequence_number?: number | undefined;
  /** The offending PDU's command_id, when the header could be read. */
  command_id?: number | undefined;
  /** The field the problem is in, when there is one. */
  field?: string | undefined;
}

/**
 * The only error the PDU codec throws, on decode and on encode. On decode it carries what the
 * session needs to answer the peer: the command_status to answer with and, when the header was
 * readable, the sequence_number and command_id to answer to.
 */
export class SmppCodecError extends Error {
  readonly command_status: number;
  readonly sequence_number: number | undefined;
  readonly command_id: number | undefined;
  readonly field: string | undefined;

  constructor(message: string, details: CodecErrorDetails) {
    super(`${message} (${commandStatusName(details.command_status)})`);
    this.name = 'SmppCodecError';
    this.command_status = details.command_status;
    this.sequence_number = details.sequence_number;
    this.command_id = details.command_id;
    this.field = details.field;
  }
}

/**
 * A command_length the stream cannot be framed past. `frames` holds the complete frames that
 * came before it in the same read: they are good PDUs (a submit_sm_resp, say) and must be
 * handled before the session nacks and reconnects, or their requests would look unanswered.
 */
export class SmppFramingError extends SmppCodecError {
  constructor(
    message: string,
    details: CodecErrorDetails,
    readonly frames: readonly Buffer[],
  ) {
    super(message, details);
    this.name = 'SmppFramingError';
  }
}
