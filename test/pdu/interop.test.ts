/**
 * Interoperability with node-smpp (`smpp` 0.5.1) as an independent, third-party SMPP peer.
 *
 * For every SMPP 3.4 command both codecs implement, a representative PDU is checked in both
 * directions:
 *   - our bytes → node-smpp's decoder → the same field values;
 *   - node-smpp's encoder (given the same values) → byte-identical to ours, and our decoder
 *     gives back the PDU.
 *
 * node-smpp does not hand back raw values everywhere, so its view is translated (`nodeView`):
 * short_message / message_payload go through its text filters ({message, udh?}, text chosen by
 * data_coding: 0 and 1 through its GSM 03.38 table, 3 latin1, 8 UCS-2, anything else a Buffer),
 * times become Dates, callback_num* TLVs are lists of parsed objects, ms_validity and
 * its_session_info are Buffers, and TLV 0x020B is called dest_port.
 *
 * Where node-smpp departs from SMPP 3.4 (reference §11) the last `describe` pins the spec
 * behaviour of our codec, and each test name says how node-smpp differs.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { COMMAND_NAMES, COMMANDS, CommandStatus, TLVS, decodePdu, encodePdu } from '../../src/index.js';
import type { CommandName, PduInput , SmppCodecError} from '../../src/index.js';
import { HEADER_ONLY_ON_ERROR, expectedAfterRoundTrip } from '../helpers/pdu-arbitraries.js';
import { codecErrorOf } from '../helpers/codec-error.js';
import { smpp } from '../helpers/node-smpp.js';
import type { NodeSmppPdu } from '../helpers/node-smpp.js';
import { REFERENCE_VECTORS, SUBMIT_10C, hex } from '../helpers/reference-vectors.js';

beforeEach(() => {
  expect.hasAssertions();
});

type Fields = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Translating between our PDU objects and node-smpp's.
// ---------------------------------------------------------------------------------------------

/** Our TLV names that node-smpp spells differently. */
const NODE_TLV_NAME: Readonly<Record<string, string>> = { destination_port: 'dest_port' };
/** TLVs node-smpp takes and gives as a list, since TDMA allows them to repeat (reference §3.1). */
const NODE_MULTIPLE = new Set(['callback_num', 'callback_num_pres_ind', 'callback_num_atag']);

const bodyOf = (command: CommandName): readonly (readonly [string, { kind: string }])[] => COMMANDS[command].body;

/** The options node-smpp's `new PDU(command, options)` needs to build the same PDU. */
function toNodeOptions(pdu: PduInput): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(pdu as Fields)) {
    if (key === 'command' || value === undefined) continue;
    if (key === 'unknown_tlvs') throw new Error('node-smpp cannot encode TLVs by tag');
    if (key === 'ms_validity') out[key] = Buffer.from([value as number]); // node-smpp: OS, spec: I1
    else if (key === 'its_session_info') out[key] = Buffer.from([(value as number) >> 8, (value as number) & 0xff]);
    else if (NODE_MULTIPLE.has(key)) out[key] = [value];
    else out[NODE_TLV_NAME[key] ?? key] = value;
  }
  return out;
}

/** GSM 03.38 default-alphabet code points that are also the same ASCII character. */
const isGsmAsciiByte = (b: number): boolean =>
  (b >= 0x20 && b <= 0x23) || (b >= 0x25 && b <= 0x3f) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x0a || b === 0x0d;

/** What node-smpp's text filter makes of user data octets (no UDH) under a data_coding. */
function nodeText(bytes: Buffer, dataCoding: number): unknown {
  switch (dataCoding & 0x0f) {
    case 0:
    case 1:
      // node-smpp reads both through its GSM table; these cases keep to the characters where
      // GSM and ASCII agree, so the text is simply the octets read as ASCII.
      if (!bytes.every(isGsmAsciiByte)) throw new Error(`test text ${bytes.toString('hex')} is not GSM/ASCII-neutral`);
      return bytes.toString('latin1');
    case 3:
      return bytes.toString('latin1');
    case 8:
      return Buffer.from(bytes).swap16().toString('utf16le');
    default:
      return bytes;
  }
}

