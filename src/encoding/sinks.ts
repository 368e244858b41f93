/**
 * Growable output buffers for the encoders and decoders (internal, not re-exported).
 *
 * The encoders cannot know the output size up front (escape pairs, replacements, ISO-2022-JP
 * mode switches), and building through arrays of numbers or repeated Buffer.concat costs far
 * more than a typed array that doubles when full.
 */

export class ByteSink {
  private bytes: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(Math.max(capacity, 16));
  }

  push(byte: number): void {
    if (this.length === this.bytes.length) this.grow(1);
    this.bytes[this.length++] = byte;
  }

  pushAll(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.bytes.length) this.grow(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  /** A Buffer view of what was written (shares memory; the sink must not be used afterwards). */
  toBuffer(): Buffer {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length);
  }

  private grow(extra: number): void {
    const next = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }
}

/** Typed arrays use the platform byte order; Node's UTF-16LE decoder is only a shortcut on little-endian hosts. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Units per flush: bounds memory, and the argument count of the String.fromCharCode fallback. */
const CHUNK = 8192;

export class StringSink {
  private units: Uint16Array;
  private length = 0;
  private done = '';

  constructor(capacity: number) {
    this.units = new Uint16Array(Math.min(Math.max(capacity, 16), CHUNK));
  }

  push(codeUnit: number): void {
    if (this.length === this.units.length) this.grow();
    this.units[this.length++] = codeUnit;
  }

  pushString(text: string): void {
    for (let i = 0; i < text.length; i++) this.push(text.charCodeAt(i));
  }

  toString(): string {
    this.flush();
    return this.done;
  }

  private grow(): void {
    if (this.units.length >= CHUNK) {
      this.flush();
      return;
    }
    const next = new Uint16Array(Math.min(this.units.length * 2, CHUNK));
    next.set(this.units);
    this.units = next;
  }

  private flush(): void {
    if (this.length === 0) return;
    const filled = this.units.subarray(0, this.length);
    this.done += LITTLE_ENDIAN
      ? Buffer.from(filled.buffer, filled.byteOffset, filled.byteLength).toString('utf16le')
      : String.fromCharCode(...filled);
    this.length = 0;
  }
}
