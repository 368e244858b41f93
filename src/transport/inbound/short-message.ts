/**
 * The user data of an inbound deliver_sm or data_sm → text: where the octets are, what header
 * comes first, which part of a concatenated message they are, and how to decode them.
 *
 * vumi2's bugs this avoids (vumi2 reference §5.3, §5.4, §9 items 22 and 23):
 * - the UDHI bit of esm_class is honoured: a header that is not a concatenation header (ports,
 *   national shift tables) is stripped, never decoded as text;
 * - parts are reassembled from their **octets**, concatenated in order and decoded once, so a
 *   character cut between two parts (half a UTF-16 surrogate pair, a GSM escape and the
 *   character it escapes) survives;
 * - the multipart key names the sender and the recipient, not just the reference;
 * - nothing here throws on bad input: an undecodable text comes back with `error` set.
 *
 * Decode-failure policy (decided here, applied by the processor): the message is still
 * published, never refused. Invalid octets become U+FFFD; octets in a data_coding we have no
 * table for (pictogram, KS C 5601, reserved values) become one character per octet, U+0000–
 * U+00FF, which any consumer can turn back into the bytes. In both cases `error` says what went
 * wrong and the processor puts the raw octets (hex) in transport_metadata, so nothing is lost.
 * Answering ESME_RX_P_APPN instead would make the SMSC drop or fail the message: a loss.
 */

import { EncodingError, UnsupportedDataCodingError, concatFromSar, dataCodingInfo, decodeText, parseUdh, udhFillBits, unpackSeptets } from '../../encoding/index.js';
import type { ConcatInfo, ParsedUdh } from '../../encoding/index.js';
import { stripPackingPadding } from '../../encoding/septet-packing.js';
import type { PduOf } from '../../pdu/types.js';

/** The two PDUs that carry mobile-originated messages and receipts to an ESME. */
export type InboundPdu = PduOf<'deliver_sm'> | PduOf<'data_sm'>;

/** esm_class bit 6: the user data starts with a User Data Header (smpp reference §5.2, §8.1). */
export const ESM_CLASS_UDHI = 0x40;

/**
 * What to decode a data_coding's octets as: another data_coding (vumi2's overrides, with its
 * Python codec names mapped to numbers by the config loader: `ascii` → 1, `latin1` → 3,
 * `utf_16_be` → 8, `gsm0338` → 0, `iso8859_5` → 6, `iso8859_8` → 7, `iso2022_jp` → 5), or
 * UTF-8, which has no data_coding of its own but which some SMSCs send under 0 or 4.
 */
export type DecodeAs = number | 'utf-8';

export interface ShortMessageOptions {
  /**
   * data_coding → what to decode it as (vumi2's `sm_processor_config.data_coding_overrides`),
   * e.g. `{ 4: 1 }` reads OCTET_UNSPECIFIED_COMMON as ASCII, `{ 0: 3 }` reads the SMSC default
   * alphabet as Latin-1. Without an entry a coding decodes as itself; the binary codings 2 and
   * 4 then give one character per octet, U+0000–U+00FF (Latin-1), instead of vumi2's crash.
   */
  readonly dataCodingOverrides?: Readonly<Partial<Record<number, DecodeAs>>>;
  /** GSM 7-bit codings arrive packed, 8 septets in 7 octets (SMSC-specific; default false). */
  readonly gsmPacked?: boolean;
  /**
   * Treat a short_message that starts with a valid concatenation header (`05 00 03 RR TT SS`
   * or `06 08 04 RH RL TT SS`) as one even when esm_class lacks UDHI, as vumi2 does (it never
   * looks at UDHI). Default true: SMSCs that forget UDHI exist, and the two prefixes are
   * unlikely text (GSM `é@¥…`). Other headers are only recognised with UDHI.
   */
  readonly concatUdhWithoutUdhi?: boolean;
}

