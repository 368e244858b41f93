/**
 * SMSC message ids → the key under which the transport stores and looks them up.
 *
 * The id in a submit_sm_resp and the id in the receipt for that message are the same message,
 * but real SMSCs write them differently (smpp reference §6.4, field lessons §3.9): one in hex
 * and the other in decimal (`3A4F2C` / `3821356`), in different letter case, with and without
 * leading zeros (`0000012345` / `12345`). vumi2 compares them as exact strings and drops the
 * receipt. Here both sides go through `normaliseMessageId` with the base each side uses, and
 * the results are equal.
 *
 * The model is Kannel's `msg-id-type` (bit 0x01: the submit_sm_resp id is hex, 0x02: the
 * deliver_sm id is hex), with an `opaque` base for SMSCs whose ids are not numbers at all.
 *
 * Keys:
 * - a number in the configured base becomes `#` + its decimal value, computed with BigInt (hex
 *   ids beyond 2^53 are common, e.g. `0x04000000086ECD50` = 288230376293190992), so leading
 *   zeros and letter case disappear on the way;
 * - anything else (the opaque base, or an id that is not a number in its base) is trimmed,
 *   then optionally case-folded and stripped of leading zeros.
 *
 * The `#` marks a key as already converted, which makes normalisation idempotent: a hex key
 * `#3821356` is not read again as the hex number 0x3821356. No SMSC id we know of starts
 * with `#`; one that did would be taken as its decimal value, which is harmless.
 *
 * Never throws: any string has a key.
 */

/** How an SMSC writes a message id. */
export type MessageIdBase = 'opaque' | 'decimal' | 'hex';

export interface MessageIdOptions {
  /**
   * `decimal`: digits 0–9; `hex`: hex digits, an optional `0x` prefix, any case; `opaque`
   * (default): not a number, compared as a (folded) string.
   */
  readonly base?: MessageIdBase;
  /** Compare non-numeric ids case-insensitively (default true). */
  readonly caseFold?: boolean;
  /** Treat `000123` and `123` as the same non-numeric id (default true); numbers lose them anyway. */
  readonly stripLeadingZeros?: boolean;
}

/** The two sides of a match: the id the SMSC returned in submit_sm_resp, and the one in its receipts. */
export interface MessageIdProfile {
  readonly submit: MessageIdOptions;
  readonly receipt: MessageIdOptions;
}

/** Opaque ids, case-folded, leading zeros stripped: safe for any SMSC whose two ids agree. */
export const DEFAULT_MESSAGE_ID_PROFILE: MessageIdProfile = {
  submit: { base: 'opaque', caseFold: true, stripLeadingZeros: true },
  receipt: { base: 'opaque', caseFold: true, stripLeadingZeros: true },
};

/**
 * A profile from Kannel's `msg-id-type`: bit 0x01 set = submit_sm_resp ids are hex (else
 * decimal), bit 0x02 set = receipt ids are hex (else decimal). Kannel leaves ids alone when the
 * option is unset; pass `undefined` for that (→ the opaque default profile).
 */
export function messageIdProfileFromKannel(msgIdType: number | undefined, rest: Omit<MessageIdOptions, 'base'> = {}): MessageIdProfile {
  if (msgIdType === undefined) {
    return { submit: { ...DEFAULT_MESSAGE_ID_PROFILE.submit, ...rest }, receipt: { ...DEFAULT_MESSAGE_ID_PROFILE.receipt, ...rest } };
  }
  return {
    submit: { ...rest, base: (msgIdType & 0x01) !== 0 ? 'hex' : 'decimal' },
    receipt: { ...rest, base: (msgIdType & 0x02) !== 0 ? 'hex' : 'decimal' },
  };
}

const CANONICAL_NUMBER = /^#(?:0|[1-9][0-9]*)$/;
const DECIMAL = /^[0-9]+$/;
const HEX = /^(?:0x)?([0-9a-f]+)$/i;

/** The lookup key for an SMSC message id (see the module comment); never throws. */
export function normaliseMessageId(id: string, options: MessageIdOptions = {}): string {
  // String(): a config or a peer handing over something odd must still get a key, not a throw.
  const trimmed = String(id).trim();
  if (CANONICAL_NUMBER.test(trimmed)) return trimmed;
  const base = options.base ?? 'opaque';
  if (base === 'decimal' && DECIMAL.test(trimmed)) return `#${BigInt(trimmed).toString(10)}`;
  if (base === 'hex') {
    const hex = HEX.exec(trimmed)?.[1];
    if (hex !== undefined) return `#${BigInt(`0x${hex}`).toString(10)}`;
  }
  let key = trimmed;
  if (options.caseFold ?? true) key = key.toLowerCase();
  if (options.stripLeadingZeros ?? true) key = key.replace(/^0+(?=\S)/, '');
  return key;
}

/** The key for the id of a submit_sm_resp (or data_sm_resp), under the profile. */
export function submitMessageIdKey(id: string, profile: MessageIdProfile = DEFAULT_MESSAGE_ID_PROFILE): string {
  return normaliseMessageId(id, profile.submit);
}

/** The key for the id in a receipt (receipted_message_id or the text's `id:`), under the profile. */
export function receiptMessageIdKey(id: string, profile: MessageIdProfile = DEFAULT_MESSAGE_ID_PROFILE): string {
  return normaliseMessageId(id, profile.receipt);
}
