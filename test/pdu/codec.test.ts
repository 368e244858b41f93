import { beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus, SmppCodecError, decodePdu, encodePdu } from '../../src/index.js';
import type { PduInput } from '../../src/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Decoding `bytes` must fail with SmppCodecError carrying `status` (and `sequence` when given). */
function expectDecodeError(bytes: Buffer, status: number, sequence?: number): SmppCodecError {
  let caught: unknown;
  try {
    decodePdu(bytes);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SmppCodecError);
  const err = caught as SmppCodecError;
  expect(err.command_status).toBe(status);
  if (sequence !== undefined) expect(err.sequence_number).toBe(sequence);
  return err;
}

function expectEncodeError(pdu: PduInput, field: string): SmppCodecError {
  let caught: unknown;
  try {
    encodePdu(pdu);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SmppCodecError);
  const err = caught as SmppCodecError;
  expect(err.field).toBe(field);
  expect(err.message).toContain(field);
  return err;
}

/** A header with the given fields, followed by `body`, with command_length set right. */
function frame(commandId: number, sequence: number, body = '', status = 0): Buffer {
  const b = hex(body);
  const h = Buffer.alloc(16);
  h.writeUInt32BE(16 + b.length, 0);
  h.writeUInt32BE(commandId, 4);
  h.writeUInt32BE(status, 8);
  h.writeUInt32BE(sequence, 12);
  return Buffer.concat([h, b]);
}

beforeEach(() => {
  expect.hasAssertions();
});

describe('decodePdu: bad input answers with the status an ESME must send', () => {
  it('a buffer shorter than the header is ESME_RINVCMDLEN without a sequence_number', () => {
    const err = expectDecodeError(hex('00 00 00 10 00 00'), CommandStatus.ESME_RINVCMDLEN);
    expect(err.sequence_number).toBeUndefined();
  });

  it('a command_length that disagrees with the buffer is ESME_RINVCMDLEN with the sequence_number', () => {
    const bytes = frame(0x15, 9);
    bytes.writeUInt32BE(20, 0);
    expectDecodeError(bytes, CommandStatus.ESME_RINVCMDLEN, 9);
  });

  it('an unknown command_id is ESME_RINVCMDID with the sequence_number and command_id', () => {
    const err = expectDecodeError(frame(0x0000000a, 5), CommandStatus.ESME_RINVCMDID, 5);
    expect(err.command_id).toBe(0x0a);
  });

  it('SMPP 5.0 broadcast_sm (0x111) is not a 3.4 command', () => {
    expectDecodeError(frame(0x111, 6), CommandStatus.ESME_RINVCMDID, 6);
  });

  it('a C-Octet String with no NUL before the end is ESME_RINVCMDLEN', () => {
    // bind_transmitter whose system_id runs to the end of the PDU.
    expectDecodeError(frame(0x02, 3, '73 6D 70 70'), CommandStatus.ESME_RINVCMDLEN, 3);
  });

  it('a request missing mandatory fields is ESME_RINVCMDLEN naming the field', () => {
    // submit_sm that stops after source_addr.
    const err = expectDecodeError(frame(0x04, 4, '00 00 00 31 32 00'), CommandStatus.ESME_RINVCMDLEN, 4);
    expect(err.field).toBe('dest_addr_ton');
  });

  it('an sm_length beyond the PDU is ESME_RINVMSGLEN', () => {
    const body = '00 00 00 31 00 01 01 32 00 00 00 00 00 00 00 00 00 00 FE 68 69';
    const err = expectDecodeError(frame(0x04, 8, body), CommandStatus.ESME_RINVMSGLEN, 8);
    expect(err.field).toBe('short_message');
  });

  it('a TLV whose length runs past the PDU is ESME_RINVOPTPARSTREAM', () => {
    expectDecodeError(frame(0x80000009, 1, '53 00 02 10 00 05 34'), CommandStatus.ESME_RINVOPTPARSTREAM, 1);
  });

  it('stray octets too short for a TLV header are ESME_RINVOPTPARSTREAM', () => {
    expectDecodeError(frame(0x80000009, 1, '53 00 02 10'), CommandStatus.ESME_RINVOPTPARSTREAM, 1);
  });


  it('an invalid dest_flag in submit_multi is ESME_RINVDESTFLAG', () => {
    expectDecodeError(frame(0x21, 2, '00 00 00 31 00 01 07'), CommandStatus.ESME_RINVDESTFLAG, 2);
  });
});

