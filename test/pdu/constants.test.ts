import { beforeEach, describe, expect, it } from 'vitest';
import { BIND_COMMANDS, BIND_TYPE_OF, TRANSMIT_REQUESTS, allowedOn } from '../../src/pdu/bind-states.js';
import { MessageState, STAT_WORDS, messageStateOf } from '../../src/pdu/message-state.js';
import { formatSmppTime } from '../../src/pdu/smpp-time.js';

beforeEach(() => {
  expect.hasAssertions();
});

describe('bind states (reference §9.2)', () => {
  it('maps bind types and bind commands both ways', () => {
    expect(BIND_COMMANDS.receiver).toBe('bind_receiver');
    expect(BIND_TYPE_OF.bind_transmitter).toBe('transmitter');
  });

  it('lets a receiver neither submit nor query, but enquire_link and unbind', () => {
    for (const command of ['submit_sm', 'submit_multi', 'data_sm', 'query_sm', 'cancel_sm', 'replace_sm'] as const) {
      expect(allowedOn(command, 'receiver')).toBe(false);
      expect(allowedOn(command, 'transmitter')).toBe(true);
      expect(TRANSMIT_REQUESTS.has(command)).toBe(true);
    }
    expect(allowedOn('enquire_link', 'receiver')).toBe(true);
    expect(allowedOn('unbind', 'receiver')).toBe(true);
    expect(allowedOn('deliver_sm', 'transceiver')).toBe(false);
  });
});

describe('message_state (reference §5.6)', () => {
  it('numbers the stat words ENROUTE 1 … REJECTD 8, as the named states', () => {
    expect(STAT_WORDS.map(messageStateOf)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(messageStateOf('UNDELIV')).toBe(MessageState.UNDELIVERABLE);
    expect(messageStateOf('ACCEPTD')).toBe(MessageState.ACCEPTED);
  });
});

describe('SMPP time (reference §5.8)', () => {
  it('formats an absolute UTC time as YYMMDDhhmmss000+', () => {
    expect(formatSmppTime(new Date('2025-01-15T12:30:07.900Z'))).toBe('250115123007000+');
  });
});