/** node-smpp's {udh?, message} for a short_message or message_payload. */
function nodeMessage(bytes: Buffer, dataCoding: number, esmClass: number, skipUdh: boolean): unknown {
  if (!skipUdh && bytes.length > 0 && (esmClass & 0x40) !== 0) {
    const udhl = bytes[0]!;
    const udh: Buffer[] = [];
    for (let at = 1; at < udhl + 1; at += bytes[at + 1]! + 2) udh.push(bytes.subarray(at, at + bytes[at + 1]! + 2));
    return { udh, message: nodeText(bytes.subarray(udhl + 1), dataCoding) };
  }
  return { message: nodeText(bytes, dataCoding) };
}

/** node-smpp's Date for a CF17 time (reference §5.8); relative times are "now + offset". */
function nodeTime(value: string): unknown {
  if (value === '') return '';
  if (value.endsWith('R')) return expect.any(Date);
  const [yy, mo, dd, hh, mi, ss, t, nn, p] = [0, 2, 4, 6, 8, 10, 12, 13, 15].map((at, i, all) =>
    value.slice(at, all[i + 1] ?? 16),
  ) as [string, string, string, string, string, string, string, string, string];
  const century = Math.floor(new Date().getUTCFullYear() / 100) * 100;
  const local = Date.UTC(century + Number(yy), Number(mo) - 1, Number(dd), Number(hh), Number(mi), Number(ss), Number(t) * 100);
  const offsetMs = Number(nn) * 15 * 60_000;
  return new Date(p === '+' ? local - offsetMs : local + offsetMs);
}

/** The object node-smpp should decode from our encoding of `pdu`. */
function nodeView(pdu: PduInput, length: number): Fields {
  const full = expectedAfterRoundTrip(pdu) as Fields;
  const command = pdu.command;
  const view: Fields = {
    command,
    command_length: length,
    command_id: COMMANDS[command].id,
    command_status: full.command_status,
    sequence_number: full.sequence_number,
  };
  if (length === 16) return view; // node-smpp leaves every body field out of a bare header.
  const dataCoding = typeof full.data_coding === 'number' ? full.data_coding : undefined;
  const esmClass = typeof full.esm_class === 'number' ? full.esm_class : 0;
  for (const [name, type] of bodyOf(command)) {
    const value = full[name];
    if (type.kind === 'time') view[name] = nodeTime(value as string);
    else if (type.kind === 'short_message') {
      // replace_sm has no data_coding, and node-smpp then leaves short_message as raw octets.
      view[name] = dataCoding === undefined ? value : nodeMessage(value as Buffer, dataCoding, esmClass, false);
    } else if (type.kind === 'dest_addresses') {
      // node-smpp tells the kinds apart by the presence of dl_name and does not report dest_flag.
      view[name] = (value as Fields[]).map(({ dest_flag: _flag, ...rest }) => rest);
    } else view[name] = value;
  }
  for (const [key, value] of Object.entries(full)) {
    if (!(key in TLVS) || bodyOf(command).some(([name]) => name === key)) continue;
    if (key === 'callback_num') {
      const b = value as Buffer;
      view[key] = [{ digit_mode: b[0], ton: b[1], npi: b[2], number: b.toString('latin1', 3) }];
    } else if (key === 'callback_num_atag') {
      const b = value as Buffer;
      view[key] = [{ encoding: b[0], display: b.subarray(1) }];
    } else if (NODE_MULTIPLE.has(key)) view[key] = [value];
    else if (key === 'ms_validity') view[key] = Buffer.from([value as number]);
    else if (key === 'its_session_info') view[key] = Buffer.from([(value as number) >> 8, (value as number) & 0xff]);
    else if (key === 'message_payload') {
      const sm = full.short_message as Buffer | undefined;
      view[key] =
        dataCoding === undefined ? value : nodeMessage(value as Buffer, dataCoding, esmClass, sm !== undefined && sm.length > 0);
    } else view[NODE_TLV_NAME[key] ?? key] = value;
  }
  // node-smpp keeps TLVs it does not know as raw Buffers keyed by their tag number.
  for (const t of (full.unknown_tlvs as { tag: number; value: Buffer }[] | undefined) ?? []) view[String(t.tag)] = t.value;
  return view;
}

