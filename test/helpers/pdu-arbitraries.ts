/**
 * fast-check arbitraries for valid PDU objects of every SMPP 3.4 command, and the object the
 * decoder is expected to give back for one. Shared by the property, fuzz and interop suites.
 *
 * "Valid" means: every value fits its field as the encoder checks it (C-strings of 0x01–0xFF
 * characters within their C(n) size, times empty or 16 characters, short_message ≤ 254 octets,
 * integers in range, TLV values within their sizes), so `encodePdu` never throws for them.
 * TLVs are drawn from the whole 3.4 table whatever the command: the codec carries any TLV on any
 * PDU, and which ones are allowed where (reference §2.7) is the session's business, not its own.
 */
import fc from 'fast-check';
import { COMMANDS, COMMAND_NAMES, TLVS, TLV_NAMES } from '../../src/index.js';
import type { CommandName, DestAddress, Pdu, PduInput, TlvName, UnknownTlv, UnsuccessSme } from '../../src/index.js';

type Fields = Record<string, unknown>;
type BodyType = (typeof COMMANDS)[CommandName]['body'][number][1];
type TlvType = (typeof TLVS)[TlvName]['type'];

/**
 * Responses sent as the bare header when command_status ≠ 0 (reference §1.4). Written out here
 * rather than imported, so the round-trip expectation is the spec's and not the encoder's own.
 */
export const HEADER_ONLY_ON_ERROR: ReadonlySet<CommandName> = new Set<CommandName>([
  'bind_receiver_resp',
  'bind_transmitter_resp',
  'bind_transceiver_resp',
  'submit_sm_resp',
]);

const KNOWN_TAGS: ReadonlySet<number> = new Set(TLV_NAMES.map((name) => TLVS[name].tag));

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });

const toBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes);

/** Raw octets as a Buffer (the decoder always hands back Buffers). */
export function octets(maxLength: number, minLength = 0): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ minLength, maxLength }).map(toBuffer);
}

const char = (min: number, max: number): fc.Arbitrary<string> =>
  fc.integer({ min, max }).map((code) => String.fromCharCode(code));
const digit = char(0x30, 0x39);
const printable = char(0x20, 0x7e);
/** Any octet a C-Octet String can carry: everything but NUL, read back as latin1. */
const latin1 = char(0x01, 0xff);
const cstrUnit = fc.oneof({ weight: 3, arbitrary: digit }, { weight: 3, arbitrary: printable }, { weight: 1, arbitrary: latin1 });

/** A C-Octet String value for a C(max) field: at most max − 1 characters, no NUL. */
export function cstring(max: number): fc.Arbitrary<string> {
  return fc.string({ unit: cstrUnit, maxLength: max - 1 });
}

const two = (min: number, max: number): fc.Arbitrary<string> =>
  fc.integer({ min, max }).map((n) => String(n).padStart(2, '0'));

/** A CF17 time: empty, an absolute or relative time (reference §5.8), or any 16 characters. */
export const smppTime: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 2,
    arbitrary: fc
      .tuple(two(0, 99), two(1, 12), two(1, 28), two(0, 23), two(0, 59), two(0, 59), digit, two(0, 48), fc.constantFrom('+', '-'))
      .map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(two(0, 99), two(0, 11), two(0, 30), two(0, 23), two(0, 59), two(0, 59))
      .map((parts) => `${parts.join('')}000R`),
  },
  { weight: 1, arbitrary: fc.string({ unit: latin1, minLength: 16, maxLength: 16 }) },
);

export const destAddress: fc.Arbitrary<DestAddress> = fc.oneof(
  fc.record({
    dest_flag: fc.constant(1 as const),
    dest_addr_ton: u8,
    dest_addr_npi: u8,
    destination_addr: cstring(21),
  }),
  fc.record({ dest_flag: fc.constant(2 as const), dl_name: cstring(21) }),
);

export const unsuccessSme: fc.Arbitrary<UnsuccessSme> = fc.record({
  dest_addr_ton: u8,
  dest_addr_npi: u8,
  destination_addr: cstring(21),
  error_status_code: u32,
});

function fieldValue(type: BodyType): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'u8':
      return u8;
    case 'cstr':
      return cstring(type.max);
    case 'time':
      return smppTime;
    case 'short_message':
      return fc.oneof(octets(254), octets(160), fc.constant(Buffer.alloc(0)));
    case 'dest_addresses':
      return fc.array(destAddress, { maxLength: 6 });
    case 'unsuccess_smes':
      return fc.array(unsuccessSme, { maxLength: 6 });
  }
}

/** A value for a TLV of the 3.4 table, within its size. */
export function tlvValue(type: TlvType): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'u8':
      return u8;
    case 'u16':
      return u16;
    case 'u32':
      return u32;
    case 'cstr':
      return cstring(type.max);
    case 'octets':
      // message_payload may hold 64 KiB; a few hundred octets exercise the same code faster.
      return octets(Math.min(type.max, 600));
    case 'flag':
      return fc.constant(true as const);
  }
}