/** Which part of a concatenated message a PDU carries, and where that was read. */
export interface MultipartInfo extends ConcatInfo {
  readonly via: 'udh' | 'sar';
}

/** The user data of one inbound PDU, taken apart. */
export interface UserData {
  /** Where it was: message_payload when that has octets, short_message otherwise. */
  readonly field: 'message_payload' | 'short_message';
  /** The octets as received, header included. */
  readonly raw: Buffer;
  /** The header, when esm_class has UDHI (or a concatenation header was recognised without it). */
  readonly udh?: ParsedUdh;
  /** UDHI was set but the header's lengths do not fit: the whole of `raw` is taken as text. */
  readonly udhError?: string;
  /** The text octets: `raw` after the header. */
  readonly payload: Buffer;
  /** The PDU's data_coding. */
  readonly data_coding: number;
  /** What `payload` is decoded as, after the overrides. */
  readonly decodeAs: DecodeAs;
  /** Present when the PDU is one part of a concatenated message (SAR TLVs first, then the UDH). */
  readonly multipart?: MultipartInfo;
}

/** Text, and whether it came out as labelled. */
export interface DecodedText {
  readonly text: string;
  /** Set when the octets could not be decoded as labelled (see the module comment). */
  readonly error?: DecodeFailure;
}

export interface DecodeFailure {
  readonly kind: 'unsupported_data_coding' | 'invalid_octets' | 'malformed_part';
  readonly message: string;
  /** The octets that failed, as they were to be decoded. */
  readonly raw: Buffer;
}

function hasUdhi(esmClass: number): boolean {
  return (esmClass & ESM_CLASS_UDHI) !== 0;
}

/**
 * The user data octets: message_payload when it carries any (it is how data_sm and long
 * deliver_sm carry text), short_message otherwise.
 */
export function userDataOctets(pdu: InboundPdu): { field: 'message_payload' | 'short_message'; raw: Buffer } {
  const payload = pdu.message_payload;
  if (payload !== undefined && payload.length > 0) return { field: 'message_payload', raw: payload };
  const shortMessage = 'short_message' in pdu ? pdu.short_message : undefined;
  return { field: 'short_message', raw: shortMessage ?? Buffer.alloc(0) };
}

function looksLikeConcatUdh(raw: Buffer): boolean {
  return (
    (raw.length >= 6 && raw[0] === 0x05 && raw[1] === 0x00 && raw[2] === 0x03) ||
    (raw.length >= 7 && raw[0] === 0x06 && raw[1] === 0x08 && raw[2] === 0x04)
  );
}

/** What `dataCoding` is decoded as under the overrides. */
export function decodeAsFor(dataCoding: number, overrides: ShortMessageOptions['dataCodingOverrides']): DecodeAs {
  if (overrides !== undefined && Object.hasOwn(overrides, dataCoding)) {
    const target = overrides[dataCoding];
    if (target !== undefined) return target;
  }
  return dataCoding;
}

