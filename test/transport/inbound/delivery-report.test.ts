import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildConcatUdh, encodeText } from '../../../src/encoding/index.js';
import { decodePdu, encodePdu } from '../../../src/pdu/index.js';
import { STAT_WORDS } from '../../../src/pdu/message-state.js';
import type { PduOf } from '../../../src/pdu/index.js';
import { buildReceipt } from '../../../src/simulator/receipts.js';
import type { FinalState } from '../../../src/simulator/options.js';
import {
  DEFAULT_STATUS_MAPPING,
  VUMI2_RECEIPT_REGEX,
  VUMI2_STATUS_MAPPING,
  deliveryReportEvent,
  deliveryReportMetadata,
  deliveryStatusOf,
  esmClassTypeName,
  isReceiptEsmClass,
  matchReceiptText,
  messageStateName,
  messageStateOfStat,
  parseDeliveryReport,
  parseReceiptText,
  receiptMismatchWarning,
  receiptRegexFromPython,
} from '../../../src/transport/inbound/delivery-report.js';
import { pduOf } from '../../helpers/pdu-arbitraries.js';
import { bytes, dataSm, deliverSm, latin1, vumi2ReceiptText } from './pdus.js';

beforeEach(() => {
  expect.hasAssertions();
});

describe("vumi2's processor scenarios (vumi2 reference §7.2)", () => {
  it('test_delivery_report_optional_params: TLVs, UNDELIVERABLE → failed', () => {
    const report = parseDeliveryReport(deliverSm({ receipted_message_id: 'abc', message_state: 5 }));
    expect(report).toMatchObject({ smsc_message_id: 'abc', stat: 'UNDELIVERABLE', message_state: 5, delivery_status: 'failed', final: true, detected_by: 'tlv' });
    const event = deliveryReportEvent(report!, 'messageid', { metadata: 'vumi2' });
    expect(event).toMatchObject({ user_message_id: 'messageid', event_type: 'delivery_report', delivery_status: 'failed' });
    expect(event.transport_metadata).toEqual({ smpp_delivery_status: 'UNDELIVERABLE' });
  });

  it('test_delivery_report_esm_class: esm_class receipt, stat:DELIVRD → delivered', () => {
    const report = parseDeliveryReport(deliverSm({ esm_class: 0x04, short_message: latin1(vumi2ReceiptText('DELIVRD')) }));
    expect(report).toMatchObject({ smsc_message_id: '0123456789', stat: 'DELIVRD', message_state: 2, delivery_status: 'delivered', final: true, detected_by: 'esm_class' });
    expect(deliveryReportMetadata(report!, { metadata: 'vumi2' })).toEqual({ smpp_delivery_status: 'DELIVRD' });
  });

  it('test_delivery_report_body (and test_handle_deliver_sm_delivery_report): default esm_class, stat:REJECTD → failed', () => {
    const report = parseDeliveryReport(deliverSm({ short_message: latin1(vumi2ReceiptText('REJECTD')) }));
    expect(report).toMatchObject({ smsc_message_id: '0123456789', stat: 'REJECTD', delivery_status: 'failed', detected_by: 'body' });
    expect(report?.fields).toEqual({
      id: '0123456789',
      sub: '001',
      dlvrd: '001',
      submit_date: '2209121354',
      done_date: '2209121454',
      stat: 'REJECTD',
      text: '01234567890123456789',
    });
  });

  it('test_invalid_delivery_report_esm_class: not a receipt, with vumi2\'s warning', () => {
    const pdu = deliverSm({ esm_class: 0x04, short_message: latin1('not a delivery report') });
    expect(parseDeliveryReport(pdu)).toBeUndefined();
    expect(receiptMismatchWarning(pdu)).toBe(
      'esm_class SMSC_DELIVERY_RECEIPT indicates delivery report, but regex does not match content: not a delivery report',
    );
  });

  it('test_delivery_report_none: default esm_class, plain text → not a receipt', () => {
    expect(parseDeliveryReport(deliverSm({ short_message: latin1('not a delivery report') }))).toBeUndefined();
  });

  it('test_invalid_delivery_report_esm_class_bad_encoding: a4 e8 → no crash, Latin-1 in the warning', () => {
    const pdu = deliverSm({ esm_class: 0x04, short_message: Buffer.concat([bytes('a4 e8'), latin1(' bad bytes')]) });
    expect(parseDeliveryReport(pdu)).toBeUndefined();
    expect(receiptMismatchWarning(pdu).endsWith('content: ¤è bad bytes')).toBe(true);
  });

  it('test_delivery_report_body_bad_encoding: default esm_class, a4 e8 → not a receipt, no exception', () => {
    const pdu = deliverSm({ short_message: Buffer.concat([bytes('a4 e8'), latin1(' bad bytes')]) });
    expect(() => parseDeliveryReport(pdu)).not.toThrow();
    expect(parseDeliveryReport(pdu)).toBeUndefined();
  });
});

