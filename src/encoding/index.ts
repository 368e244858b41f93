/**
 * Public API of the encoding module: data_coding ⇄ text, GSM 03.38, splitting, UDH and SAR.
 * Internal helpers (output sinks, per-charset encoders) are deliberately not re-exported.
 */

export {
  EncodingError,
  MessageTooLongError,
  TextDecodingError,
  TextEncodingError,
  UdhError,
  UnsupportedDataCodingError,
} from './errors.js';
export { DataCoding, dataCodingInfo, isSupportedDataCoding } from './data-coding.js';
export type { Alphabet, DataCodingInfo, LengthUnit } from './data-coding.js';
export { decodeText, encodeText } from './charsets.js';
export type { DecodeOptions, EncodeOptions } from './charsets.js';
export { decodeGsm, encodeGsm, gsmSeptetCount, isGsmEncodable } from './gsm0338.js';
export type { GsmDecodeOptions, GsmEncodeOptions } from './gsm0338.js';
export { packSeptets, udhFillBits, unpackSeptets } from './septet-packing.js';
export type { UnpackOptions } from './septet-packing.js';
export { MAX_PARTS, splitLimits, splitText } from './split.js';
export type { ConcatMethod, SplitLimits, SplitOptions, SplitResult } from './split.js';
export { Iei, buildConcatUdh, buildUdh, concatElement, parseUdh, portsElement, withConcatUdh } from './udh.js';
export type { ConcatFields, ConcatInfo, ParsedUdh, PortFields, PortInfo, UdhElement } from './udh.js';
export { concatFromSar, sarParameters } from './sar.js';
export type { SarParameters } from './sar.js';
export { decodeShortMessage } from './user-data.js';
export type { DecodedShortMessage, ShortMessageOptions } from './user-data.js';
