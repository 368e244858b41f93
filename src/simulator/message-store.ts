import type { FinalState } from './options.js';

export interface StoredMessage {
  readonly message_id: string;
  readonly system_id: string;
  source_addr: string;
  source_addr_ton: number;
  source_addr_npi: number;
  destination_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  registered_delivery: number;
  short_message: Buffer;
  readonly submitted: Date;
  /** ENROUTE until the receipt delay has passed; then the final state. */
  state: FinalState | 'ENROUTE';
  final_date: Date | undefined;
  /** The pending transition to the final state, cancelled by cancel_sm. */
  timer: NodeJS.Timeout | undefined;
}

/**
 * The messages an SMSC remembers for query_sm, cancel_sm and replace_sm. Bounded: past
 * `capacity` the oldest entry goes, so a long benchmark cannot grow the simulator without end.
 *
 * Age is kept in a ring of ids beside the map. Evicting through `map.keys().next()` instead
 * looked O(1) but is not in V8: the iterator walks every entry deleted from the front since the
 * last rehash, and at 100,000 entries each submit cost tens of microseconds.
 */
export class MessageStore {
  private readonly messages = new Map<string, StoredMessage>();
  private readonly ring: (StoredMessage | undefined)[];
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Array<StoredMessage | undefined>(capacity);
  }

  get size(): number {
    return this.messages.size;
  }

  add(message: StoredMessage): void {
    if (this.capacity === 0) return;
    const oldest = this.ring[this.next];
    // Its id may have been given again since (a random id, a wrapped counter): evict only if the
    // map still holds this very message under it.
    if (oldest !== undefined && this.messages.get(oldest.message_id) === oldest) this.messages.delete(oldest.message_id);
    this.ring[this.next] = message;
    this.next = (this.next + 1) % this.capacity;
    this.messages.set(message.message_id, message);
  }

  get(messageId: string): StoredMessage | undefined {
    return this.messages.get(messageId);
  }

  /** Pending messages from a source to a destination, for a cancel_sm without a message_id. */
  pendingBetween(source: string, destination: string): StoredMessage[] {
    const found: StoredMessage[] = [];
    for (const m of this.messages.values()) {
      if (m.state === 'ENROUTE' && m.source_addr === source && m.destination_addr === destination) found.push(m);
    }
    return found;
  }

  clear(): void {
    for (const m of this.messages.values()) clearTimeout(m.timer);
    this.messages.clear();
    this.ring.fill(undefined);
    this.next = 0;
  }
}
