/**
 * The inbound pieces put together the way the transport's processor uses them (see the comment
 * of src/transport/inbound/index.ts), over an in-memory stand-in for SmppCache: vumi2's client
 * and processor scenarios end to end, minus the socket and the bus.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildConcatUdh, encodeText } from '../../../src/encoding/index.js';
import { decodePdu, encodePdu } from '../../../src/pdu/index.js';
import type { PduOf } from '../../../src/pdu/index.js';
import { classifyInbound, inboundMessage, messageIdProfileFromKannel, receiptMessageIdKey, reassembleMultipart, submitMessageIdKey } from '../../../src/transport/inbound/index.js';
import type { InboundOptions, InboundPdu, MessageIdProfile } from '../../../src/transport/inbound/index.js';
import { deliveryReportEvent } from '../../../src/transport/inbound/index.js';
import type { VumiEvent, VumiMessage } from '../../../src/transport/messages.js';
import { pduOf } from '../../helpers/pdu-arbitraries.js';
import { bytes, dataSm, deliverSm, latin1, vumi2ReceiptText } from './pdus.js';

beforeEach(() => {
  expect.hasAssertions();
});

/** A processor over Maps: what the real one does with SmppCache and the bus. */
function processor(options: InboundOptions = {}, profile?: MessageIdProfile) {
  const ids = new Map<string, string>();
  const parts = new Map<string, Map<number, Buffer>>();
  const events: VumiEvent[] = [];
  const inbound: VumiMessage[] = [];
  const warnings: string[] = [];
  return {
    ids,
    events,
    inbound,
    warnings,
    submitted(smscId: string, vumiId: string): void {
      ids.set(submitMessageIdKey(smscId, profile), vumiId);
    },
    handle(pdu: InboundPdu): void {
      const plan = classifyInbound(pdu, options);
      switch (plan.kind) {
        case 'delivery_report': {
          const key = receiptMessageIdKey(plan.report.smsc_message_id, profile);
          const vumiId = ids.get(key);
          if (vumiId === undefined) {
            warnings.push(`Unable to find message ID ${plan.report.smsc_message_id} in SMPP cache, not sending status update ${plan.report.stat}`);
            return;
          }
          events.push(deliveryReportEvent(plan.report, vumiId));
          if (plan.report.final) ids.delete(key);
          return;
        }
        case 'unparsed_receipt':
          warnings.push(plan.warning);
          return;
        case 'part': {
          const id = `${plan.key}|${plan.total}`;
          const set = parts.get(id) ?? new Map<number, Buffer>();
          set.set(plan.sequence, plan.stored);
          parts.set(id, set);
          if (set.size < plan.total) return;
          parts.delete(id);
          const ordered = Array.from({ length: plan.total }, (_, i) => set.get(i + 1)!);
          inbound.push(inboundMessage(pdu, reassembleMultipart(ordered), { transport_name: 'smpp', multipart: plan.multipart, userData: plan.userData, ...(plan.ussd === undefined ? {} : { ussd: plan.ussd }) }));
          return;
        }
        case 'message':
          if (plan.warning !== undefined) warnings.push(plan.warning);
          inbound.push(inboundMessage(pdu, plan.decoded, { transport_name: 'smpp', userData: plan.userData, ...(plan.ussd === undefined ? {} : { ussd: plan.ussd }) }));
          return;
      }
    },
  };
}

