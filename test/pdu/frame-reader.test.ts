import { beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus, DEFAULT_MAX_COMMAND_LENGTH, FrameReader, SmppFramingError, encodePdu } from '../../src/index.js';
import { pushError } from '../helpers/push-error.js';

beforeEach(() => {
  expect.hasAssertions();
});


const enquire = (seq: number) => encodePdu({ command: 'enquire_link', sequence_number: seq });

describe('FrameReader', () => {
  it('returns each of several coalesced PDUs as views of the chunk', () => {
    const a = enquire(1);
    const b = encodePdu({ command: 'submit_sm', sequence_number: 2, short_message: Buffer.from('hi') });
    const chunk = Buffer.concat([a, b]);
    const frames = new FrameReader().push(chunk);
    expect(frames).toEqual([a, b]);
    expect(frames[1]!.buffer).toBe(chunk.buffer);
  });

  it('joins a PDU split inside its command_length', () => {
    const pdu = enquire(7);
    const reader = new FrameReader();
    expect(reader.push(pdu.subarray(0, 2))).toEqual([]);
    expect(reader.buffered).toBe(2);
    expect(reader.push(pdu.subarray(2, 9))).toEqual([]);
    expect(reader.buffered).toBe(9);
    expect(reader.push(pdu.subarray(9))).toEqual([pdu]);
    expect(reader.buffered).toBe(0);
  });

  it('rejects a command_length below 16 with ESME_RINVCMDLEN and the sequence_number', () => {
    const bad = enquire(42);
    bad.writeUInt32BE(15, 0);
    const err = pushError(new FrameReader(), bad);
    expect(err.command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    expect(err.sequence_number).toBe(42);
  });

  it('rejects a huge command_length from its first four octets, before buffering anything', () => {
    const reader = new FrameReader();
    const before = process.memoryUsage().arrayBuffers;
    const err = pushError(reader, Buffer.from([0xff, 0xff, 0xff, 0xf0]));
    expect(err.command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    expect(err.sequence_number).toBeUndefined();
    expect(err.message).toContain('4294967280');
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  it('rejects a command_length split across reads as soon as its fourth octet arrives', () => {
    const reader = new FrameReader({ maxCommandLength: 1000 });
    expect(reader.push(Buffer.from([0x00, 0x00]))).toEqual([]);
    const err = pushError(reader, Buffer.from([0x03, 0xe9, 0, 0, 0, 0x04]));
    expect(err.command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    expect(reader.buffered).toBe(0);
  });

  it('accepts exactly maxCommandLength and rejects one more', () => {
    const payload = (n: number) =>
      encodePdu({ command: 'submit_sm', sequence_number: 1, message_payload: Buffer.alloc(n) });
    const fits = payload(100);
    const reader = new FrameReader({ maxCommandLength: fits.length });
    expect(reader.push(fits)).toHaveLength(1);
    pushError(new FrameReader({ maxCommandLength: fits.length }), payload(101));
  });

  it('by default takes a 64 KiB message_payload, which node-smpp’s 16 384 cap refuses', () => {
    const big = encodePdu({ command: 'deliver_sm', sequence_number: 1, message_payload: Buffer.alloc(65535) });
    expect(big.length).toBeLessThanOrEqual(DEFAULT_MAX_COMMAND_LENGTH);
    expect(new FrameReader().push(big)).toEqual([big]);
  });

  it('hands over the good frames completed before a bad length in the same read', () => {
    const good = enquire(1);
    const err = pushError(new FrameReader(), Buffer.concat([good, Buffer.from([0xff, 0xff, 0xff, 0xf0])]));
    expect(err).toBeInstanceOf(SmppFramingError);
    expect((err as SmppFramingError).frames).toEqual([good]);
  });

  it('stays failed after a framing error, because the stream can no longer be trusted', () => {
    const reader = new FrameReader();
    const bad = enquire(1);
    bad.writeUInt32BE(3, 0);
    const first = pushError(reader, bad);
    expect(pushError(reader, enquire(2))).toBe(first);
  });

  it('refuses a maxCommandLength below the header size', () => {
    expect(() => new FrameReader({ maxCommandLength: 8 })).toThrow(RangeError);
  });

  it('returns frames that survive later pushes unchanged', () => {
    const reader = new FrameReader();
    const pdu = encodePdu({ command: 'submit_sm', sequence_number: 5, short_message: Buffer.from('abc') });
    reader.push(pdu.subarray(0, 10));
    const [frame] = reader.push(pdu.subarray(10));
    reader.push(enquire(6).subarray(0, 10));
    expect(frame).toEqual(pdu);
  });
});
