import { beforeEach, describe, expect, it } from 'vitest';
import { createMessage } from '../../../src/transport/messages.js';
import type { SessionEvent, VumiMessage } from '../../../src/transport/messages.js';
import {
  DEFAULT_USSD_INBOUND,
  UssdServiceOp,
  parseItsSessionInfo,
  ussdInbound,
  ussdSubmitFields,
  ussdTransportMetadata,
} from '../../../src/transport/inbound/ussd.js';
import { deliverSm, latin1 } from './pdus.js';

beforeEach(() => {
  expect.hasAssertions();
});

function reply(sessionEvent: SessionEvent | null, transport_metadata: Record<string, unknown> = {}, helper_metadata: Record<string, unknown> = {}): VumiMessage {
  return createMessage({
    to_addr: '27820001001',
    from_addr: '*120*123#',
    transport_name: 'smpp',
    transport_type: 'ussd',
    session_event: sessionEvent,
    content: 'Menu',
    transport_metadata,
    helper_metadata,
  });
}

describe('its_session_info (smpp reference §3.2)', () => {
  it('session number in the high octet, sequence in bits 7–1, end of session in bit 0', () => {
    expect(parseItsSessionInfo(0x0c03)).toEqual({ session_number: 12, sequence_number: 1, end_of_session: true });
    expect(parseItsSessionInfo(0xfffe)).toEqual({ session_number: 255, sequence_number: 127, end_of_session: false });
    expect(parseItsSessionInfo(0)).toEqual({ session_number: 0, sequence_number: 0, end_of_session: false });
  });
});

describe('inbound: ussd_service_op → session_event', () => {
  const table: [number, SessionEvent][] = [
    [UssdServiceOp.PSSD_INDICATION, 'new'],
    [UssdServiceOp.PSSR_INDICATION, 'new'],
    [UssdServiceOp.USSR_REQUEST, 'resume'],
    [UssdServiceOp.USSN_REQUEST, 'resume'],
    [UssdServiceOp.PSSD_RESPONSE, 'close'],
    [UssdServiceOp.PSSR_RESPONSE, 'close'],
    [UssdServiceOp.USSR_CONFIRM, 'resume'],
    [UssdServiceOp.USSN_CONFIRM, 'resume'],
    [7, 'resume'],
    [0x81, 'resume'],
  ];
  for (const [op, event] of table) {
    it(`${op} → ${event}`, () => {
      expect(ussdInbound(deliverSm({ ussd_service_op: op, its_session_info: 0x0c02 }))?.session_event).toBe(event);
    });
  }

  it('the end-of-session bit closes, whatever the operation', () => {
    for (const op of [0, 1, 2, 18, 0x81]) expect(ussdInbound(deliverSm({ ussd_service_op: op, its_session_info: 0x0c03 }))?.session_event).toBe('close');
  });

  it('no ussd_service_op, no USSD (its_session_info alone is not enough)', () => {
    expect(ussdInbound(deliverSm({ short_message: latin1('hi') }))).toBeUndefined();
    expect(ussdInbound(deliverSm({ its_session_info: 0x0100 }))).toBeUndefined();
  });

  it('without its_session_info the operation decides', () => {
    expect(ussdInbound(deliverSm({ ussd_service_op: 1 }))).toEqual({ session_event: 'new', ussd_service_op: 1 });
  });

  it('entries can be overridden one by one (6D: 0x12 continue, 0x81 user abort)', () => {
    const options = { inbound: { 0x81: 'close' as const } };
    expect(ussdInbound(deliverSm({ ussd_service_op: 0x81 }), options)?.session_event).toBe('close');
    expect(ussdInbound(deliverSm({ ussd_service_op: 18 }), options)?.session_event).toBe('resume');
    expect(ussdInbound(deliverSm({ ussd_service_op: 99 }), { unknownInbound: 'close' })?.session_event).toBe('close');
    expect(DEFAULT_USSD_INBOUND[0x81]).toBeUndefined();
  });

  it('the transport_metadata carries the session info, as vumi 1 wrote it', () => {
    const ussd = ussdInbound(deliverSm({ ussd_service_op: 1, its_session_info: 0x0c03 }))!;
    expect(ussd.session).toEqual({ session_number: 12, sequence_number: 1, end_of_session: true });
    expect(ussdTransportMetadata(ussd)).toEqual({ session_info: '0c02', smpp_ussd_service_op: 1, smpp_its_session_info: 0x0c03 });
    expect(ussdTransportMetadata(ussdInbound(deliverSm({ ussd_service_op: 1 }))!)).toEqual({ smpp_ussd_service_op: 1 });
  });
});

describe('outbound: session_event → ussd_service_op and its_session_info', () => {
  it('new and resume ask for a reply (USSR request), echoing the session, end bit clear', () => {
    expect(ussdSubmitFields(reply('new', { session_info: '0c02' }))).toEqual({ ussd_service_op: 2, its_session_info: 0x0c02 });
    expect(ussdSubmitFields(reply('resume', { session_info: '0c02' }))).toEqual({ ussd_service_op: 2, its_session_info: 0x0c02 });
    expect(ussdSubmitFields(reply(null, { session_info: '0c02' }))).toEqual({ ussd_service_op: 2, its_session_info: 0x0c02 });
  });

  it('close answers with a PSSR response and the end bit', () => {
    expect(ussdSubmitFields(reply('close', { session_info: '0c02' }))).toEqual({ ussd_service_op: 17, its_session_info: 0x0c03 });
  });

  it('a reply carries the inbound message\'s metadata, so the session round-trips', () => {
    const inbound = ussdInbound(deliverSm({ ussd_service_op: 1, its_session_info: 0x2a04 }))!;
    const metadata = ussdTransportMetadata(inbound);
    expect(ussdSubmitFields(reply('resume', metadata))).toEqual({ ussd_service_op: 2, its_session_info: 0x2a04 });
    expect(ussdSubmitFields(reply('close', metadata))).toEqual({ ussd_service_op: 17, its_session_info: 0x2a05 });
  });

  it('the session info may come as a number, from helper_metadata, or not at all', () => {
    expect(ussdSubmitFields(reply('resume', { smpp_its_session_info: 0x0501 }))?.its_session_info).toBe(0x0500);
    expect(ussdSubmitFields(reply('resume', {}, { session_info: '0x0700' }))?.its_session_info).toBe(0x0700);
    expect(ussdSubmitFields(reply('close'))?.its_session_info).toBe(1);
    expect(ussdSubmitFields(reply('resume', { session_info: 'not hex' }))?.its_session_info).toBe(0);
    expect(ussdSubmitFields(reply('resume', { session_info: { session_identifier: '0a' } }))?.its_session_info).toBe(0);
  });

  it('the table and the end bit are configurable (vumi 1: close = USSR request + end bit; USSN)', () => {
    expect(ussdSubmitFields(reply('close', { session_info: '0100' }), { outbound: { close: 2 } })).toEqual({ ussd_service_op: 2, its_session_info: 0x0101 });
    expect(ussdSubmitFields(reply('close', { session_info: '0100' }), { outbound: { close: 3 }, endBitOnClose: false })).toEqual({ ussd_service_op: 3, its_session_info: 0x0100 });
  });

  it('not a USSD message: nothing to add', () => {
    expect(ussdSubmitFields({ ...reply('close'), transport_type: 'sms' })).toBeUndefined();
  });
});