/** Takes the user data of a PDU apart; never throws. */
export function extractUserData(pdu: InboundPdu, options: ShortMessageOptions = {}): UserData {
  const { field, raw } = userDataOctets(pdu);
  const base = { field, raw, data_coding: pdu.data_coding, decodeAs: decodeAsFor(pdu.data_coding, options.dataCodingOverrides) };
  let udh: ParsedUdh | undefined;
  let udhError: string | undefined;
  if (hasUdhi(pdu.esm_class)) {
    try {
      udh = parseUdh(raw);
    } catch (error) {
      udhError = error instanceof Error ? error.message : String(error);
    }
  } else if ((options.concatUdhWithoutUdhi ?? true) && looksLikeConcatUdh(raw)) {
    try {
      const parsed = parseUdh(raw);
      // Only a header that is exactly one valid concatenation element counts without UDHI.
      if (parsed.concat !== undefined && parsed.elements.length === 1) udh = parsed;
    } catch {
      // Not a header after all: the octets are text.
    }
  }
  const sar = concatFromSar({
    ...(pdu.sar_msg_ref_num === undefined ? {} : { sar_msg_ref_num: pdu.sar_msg_ref_num }),
    ...(pdu.sar_total_segments === undefined ? {} : { sar_total_segments: pdu.sar_total_segments }),
    ...(pdu.sar_segment_seqnum === undefined ? {} : { sar_segment_seqnum: pdu.sar_segment_seqnum }),
  });
  const multipart: MultipartInfo | undefined =
    sar !== undefined ? { ...sar, via: 'sar' } : udh?.concat !== undefined ? { ...udh.concat, via: 'udh' } : undefined;
  return {
    ...base,
    payload: udh === undefined ? raw : udh.payload,
    ...(udh === undefined ? {} : { udh }),
    ...(udhError === undefined ? {} : { udhError }),
    ...(multipart === undefined ? {} : { multipart }),
  };
}

// ---------------------------------------------------------------------------------------------
// Decoding, through one representation shared by single messages and stored parts.

/** Stored-part tag: byte 1 is a data_coding, the rest its octets (GSM always unpacked). */
const TAG_DATA_CODING = 0x01;
/** Stored-part tag: the rest is UTF-8. */
const TAG_UTF8 = 0x02;
/** Stored-part tag: the rest is octets nothing can decode (an out-of-range override). */
const TAG_UNDECODABLE = 0x03;

function isGsm7(dataCoding: number): boolean {
  try {
    return dataCodingInfo(dataCoding).alphabet === 'gsm7';
  } catch {
    return false;
  }
}

/**
 * The octets of one part as the multipart cache should keep them: a small header naming how to
 * decode them, then the text octets, with packed GSM already unpacked to one septet per octet
 * (a packed part's bit alignment depends on its own header, so packed parts cannot simply be
 * concatenated). Parts are kept as octets, not text, so that a character split between two
 * parts is decoded whole; keeping the coding per part lets a set whose parts disagree about
 * it (it happens) still decode, run by run.
 */