/** node-smpp's decoded PDU as a plain object of its own fields (no prototype methods). */
function nodeFields(decoded: NodeSmppPdu): Fields {
  return Object.fromEntries(Object.entries(decoded));
}

function nodeDecode(bytes: Buffer): NodeSmppPdu {
  const decoded = smpp.PDU.fromBuffer(bytes);
  if (decoded === false) throw new Error('node-smpp refused the buffer');
  return decoded;
}

function nodeEncode(pdu: PduInput): Buffer {
  return new smpp.PDU(pdu.command, toNodeOptions(pdu)).toBuffer();
}

// ---------------------------------------------------------------------------------------------
// Representative PDUs of every command.
// ---------------------------------------------------------------------------------------------

interface Case {
  name: string;
  pdu: PduInput;
  /** The bytes, for the reference §10 vectors. */
  bytes?: string;
  /** node-smpp cannot build this PDU (it has no way to send a TLV by tag). */
  ourBytesOnly?: true;
}

const undelivText =
  'id:0A1B2C3E sub:001 dlvrd:000 submit date:2501151200 done date:2501151205 stat:UNDELIV err:001 Text:hello';

// §10c: the fields the reference states for its submit_sm vectors.
const submit10c = { ...SUBMIT_10C, command_status: 0 } as const;

const bind = {
  system_id: 'smppclient1',
  password: 'password',
  system_type: 'VMA',
  interface_version: 0x34,
  addr_ton: 1,
  addr_npi: 1,
  address_range: '^2783',
} as const;