describe('the receipt of smpp reference §10e, off the wire', () => {
  const wire = bytes(`
    00 00 00 AB 00 00 00 05 00 00 00 00 00 00 00 07 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 00 00 31 32 33 34 00
    04 00 00 00 00 00 00 00 00 69 69 64 3A 30 41 31 42 32 43 33 44 20 73 75 62 3A 30 30 31 20 64 6C 76 72 64 3A 30 30
    31 20 73 75 62 6D 69 74 20 64 61 74 65 3A 32 35 30 31 31 35 31 32 30 30 20 64 6F 6E 65 20 64 61 74 65 3A 32 35 30
    31 31 35 31 32 30 31 20 73 74 61 74 3A 44 45 4C 49 56 52 44 20 65 72 72 3A 30 30 30 20 54 65 78 74 3A 68 65 6C 6C
    6F 00 1E 00 09 30 41 31 42 32 43 33 44 00 04 27 00 01 02`);

  it('is a final DELIVERED receipt for 0A1B2C3D, with the text fields alongside', () => {
    const pdu = decodePdu(wire) as PduOf<'deliver_sm'>;
    const report = parseDeliveryReport(pdu);
    expect(report).toMatchObject({
      smsc_message_id: '0A1B2C3D',
      stat: 'DELIVERED',
      message_state: 2,
      delivery_status: 'delivered',
      final: true,
      intermediate: false,
      detected_by: 'tlv',
      error_code: '000',
    });
    expect(report?.fields).toMatchObject({ id: '0A1B2C3D', stat: 'DELIVRD', submit_date: '2501151200', done_date: '2501151201', text: 'hello' });
  });
});

describe("SMPPSim's receipts (smpp reference §6.3), as our simulator builds them", () => {
  const expected: Record<FinalState | 'ENROUTE', { status: string; name: string; final: boolean; network?: number }> = {
    ENROUTE: { status: 'pending', name: 'ENROUTE', final: false },
    DELIVRD: { status: 'delivered', name: 'DELIVERED', final: true },
    EXPIRED: { status: 'failed', name: 'EXPIRED', final: true, network: 3 },
    DELETED: { status: 'failed', name: 'DELETED', final: true, network: 4 },
    UNDELIV: { status: 'failed', name: 'UNDELIVERABLE', final: true, network: 1 },
    ACCEPTD: { status: 'delivered', name: 'ACCEPTED', final: true },
    UNKNOWN: { status: 'pending', name: 'UNKNOWN', final: false, network: 5 },
    REJECTD: { status: 'failed', name: 'REJECTED', final: true, network: 2 },
  };

  function receipt(state: FinalState | 'ENROUTE', messageId = '4F2A1C'): PduOf<'deliver_sm'> {
    const input = buildReceipt({
      messageId,
      state,
      source_addr: '1234',
      source_addr_ton: 0,
      source_addr_npi: 0,
      destination_addr: '27831234567',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      submitted: new Date('2025-01-15T12:00:00Z'),
      done: new Date('2025-01-15T12:01:00Z'),
      text: latin1('hello there, this is longer than twenty'),
    });
    return decodePdu(encodePdu({ ...input, sequence_number: 9 })) as PduOf<'deliver_sm'>;
  }

  for (const [state, want] of Object.entries(expected) as [FinalState | 'ENROUTE', (typeof expected)['ENROUTE']][]) {
    it(`${state}: TLVs → ${want.name}, ${want.status}${want.final ? ', final' : ', not final'}`, () => {
      const report = parseDeliveryReport(receipt(state));
      expect(report).toMatchObject({ smsc_message_id: '4F2A1C', stat: want.name, delivery_status: want.status, final: want.final, detected_by: 'tlv' });
      expect(report?.fields.stat).toBe(state);
      expect(report?.intermediate).toBe(state === 'ENROUTE');
      if (want.network === undefined) expect(report?.network_error_code).toBeUndefined();
      else expect(report?.network_error_code).toEqual({ hex: `0300${want.network.toString(16).padStart(2, '0')}`, network_type: 3, error_code: want.network });
    });

    it(`${state}: text only (SMPPSim under interface_version 3.3 drops the TLVs) → same outcome`, () => {
      const pdu = receipt(state);
      delete pdu.receipted_message_id;
      delete pdu.message_state;
      const report = parseDeliveryReport(pdu);
      expect(report).toMatchObject({ smsc_message_id: '4F2A1C', stat: state, delivery_status: want.status, final: want.final, detected_by: 'esm_class' });
      expect(report?.fields.text).toBe('hello there, this is');
    });
  }
});