/** A TLV whose tag is not in the 3.4 table (vendor range mostly), kept raw by the decoder. */
export const unknownTlv: fc.Arbitrary<UnknownTlv> = fc.record({
  tag: fc.oneof(fc.integer({ min: 0x1400, max: 0x3fff }), u16).filter((tag) => !KNOWN_TAGS.has(tag)),
  value: octets(32),
});

const OMIT = Symbol('omit');

function bodyNames(command: CommandName): ReadonlySet<string> {
  return new Set((COMMANDS[command].body as readonly (readonly [string, BodyType])[]).map(([name]) => name));
}

/** Some TLVs (never one named like a mandatory field of the command: query_sm_resp has message_state). */
function tlvsFor(command: CommandName): fc.Arbitrary<Fields> {
  const body = bodyNames(command);
  const names = TLV_NAMES.filter((name) => !body.has(name));
  return fc
    .uniqueArray(fc.constantFrom(...names), { maxLength: 5 })
    .chain((chosen) => fc.tuple(...chosen.map((name) => tlvValue(TLVS[name].type))).map((values) => {
      const out: Fields = {};
      chosen.forEach((name, i) => {
        out[name] = values[i];
      });
      return out;
    }));
}

const cache = new Map<CommandName, fc.Arbitrary<PduInput>>();

/**
 * A valid PDU object of one command: header, the mandatory fields (now and then one left out, to
 * exercise the encoder's defaults), a few TLVs and sometimes unknown TLVs. command_status is
 * mostly 0; sometimes left out (defaults to 0) or any 32-bit value.
 */
export function pduOf(command: CommandName): fc.Arbitrary<PduInput> {
  const cached = cache.get(command);
  if (cached) return cached;
  const body = COMMANDS[command].body as readonly (readonly [string, BodyType])[];
  const bodyArb = fc.tuple(...body.map(([, type]) => fc.option(fieldValue(type), { freq: 10, nil: OMIT })));
  const status = fc.oneof(
    { weight: 6, arbitrary: fc.constant(0) },
    { weight: 1, arbitrary: fc.constant(OMIT) },
    { weight: 2, arbitrary: u32 },
  );
  const arb = fc
    .tuple(status, u32, bodyArb, tlvsFor(command), fc.option(fc.array(unknownTlv, { minLength: 1, maxLength: 3 }), { freq: 5, nil: OMIT }))
    .map(([command_status, sequence_number, values, tlvs, unknown]) => {
      const pdu: Fields = { command, sequence_number };
      if (command_status !== OMIT) pdu.command_status = command_status;
      body.forEach(([name], i) => {
        const value = values[i];
        if (value !== OMIT) pdu[name] = value;
      });
      Object.assign(pdu, tlvs);
      if (unknown !== OMIT) pdu.unknown_tlvs = unknown;
      return pdu as PduInput;
    });
  cache.set(command, arb);
  return arb;
}

/** A valid PDU of any command. */
export const anyPdu: fc.Arbitrary<PduInput> = fc.oneof(...COMMAND_NAMES.map((command) => pduOf(command)));

function defaultFor(type: BodyType): unknown {
  switch (type.kind) {
    case 'u8':
      return 0;
    case 'cstr':
    case 'time':
      return '';
    case 'short_message':
      return Buffer.alloc(0);
    case 'dest_addresses':
    case 'unsuccess_smes':
      return [];
  }
}

const asBuffer = (value: unknown): unknown => (value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value) : value);

/**
 * What `decodePdu(encodePdu(pdu))` must give for a valid `pdu`: command_status 0 when left out,
 * every mandatory field present (spec defaults for the ones left out), TLVs as given, and for a
 * header-only error response (reference §1.4) the body defaults and no TLVs at all.
 * `unknown_tlvs` must hold tags outside the 3.4 table (else they decode as the known TLV).
 */
export function expectedAfterRoundTrip(pdu: PduInput): Pdu {
  const src = pdu as Fields;
  const command = pdu.command;
  const status = pdu.command_status ?? 0;
  const headerOnly = status !== 0 && HEADER_ONLY_ON_ERROR.has(command);
  const out: Fields = { command, command_status: status, sequence_number: pdu.sequence_number };
  const body = COMMANDS[command].body as readonly (readonly [string, BodyType])[];
  const names = new Set<string>();
  for (const [name, type] of body) {
    names.add(name);
    const value = src[name];
    out[name] = headerOnly || value === undefined ? defaultFor(type) : asBuffer(value);
  }
  if (!headerOnly) {
    for (const key of Object.keys(src)) {
      const value = src[key];
      if (value === undefined || names.has(key) || !(key in TLVS)) continue;
      out[key] = asBuffer(value);
    }
    const unknown = pdu.unknown_tlvs;
    if (unknown !== undefined && unknown.length > 0) {
      out.unknown_tlvs = unknown.map((t) => ({ tag: t.tag, value: Buffer.from(t.value) }));
    }
  }
  return out as Pdu;
}