export function storedPart(userData: UserData, options: ShortMessageOptions = {}): Buffer {
  const { decodeAs, payload, udh } = userData;
  if (decodeAs === 'utf-8') return Buffer.concat([Buffer.of(TAG_UTF8), payload]);
  let octets: Uint8Array = payload;
  if (options.gsmPacked === true && isGsm7(decodeAs)) {
    const fillBits = udh === undefined ? 0 : udhFillBits(udh.udhLength);
    octets = stripPackingPadding(unpackSeptets(payload, { fillBits, dataCoding: decodeAs }), fillBits);
  }
  // An override outside 0–255 is a configuration mistake; keep the octets and let reassembly
  // report them as undecodable rather than guess.
  if (!Number.isInteger(decodeAs) || decodeAs < 0 || decodeAs > 0xff) return Buffer.concat([Buffer.of(TAG_UNDECODABLE), octets]);
  return Buffer.concat([Buffer.of(TAG_DATA_CODING, decodeAs), octets]);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** Decodes octets as `decodeAs` under the failure policy of the module comment; never throws. */
export function decodeOctets(octets: Buffer, decodeAs: DecodeAs): DecodedText {
  if (decodeAs === 'utf-8') {
    try {
      return { text: utf8Strict.decode(octets) };
    } catch (error) {
      return { text: utf8Lenient.decode(octets), error: { kind: 'invalid_octets', message: `invalid UTF-8: ${describe(error)}`, raw: octets } };
    }
  }
  try {
    return { text: decodeText(octets, decodeAs) };
  } catch (error) {
    if (error instanceof UnsupportedDataCodingError) {
      return { text: octets.toString('latin1'), error: { kind: 'unsupported_data_coding', message: error.message, raw: octets } };
    }
    if (!(error instanceof EncodingError)) {
      // Not bad input but a bug below us; still no throw out of the inbound path.
      return { text: octets.toString('latin1'), error: { kind: 'invalid_octets', message: describe(error), raw: octets } };
    }
    let text: string;
    try {
      text = decodeText(octets, decodeAs, { replacement: '\uFFFD' });
    } catch {
      text = octets.toString('latin1');
    }
    return { text, error: { kind: 'invalid_octets', message: error.message, raw: octets } };
  }
}

/** Whether parts with this tag join the previous part's run (only decodable ones do). */
function joinsRuns(tag: string): boolean {
  return tag !== 'malformed' && tag !== 'undecodable';
}

interface Run {
  readonly tag: string;
  readonly decodeAs: DecodeAs | undefined;
  readonly chunks: Buffer[];
}

function runOf(part: Buffer): { tag: string; decodeAs: DecodeAs | undefined; octets: Buffer } {
  if (part[0] === TAG_UTF8) return { tag: 'utf-8', decodeAs: 'utf-8', octets: part.subarray(1) };
  const code = part[1];
  if (part[0] === TAG_DATA_CODING && code !== undefined) return { tag: `dc${code}`, decodeAs: code, octets: part.subarray(2) };
  if (part[0] === TAG_UNDECODABLE) return { tag: 'undecodable', decodeAs: undefined, octets: part.subarray(1) };
  return { tag: 'malformed', decodeAs: undefined, octets: part };
}

/**
 * The text of a complete set of stored parts (from `storedPart`, in part order, as the cache's
 * storeMultipartPart returns them): consecutive parts with the same coding are concatenated as
 * octets and decoded once. Never throws; `error` reports the first failure.
 */
export function reassembleMultipart(parts: readonly Buffer[]): DecodedText {
  const runs: Run[] = [];
  for (const part of parts) {
    const { tag, decodeAs, octets } = runOf(part);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.tag === tag && joinsRuns(tag)) last.chunks.push(octets);
    else runs.push({ tag, decodeAs, chunks: [octets] });
  }
  let text = '';
  let error: DecodeFailure | undefined;
  for (const run of runs) {
    const octets = Buffer.concat(run.chunks);
    if (run.decodeAs === undefined) {
      text += octets.toString('latin1');
      error ??=
        run.tag === 'undecodable'
          ? { kind: 'unsupported_data_coding', message: 'data_coding override out of range (0–255)', raw: octets }
          : { kind: 'malformed_part', message: 'a stored part has no coding header', raw: octets };
      continue;
    }
    const decoded = decodeOctets(octets, run.decodeAs);
    text += decoded.text;
    if (decoded.error !== undefined) error ??= decoded.error;
  }
  return error === undefined ? { text } : { text, error };
}

/** The text of a single (not concatenated, or not reassembled) PDU's user data; never throws. */
export function decodeUserData(userData: UserData, options: ShortMessageOptions = {}): DecodedText {
  return reassembleMultipart([storedPart(userData, options)]);
}

// ---------------------------------------------------------------------------------------------
// Reassembly keys.

export interface MultipartKeyFields {
  readonly source_addr: string;
  readonly destination_addr: string;
  readonly reference: number;
  readonly total: number;
}

/**
 * The cache key of a concatenated message's parts: sender, recipient, reference and total
 * (field lessons §3.11; vumi2 used the reference and total only, so two senders' messages
 * merged). `scope` (e.g. the SMSC account) keeps two binds' sets apart when they share a
 * cache; parts of one message that arrive over different binds of the same account still
 * meet when given the same scope. Addresses are percent-encoded so `:` cannot make two keys
 * equal.
 */
export function multipartKey(fields: MultipartKeyFields, scope = ''): string {
  const esc = (s: string): string => s.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
  return `${esc(scope)}:${esc(fields.source_addr)}:${esc(fields.destination_addr)}:${fields.reference}:${fields.total}`;
}