describe('the tolerant text parser (field lessons §3.10, smpp reference §6.2)', () => {
  const parse = (text: string, esm_class = 0x04): ReturnType<typeof parseDeliveryReport> =>
    parseDeliveryReport(deliverSm({ esm_class, short_message: latin1(text) }));

  it('missing sub, dlvrd, dates, err and text', () => {
    expect(parse('id:123 stat:DELIVRD')).toMatchObject({ smsc_message_id: '123', stat: 'DELIVRD', delivery_status: 'delivered' });
  });

  it('fields in any order', () => {
    expect(parse('stat:UNDELIV err:034 id:77 sub:001')).toMatchObject({ smsc_message_id: '77', stat: 'UNDELIV', delivery_status: 'failed', error_code: '034' });
  });

  it('keys in any case', () => {
    expect(parse('ID:abc SUB:001 DLVRD:000 SUBMIT DATE:2501151200 DONE DATE:2501151201 STAT:delivrd ERR:000 TEXT:hi')).toMatchObject({
      smsc_message_id: 'abc',
      stat: 'delivrd',
      delivery_status: 'delivered',
      fields: { submit_date: '2501151200', done_date: '2501151201', text: 'hi' },
    });
  });

  it('a long stat word: stat:DELIVERED, stat:FAILED, stat:UNDELIVERED', () => {
    expect(parse('id:1 stat:DELIVERED text:x')?.delivery_status).toBe('delivered');
    expect(parse('id:1 stat:FAILED text:x')?.delivery_status).toBe('failed');
    expect(parse('id:1 stat:UNDELIVERED text:x')?.delivery_status).toBe('failed');
  });

  it('Text: and text:, and a text that contains keys of its own', () => {
    expect(parse('id:1 stat:DELIVRD Text:hello')?.fields.text).toBe('hello');
    expect(parse('id:1 stat:DELIVRD text:hello')?.fields.text).toBe('hello');
    const tricky = parse('id:1 stat:DELIVRD err:000 text:stat:REJECTD id:2 sub:9');
    expect(tricky).toMatchObject({ smsc_message_id: '1', stat: 'DELIVRD', fields: { text: 'stat:REJECTD id:2 sub:9' } });
  });

  it('text before the other keys', () => {
    expect(parse('text:hello id:55 stat:EXPIRED')).toMatchObject({ smsc_message_id: '55', stat: 'EXPIRED', delivery_status: 'failed', fields: { text: 'hello' } });
  });

  it('ids longer than ten characters, and uuid-like ones', () => {
    const long = 'A'.repeat(40) + '0123456789abcdef';
    expect(parse(`id:${long} stat:DELIVRD`)?.smsc_message_id).toBe(long);
    expect(parse('id:5f0d6a1e-6c3b-4c8e-9e38-1d2b3c4d5e6f stat:DELIVRD')?.smsc_message_id).toBe('5f0d6a1e-6c3b-4c8e-9e38-1d2b3c4d5e6f');
  });

  it('12-digit dates (with seconds)', () => {
    expect(parse('id:1 sub:001 dlvrd:001 submit date:250115120000 done date:250115120130 stat:DELIVRD err:000 text:')?.fields).toMatchObject({
      submit_date: '250115120000',
      done_date: '250115120130',
    });
  });

  it('extra white space, and a space after a colon', () => {
    expect(parse('  id: 12   sub:001  stat:  DELIVRD   text:x')).toMatchObject({ smsc_message_id: '12', stat: 'DELIVRD' });
  });

  it('an empty id, as vumi2 allows, is still a receipt (it just matches nothing)', () => {
    expect(parse('id: sub:001 stat:DELIVRD text:x')).toMatchObject({ smsc_message_id: '', stat: 'DELIVRD' });
  });

  it('a receipt in message_payload with an empty short_message (deliver_sm and data_sm)', () => {
    const text = latin1('id:9 sub:001 dlvrd:001 submit date:2501151200 done date:2501151201 stat:UNDELIV err:001 text:hi');
    expect(parseDeliveryReport(deliverSm({ esm_class: 0x04, message_payload: text }))).toMatchObject({ smsc_message_id: '9', delivery_status: 'failed' });
    expect(parseDeliveryReport(dataSm({ esm_class: 0x04, message_payload: text }))).toMatchObject({ smsc_message_id: '9', delivery_status: 'failed' });
  });

  it('a receipt with UDHI set reads the text after the header', () => {
    const short_message = Buffer.concat([buildConcatUdh(7, 1, 1), latin1('id:42 stat:DELIVRD text:x')]);
    expect(parseDeliveryReport(deliverSm({ esm_class: 0x44, short_message }))).toMatchObject({ smsc_message_id: '42', detected_by: 'esm_class' });
  });

  it('a receipt in UCS2', () => {
    const short_message = encodeText('id:77 stat:REJECTD text:x', 8);
    expect(parseDeliveryReport(deliverSm({ esm_class: 0x04, data_coding: 8, short_message }))).toMatchObject({ smsc_message_id: '77', delivery_status: 'failed' });
  });

  it('text that does not start with a key is not a receipt, even if it holds some', () => {
    expect(parse('my order id:123 stat:DELIVRD')).toBeUndefined();
    expect(parse('id:123 no stat here')).toBeUndefined();
    expect(parse('text:hello')).toBeUndefined();
    expect(parse('stat: id:1')).toBeUndefined();
  });

  it('accepts everything vumi2\'s default regex accepts, with the same id and stat', () => {
    const token = fc.stringMatching(/^[!-~]{1,12}$/).filter((s) => !s.includes(':'));
    fc.assert(
      fc.property(
        fc.record(
          {
            id: fc.stringMatching(/^[!-~]{0,65}$/),
            sub: token,
            dlvrd: token,
            submit: fc.stringMatching(/^\d{0,12}$/),
            done: fc.stringMatching(/^\d{0,12}$/),
            err: token,
          },
          { requiredKeys: ['id'] },
        ),
        fc.stringMatching(/^[A-Z]{5,7}$/),
        fc.stringMatching(/^[ -~]{0,30}$/),
        fc.constantFrom('Text', 'text'),
        fc.integer({ min: 1, max: 3 }),
        (f, stat, text, textKey, spaces) => {
          const sep = ' '.repeat(spaces);
          let receipt = `id:${f.id}`;
          if (f.sub !== undefined) receipt += `${sep}sub:${f.sub}`;
          if (f.dlvrd !== undefined) receipt += `${sep}dlvrd:${f.dlvrd}`;
          if (f.submit !== undefined) receipt += `${sep}submit date:${f.submit}`;
          if (f.done !== undefined) receipt += `${sep}done date:${f.done}`;
          receipt += `${sep}stat:${stat}`;
          if (f.err !== undefined) receipt += `${sep}err:${f.err}`;
          receipt += `${sep}${textKey}:${text}`;
          const vumi2 = VUMI2_RECEIPT_REGEX.exec(receipt)?.groups;
          fc.pre(vumi2 !== undefined);
          const ours = parseReceiptText(receipt);
          expect(ours?.id).toBe(vumi2?.['id']);
          expect(ours?.stat).toBe(vumi2?.['stat']);
        },
      ),
    );
  });
});