describe("vumi2's client and processor scenarios (vumi2 reference §7.1, §7.2)", () => {
  it('test_handle_deliver_sm / test_short_message: a plain MO message', () => {
    const p = processor();
    p.handle(deliverSm({ short_message: latin1('test message') }));
    expect(p.inbound).toHaveLength(1);
    expect(p.inbound[0]).toMatchObject({
      content: 'test message',
      from_addr: '27820001001',
      to_addr: '123456',
      transport_name: 'smpp',
      transport_type: 'sms',
      session_event: null,
      message_type: 'user_message',
    });
  });

  it('test_handle_deliver_sm_delivery_report: body receipt → failed event for the cached vumi id', () => {
    const p = processor();
    p.submitted('0123456789', 'vumimsgid');
    p.handle(deliverSm({ short_message: latin1(vumi2ReceiptText('REJECTD')) }));
    expect(p.inbound).toEqual([]);
    expect(p.events).toHaveLength(1);
    expect(p.events[0]).toMatchObject({ user_message_id: 'vumimsgid', event_type: 'delivery_report', delivery_status: 'failed', transport_metadata: { smpp_delivery_status: 'REJECTD' } });
  });

  it('test_delivery_report_no_cache: consumed, no event, vumi2\'s warning', () => {
    const p = processor();
    p.handle(deliverSm({ receipted_message_id: 'abc', message_state: 5 }));
    expect(p.events).toEqual([]);
    expect(p.inbound).toEqual([]);
    expect(p.warnings).toEqual(['Unable to find message ID abc in SMPP cache, not sending status update UNDELIVERABLE']);
  });

  it('test_invalid_delivery_report_esm_class: warned and dropped by default (vumi2 published it as a message)', () => {
    const p = processor();
    p.handle(deliverSm({ esm_class: 0x04, short_message: latin1('not a delivery report') }));
    expect(p.inbound).toEqual([]);
    expect(p.warnings).toEqual(['esm_class SMSC_DELIVERY_RECEIPT indicates delivery report, but regex does not match content: not a delivery report']);
  });

  it("…or published as vumi2 does, with unparsedReceipts: 'inbound'", () => {
    const p = processor({ unparsedReceipts: 'inbound' });
    p.handle(deliverSm({ esm_class: 0x04, short_message: latin1('not a delivery report') }));
    expect(p.inbound.map((m) => m.content)).toEqual(['not a delivery report']);
    expect(p.warnings).toHaveLength(1);
  });

  it('test_short_message_multipart: SAR part1 then part2 → one message', () => {
    const p = processor();
    p.handle(deliverSm({ short_message: latin1('part1'), sar_msg_ref_num: 3, sar_total_segments: 2, sar_segment_seqnum: 1 }));
    expect(p.inbound).toEqual([]);
    p.handle(deliverSm({ short_message: latin1('part2'), sar_msg_ref_num: 3, sar_total_segments: 2, sar_segment_seqnum: 2 }));
    expect(p.inbound).toHaveLength(1);
    expect(p.inbound[0]).toMatchObject({ content: 'part1part2', from_addr: '27820001001', to_addr: '123456' });
    expect(p.inbound[0]?.transport_metadata['smpp_multipart']).toEqual({ reference: 3, total: 2, reference_bits: 16, via: 'sar' });
  });

  it('test_short_message_codec_override: OCTET_UNSPECIFIED read as ASCII', () => {
    const p = processor({ shortMessages: { dataCodingOverrides: { 2: 1 } } });
    p.handle(deliverSm({ data_coding: 2, short_message: latin1('test message') }));
    expect(p.inbound[0]?.content).toBe('test message');
  });

  it('bad bytes a4 e8: no crash, published with replacement characters and the raw octets', () => {
    const p = processor();
    const short_message = Buffer.concat([bytes('a4 e8'), latin1(' bad bytes')]);
    p.handle(deliverSm({ short_message }));
    expect(p.inbound[0]?.content).toBe('\ufffd\ufffd bad bytes');
    expect(p.inbound[0]?.transport_metadata['smpp_raw_content']).toBe(short_message.toString('hex'));
    expect(p.inbound[0]?.transport_metadata['smpp_decode_error']).toMatch(/data_coding 0 .* at offset 0/);
  });
});

describe('receipts end to end', () => {
  it('an intermediate receipt does not evict the mapping; the final one does (vumi2 bug §9 item 19)', () => {
    const p = processor();
    p.submitted('4F2A1C', 'vumi-1');
    p.handle(deliverSm({ esm_class: 0x20, receipted_message_id: '4F2A1C', message_state: 1, short_message: latin1('id:4F2A1C stat:ENROUTE') }));
    expect(p.events.map((e) => e.delivery_status)).toEqual(['pending']);
    expect(p.ids.size).toBe(1);
    p.handle(deliverSm({ esm_class: 0x04, receipted_message_id: '4F2A1C', message_state: 2 }));
    expect(p.events.map((e) => [e.user_message_id, e.delivery_status])).toEqual([
      ['vumi-1', 'pending'],
      ['vumi-1', 'delivered'],
    ]);
    expect(p.ids.size).toBe(0);
  });

  it('hex submit ids meet decimal receipt ids under Kannel msg-id-type 1', () => {
    const p = processor({}, messageIdProfileFromKannel(0x01));
    p.submitted('3A4F2C', 'vumi-hex');
    p.handle(deliverSm({ esm_class: 0x04, short_message: latin1('id:3821356 sub:001 dlvrd:001 submit date:2501151200 done date:2501151201 stat:UNDELIV err:001 text:') }));
    expect(p.events[0]).toMatchObject({ user_message_id: 'vumi-hex', delivery_status: 'failed' });
  });

  it('by default, case and zero padding do not matter', () => {
    const p = processor();
    p.submitted('a1b2c3d', 'vumi-2');
    p.handle(deliverSm({ receipted_message_id: '0A1B2C3D', message_state: 2 }));
    expect(p.events[0]?.user_message_id).toBe('vumi-2');
  });

  it('data_sm receipts work the same way', () => {
    const p = processor();
    p.submitted('77', 'vumi-3');
    p.handle(dataSm({ receipted_message_id: '77', message_state: 5 }));
    expect(p.events[0]?.delivery_status).toBe('failed');
  });
});