describe('decodePdu: tolerance the field needs (reference §1.4, §3.1)', () => {
  it('any response with a non-zero status and no body decodes with defaults', () => {
    expect(decodePdu(frame(0x80000021, 4, '', CommandStatus.ESME_RINVNUMDESTS))).toEqual({
      command: 'submit_multi_resp',
      command_status: CommandStatus.ESME_RINVNUMDESTS,
      sequence_number: 4,
      message_id: '',
      unsuccess_sme: [],
    });
    expect(decodePdu(frame(0x80000003, 5, '', CommandStatus.ESME_RQUERYFAIL))).toMatchObject({
      command: 'query_sm_resp',
      message_id: '',
      final_date: '',
      message_state: 0,
      error_code: 0,
    });
  });

  it('a header-only deliver_sm_resp decodes with an empty message_id', () => {
    expect(decodePdu(frame(0x80000005, 7))).toEqual({
      command: 'deliver_sm_resp',
      command_status: 0,
      sequence_number: 7,
      message_id: '',
    });
  });

  it('unknown TLVs are kept and re-encoded byte for byte', () => {
    const bytes = frame(0x80000009, 1, '53 00 14 00 00 02 AB CD 02 10 00 01 34');
    const pdu = decodePdu(bytes);
    expect(pdu).toMatchObject({ sc_interface_version: 0x34, unknown_tlvs: [{ tag: 0x1400, value: hex('AB CD') }] });
    const again = decodePdu(encodePdu(pdu));
    expect(again).toEqual(pdu);
  });

  it('a repeated known TLV (callback_num may repeat) is kept in unknown_tlvs', () => {
    const body = '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 81 00 04 01 01 01 31 03 81 00 04 01 01 01 32';
    const pdu = decodePdu(frame(0x04, 3, body));
    expect(pdu).toMatchObject({ callback_num: hex('01 01 01 31'), unknown_tlvs: [{ tag: 0x0381, value: hex('01 01 01 32') }] });
  });

  it('an integer TLV of a length no integer has (3) is kept raw instead of failing the PDU', () => {
    expect(decodePdu(frame(0x80000009, 1, '53 00 02 10 00 03 00 00 34'))).toMatchObject({
      system_id: 'S',
      unknown_tlvs: [{ tag: 0x0210, value: hex('00 00 34') }],
    });
  });

  it('integer TLVs are read by their actual length (source_telematics_id sent as 2 octets)', () => {
    const body = '00 00 00 00 00 00 00 00 00 00 00 10 00 02 00 07';
    expect(decodePdu(frame(0x103, 3, body))).toMatchObject({ command: 'data_sm', source_telematics_id: 7 });
  });

  it('a C-string TLV without its NUL (as some SMSCs send) decodes to the same string', () => {
    const body = '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 1E 00 04 41 42 43 44';
    expect(decodePdu(frame(0x05, 3, body))).toMatchObject({ receipted_message_id: 'ABCD' });
  });

  it('short_message may contain 0x00 (GSM "@")', () => {
    const pdu = decodePdu(encodePdu({ command: 'deliver_sm', sequence_number: 1, short_message: hex('00 41 00') }));
    expect(pdu).toMatchObject({ short_message: hex('00 41 00') });
  });

  it('over-long C-strings from an SMSC are accepted', () => {
    const longId = 'X'.repeat(30);
    const body = Buffer.concat([Buffer.from(longId), Buffer.from([0])]).toString('hex');
    expect(decodePdu(frame(0x80000009, 1, body))).toMatchObject({ system_id: longId });
  });

  it('alert_on_message_delivery is a zero-length presence flag', () => {
    const bytes = encodePdu({ command: 'submit_sm', sequence_number: 1, alert_on_message_delivery: true });
    expect(bytes.subarray(-4).toString('hex')).toBe('130c0000');
    expect(decodePdu(bytes)).toMatchObject({ alert_on_message_delivery: true });
  });
});