describe('the configured regex (dr_processor_config.regex)', () => {
  it('a Python regex, converted, with its named groups', () => {
    const regex = receiptRegexFromPython('Message (?P<id>\\w+) is (?P<stat>[A-Z]+)(?: code (?P<err>\\d{,3}))?');
    const pdu = deliverSm({ esm_class: 0x04, short_message: latin1('Message abc123 is DELIVRD code 000') });
    expect(parseDeliveryReport(pdu, { regex })).toMatchObject({ smsc_message_id: 'abc123', stat: 'DELIVRD', error_code: '000', delivery_status: 'delivered' });
  });

  it('is anchored at the start, like re.match', () => {
    const regex = receiptRegexFromPython('(?P<id>\\d+):(?P<stat>\\w+)');
    expect(matchReceiptText('x 12:DELIVRD', { regex, tolerant: false })).toBeUndefined();
    expect(matchReceiptText('12:DELIVRD', { regex, tolerant: false })).toEqual({ id: '12', stat: 'DELIVRD' });
  });

  it('inline flags become RegExp flags', () => {
    const regex = receiptRegexFromPython('(?i)ref=(?P<id>\\w+) state=(?P<stat>\\w+)');
    expect(regex.flags).toContain('i');
    expect(matchReceiptText('REF=7 STATE=delivrd', { regex, tolerant: false })).toEqual({ id: '7', stat: 'delivrd' });
  });

  it('the tolerant parser is the fallback unless turned off', () => {
    const regex = receiptRegexFromPython('never (?P<id>x) (?P<stat>y)');
    const pdu = deliverSm({ esm_class: 0x04, short_message: latin1('id:1 stat:DELIVRD') });
    expect(parseDeliveryReport(pdu, { regex })?.smsc_message_id).toBe('1');
    expect(parseDeliveryReport(pdu, { regex, tolerant: false })).toBeUndefined();
  });

  it("vumi2's default regex, compiled, behaves as vumi2 reference §5.2 describes", () => {
    expect(VUMI2_RECEIPT_REGEX.exec(vumi2ReceiptText('REJECTD'))?.groups).toMatchObject({ id: '0123456789', stat: 'REJECTD' });
    expect(VUMI2_RECEIPT_REGEX.test('id:1 stat:DELIVERED text:x')).toBe(false);
    expect(VUMI2_RECEIPT_REGEX.test('id:1 stat:DELIVRD')).toBe(false);
    expect(VUMI2_RECEIPT_REGEX.test('ID:1 stat:DELIVRD text:x')).toBe(false);
  });
});

