import { beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus } from '../../src/pdu/command-status.js';
import { decodePdu } from '../../src/pdu/decode.js';
import { answerToUndecodable } from '../../src/pdu/undecodable.js';
import { codecErrorOf } from '../helpers/codec-error.js';

beforeEach(() => {
  expect.hasAssertions();
});

/** A header (length, id, status 0, sequence) and a body. */
function frame(commandId: number, sequence: number, body: Buffer): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(16 + body.length, 0);
  header.writeUInt32BE(commandId, 4);
  header.writeUInt32BE(sequence, 12);
  return Buffer.concat([header, body]);
}

const decodeError = (bytes: Buffer) => codecErrorOf(() => decodePdu(bytes));

describe('answerToUndecodable', () => {
  it('answers an undecodable request with generic_nack, the codec’s status, to its sequence_number', () => {
    // enquire_link has no body: one octet too many.
    const err = decodeError(frame(0x00000015, 42, Buffer.from([0])));
    expect(answerToUndecodable(err)).toEqual({ command: 'generic_nack', command_status: err.command_status, sequence_number: 42 });
    expect(err.command_status).not.toBe(CommandStatus.ESME_ROK);
  });

  it('answers a request with an unknown command_id with ESME_RINVCMDID', () => {
    expect(answerToUndecodable(decodeError(frame(0x0000_00ff, 7, Buffer.alloc(0))))).toEqual({
      command: 'generic_nack',
      command_status: CommandStatus.ESME_RINVCMDID,
      sequence_number: 7,
    });
  });

  it('answers nothing to an undecodable response', () => {
    // submit_sm_resp whose message_id has no NUL.
    expect(answerToUndecodable(decodeError(frame(0x80000004, 9, Buffer.from('abc'))))).toBeUndefined();
  });
});