const cases: Case[] = [
  // Every byte vector of reference §10, from the one copy of them (helpers/reference-vectors.ts).
  ...REFERENCE_VECTORS.map(({ name, bytes, pdu }): Case => ({ name: `§${name}`, bytes, pdu })),
  { name: 'bind_transmitter', pdu: { command: 'bind_transmitter', sequence_number: 1, ...bind } },
  { name: 'bind_receiver', pdu: { command: 'bind_receiver', sequence_number: 1, ...bind } },
  {
    name: 'bind_transmitter_resp with sc_interface_version',
    pdu: { command: 'bind_transmitter_resp', sequence_number: 1, system_id: 'SMSC01', sc_interface_version: 0x34 },
  },
  { name: 'bind_receiver_resp', pdu: { command: 'bind_receiver_resp', sequence_number: 1, system_id: 'SMSC01' } },
  {
    name: 'query_sm',
    pdu: { command: 'query_sm', sequence_number: 8, message_id: '0A1B2C3D', source_addr_ton: 1, source_addr_npi: 1, source_addr: '27831234567' },
  },
  {
    name: 'query_sm_resp with a final_date',
    pdu: {
      command: 'query_sm_resp',
      sequence_number: 8,
      message_id: '0A1B2C3D',
      final_date: '250115120100004+',
      message_state: 2,
      error_code: 0,
    },
  },
  {
    name: 'submit_sm binary, with times and most submit_sm TLVs',
    pdu: {
      ...submit10c,
      sequence_number: 0x7fffffff,
      service_type: 'CMT',
      source_addr_ton: 5,
      source_addr: 'Acme',
      esm_class: 0x03,
      protocol_id: 0x7f,
      priority_flag: 1,
      schedule_delivery_time: '250115120000000+',
      validity_period: '000001000000000R',
      registered_delivery: 0x11,
      data_coding: 4,
      short_message: hex('00 01 02 7f 80 ff 00'),
      user_message_reference: 0x1234,
      source_port: 0x0b84,
      destination_port: 0x23f0,
      source_addr_subunit: 1,
      dest_addr_subunit: 2,
      more_messages_to_send: 1,
      payload_type: 0,
      privacy_indicator: 1,
      callback_num: Buffer.concat([hex('01 01 01'), Buffer.from('27831234567')]),
      callback_num_pres_ind: 0x04,
      callback_num_atag: Buffer.concat([hex('00'), Buffer.from('Home')]),
      source_subaddress: hex('a0 01 02'),
      dest_subaddress: hex('80 12 34'),
      user_response_code: 7,
      display_time: 1,
      sms_signal: 0x0101,
      ms_validity: 0,
      ms_msg_wait_facilities: 0x80,
      number_of_messages: 3,
      language_indicator: 1,
      its_reply_type: 0,
      its_session_info: 0x0102,
      ussd_service_op: 2,
    },
  },
  {
    name: 'submit_sm with a vendor TLV (kept by tag)',
    ourBytesOnly: true,
    pdu: { ...submit10c, sequence_number: 9, short_message: Buffer.from('hi'), unknown_tlvs: [{ tag: 0x1401, value: hex('de ad be ef') }] },
  },
  {
    name: 'deliver_sm UNDELIV receipt with network_error_code',
    pdu: {
      command: 'deliver_sm',
      sequence_number: 10,
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '27831234567',
      destination_addr: '1234',
      esm_class: 0x04,
      short_message: Buffer.from(undelivText, 'latin1'),
      network_error_code: hex('03 00 01'),
      message_state: 5,
      receipted_message_id: '0A1B2C3E',
    },
  },
  {
    name: 'deliver_sm MO message part 2/3 with SAR, ports and ITS TLVs',
    pdu: {
      command: 'deliver_sm',
      sequence_number: 11,
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '27831234567',
      destination_addr: '1234',
      data_coding: 3,
      short_message: Buffer.from('Caf\u00e9 cr\u00e8me', 'latin1'),
      sar_msg_ref_num: 0xbeef,
      sar_total_segments: 3,
      sar_segment_seqnum: 2,
      source_port: 9200,
      destination_port: 2948,
      user_message_reference: 1,
      language_indicator: 2,
      its_session_info: 0x0a03,
      privacy_indicator: 0,
    },
  },
  {
    name: 'replace_sm',
    pdu: {
      command: 'replace_sm',
      sequence_number: 12,
      message_id: '0A1B2C3D',
      source_addr_ton: 0,
      source_addr_npi: 0,
      source_addr: '1234',
      schedule_delivery_time: '',
      validity_period: '250116000000004-',
      registered_delivery: 1,
      sm_default_msg_id: 0,
      short_message: Buffer.from('new text'),
    },
  },
  { name: 'replace_sm_resp', pdu: { command: 'replace_sm_resp', sequence_number: 12 } },
  {
    name: 'cancel_sm',
    pdu: {
      command: 'cancel_sm',
      sequence_number: 13,
      service_type: 'CMT',
      message_id: '0A1B2C3D',
      source_addr_ton: 0,
      source_addr_npi: 0,
      source_addr: '1234',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '27831234567',
    },
  },
  { name: 'cancel_sm_resp', pdu: { command: 'cancel_sm_resp', sequence_number: 13 } },
  { name: 'outbind', pdu: { command: 'outbind', sequence_number: 1, system_id: 'SMSC01', password: 'secret' } },
  {
    name: 'submit_multi to SME addresses and a distribution list',
    pdu: {
      command: 'submit_multi',
      sequence_number: 14,
      service_type: '',
      source_addr_ton: 0,
      source_addr_npi: 0,
      source_addr: '1234',
      dest_address: [
        { dest_flag: 1, dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '27831234567' },
        { dest_flag: 2, dl_name: 'friends' },
        { dest_flag: 1, dest_addr_ton: 2, dest_addr_npi: 8, destination_addr: '0831234568' },
      ],
      esm_class: 0,
      protocol_id: 0,
      priority_flag: 0,
      schedule_delivery_time: '',
      validity_period: '',
      registered_delivery: 1,
      replace_if_present_flag: 0,
      data_coding: 0,
      sm_default_msg_id: 0,
      short_message: Buffer.from('hello all'),
      user_message_reference: 77,
      source_port: 1000,
      destination_port: 2000,
    },
  },
  {
    name: 'submit_multi_resp with unsuccess_sme',
    pdu: {
      command: 'submit_multi_resp',
      sequence_number: 14,
      message_id: 'M0001',
      unsuccess_sme: [
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '27831234567', error_status_code: CommandStatus.ESME_RINVDSTADR },
        { dest_addr_ton: 0, dest_addr_npi: 0, destination_addr: '1234', error_status_code: CommandStatus.ESME_RSUBMITFAIL },
      ],
    },
  },
  { name: 'submit_multi_resp, all delivered', pdu: { command: 'submit_multi_resp', sequence_number: 15, message_id: 'M0002', unsuccess_sme: [] } },
  {
    name: 'alert_notification',
    pdu: {
      command: 'alert_notification',
      sequence_number: 16,
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '27831234567',
      esme_addr_ton: 0,
      esme_addr_npi: 0,
      esme_addr: '1234',
      ms_availability_status: 0,
    },
  },
  {
    name: 'data_sm with message_payload and network TLVs',
    pdu: {
      command: 'data_sm',
      sequence_number: 17,
      service_type: 'WAP',
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '27831234567',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: '2783123456712345678901234567890',
      esm_class: 0,
      registered_delivery: 1,
      data_coding: 0,
      message_payload: Buffer.from('hello by data sm'),
      source_network_type: 1,
      dest_network_type: 1,
      source_bearer_type: 1,
      dest_bearer_type: 1,
      dest_telematics_id: 0x0001,
      qos_time_to_live: 3600,
      set_dpf: 1,
      sar_msg_ref_num: 0x0102,
      sar_total_segments: 1,
      sar_segment_seqnum: 1,
    },
  },
  {
    name: 'data_sm delivery receipt',
    pdu: {
      command: 'data_sm',
      sequence_number: 18,
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '27831234567',
      destination_addr: '1234',
      esm_class: 0x04,
      data_coding: 0,
      receipted_message_id: '0A1B2C3D',
      message_state: 2,
      network_error_code: hex('03 00 00'),
    },
  },
  {
    name: 'data_sm_resp with status TLVs',
    pdu: { command: 'data_sm_resp', sequence_number: 17, message_id: 'D0001', additional_status_info_text: 'queued', dpf_result: 0 },
  },
];