describe('esm_class (smpp reference §5.2)', () => {
  const text = latin1('id:1 stat:DELIVRD text:x');

  it('tests the type with & 0x3C: 0x04 and 0x20 are receipts, SME acks are not', () => {
    expect([0x04, 0x44, 0x84, 0x20, 0x60].map(isReceiptEsmClass)).toEqual([true, true, true, true, true]);
    expect([0x00, 0x08, 0x10, 0x18, 0x40, 0x03].map(isReceiptEsmClass)).toEqual([false, false, false, false, false, false]);
    expect(esmClassTypeName(0x44)).toBe('SMSC_DELIVERY_RECEIPT');
    expect(esmClassTypeName(0x20)).toBe('INTERMEDIATE_DELIVERY_NOTIFICATION');
    expect(esmClassTypeName(0x24)).toBe('0x24');
  });

  it('an SME acknowledgement is only a receipt through the body rule', () => {
    expect(parseDeliveryReport(deliverSm({ esm_class: 0x08, short_message: text }))?.detected_by).toBe('body');
    expect(parseDeliveryReport(deliverSm({ esm_class: 0x08, short_message: text }), { matchBodyWithoutEsmClass: false })).toBeUndefined();
  });

  it('matchBodyWithoutEsmClass: false leaves receipt-looking user text alone, but not flagged receipts or TLVs', () => {
    const options = { matchBodyWithoutEsmClass: false };
    expect(parseDeliveryReport(deliverSm({ short_message: text }), options)).toBeUndefined();
    expect(parseDeliveryReport(deliverSm({ esm_class: 0x04, short_message: text }), options)?.detected_by).toBe('esm_class');
    expect(parseDeliveryReport(deliverSm({ receipted_message_id: '1', message_state: 2 }), options)?.detected_by).toBe('tlv');
  });

  it('an intermediate notification is never final, whatever it says', () => {
    const report = parseDeliveryReport(deliverSm({ esm_class: 0x20, short_message: text }));
    expect(report).toMatchObject({ delivery_status: 'delivered', intermediate: true, final: false });
  });
});

