/**
 * The byte vectors of reference §10, written as the reference prints them, with the PDU each
 * one is: one copy for the vector tests, the node-smpp interop tests and the codec benchmark.
 */
import type { PduInput } from '../../src/index.js';
import { CommandStatus } from '../../src/index.js';

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export const RECEIPT_TEXT =
  'id:0A1B2C3D sub:001 dlvrd:001 submit date:2501151200 done date:2501151201 stat:DELIVRD err:000 Text:hello';

/** §10c: the chosen values the reference states for its submit_sm vectors. */
export const SUBMIT_10C = {
  command: 'submit_sm',
  service_type: '',
  source_addr_ton: 0,
  source_addr_npi: 0,
  source_addr: '1234',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: '27831234567',
  esm_class: 0,
  protocol_id: 0,
  priority_flag: 0,
  schedule_delivery_time: '',
  validity_period: '',
  registered_delivery: 1,
  replace_if_present_flag: 0,
  data_coding: 0,
  sm_default_msg_id: 0,
} as const;

export interface ReferenceVector {
  name: string;
  bytes: string;
  pdu: PduInput;
}

export const REFERENCE_VECTORS: readonly ReferenceVector[] = [
  {
    name: '10a enquire_link seq 1',
    bytes: '00 00 00 10 00 00 00 15 00 00 00 00 00 00 00 01',
    pdu: { command: 'enquire_link', command_status: 0, sequence_number: 1 },
  },
  {
    name: '10a enquire_link_resp seq 1',
    bytes: '00 00 00 10 80 00 00 15 00 00 00 00 00 00 00 01',
    pdu: { command: 'enquire_link_resp', command_status: 0, sequence_number: 1 },
  },
  {
    name: '10b bind_transceiver smppclient1/password',
    bytes:
      '00 00 00 2A 00 00 00 09 00 00 00 00 00 00 00 01 73 6D 70 70 63 6C 69 65 6E 74 31 00 70 61 73 73 77 6F 72 64 00 00 34 00 00 00',
    pdu: {
      command: 'bind_transceiver',
      command_status: 0,
      sequence_number: 1,
      system_id: 'smppclient1',
      password: 'password',
      system_type: '',
      interface_version: 0x34,
      addr_ton: 0,
      addr_npi: 0,
      address_range: '',
    },
  },
  {
    name: '10b bind_transceiver_resp OK',
    bytes: '00 00 00 18 80 00 00 09 00 00 00 00 00 00 00 01 53 4D 50 50 53 69 6D 00',
    pdu: { command: 'bind_transceiver_resp', command_status: 0, sequence_number: 1, system_id: 'SMPPSim' },
  },
  {
    name: '10b bind_transceiver_resp with sc_interface_version',
    bytes: '00 00 00 1D 80 00 00 09 00 00 00 00 00 00 00 01 53 4D 50 50 53 69 6D 00 02 10 00 01 34',
    pdu: {
      command: 'bind_transceiver_resp',
      command_status: 0,
      sequence_number: 1,
      system_id: 'SMPPSim',
      sc_interface_version: 0x34,
    },
  },
  {
    name: '10b bind_transceiver_resp ESME_RINVPASWD, no body',
    bytes: '00 00 00 10 80 00 00 09 00 00 00 0E 00 00 00 01',
    pdu: {
      command: 'bind_transceiver_resp',
      command_status: CommandStatus.ESME_RINVPASWD,
      sequence_number: 1,
      system_id: '',
    },
  },
  {
    name: '10c submit_sm "hello"',
    bytes:
      '00 00 00 35 00 00 00 04 00 00 00 00 00 00 00 02 00 00 00 31 32 33 34 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 00 00 00 00 00 01 00 00 00 05 68 65 6C 6C 6F',
    pdu: { ...SUBMIT_10C, command_status: 0, sequence_number: 2, short_message: Buffer.from('hello') },
  },
  {
    name: '10c submit_sm_resp OK 0A1B2C3D',
    bytes: '00 00 00 19 80 00 00 04 00 00 00 00 00 00 00 02 30 41 31 42 32 43 33 44 00',
    pdu: { command: 'submit_sm_resp', command_status: 0, sequence_number: 2, message_id: '0A1B2C3D' },
  },
  {
    name: '10c submit_sm_resp ESME_RTHROTTLED, no body',
    bytes: '00 00 00 10 80 00 00 04 00 00 00 58 00 00 00 02',
    pdu: { command: 'submit_sm_resp', command_status: CommandStatus.ESME_RTHROTTLED, sequence_number: 2, message_id: '' },
  },
  {
    name: '10d submit_sm with UDH',
    bytes:
      '00 00 00 38 00 00 00 04 00 00 00 00 00 00 00 03 00 00 00 31 32 33 34 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 40 00 00 00 00 01 00 00 00 08 05 00 03 2A 02 01 68 69',
    pdu: {
      ...SUBMIT_10C,
      command_status: 0,
      sequence_number: 3,
      esm_class: 0x40,
      short_message: hex('05 00 03 2A 02 01 68 69'),
    },
  },
  {
    name: '10d submit_sm with SAR TLVs',
    bytes:
      '00 00 00 42 00 00 00 04 00 00 00 00 00 00 00 04 00 00 00 31 32 33 34 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 00 00 00 00 00 01 00 00 00 02 68 69 02 0C 00 02 00 2A 02 0E 00 01 02 02 0F 00 01 01',
    pdu: {
      ...SUBMIT_10C,
      command_status: 0,
      sequence_number: 4,
      short_message: Buffer.from('hi'),
      sar_msg_ref_num: 0x2a,
      sar_total_segments: 2,
      sar_segment_seqnum: 1,
    },
  },
  {
    name: '10d submit_sm with message_payload',
    bytes:
      '00 00 00 39 00 00 00 04 00 00 00 00 00 00 00 05 00 00 00 31 32 33 34 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 00 00 00 00 00 01 00 00 00 00 04 24 00 05 68 65 6C 6C 6F',
    pdu: {
      ...SUBMIT_10C,
      command_status: 0,
      sequence_number: 5,
      short_message: Buffer.alloc(0),
      message_payload: Buffer.from('hello'),
    },
  },
  {
    name: '10d submit_sm UCS2 é',
    bytes:
      '00 00 00 32 00 00 00 04 00 00 00 00 00 00 00 06 00 00 00 31 32 33 34 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 00 00 00 00 00 01 00 08 00 02 00 E9',
    pdu: { ...SUBMIT_10C, command_status: 0, sequence_number: 6, data_coding: 8, short_message: hex('00 E9') },
  },
  {
    name: '10e deliver_sm delivery receipt',
    bytes:
      '00 00 00 AB 00 00 00 05 00 00 00 00 00 00 00 07 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 00 00 31 32 33 34 00 04 00 00 00 00 00 00 00 00 69 69 64 3A 30 41 31 42 32 43 33 44 20 73 75 62 3A 30 30 31 20 64 6C 76 72 64 3A 30 30 31 20 73 75 62 6D 69 74 20 64 61 74 65 3A 32 35 30 31 31 35 31 32 30 30 20 64 6F 6E 65 20 64 61 74 65 3A 32 35 30 31 31 35 31 32 30 31 20 73 74 61 74 3A 44 45 4C 49 56 52 44 20 65 72 72 3A 30 30 30 20 54 65 78 74 3A 68 65 6C 6C 6F 00 1E 00 09 30 41 31 42 32 43 33 44 00 04 27 00 01 02',
    pdu: {
      command: 'deliver_sm',
      command_status: 0,
      sequence_number: 7,
      service_type: '',
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '27831234567',
      dest_addr_ton: 0,
      dest_addr_npi: 0,
      destination_addr: '1234',
      esm_class: 0x04,
      protocol_id: 0,
      priority_flag: 0,
      schedule_delivery_time: '',
      validity_period: '',
      registered_delivery: 0,
      replace_if_present_flag: 0,
      data_coding: 0,
      sm_default_msg_id: 0,
      short_message: Buffer.from(RECEIPT_TEXT, 'latin1'),
      receipted_message_id: '0A1B2C3D',
      message_state: 2,
    },
  },
  {
    name: '10e deliver_sm_resp',
    bytes: '00 00 00 11 80 00 00 05 00 00 00 00 00 00 00 07 00',
    pdu: { command: 'deliver_sm_resp', command_status: 0, sequence_number: 7, message_id: '' },
  },
  {
    name: '10f generic_nack ESME_RINVCMDID seq 5',
    bytes: '00 00 00 10 80 00 00 00 00 00 00 03 00 00 00 05',
    pdu: { command: 'generic_nack', command_status: CommandStatus.ESME_RINVCMDID, sequence_number: 5 },
  },
  {
    name: '10f unbind seq 3',
    bytes: '00 00 00 10 00 00 00 06 00 00 00 00 00 00 00 03',
    pdu: { command: 'unbind', command_status: 0, sequence_number: 3 },
  },
  {
    name: '10f unbind_resp seq 3',
    bytes: '00 00 00 10 80 00 00 06 00 00 00 00 00 00 00 03',
    pdu: { command: 'unbind_resp', command_status: 0, sequence_number: 3 },
  },
];

/** The vector whose name starts with `prefix` (e.g. `'10e deliver_sm'`). */
export function referenceVector(prefix: string): ReferenceVector & { buffer: Buffer } {
  const vector = REFERENCE_VECTORS.find((v) => v.name.startsWith(prefix));
  if (vector === undefined) throw new Error(`no reference vector named ${prefix}`);
  return { ...vector, buffer: hex(vector.bytes) };
}
