/**
 * Fuzzing the PDU codec and the frame reader with hostile input.
 *
 * Properties checked on every frame:
 *   1. `decodePdu` returns or throws `SmppCodecError` — never any other exception, never hangs.
 *   2. When it returns, the object re-encodes, unless it holds a value the decoder accepts
 *      leniently but the encoder refuses to send (an over-long C-string, a time that is neither
 *      empty nor 16 characters, a 255-octet short_message, 255 destinations, an over-long TLV):
 *      the encoder must refuse exactly those (checked by an independent `strictProblem`).
 *   3. When it re-encodes, decoding that gives the same object, and encoding that gives the same
 *      bytes again (the re-encoding is a fixpoint). One legitimate exception: a bind_*_resp or
 *      submit_sm_resp with command_status ≠ 0 that arrived with a body (some SMSCs send one,
 *      reference §1.4) is re-encoded header-only as the spec says, so it comes back with the
 *      body at its defaults and no TLVs — `expectedAfterRoundTrip` models exactly that.
 * And on byte streams cut into random chunks, `FrameReader` yields exactly the frames a
 * reference splitter finds, fails with SmppCodecError exactly where the splitter finds a bad
 * command_length (and stays failed), and never buffers more than maxCommandLength.
 *
 * Deterministic: a seeded PRNG drives the bulk mutation corpus and fast-check runs with a fixed
 * seed. Set FUZZ_SEED to explore other seeds; a failure prints its frame as hex.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  COMMANDS,
  COMMAND_NAMES,
  CommandStatus,
  DEFAULT_MAX_COMMAND_LENGTH,
  FrameReader,
  SmppCodecError,
  TLVS,
  TLV_NAMES,
  decodePdu,
  encodePdu,
} from '../../src/index.js';
import type { CommandName, Pdu, PduInput } from '../../src/index.js';
import { HEADER_ONLY_ON_ERROR, anyPdu, expectedAfterRoundTrip, pduOf } from '../helpers/pdu-arbitraries.js';
import { pushError } from '../helpers/push-error.js';

beforeEach(() => {
  expect.hasAssertions();
});

afterEach(() => {
  vi.restoreAllMocks();
});

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed5);

/** mulberry32: small, fast, seedable. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n); // 0 … n-1
  return {
    int,
    chance: (p: number): boolean => next() < p,
    pick: <T>(list: readonly T[]): T => list[int(list.length)]!,
    u32: (): number => int(0x100000000),
    bytes: (n: number): Buffer => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = int(256);
      return b;
    },
  };
}
type Rng = ReturnType<typeof prng>;

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// ---------------------------------------------------------------------------------------------
// The independent oracle for what the encoder must refuse.
// ---------------------------------------------------------------------------------------------

type BodyType = (typeof COMMANDS)[CommandName]['body'][number][1];
const INT_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;

/** Why the encoder must refuse this decoded PDU, or undefined if every value is within limits. */
function strictProblem(pdu: Pdu): string | undefined {
  // A header-only error response is sent without its body and TLVs, whatever they hold.
  if (pdu.command_status !== 0 && HEADER_ONLY_ON_ERROR.has(pdu.command)) return undefined;
  const fields = pdu as Record<string, unknown>;
  const cstrTooLong = (value: string, max: number): boolean => value.length > max - 1;
  for (const [name, type] of COMMANDS[pdu.command].body as readonly (readonly [string, BodyType])[]) {
    const value = fields[name];
    switch (type.kind) {
      case 'u8':
        break;
      case 'cstr':
        if (cstrTooLong(value as string, type.max)) return `${name} longer than C(${type.max})`;
        break;
      case 'time': {
        const s = value as string;
        if (s.length !== 0 && s.length !== 16) return `${name} is ${s.length} characters`;
        break;
      }
      case 'short_message':
        if ((value as Buffer).length > 254) return 'short_message over 254 octets';
        break;
      case 'dest_addresses': {
        const list = value as { dest_flag: number; destination_addr?: string; dl_name?: string }[];
        if (list.length > 254) return 'over 254 dest_address';
        for (const d of list) if (cstrTooLong(d.destination_addr ?? d.dl_name ?? '', 21)) return 'dest_address string longer than C(21)';
        break;
      }
      case 'unsuccess_smes': {
        const list = value as { destination_addr: string }[];
        if (list.length > 254) return 'over 254 unsuccess_sme';
        for (const u of list) if (cstrTooLong(u.destination_addr, 21)) return 'unsuccess_sme destination_addr longer than C(21)';
        break;
      }
    }
  }
  for (const name of TLV_NAMES) {
    const value = fields[name];
    if (value === undefined) continue;
    const type = TLVS[name].type;
    switch (type.kind) {
      case 'u8':
      case 'u16':
      case 'u32': {
        const n = value as number;
        if (n > INT_MAX[type.kind]) return `${name} ${n} does not fit ${type.kind}`;
        break;
      }
      case 'cstr':
        if (cstrTooLong(value as string, type.max)) return `${name} longer than C(${type.max})`;
        break;
      case 'octets':
        if ((value as Buffer).length > type.max) return `${name} over ${type.max} octets`;
        break;
      case 'flag':
        break;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The checks.
// ---------------------------------------------------------------------------------------------

interface Failure {
  problem: string;
  frame: string;
  detail?: string;
}

class Checker {
  readonly failures: Failure[] = [];
  frames = 0;
  accepted = 0;
  refusedOnReencode = new Map<string, number>();
  /** Error responses whose body was dropped on re-encoding (the §1.4 exception). */
  bodyDropped = 0;
  rejectedBy = new Map<string, number>();

  private fail(problem: string, frame: Uint8Array, detail?: unknown): void {
    if (this.failures.length < 25) {
      const text =
        detail instanceof Error ? `${detail.name}: ${detail.message}` : typeof detail === 'string' ? detail : undefined;
      this.failures.push(text === undefined ? { problem, frame: hexOf(frame) } : { problem, frame: hexOf(frame), detail: text });
    }
  }

  /** Properties 1–3 for one frame. */
  frame(frame: Uint8Array): void {
    this.frames++;
    let decoded: Pdu;
    try {
      decoded = decodePdu(frame);
    } catch (e) {
      if (!(e instanceof SmppCodecError)) return this.fail('decodePdu threw something other than SmppCodecError', frame, e);
      const key = String(e.command_status);
      this.rejectedBy.set(key, (this.rejectedBy.get(key) ?? 0) + 1);
      return;
    }
    this.accepted++;
    const problem = strictProblem(decoded);
    let bytes: Buffer;
    try {
      bytes = encodePdu(decoded);
    } catch (e) {
      if (!(e instanceof SmppCodecError)) return this.fail('encodePdu threw something other than SmppCodecError', frame, e);
      if (problem === undefined) return this.fail('encodePdu refused a decoded PDU whose values are all within limits', frame, e);
      const key = problem.replace(/\d+/g, 'n');
      this.refusedOnReencode.set(key, (this.refusedOnReencode.get(key) ?? 0) + 1);
      return;
    }
    if (problem !== undefined) return this.fail(`encodePdu accepted an out-of-limits value (${problem})`, frame);
    let again: Pdu;
    try {
      again = decodePdu(bytes);
    } catch (e) {
      return this.fail('decodePdu refused our own re-encoding', frame, e);
    }
    const expected = expectedAfterRoundTrip(decoded);
    if (!isDeepStrictEqual(again, expected)) {
      return this.fail('decode(encode(decoded)) differs from decoded', frame, `re-encoded ${hexOf(bytes)}`);
    }
    if (!isDeepStrictEqual(expected, decoded)) this.bodyDropped++;
    const third = encodePdu(again);
    if (!third.equals(bytes)) this.fail('the re-encoding is not a fixpoint', frame, `${hexOf(bytes)} vs ${hexOf(third)}`);
  }

  summary(): string {
    return JSON.stringify({
      frames: this.frames,
      accepted: this.accepted,
      bodyDropped: this.bodyDropped,
      rejectedBy: Object.fromEntries(this.rejectedBy),
      refusedOnReencode: Object.fromEntries(this.refusedOnReencode),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The corpus: valid PDUs of every command, and mutations of them.
// ---------------------------------------------------------------------------------------------

interface Seed {
  bytes: Buffer;
  /** Where the mandatory body ends and the TLV area starts. */
  bodyEnd: number;
}

function seedOf(pdu: PduInput): Seed {
  const bytes = encodePdu(pdu);
  const bare: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(pdu)) if (!(key in TLVS) && key !== 'unknown_tlvs') bare[key] = value;
  // Body fields sharing a TLV's name (query_sm_resp's message_state) must stay.
  for (const [name] of COMMANDS[pdu.command].body) if (name in pdu) bare[name] = (pdu as Record<string, unknown>)[name];
  return { bytes, bodyEnd: encodePdu(bare as PduInput).length };
}

function buildSeeds(): Seed[] {
  const pdus: PduInput[] = [];
  for (const command of COMMAND_NAMES) pdus.push(...fc.sample(pduOf(command), { seed: SEED, numRuns: 12 }));
  pdus.push(...fc.sample(anyPdu, { seed: SEED + 1, numRuns: 300 }));
  return pdus.map(seedOf);
}

const KNOWN_IDS = COMMAND_NAMES.map((c) => COMMANDS[c].id);
const KNOWN_TAGS = TLV_NAMES.map((n) => TLVS[n].tag);
const INTERESTING = [0x00, 0x01, 0x02, 0x10, 0x7f, 0x80, 0xfe, 0xff];

const withLength = (b: Buffer): Buffer => {
  if (b.length >= 4) b.writeUInt32BE(b.length, 0);
  return b;
};

/** A TLV area of random, plausible and implausible TLVs. */
function randomTlvArea(rng: Rng): Buffer {
  const parts: Buffer[] = [];
  const count = rng.int(6);
  for (let i = 0; i < count; i++) {
    const tag = rng.chance(0.7) ? rng.pick(KNOWN_TAGS) : rng.chance(0.5) ? 0x1400 + rng.int(0x2c00) : rng.int(0x10000);
    const length = rng.pick([0, 1, 2, 3, 4, rng.int(24), rng.int(300)]);
    const head = Buffer.alloc(4);
    head.writeUInt16BE(tag, 0);
    // Now and then the Length claims more than follows.
    const value = rng.bytes(rng.chance(0.9) ? length : rng.int(length + 1));
    if (rng.chance(0.3)) for (let j = 0; j < value.length; j++) if (rng.chance(0.2)) value[j] = 0;
    head.writeUInt16BE(rng.chance(0.95) ? length : rng.int(0x10000), 2);
    parts.push(head, value);
  }
  if (rng.chance(0.1)) parts.push(rng.bytes(1 + rng.int(3))); // stray octets
  return Buffer.concat(parts);
}

/** One mutated frame from a seed. */
function mutate(rng: Rng, seed: Seed, seeds: readonly Seed[]): Buffer {
  const src = seed.bytes;
  let out: Buffer;
  let fixLength = rng.chance(0.75);
  switch (rng.int(10)) {
    case 0: {
      // Bit flips anywhere, a few of them.
      out = Buffer.from(src);
      for (let n = out.length === 0 ? 0 : 1 + rng.int(8); n > 0; n--) {
        const at = rng.int(out.length);
        out[at] = out[at]! ^ (1 << rng.int(8));
      }
      break;
    }
    case 1: {
      // Bytes set to boundary values (counts, lengths, flags are single octets).
      out = Buffer.from(src);
      for (let n = 1 + rng.int(4); n > 0; n--) {
        out[out.length > 16 ? 16 + rng.int(out.length - 16) : rng.int(16)] = rng.pick(INTERESTING);
      }
      break;
    }
    case 2:
      // Truncation.
      out = Buffer.from(src.subarray(0, rng.int(src.length)));
      break;
    case 3:
      // Extension with random octets.
      out = Buffer.concat([src, rng.bytes(1 + rng.int(64))]);
      break;
    case 4: {
      // A random command_length, near the truth or anywhere.
      out = Buffer.from(src);
      if (out.length < 4) break;
      const length = rng.chance(0.5) ? Math.max(0, src.length + rng.int(33) - 16) : rng.u32();
      out.writeUInt32BE(length, 0);
      fixLength = false;
      break;
    }
    case 5: {
      // Another command_id: the body is then read as some other command's, or is unknown.
      out = Buffer.from(src);
      if (out.length >= 8) out.writeUInt32BE(rng.chance(0.8) ? rng.pick(KNOWN_IDS) : rng.u32(), 4);
      break;
    }
    case 6:
      // The mandatory body kept, the TLV area replaced with random TLVs.
      out = Buffer.concat([src.subarray(0, seed.bodyEnd), randomTlvArea(rng)]);
      fixLength = true;
      break;
    case 7: {
      // A header of one PDU on the body of another.
      const other = rng.pick(seeds).bytes;
      out = Buffer.concat([src.subarray(0, 16), other.subarray(16)]);
      break;
    }
    case 8: {
      // Random octets overwriting a random window of the body.
      out = Buffer.from(src);
      if (out.length > 16) {
        const at = 16 + rng.int(out.length - 16);
        rng.bytes(Math.min(out.length - at, 1 + rng.int(8))).copy(out, at);
      }
      break;
    }
    default: {
      // A stack of the above.
      out = mutate(rng, { bytes: mutate(rng, seed, seeds), bodyEnd: seed.bodyEnd }, seeds);
      break;
    }
  }
  return fixLength ? withLength(out) : out;
}

/** Fully random octets: sometimes a bare random buffer, sometimes behind a plausible header. */
function randomFrame(rng: Rng): Buffer {
  const length = rng.chance(0.1) ? rng.int(16) : 16 + rng.int(rng.chance(0.9) ? 200 : 2000);
  const out = rng.bytes(length);
  if (length >= 16 && rng.chance(0.7)) {
    out.writeUInt32BE(length, 0);
    if (rng.chance(0.8)) out.writeUInt32BE(rng.pick(KNOWN_IDS), 4);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// FrameReader against a reference splitter.
// ---------------------------------------------------------------------------------------------

interface Split {
  frames: Buffer[];
  /** Offset of the command_length that must be rejected, if any. */
  badAt?: number;
  /** Octets left over (an incomplete frame) when there is no error. */
  rest: number;
}

function referenceSplit(stream: Buffer, max: number): Split {
  const frames: Buffer[] = [];
  let pos = 0;
  while (stream.length - pos >= 4) {
    const length = stream.readUInt32BE(pos);
    if (length < 16 || length > max) return { frames, badAt: pos, rest: 0 };
    if (stream.length - pos < length) break;
    frames.push(stream.subarray(pos, pos + length));
    pos += length;
  }
  return { frames, rest: stream.length - pos };
}

function chopAndRead(rng: Rng, stream: Buffer, max: number | undefined, check: Checker, problems: string[]): void {
  const reader = max === undefined ? new FrameReader() : new FrameReader({ maxCommandLength: max });
  const limit = reader.maxCommandLength;
  const expected = referenceSplit(stream, limit);
  const got: Buffer[] = [];
  let failedAt: number | undefined;
  let pos = 0;
  while (pos < stream.length) {
    const size = rng.pick([1, 1 + rng.int(4), 1 + rng.int(40), 1 + rng.int(400), stream.length]);
    const end = Math.min(stream.length, pos + size);
    try {
      got.push(...reader.push(stream.subarray(pos, end)));
    } catch (e) {
      if (!(e instanceof SmppCodecError)) {
        problems.push(`FrameReader threw ${String(e)} on stream ${hexOf(stream)}`);
        return;
      }
      if (e.command_status !== CommandStatus.ESME_RINVCMDLEN) problems.push(`FrameReader failed with status ${e.command_status}`);
      // The frames finished before the error come on the error itself.
      const carried = (e as { frames?: unknown }).frames;
      if (Array.isArray(carried)) got.push(...(carried as Buffer[]));
      failedAt = pos;
      // Once failed, it stays failed.
      let again: unknown;
      try {
        reader.push(Buffer.from([0, 0, 0, 16]));
      } catch (e2) {
        again = e2;
      }
      if (again !== e) problems.push('FrameReader did not stay failed after a framing error');
      pos = end;
      break;
    }
    if (reader.buffered > limit) problems.push(`FrameReader buffered ${reader.buffered} > ${limit}`);
    pos = end;
  }
  for (const frame of got) check.frame(frame);
  const prefix = got.length <= expected.frames.length && got.every((f, i) => f.equals(expected.frames[i]!));
  // Every frame the reference finds must come out, those completed in the push that hit the bad
  // command_length included (they travel on the error as `frames`).
  if (!prefix || got.length !== expected.frames.length) problems.push(`FrameReader frames differ from the reference split of ${hexOf(stream)}`);
  if (expected.badAt === undefined) {
    if (failedAt !== undefined) problems.push(`FrameReader failed on a stream with no bad command_length: ${hexOf(stream)}`);
    else if (reader.buffered !== expected.rest) problems.push(`FrameReader holds ${reader.buffered} octets, expected ${expected.rest}`);
  } else if (failedAt === undefined) {
    problems.push(`FrameReader accepted the bad command_length at ${expected.badAt} of ${hexOf(stream)}`);
  } else if (failedAt > expected.badAt + 3 || pos < expected.badAt + 4) {
    // It must fail on the push that completes the four octets of the bad command_length.
    problems.push(`FrameReader failed on the chunk at ${failedAt}, the bad length is at ${expected.badAt}`);
  }
}

// ---------------------------------------------------------------------------------------------

describe('fuzz: decodePdu, re-encoding and FrameReader on hostile input', () => {
  const seeds = buildSeeds();

  it('the seed corpus holds valid PDUs of every command', () => {
    const commands = new Set(seeds.map((s) => decodePdu(s.bytes).command));
    expect(commands).toEqual(new Set(COMMAND_NAMES));
  });

  it('≥ 100 000 mutated and random frames: only SmppCodecError, and decoded PDUs round-trip', () => {
    const rng = prng(SEED);
    const check = new Checker();
    const rssBefore = process.memoryUsage().rss;
    for (const seed of seeds) check.frame(seed.bytes);
    for (let i = 0; i < 150_000; i++) check.frame(mutate(rng, rng.pick(seeds), seeds));
    for (let i = 0; i < 20_000; i++) check.frame(randomFrame(rng));
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    if (process.env.FUZZ_VERBOSE) console.log(check.summary());
    expect(check.failures, `seed ${SEED}: ${check.summary()}`).toEqual([]);
    expect(check.frames).toBeGreaterThanOrEqual(100_000);
    // The corpus must reach past the header checks, and also be refused in many ways.
    expect(check.accepted).toBeGreaterThan(10_000);
    expect(check.rejectedBy.size).toBeGreaterThanOrEqual(5);
    expect(rssGrowth).toBeLessThan(256 * 1024 * 1024);
  });

  it('FrameReader on randomly chopped streams of valid and mutated frames matches a reference splitter', () => {
    const rng = prng(SEED ^ 0xf4a3e);
    const check = new Checker();
    const problems: string[] = [];
    for (let i = 0; i < 8_000; i++) {
      const parts: Buffer[] = [];
      for (let n = 1 + rng.int(6); n > 0; n--) {
        const seed = rng.pick(seeds);
        parts.push(rng.chance(0.7) ? seed.bytes : rng.chance(0.8) ? mutate(rng, seed, seeds) : randomFrame(rng));
      }
      if (rng.chance(0.2)) parts.push(rng.bytes(rng.int(20)));
      const max = rng.pick([undefined, 16, 64, 200, 1000, 70_000]);
      chopAndRead(rng, Buffer.concat(parts), max, check, problems);
      if (problems.length > 10) break;
    }
    expect(problems).toEqual([]);
    expect(check.failures, `seed ${SEED}: ${check.summary()}`).toEqual([]);
    expect(check.frames).toBeGreaterThan(10_000);
  });

  it('fast-check: any valid PDU with bit flips, truncation or a random TLV area (seeded, shrinking)', () => {
    let runs = 0;
    fc.assert(
      fc.property(
        anyPdu,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { maxLength: 6 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 80 }),
        fc.boolean(),
        (pdu, flips, cut, tlvArea, fixLength) => {
          runs++;
          const check = new Checker();
          const seed = seedOf(pdu);
          const flipped = Buffer.from(seed.bytes);
          for (const [at, bit] of flips) flipped[at % flipped.length] = flipped[at % flipped.length]! ^ (1 << bit);
          const truncated = Buffer.from(seed.bytes.subarray(0, cut % (seed.bytes.length + 1)));
          const retailed = Buffer.concat([seed.bytes.subarray(0, seed.bodyEnd), tlvArea]);
          for (const frame of [flipped, truncated, retailed]) check.frame(fixLength ? withLength(frame) : frame);
          expect(check.failures).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: 5_000 },
    );
    expect(runs).toBeGreaterThanOrEqual(5_000);
  });
});

describe('fuzz: FrameReader memory bounds', () => {
  it('rejects command_length 0xFFFFFFF0 as soon as its 4 octets arrive, before allocating', () => {
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    const allocSlow = vi.spyOn(Buffer, 'allocUnsafeSlow');
    const alloc0 = vi.spyOn(Buffer, 'alloc');
    const reader = new FrameReader();
    const err = pushError(reader, Buffer.from('fffffff0', 'hex'));
    expect(err.command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    expect(reader.buffered).toBeLessThanOrEqual(4);
    const sizes = [...alloc.mock.calls, ...allocSlow.mock.calls, ...alloc0.mock.calls].map(([size]) => size);
    expect(sizes.filter((size) => size > DEFAULT_MAX_COMMAND_LENGTH)).toEqual([]);
    // And it stays failed: nothing more is read from this stream.
    expect(pushError(reader, Buffer.from('00000010', 'hex'))).toBe(err);
  });

  it('rejects it octet by octet too, on the fourth', () => {
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    const reader = new FrameReader();
    expect(reader.push(Buffer.from([0xff]))).toEqual([]);
    expect(reader.push(Buffer.from([0xff]))).toEqual([]);
    expect(reader.push(Buffer.from([0xff]))).toEqual([]);
    expect(pushError(reader, Buffer.from([0xf0])).command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    expect(alloc.mock.calls.map(([size]) => size).filter((size) => size > 16)).toEqual([]);
  });

  it('rejects it with the rest of a header in the same chunk, reporting the sequence_number', () => {
    const reader = new FrameReader();
    const err = pushError(reader, Buffer.from('fffffff0 00000004 00000000 0000002a'.replace(/ /g, ''), 'hex'));
    expect(err.command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    expect(err.sequence_number).toBe(42);
  });

  it.each([0, 1, 15, 1001, 0x7fffffff, 0xffffffff])('rejects command_length %i with maxCommandLength 1000', (length) => {
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    const head = Buffer.alloc(4);
    head.writeUInt32BE(length, 0);
    expect(pushError(new FrameReader({ maxCommandLength: 1000 }), head).command_status).toBe(CommandStatus.ESME_RINVCMDLEN);
    expect(alloc.mock.calls.map(([size]) => size).filter((size) => size > 16)).toEqual([]);
  });

  it('accepts command_length = maxCommandLength, allocating exactly that once', () => {
    const reader = new FrameReader({ maxCommandLength: 1000 });
    const frame = encodePdu({ command: 'data_sm', sequence_number: 1, message_payload: Buffer.alloc(1000 - 16 - 10 - 4, 0x41) });
    expect(frame.length).toBe(1000);
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    for (let at = 0; at < frame.length; at += 100) {
      const out = reader.push(frame.subarray(at, at + 100));
      expect(reader.buffered).toBeLessThanOrEqual(1000);
      if (at + 100 >= frame.length) expect(out).toEqual([frame]);
    }
    expect(alloc.mock.calls.map(([size]) => size)).toEqual([1000]);
  });

  it('decodePdu refuses a buffer whose command_length claims 0xFFFFFFF0', () => {
    const frame = Buffer.from('fffffff0 00000015 00000000 00000001'.replace(/ /g, ''), 'hex');
    expect(() => decodePdu(frame)).toThrow(SmppCodecError);
  });
});

describe('found by fuzzing', () => {
  // Regression: `push` used to throw on a bad command_length and lose the frames it had already
  // completed from the same chunk. TCP coalesces reads, so a good submit_sm_resp followed by
  // garbage was dropped: the submit looked unanswered and might have been sent twice. The good
  // frames now travel on the SmppFramingError as `frames`.
  // Minimal input, one push: 00000019 80000004 00000000 00000002 3041314232433344 00 | fffffff0
  it('a bad command_length does not drop the valid frames before it in the same read', () => {
    const good = Buffer.from('00000019800000040000000000000002304131423243334400', 'hex');
    const reader = new FrameReader();
    const got: Buffer[] = [];
    let failure: unknown;
    try {
      got.push(...reader.push(Buffer.concat([good, Buffer.from('fffffff0', 'hex')])));
    } catch (e) {
      failure = e;
      const carried = (e as { frames?: unknown }).frames;
      if (Array.isArray(carried)) got.push(...(carried as Buffer[]));
    }
    if (failure === undefined) {
      try {
        reader.push(Buffer.alloc(0));
      } catch (e) {
        failure = e;
      }
    }
    expect(failure).toBeInstanceOf(SmppCodecError);
    expect(got.map((f) => f.toString('hex'))).toEqual([good.toString('hex')]);
  });
});
