import { beforeEach, describe, expect, it } from 'vitest';
import { MessageStore } from '../../src/simulator/message-store.js';
import type { StoredMessage } from '../../src/simulator/message-store.js';

const message = (message_id: string): StoredMessage => ({
  message_id,
  system_id: 'smppclient1',
  source_addr: '1',
  source_addr_ton: 0,
  source_addr_npi: 0,
  destination_addr: '2',
  dest_addr_ton: 0,
  dest_addr_npi: 0,
  registered_delivery: 0,
  short_message: Buffer.alloc(0),
  submitted: new Date(0),
  state: 'ENROUTE',
  final_date: undefined,
  timer: undefined,
});

beforeEach(() => {
  expect.hasAssertions();
});

describe('MessageStore', () => {
  it('keeps the newest `capacity` messages, evicting the oldest first', () => {
    const store = new MessageStore(3);
    for (const id of ['a', 'b', 'c', 'd']) store.add(message(id));
    expect(store.size).toBe(3);
    expect(store.get('a')).toBeUndefined();
    expect(['b', 'c', 'd'].map((id) => store.get(id)?.message_id)).toEqual(['b', 'c', 'd']);
  });

  it('does not evict a newer message that reused an old id', () => {
    const store = new MessageStore(3);
    store.add(message('x'));
    store.add(message('y'));
    const again = message('x');
    store.add(again); // a random id given twice: the map now holds the new x
    store.add(message('z')); // evicts the slot of the first x, which is no longer in the map
    expect(store.get('x')).toBe(again);
    expect(store.get('y')).toBeDefined();
    expect(store.get('z')).toBeDefined();
  });

  it('keeps nothing with capacity 0', () => {
    const store = new MessageStore(0);
    store.add(message('a'));
    expect(store.size).toBe(0);
  });
});
