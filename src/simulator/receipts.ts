import { messageStateOf } from '../pdu/message-state.js';
import { formatSmppTime } from '../pdu/smpp-time.js';
import type { PduInputOf } from '../pdu/types.js';
import type { FinalState, SimulatorConfig } from './options.js';


/** The GSM network error SMPPSim reports beside failed states (network_error_code 03 00 xx). */
const NETWORK_ERROR: Partial<Record<FinalState, number>> = { UNDELIV: 1, REJECTD: 2, EXPIRED: 3, DELETED: 4, UNKNOWN: 5 };

export function pickFinalState(rule: SimulatorConfig['receipts']['final_state'], destination: string, random = Math.random): FinalState {
  switch (rule.type) {
    case 'fixed':
      return rule.state;
    case 'prefix':
      return rule.rules.find((r) => destination.startsWith(r.prefix))?.state ?? rule.default;
    case 'random': {
      // Zero weights left out: otherwise rounding in the running subtraction can fall through
      // to the last entry even when its weight is 0, reporting a state configured never to occur.
      const entries = (Object.entries(rule.weights) as [FinalState, number][]).filter(([, w]) => w > 0);
      const total = entries.reduce((sum, [, w]) => sum + w, 0);
      let roll = random() * total;
      for (const [state, weight] of entries) {
        roll -= weight;
        if (roll < 0) return state;
      }
      return entries[entries.length - 1]![0];
    }
  }
}

/** registered_delivery bits 1–0 (reference §5.3): 1 = receipt on any final outcome, 2 = on failure only. */
export function wantsReceipt(registeredDelivery: number, state: FinalState | 'ENROUTE'): boolean {
  const mode = registeredDelivery & 0x03;
  return mode === 1 || (mode === 2 && state !== 'DELIVRD');
}

/** registered_delivery bit 4: intermediate notifications (an ENROUTE receipt before the final one). */
export function wantsIntermediate(registeredDelivery: number): boolean {
  return (registeredDelivery & 0x10) !== 0;
}

/** YYMMDDhhmm in UTC, the receipt's date form (reference §6.2). */
export function receiptDate(date: Date): string {
  return formatSmppTime(date).slice(0, 10);
}

export interface ReceiptInput {
  messageId: string;
  state: FinalState | 'ENROUTE';
  /** The original submission: the receipt goes back from its destination to its source. */
  source_addr: string;
  source_addr_ton: number;
  source_addr_npi: number;
  destination_addr: string;
  dest_addr_ton: number;
  dest_addr_npi: number;
  submitted: Date;
  done: Date;
  /** The first octets of the original short_message, for the Text: field. */
  text: Buffer;
}

/**
 * A delivery receipt as SMPPSim sends it (reference §6.2, §6.3): esm_class 0x04 (0x20 for an
 * intermediate ENROUTE), the Appendix B text, and the receipted_message_id, message_state and,
 * for failures, network_error_code TLVs.
 */
export function buildReceipt(r: ReceiptInput): Omit<PduInputOf<'deliver_sm'>, 'sequence_number'> {
  const delivered = r.state === 'DELIVRD' ? '001' : '000';
  const text = Buffer.concat([
    Buffer.from(
      `id:${r.messageId} sub:001 dlvrd:${delivered} submit date:${receiptDate(r.submitted)} ` +
        `done date:${receiptDate(r.done)} stat:${r.state} err:000 Text:`,
      'latin1',
    ),
    r.text.subarray(0, 20),
  ]);
  const networkError = r.state === 'ENROUTE' ? undefined : NETWORK_ERROR[r.state];
  return {
    command: 'deliver_sm',
    source_addr: r.destination_addr,
    source_addr_ton: r.dest_addr_ton,
    source_addr_npi: r.dest_addr_npi,
    destination_addr: r.source_addr,
    dest_addr_ton: r.source_addr_ton,
    dest_addr_npi: r.source_addr_npi,
    esm_class: r.state === 'ENROUTE' ? 0x20 : 0x04,
    short_message: text,
    receipted_message_id: r.messageId,
    message_state: messageStateOf(r.state),
    ...(networkError === undefined ? {} : { network_error_code: Buffer.from([3, 0, networkError]) }),
  };
}