describe('node-smpp interop: every command, both directions', () => {
  it('covers every SMPP 3.4 command', () => {
    expect(new Set(cases.map((c) => c.pdu.command))).toEqual(new Set(COMMAND_NAMES));
  });

  describe.each(cases)('$name', ({ pdu, bytes, ourBytesOnly }) => {
    if (bytes !== undefined) {
      it('encodes to the reference vector', () => {
        expect(encodePdu(pdu).toString('hex')).toBe(hex(bytes).toString('hex'));
      });
    }

    it('our bytes → node-smpp decodes the same field values', () => {
      const ours = encodePdu(pdu);
      const theirs = nodeDecode(ours);
      expect(nodeFields(theirs)).toEqual(nodeView(pdu, ours.length));
    });

    if (ourBytesOnly === undefined) {
      it('node-smpp encodes the same bytes, and we decode them to the same PDU', () => {
        const theirs = nodeEncode(pdu);
        expect(theirs.toString('hex')).toBe(encodePdu(pdu).toString('hex'));
        expect(decodePdu(theirs)).toEqual(expectedAfterRoundTrip(pdu));
      });
    }
  });

  it('our decodePdu reads the text node-smpp encodes from strings (data_coding 0 and 8)', () => {
    const gsm = nodeDecodeOwn('submit_sm', { sequence_number: 1, data_coding: 0, short_message: 'Hello world' });
    expect(gsm.short_message).toEqual(Buffer.from('Hello world', 'latin1'));
    const ucs2 = nodeDecodeOwn('submit_sm', { sequence_number: 1, data_coding: 8, short_message: 'Привет' });
    expect(ucs2.short_message).toEqual(Buffer.from('Привет', 'utf16le').swap16());
    const udh = nodeDecodeOwn('deliver_sm', {
      sequence_number: 1,
      data_coding: 0,
      short_message: { udh: hex('05 00 03 01 02 02'), message: 'part two' },
    });
    expect(udh.esm_class & 0x40).toBe(0x40);
    expect(udh.short_message).toEqual(Buffer.concat([hex('05 00 03 01 02 02'), Buffer.from('part two')]));
  });

  it('node-smpp 5.0 TLVs (congestion_state 0x0428) reach us as unknown_tlvs', () => {
    const bytes = new smpp.PDU('deliver_sm_resp', { sequence_number: 3, message_id: '', congestion_state: 80 }).toBuffer();
    expect(decodePdu(bytes)).toEqual({
      command: 'deliver_sm_resp',
      command_status: 0,
      sequence_number: 3,
      message_id: '',
      unknown_tlvs: [{ tag: 0x0428, value: Buffer.from([80]) }],
    });
  });
});