describe('MO messages end to end', () => {
  it('UDH parts from two senders, interleaved and out of order, with an emoji split between parts', () => {
    const p = processor();
    const octets = encodeText('Hello 😀 world', 8);
    const part = (from: string, seq: number, chunk: Buffer): PduOf<'deliver_sm'> =>
      deliverSm({ source_addr: from, esm_class: 0x40, data_coding: 8, short_message: Buffer.concat([buildConcatUdh(42, 2, seq, 16), chunk]) });
    p.handle(part('A', 2, octets.subarray(13)));
    p.handle(part('B', 1, octets.subarray(0, 13)));
    p.handle(part('A', 1, octets.subarray(0, 13)));
    p.handle(part('B', 2, octets.subarray(13)));
    expect(p.inbound.map((m) => [m.from_addr, m.content])).toEqual([
      ['A', 'Hello 😀 world'],
      ['B', 'Hello 😀 world'],
    ]);
    expect(p.inbound[0]?.transport_metadata['smpp_multipart']).toEqual({ reference: 42, total: 2, reference_bits: 16, via: 'udh' });
  });

  it('a one-part "multipart" is just a message', () => {
    const p = processor();
    p.handle(deliverSm({ esm_class: 0x40, short_message: Buffer.concat([buildConcatUdh(1, 1, 1), latin1('solo')]) }));
    expect(p.inbound[0]?.content).toBe('solo');
  });

  it('SMPP details go into transport_metadata, ports included', () => {
    const p = processor();
    p.handle(
      deliverSm({
        service_type: 'WAP',
        source_addr_ton: 1,
        source_addr_npi: 1,
        dest_addr_ton: 3,
        esm_class: 0x40,
        data_coding: 4,
        protocol_id: 0,
        short_message: Buffer.concat([bytes('06 05 04 0B 84 23 F0'), latin1('wap')]),
      }),
    );
    expect(p.inbound[0]?.content).toBe('wap');
    expect(p.inbound[0]?.transport_metadata).toEqual({
      smpp_command: 'deliver_sm',
      smpp_service_type: 'WAP',
      smpp_source_addr_ton: 1,
      smpp_source_addr_npi: 1,
      smpp_dest_addr_ton: 3,
      smpp_dest_addr_npi: 0,
      smpp_esm_class: 0x40,
      smpp_data_coding: 4,
      smpp_protocol_id: 0,
      smpp_source_port: 9200,
      smpp_destination_port: 2948,
    });
  });

  it("metadata: 'vumi2' publishes vumi2's empty transport_metadata", () => {
    const pdu = deliverSm({ short_message: latin1('x') });
    const plan = classifyInbound(pdu);
    if (plan.kind !== 'message') throw new Error(plan.kind);
    expect(inboundMessage(pdu, plan.decoded, { transport_name: 'smpp', metadata: 'vumi2' }).transport_metadata).toEqual({});
  });

  it('data_sm MO in message_payload', () => {
    const p = processor();
    p.handle(dataSm({ message_payload: latin1('over data sm') }));
    expect(p.inbound[0]).toMatchObject({ content: 'over data sm', transport_metadata: { smpp_command: 'data_sm' } });
    expect(p.inbound[0]?.transport_metadata).not.toHaveProperty('smpp_protocol_id');
  });
});

describe('USSD end to end', () => {
  it('a PSSR indication → a new ussd session with its session info; its text is not taken for a receipt', () => {
    const p = processor();
    p.handle(deliverSm({ ussd_service_op: 1, its_session_info: 0x0c00, short_message: latin1('*120*123#') }));
    expect(p.inbound[0]).toMatchObject({
      transport_type: 'ussd',
      session_event: 'new',
      content: '*120*123#',
      transport_metadata: { session_info: '0c00', smpp_ussd_service_op: 1, smpp_its_session_info: 0x0c00 },
    });
    p.handle(deliverSm({ ussd_service_op: 18, its_session_info: 0x0c03, short_message: latin1('id:1 stat:DELIVRD') }));
    expect(p.events).toEqual([]);
    expect(p.inbound[1]).toMatchObject({ session_event: 'close', content: 'id:1 stat:DELIVRD' });
  });

  it("metadata: 'vumi2' still carries what a reply needs", () => {
    const pdu = deliverSm({ ussd_service_op: 1, its_session_info: 0x0c00 });
    const plan = classifyInbound(pdu);
    if (plan.kind !== 'message' || plan.ussd === undefined) throw new Error(plan.kind);
    expect(inboundMessage(pdu, plan.decoded, { transport_name: 'smpp', metadata: 'vumi2', ussd: plan.ussd }).transport_metadata).toEqual({
      session_info: '0c00',
      smpp_ussd_service_op: 1,
      smpp_its_session_info: 0x0c00,
    });
  });
});

describe('never throws', () => {
  it('on any deliver_sm the codec can carry', () => {
    fc.assert(
      fc.property(pduOf('deliver_sm'), (input) => {
        const pdu = decodePdu(encodePdu(input)) as PduOf<'deliver_sm'>;
        const p = processor();
        p.handle(pdu);
        expect(p.events.length + p.inbound.length + p.warnings.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });

  it('on any data_sm the codec can carry', () => {
    fc.assert(
      fc.property(pduOf('data_sm'), (input) => {
        const pdu = decodePdu(encodePdu(input)) as PduOf<'data_sm'>;
        expect(['delivery_report', 'unparsed_receipt', 'part', 'message']).toContain(classifyInbound(pdu).kind);
      }),
      { numRuns: 300 },
    );
  });
});
