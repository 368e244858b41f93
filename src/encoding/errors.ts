/**
 * Errors raised by the encoding module.
 *
 * Everything thrown on bad input (text that a coding cannot carry, bytes that are not valid in
 * a coding, a data_coding we do not implement, a malformed UDH, a message needing too many
 * parts) is an `EncodingError`, so a caller handling an inbound PDU can catch one class and
 * answer the SMSC instead of crashing the way vumi2 does. Programming errors (a reference out
 * of range, a bad option) stay plain `RangeError`/`TypeError`.
 */

/** Formats a data_coding the way the SMPP tables list it: 0–15 in decimal, larger values in hex. */
export function formatDataCoding(dataCoding: number): string {
  return dataCoding >= 0 && dataCoding < 16
    ? String(dataCoding)
    : `0x${dataCoding.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** `U+1F600`, the notation Unicode charts and our error messages use. */
export function formatCodePoint(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

export class EncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A character that the chosen data_coding cannot represent. */
export class TextEncodingError extends EncodingError {
  /** The offending character; a whole surrogate pair for astral characters, a lone surrogate otherwise. */
  readonly character: string;
  readonly codePoint: number;
  /** Snake case on purpose: it is the name of the PDU field. */
  readonly data_coding: number;
  /** UTF-16 offset of the character in the text given to the encoder. */
  readonly index: number;

  constructor(character: string, index: number, dataCoding: number, codingLabel: string, detail?: string) {
    const codePoint = character.codePointAt(0) ?? 0;
    // JSON.stringify escapes controls and lone surrogates, so the message stays printable.
    super(
      `cannot encode ${JSON.stringify(character)} (${formatCodePoint(codePoint)}) in data_coding ` +
        `${formatDataCoding(dataCoding)} (${codingLabel})${detail === undefined ? '' : `: ${detail}`}`,
    );
    this.character = character;
    this.codePoint = codePoint;
    this.data_coding = dataCoding;
    this.index = index;
  }
}

/** Bytes that are not valid in the chosen data_coding. */
export class TextDecodingError extends EncodingError {
  /** Snake case on purpose: it is the name of the PDU field. */
  readonly data_coding: number;
  /** Offset of the first offending byte. */
  readonly offset: number;

  constructor(offset: number, dataCoding: number, codingLabel: string, reason: string) {
    super(`cannot decode data_coding ${formatDataCoding(dataCoding)} (${codingLabel}) at offset ${offset}: ${reason}`);
    this.data_coding = dataCoding;
    this.offset = offset;
  }
}

/** A data_coding value this module has no text mapping for (pictogram, KS C 5601, reserved values…). */
export class UnsupportedDataCodingError extends EncodingError {
  /** Snake case on purpose: it is the name of the PDU field. */
  readonly data_coding: number;

  constructor(dataCoding: number, reason?: string) {
    super(
      Number.isInteger(dataCoding) && dataCoding >= 0 && dataCoding <= 0xff
        ? `data_coding ${formatDataCoding(dataCoding)} is not supported${reason === undefined ? '' : ` (${reason})`}`
        : `data_coding ${String(dataCoding)} is not an octet value (0–255)`,
    );
    this.data_coding = dataCoding;
  }
}

/** A User Data Header whose lengths do not add up. */
export class UdhError extends EncodingError {
  /** Offset in the short_message where the problem was found. */
  readonly offset: number;

  constructor(offset: number, reason: string) {
    super(`malformed user data header at offset ${offset}: ${reason}`);
    this.offset = offset;
  }
}

/** Text that would need more parts than concatenation allows (255, or the caller's cap). */
export class MessageTooLongError extends EncodingError {
  readonly parts: number;
  readonly maxParts: number;

  constructor(parts: number, maxParts: number, dataCoding: number, codingLabel: string) {
    super(
      `message needs ${parts} parts in data_coding ${formatDataCoding(dataCoding)} (${codingLabel}); ` +
        `at most ${maxParts} allowed`,
    );
    this.parts = parts;
    this.maxParts = maxParts;
  }
}