/** node-smpp's encoding of a PDU built from (possibly textual) options, decoded by us. */
function nodeDecodeOwn(command: 'submit_sm' | 'deliver_sm', options: Fields): Extract<ReturnType<typeof decodePdu>, { command: typeof command }> {
  const decoded = decodePdu(new smpp.PDU(command, options).toBuffer());
  if (decoded.command !== command) throw new Error(`decoded ${decoded.command}`);
  return decoded;
}

const encodeError = (pdu: PduInput): SmppCodecError => codecErrorOf(() => encodePdu(pdu));

// ---------------------------------------------------------------------------------------------
// Where node-smpp departs from SMPP 3.4 (reference §11): our codec follows the spec.
// ---------------------------------------------------------------------------------------------

describe('node-smpp departures from SMPP 3.4: we follow the spec', () => {
  it('bind interface_version: node-smpp defaults to 0x50 (SMPP 5.0); a 3.4 bind carries 0x34', () => {
    const theirs = decodePdu(new smpp.PDU('bind_transceiver', { sequence_number: 1, system_id: 'a', password: 'b' }).toBuffer());
    expect(theirs).toMatchObject({ command: 'bind_transceiver', interface_version: 0x50 });
    // Ours writes what it is given; the reference §10b bind with 0x34 at offset 38.
    const ours = encodePdu({ command: 'bind_transceiver', sequence_number: 1, system_id: 'smppclient1', password: 'password', interface_version: 0x34 });
    expect(ours[38]).toBe(0x34);
    expect(nodeDecode(ours).interface_version).toBe(0x34);
  });

  it('TLV 0x020B: node-smpp calls it dest_port, the spec destination_port (same bytes)', () => {
    const pdu: PduInput = { ...submit10c, sequence_number: 2, short_message: Buffer.from('hi'), destination_port: 0x23f0 };
    const ours = encodePdu(pdu);
    expect(ours.subarray(-6).toString('hex')).toBe('020b000223f0');
    const theirs = nodeDecode(ours);
    expect(theirs.dest_port).toBe(0x23f0);
    expect(theirs).not.toHaveProperty('destination_port');
    // node-smpp silently drops a TLV given under the spec name.
    const dropped = new smpp.PDU('submit_sm', { sequence_number: 2, destination_port: 0x23f0 }).toBuffer();
    expect(decodePdu(dropped)).not.toHaveProperty('destination_port');
    expect(decodePdu(new smpp.PDU('submit_sm', { sequence_number: 2, dest_port: 0x23f0 }).toBuffer())).toHaveProperty(
      'destination_port',
      0x23f0,
    );
  });

  it('source_telematics_id: node-smpp writes 2 octets, the spec 1; we write 1 and read either', () => {
    const ours = encodePdu({ command: 'data_sm', sequence_number: 1, source_telematics_id: 3, message_state: 2 });
    expect(ours.subarray(-10, -5).toString('hex')).toBe('0010000103');
    const theirs = new smpp.PDU('data_sm', { sequence_number: 1, source_telematics_id: 3 }).toBuffer();
    expect(theirs.subarray(-6).toString('hex')).toBe('001000020003');
    expect(decodePdu(theirs)).toHaveProperty('source_telematics_id', 3);
    // node-smpp reads 2 octets whatever the Length says, taking the next TLV's first octet with it.
    expect(nodeDecode(ours).source_telematics_id).toBe(0x0304);
  });

  it('alert_on_message_delivery: node-smpp writes a 1-octet value, 3.4 a zero-length TLV; we write length 0 and read either', () => {
    const ours = encodePdu({ command: 'submit_sm', sequence_number: 1, alert_on_message_delivery: true, sms_signal: 0x0101 });
    expect(ours.subarray(-10, -6).toString('hex')).toBe('130c0000');
    const theirs = new smpp.PDU('submit_sm', { sequence_number: 1, alert_on_message_delivery: 1 }).toBuffer();
    expect(theirs.subarray(-5).toString('hex')).toBe('130c000101');
    expect(decodePdu(theirs)).toHaveProperty('alert_on_message_delivery', true);
    // node-smpp reads one octet regardless, here the next TLV's first octet (0x12 of 0x1203)...
    expect(nodeDecode(ours).alert_on_message_delivery).toBe(0x12);
    // ...and throws a RangeError when the zero-length TLV is the last thing in the PDU.
    const last = encodePdu({ command: 'submit_sm', sequence_number: 1, alert_on_message_delivery: true });
    expect(() => nodeDecode(last)).toThrow(RangeError);
  });

  it('data_coding 1 (IA5): node-smpp writes GSM 03.38 code points, the spec plain ASCII; we carry the octets as sent', () => {
    const text = 'user@example.com_$5';
    const theirs = decodePdu(new smpp.PDU('submit_sm', { sequence_number: 1, data_coding: 1, short_message: text }).toBuffer());
    if (theirs.command !== 'submit_sm') throw new Error('not a submit_sm');
    const ascii = Buffer.from(text, 'ascii');
    expect(theirs.data_coding).toBe(1);
    expect(theirs.short_message).not.toEqual(ascii);
    // '@' → 0x00, '_' → 0x11, '$' → 0x02: GSM positions, where IA5 has 0x40, 0x5F, 0x24.
    const differ = [...ascii.keys()].filter((i) => theirs.short_message[i] !== ascii[i]);
    expect(differ.map((i) => [text[i], theirs.short_message[i]])).toEqual([
      ['@', 0x00],
      ['_', 0x11],
      ['$', 0x02],
    ]);
    // And the other way: spec IA5 octets from us read back by node-smpp through its GSM table.
    const ours = encodePdu({ ...submit10c, sequence_number: 1, data_coding: 1, short_message: ascii });
    expect((nodeDecode(ours).short_message as { message: string }).message).not.toBe(text);
  });

  it('error responses: node-smpp sends every one header-only; 3.4 requires it only for bind_*_resp and submit_sm_resp', () => {
    const responses = COMMAND_NAMES.filter((c) => c.endsWith('_resp') || c === 'generic_nack');
    for (const command of responses) {
      const theirs = new smpp.PDU(command, { sequence_number: 9, command_status: CommandStatus.ESME_RSYSERR, message_id: 'X' }).toBuffer();
      expect(theirs.length, command).toBe(16);
      // A bare header decodes to a response with every field at its default (reference §1.4).
      expect(decodePdu(theirs), command).toEqual(
        expectedAfterRoundTrip({ command, command_status: CommandStatus.ESME_RSYSERR, sequence_number: 9 } as PduInput),
      );
    }
    // Ours: header-only exactly where the spec says so ...
    for (const command of HEADER_ONLY_ON_ERROR) {
      const bytes = encodePdu({ command, command_status: CommandStatus.ESME_RSYSERR, sequence_number: 9 } as PduInput);
      expect(bytes.length, command).toBe(16);
    }
    // ... and elsewhere the body and TLVs stay, e.g. a data_sm_resp error saying why delivery
    // failed, which node-smpp cannot send but reads fine.
    const dataSmError = encodePdu({
      command: 'data_sm_resp',
      command_status: CommandStatus.ESME_RDELIVERYFAILURE,
      sequence_number: 9,
      message_id: '',
      delivery_failure_reason: 1,
      additional_status_info_text: 'unknown subscriber',
    });
    expect(dataSmError.length).toBeGreaterThan(16);
    expect(nodeDecode(dataSmError)).toMatchObject({
      command_status: CommandStatus.ESME_RDELIVERYFAILURE,
      delivery_failure_reason: 1,
      additional_status_info_text: 'unknown subscriber',
    });
  });

  it('sm_length: node-smpp does not enforce ≤ 254 (writes 255, throws a RangeError above); we refuse to encode 255', () => {
    const theirs = new smpp.PDU('submit_sm', { sequence_number: 1, short_message: Buffer.alloc(255, 0x41) }).toBuffer();
    // 16 header octets + 16 octets of empty/zero fields, then sm_length.
    expect(theirs[32]).toBe(0xff);
    expect(theirs).toHaveLength(33 + 255);
    const err = encodeError({ command: 'submit_sm', sequence_number: 1, short_message: Buffer.alloc(255, 0x41) });
    expect(err.command_status).toBe(CommandStatus.ESME_RINVMSGLEN);
    expect(err.field).toBe('short_message');
    expect(encodePdu({ command: 'submit_sm', sequence_number: 1, short_message: Buffer.alloc(254, 0x41) })).toHaveLength(theirs.length - 1);
    expect(() => new smpp.PDU('submit_sm', { sequence_number: 1, short_message: Buffer.alloc(256, 0x41) }).toBuffer()).toThrow(RangeError);
  });

  it('maximum PDU size: node-smpp rejects PDUs over 16 384 octets, legal with a large message_payload; we accept up to 70 000', () => {
    const big = encodePdu({ command: 'data_sm', sequence_number: 1, message_payload: Buffer.alloc(20_000, 0x41) });
    expect(decodePdu(big)).toHaveProperty('message_payload', Buffer.alloc(20_000, 0x41));
    expect(() => nodeDecode(big)).toThrow(/too large/);
  });

  it('C-Octet Strings: node-smpp reads them as 7-bit ASCII (drops bit 7); we keep every octet (latin1)', () => {
    const pdu: PduInput = { ...submit10c, sequence_number: 1, source_addr: 'Caf\u00e9', short_message: Buffer.from('hi') };
    const ours = encodePdu(pdu);
    expect(decodePdu(ours)).toHaveProperty('source_addr', 'Caf\u00e9');
    expect(nodeDecode(ours).source_addr).toBe('Cafi'); // 0xE9 & 0x7F = 0x69
  });
});
