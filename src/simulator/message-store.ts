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
 */
export class MessageStore {
  private readonly messages = new Map<string, StoredMessage>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.messages.size;
  }

  add(message: StoredMessage): void {
    if (this.capacity === 0) return;
    if (this.messages.size >= this.capacity) {
      const oldest = this.messages.keys().next();
      if (!oldest.done) this.messages.delete(oldest.value);
    }
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
  }
}