describe('encodePdu: defaults and limits', () => {
  it('fields left out take the spec defaults', () => {
    expect(encodePdu({ command: 'submit_sm', sequence_number: 1 }).toString('hex')).toBe(
      '00000021' + '00000004' + '00000000' + '00000001' + '00'.repeat(17),
    );
  });

  it('submit_multi writes its destination list with number_of_dests', () => {
    const bytes = encodePdu({
      command: 'submit_multi',
      sequence_number: 2,
      source_addr: '1',
      dest_address: [
        { dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '27' },
        { dest_flag: 2, dl_name: 'list' },
      ],
    });
    expect(bytes.subarray(16, 34).toString('hex')).toBe('00' + '0000' + '3100' + '02' + '010101323700' + '02' + '6c69737400');
  });

  it('submit_multi_resp writes no_unsuccess and each unsuccess_sme', () => {
    const bytes = encodePdu({
      command: 'submit_multi_resp',
      sequence_number: 2,
      message_id: 'M',
      unsuccess_sme: [{ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '27', error_status_code: 0x0b }],
    });
    expect(bytes.subarray(16).toString('hex')).toBe('4d00' + '01' + '0101' + '323700' + '0000000b');
  });

  it('bind_*_resp and submit_sm_resp with an error status are header-only', () => {
    const bytes = encodePdu({
      command: 'submit_sm_resp',
      command_status: CommandStatus.ESME_RTHROTTLED,
      sequence_number: 2,
      message_id: 'ignored',
    });
    expect(bytes.toString('hex')).toBe('00000010800000040000005800000002');
  });

  it('other error responses keep their body', () => {
    const bytes = encodePdu({
      command: 'data_sm_resp',
      command_status: CommandStatus.ESME_RDELIVERYFAILURE,
      sequence_number: 2,
      delivery_failure_reason: 3,
    });
    expect(decodePdu(bytes)).toMatchObject({ message_id: '', delivery_failure_reason: 3 });
  });

  it('system_id over 15 characters is an error naming the field', () => {
    expectEncodeError({ command: 'bind_transceiver', sequence_number: 1, system_id: 'a'.repeat(16) }, 'system_id');
  });

  it('password over 8 characters is an error naming the field', () => {
    expectEncodeError({ command: 'bind_transmitter', sequence_number: 1, password: '123456789' }, 'password');
  });

  it('short_message over 254 octets is an error naming the field', () => {
    expectEncodeError({ command: 'submit_sm', sequence_number: 1, short_message: Buffer.alloc(255) }, 'short_message');
  });

  it('short_message of exactly 254 octets is fine', () => {
    expect(encodePdu({ command: 'submit_sm', sequence_number: 1, short_message: Buffer.alloc(254) }).length).toBe(16 + 17 + 254);
  });

  it('a destination_addr over 20 characters is an error', () => {
    expectEncodeError({ command: 'submit_sm', sequence_number: 1, destination_addr: '1'.repeat(21) }, 'destination_addr');
  });

  it('a time field must be empty or 16 characters', () => {
    expectEncodeError({ command: 'submit_sm', sequence_number: 1, validity_period: '2501' }, 'validity_period');
    expect(
      decodePdu(encodePdu({ command: 'submit_sm', sequence_number: 1, validity_period: '000001000000000R' })),
    ).toMatchObject({ validity_period: '000001000000000R' });
  });

  it('an integer out of range is an error naming the field', () => {
    expectEncodeError({ command: 'submit_sm', sequence_number: 1, esm_class: 256 }, 'esm_class');
    expectEncodeError({ command: 'submit_sm', sequence_number: 1, sar_msg_ref_num: 70000 }, 'sar_msg_ref_num');
    expectEncodeError({ command: 'enquire_link', sequence_number: -1 }, 'sequence_number');
  });

  it('a C-string with a NUL or a character beyond one octet is an error', () => {
    expectEncodeError({ command: 'submit_sm', sequence_number: 1, source_addr: 'a\u0000b' }, 'source_addr');
    expectEncodeError({ command: 'submit_sm', sequence_number: 1, source_addr: 'Ω' }, 'source_addr');
  });

  it('message_payload over 65535 octets is an error', () => {
    expectEncodeError({ command: 'submit_sm', sequence_number: 1, message_payload: Buffer.alloc(65536) }, 'message_payload');
  });

  it('more than 254 destinations is an error', () => {
    const dest = { dest_flag: 2, dl_name: 'x' } as const;
    expectEncodeError({ command: 'submit_multi', sequence_number: 1, dest_address: Array(255).fill(dest) }, 'dest_address');
  });

  it('an unknown command is an error, not a crash', () => {
    let caught: unknown;
    try {
      encodePdu({ command: 'broadcast_sm', sequence_number: 1 } as unknown as PduInput);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(SmppCodecError);
  });
});