describe('TLVs', () => {
  it('message_state values outside 1–8 do not crash', () => {
    const cases: [number, string, string, boolean][] = [
      [0, 'SCHEDULED', 'pending', false],
      [9, 'SKIPPED', 'failed', true],
      [42, 'UNKNOWN', 'pending', false],
      [255, 'UNKNOWN', 'pending', false],
    ];
    for (const [state, name, status, final] of cases) {
      expect(parseDeliveryReport(deliverSm({ receipted_message_id: 'x', message_state: state }))).toMatchObject({
        stat: name,
        message_state: state,
        delivery_status: status,
        final,
      });
    }
  });

  it('TLVs win over the text; the text still gives err', () => {
    const pdu = deliverSm({ esm_class: 0x04, receipted_message_id: 'FULLID1234567', message_state: 8, short_message: latin1('id:FULLID1234 stat:DELIVRD err:0x45 text:') });
    expect(parseDeliveryReport(pdu)).toMatchObject({ smsc_message_id: 'FULLID1234567', stat: 'REJECTED', delivery_status: 'failed', error_code: '0x45' });
  });

  it('an empty receipted_message_id falls back to the text id', () => {
    const pdu = deliverSm({ esm_class: 0x04, receipted_message_id: '', message_state: 2, short_message: latin1('id:789 stat:DELIVRD') });
    expect(parseDeliveryReport(pdu)).toMatchObject({ smsc_message_id: '789', detected_by: 'tlv' });
  });

  it('one TLV with the rest from the text, when esm_class says receipt', () => {
    const idOnly = deliverSm({ esm_class: 0x04, receipted_message_id: 'T1', short_message: latin1('stat:UNDELIV err:001') });
    expect(parseDeliveryReport(idOnly)).toMatchObject({ smsc_message_id: 'T1', stat: 'UNDELIV', delivery_status: 'failed', detected_by: 'esm_class' });
    const stateOnly = deliverSm({ esm_class: 0x04, message_state: 3, short_message: latin1('id:T2 err:001') });
    expect(parseDeliveryReport(stateOnly)).toMatchObject({ smsc_message_id: 'T2', stat: 'EXPIRED', delivery_status: 'failed' });
  });

  it('a network_error_code of another length is kept as hex', () => {
    const pdu = deliverSm({ receipted_message_id: 'x', message_state: 5, network_error_code: bytes('0300') });
    expect(parseDeliveryReport(pdu)?.network_error_code).toEqual({ hex: '0300' });
  });

  it('data_sm receipts', () => {
    expect(parseDeliveryReport(dataSm({ receipted_message_id: 'd1', message_state: 2 }))).toMatchObject({ smsc_message_id: 'd1', delivery_status: 'delivered' });
  });
});

