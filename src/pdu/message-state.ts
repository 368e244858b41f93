/**
 * message_state (reference §5.6): the TLV of delivery receipts and the field of query_sm_resp,
 * with the `stat:` word that receipt texts use for each (reference §6.2, §6.3).
 */
export const MessageState = {
  ENROUTE: 1,
  DELIVERED: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIVERABLE: 5,
  ACCEPTED: 6,
  UNKNOWN: 7,
  REJECTED: 8,
} as const;

export type MessageStateName = keyof typeof MessageState;

/** The receipt text's stat: words, by message_state. */
export const STAT_WORDS = ['ENROUTE', 'DELIVRD', 'EXPIRED', 'DELETED', 'UNDELIV', 'ACCEPTD', 'UNKNOWN', 'REJECTD'] as const;
export type StatWord = (typeof STAT_WORDS)[number];

/** message_state for a stat word: ENROUTE 1 … REJECTD 8. */
export function messageStateOf(word: StatWord): number {
  return STAT_WORDS.indexOf(word) + 1;
}
