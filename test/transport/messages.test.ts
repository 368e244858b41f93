import { beforeEach, describe, expect, it } from 'vitest';
import {
  InvalidMessageError,
  createEvent,
  createMessage,
  formatTimestamp,
  newId,
  parseMessage,
  parseTimestamp,
  serialiseEvent,
  serialiseMessage,
} from '../../src/transport/messages.js';

beforeEach(() => {
  expect.hasAssertions();
});

describe('vumi message schema (vumi2 reference §2.3, §2.4)', () => {
  it('serialises a message byte for byte as vumi2 does', () => {
    const message = createMessage({
      to_addr: '123456',
      from_addr: '27820001001',
      transport_name: 'smpp',
      transport_type: 'sms',
      timestamp: '2026-11-25 17:32:33.564248',
      message_id: 'a'.repeat(32),
      content: 'héllo',
    });
    expect(serialiseMessage(message)).toBe(
      '{"to_addr": "123456", "from_addr": "27820001001", "transport_name": "smpp", "transport_type": "sms", ' +
        '"message_version": "20110921", "message_type": "user_message", "timestamp": "2026-11-25 17:32:33.564248", ' +
        '"routing_metadata": {}, "helper_metadata": {}, "message_id": "' + 'a'.repeat(32) + '", "in_reply_to": null, ' +
        '"provider": null, "session_event": null, "content": "h\\u00e9llo", "transport_metadata": {}, "group": null, ' +
        '"to_addr_type": null, "from_addr_type": null}',
    );
  });

  it('escapes everything outside printable ASCII, DEL and astral characters included, as Python does', () => {
    const message = createMessage({ to_addr: '1', from_addr: '2', transport_name: 's', transport_type: 'sms', content: '\u007f😀' });
    expect(serialiseMessage(message)).toContain('"content": "\\u007f\\ud83d\\ude00"');
    expect(parseMessage(serialiseMessage(message)).content).toBe('\u007f😀');
  });

  it('serialises an ack with every key in vumi2’s order', () => {
    const event = createEvent({ user_message_id: 'u', event_type: 'ack', sent_message_id: 'u', event_id: 'e', timestamp: '2026-11-25 17:32:33.000000' });
    expect(serialiseEvent(event)).toBe(
      '{"user_message_id": "u", "event_type": "ack", "message_version": "20110921", "message_type": "event", ' +
        '"timestamp": "2026-11-25 17:32:33.000000", "routing_metadata": {}, "helper_metadata": {}, "transport_metadata": {}, ' +
        '"event_id": "e", "sent_message_id": "u", "nack_reason": null, "delivery_status": null}',
    );
  });

  it('requires sent_message_id for an ack, nack_reason for a nack, delivery_status for a report', () => {
    expect(() => createEvent({ user_message_id: 'u', event_type: 'ack' })).toThrow('sent_message_id');
    expect(() => createEvent({ user_message_id: 'u', event_type: 'nack' })).toThrow('nack_reason');
    expect(() => createEvent({ user_message_id: 'u', event_type: 'delivery_report' })).toThrow('delivery_status');
  });

  it('formats and parses timestamps as vumi2, trailing Z stripped, fraction optional, no T', () => {
    expect(formatTimestamp(new Date('2026-11-25T17:32:33.564Z'))).toBe('2026-11-25 17:32:33.564000');
    expect(parseTimestamp('2026-11-25 17:32:33.564248Z')?.toISOString()).toBe('2026-11-25T17:32:33.564Z');
    expect(parseTimestamp('2026-11-25 17:32:33')?.toISOString()).toBe('2026-11-25T17:32:33.000Z');
    expect(parseTimestamp('2026-11-25T17:32:33')).toBeUndefined();
  });

  it('makes ids of 32 lowercase hex digits', () => {
    expect(newId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses bad JSON and bad schema with the field named, keeping the message_id for the nack', () => {
    expect(() => parseMessage('{nope')).toThrow(InvalidMessageError);
    const err = (() => {
      try {
        parseMessage(JSON.stringify({ message_id: 'm1', to_addr: '1', from_addr: '2', transport_name: 's', transport_type: 'fax' }));
      } catch (e) {
        return e as InvalidMessageError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InvalidMessageError);
    expect(err?.message_id).toBe('m1');
    expect(err?.message).toContain('transport_type');
  });

  it('ignores unknown keys, as vumi2 does', () => {
    const parsed = parseMessage(JSON.stringify({ to_addr: '1', from_addr: '2', transport_name: 's', transport_type: 'sms', extra: 1 }));
    expect(parsed).not.toHaveProperty('extra');
  });
});