describe('status mapping (vumi2 reference §5.2, smpp reference §6.3)', () => {
  const table: [string, string][] = [
    ['DELIVRD', 'delivered'],
    ['DELIVERED', 'delivered'],
    ['EXPIRED', 'failed'],
    ['DELETED', 'failed'],
    ['UNDELIV', 'failed'],
    ['UNDELIVERABLE', 'failed'],
    ['UNDELIVERED', 'failed'],
    ['ACCEPTD', 'delivered'],
    ['ACCEPTED', 'delivered'],
    ['UNKNOWN', 'pending'],
    ['REJECTD', 'failed'],
    ['REJECTED', 'failed'],
    ['FAILED', 'failed'],
    ['ENROUTE', 'pending'],
    ['BUFFRED', 'pending'],
    ['BUFFERED', 'pending'],
    ['ACKED', 'pending'],
    ['SCHEDULED', 'pending'],
    ['SKIPPED', 'failed'],
    ['0', 'delivered'],
    ['SOMETHING', 'pending'],
    ['', 'pending'],
  ];
  for (const [stat, status] of table) {
    it(`${stat || '(empty)'} → ${status}`, () => {
      expect(deliveryStatusOf(stat)).toBe(status);
    });
  }

  it('every 3.4 stat word and message_state name is in the default table', () => {
    for (const word of STAT_WORDS) expect(Object.hasOwn(DEFAULT_STATUS_MAPPING, word)).toBe(true);
    for (let state = 1; state <= 8; state++) expect(Object.hasOwn(DEFAULT_STATUS_MAPPING, messageStateName(state))).toBe(true);
  });

  it('lower-case words find their upper-case entry', () => {
    expect(deliveryStatusOf('undeliv')).toBe('failed');
    expect(deliveryStatusOf('Delivrd')).toBe('delivered');
  });

  it('names of Object.prototype are not statuses', () => {
    for (const stat of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) expect(deliveryStatusOf(stat)).toBe('pending');
  });

  it('a configured mapping replaces the table wholesale, as vumi2\'s does', () => {
    const mapping = { DELIVRD: 'failed' as const, ACCEPTD: 'pending' as const };
    expect(deliveryStatusOf('DELIVRD', mapping)).toBe('failed');
    expect(deliveryStatusOf('ACCEPTD', mapping)).toBe('pending');
    expect(deliveryStatusOf('UNDELIV', mapping)).toBe('pending');
    expect(deliveryStatusOf('ACCEPTD', { ...DEFAULT_STATUS_MAPPING, ACCEPTD: 'pending' })).toBe('pending');
  });

  it('a mapping value that is not a delivery status counts as missing', () => {
    expect(deliveryStatusOf('DELIVRD', { DELIVRD: 'yes' } as unknown as Record<string, 'delivered'>)).toBe('pending');
  });

  it("vumi2's own table, for parity: UNDELIV and ACCEPTD fall to pending there", () => {
    expect(deliveryStatusOf('UNDELIV', VUMI2_STATUS_MAPPING)).toBe('pending');
    expect(deliveryStatusOf('ACCEPTD', VUMI2_STATUS_MAPPING)).toBe('pending');
    expect(deliveryStatusOf('ACCEPTED', VUMI2_STATUS_MAPPING)).toBe('delivered');
  });

  it('an ACCEPTD receipt mapped to pending is not final (the mapping stays)', () => {
    const pdu = deliverSm({ esm_class: 0x04, short_message: latin1('id:1 stat:ACCEPTD') });
    expect(parseDeliveryReport(pdu)?.final).toBe(true);
    expect(parseDeliveryReport(pdu, { statusMapping: { ...DEFAULT_STATUS_MAPPING, ACCEPTD: 'pending' } })?.final).toBe(false);
  });

  it('message_state for stat words and names', () => {
    expect(messageStateOfStat('UNDELIV')).toBe(5);
    expect(messageStateOfStat('undeliverable')).toBe(5);
    expect(messageStateOfStat('ACCEPTD')).toBe(6);
    expect(messageStateOfStat('FAILED')).toBeUndefined();
  });
});

describe('the event', () => {
  it('carries vumi2\'s smpp_delivery_status and, by default, the rest of what the receipt said', () => {
    const pdu = deliverSm({ esm_class: 0x04, receipted_message_id: '4F2A1C', message_state: 5, network_error_code: bytes('030001'), short_message: latin1('id:4F2A1C stat:UNDELIV err:001 text:') });
    const event = deliveryReportEvent(parseDeliveryReport(pdu)!, 'vumi-id');
    expect(event).toMatchObject({ user_message_id: 'vumi-id', event_type: 'delivery_report', delivery_status: 'failed', message_type: 'event' });
    expect(event.transport_metadata).toEqual({
      smpp_delivery_status: 'UNDELIVERABLE',
      smpp_message_id: '4F2A1C',
      smpp_message_state: 5,
      smpp_error_code: '001',
      smpp_network_error_code: '030001',
    });
  });
});

describe('never throws', () => {
  it('on any deliver_sm the codec can carry', () => {
    fc.assert(
      fc.property(pduOf('deliver_sm'), (input) => {
        const pdu = decodePdu(encodePdu(input)) as PduOf<'deliver_sm'>;
        const report = parseDeliveryReport(pdu);
        expect(report === undefined || typeof report.smsc_message_id === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('on any octets with any esm_class and data_coding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (octets, esm_class, data_coding) => {
        const pdu = deliverSm({ esm_class, data_coding, short_message: Buffer.from(octets) });
        expect(() => parseDeliveryReport(pdu)).not.toThrow();
        expect(typeof receiptMismatchWarning(pdu)).toBe('string');
      }),
      { numRuns: 500 },
    );
  });
});
