import { CommandStatus } from './command-status.js';
import { SmppFramingError } from './codec-error.js';
import { HEADER_LENGTH } from './decode.js';

/**
 * Large enough for a 64 KiB message_payload with every other field and TLV beside it
 * (reference §1.2); node-smpp uses 16 384, which rejects legal message_payload PDUs.
 */
export const DEFAULT_MAX_COMMAND_LENGTH = 70_000;

export interface FrameReaderOptions {
  /** The largest command_length accepted; a larger one is a framing error before any allocation. */
  maxCommandLength?: number;
}

/**
 * Cuts a TCP byte stream into PDU frames, however the stream was split or coalesced.
 *
 * A command_length outside [16, maxCommandLength] is rejected as soon as its four octets are
 * seen, before anything is buffered for it, so a hostile peer cannot make the reader allocate.
 * After such an error the stream's framing can no longer be trusted: the reader stays failed
 * and the session should nack, close and reconnect (reference §1.3). The error carries the
 * frames completed earlier in the same read, which are good and must still be handled; later
 * pushes throw the same error again, so a caller stops reading after the first.
 */
export class FrameReader {
  readonly maxCommandLength: number;
  /** The first octets of a command_length split across reads. */
  private readonly lengthBytes = Buffer.alloc(4);
  private lengthFill = 0;
  /** The frame being filled, allocated once at its exact size when its length is known. */
  private partial: Buffer | undefined;
  private partialFill = 0;
  private failure: SmppFramingError | undefined;

  constructor(options: FrameReaderOptions = {}) {
    const max = options.maxCommandLength ?? DEFAULT_MAX_COMMAND_LENGTH;
    if (!Number.isInteger(max) || max < HEADER_LENGTH || max > 0xffffffff) {
      throw new RangeError(`maxCommandLength must be an integer from ${HEADER_LENGTH} to 4294967295, got ${max}`);
    }
    this.maxCommandLength = max;
  }

  /** Octets held for an incomplete frame. */
  get buffered(): number {
    return this.partial ? this.partialFill : this.lengthFill;
  }

  /**
   * Feeds one read from the socket; returns the complete frames it finished, in order. A frame
   * wholly inside `chunk` is returned as a view of it, without copying. Throws SmppFramingError
   * (with the frames completed before the bad length) when a command_length is out of range.
   */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const frames: Buffer[] = [];
    let pos = 0;
    while (pos < data.length) {
      if (this.partial) {
        const n = Math.min(this.partial.length - this.partialFill, data.length - pos);
        data.copy(this.partial, this.partialFill, pos, pos + n);
        this.partialFill += n;
        pos += n;
        if (this.partialFill === this.partial.length) {
          frames.push(this.partial);
          this.partial = undefined;
          this.partialFill = 0;
        }
        continue;
      }
      if (this.lengthFill === 0 && data.length - pos >= 4) {
        const length = data.readUInt32BE(pos);
        this.check(length, data, pos, frames);
        if (data.length - pos >= length) {
          frames.push(data.subarray(pos, pos + length));
          pos += length;
        } else {
          this.partial = Buffer.allocUnsafe(length);
          this.partialFill = data.copy(this.partial, 0, pos);
          pos = data.length;
        }
        continue;
      }
      // Fewer than four octets of a command_length so far: collect them first.
      this.lengthBytes[this.lengthFill++] = data[pos++]!;
      if (this.lengthFill === 4) {
        const length = this.lengthBytes.readUInt32BE(0);
        this.lengthFill = 0;
        // pos - 4 is negative when the length began in an earlier read: no header to quote then.
        this.check(length, data, pos - 4, frames);
        this.partial = Buffer.allocUnsafe(length);
        this.lengthBytes.copy(this.partial, 0);
        this.partialFill = 4;
      }
    }
    return frames;
  }

  private check(length: number, data: Buffer, at: number, frames: Buffer[]): void {
    if (length >= HEADER_LENGTH && length <= this.maxCommandLength) return;
    // The sequence_number is answered to when it is already here; nothing is buffered to get it.
    const sequenceNumber = at >= 0 && data.length - at >= HEADER_LENGTH ? data.readUInt32BE(at + 12) : undefined;
    const commandId = at >= 0 && data.length - at >= 8 ? data.readUInt32BE(at + 4) : undefined;
    this.failure = new SmppFramingError(
      `command_length ${length} is outside the accepted range ${HEADER_LENGTH}–${this.maxCommandLength}`,
      { command_status: CommandStatus.ESME_RINVCMDLEN, sequence_number: sequenceNumber, command_id: commandId },
      frames,
    );
    throw this.failure;
  }
}
