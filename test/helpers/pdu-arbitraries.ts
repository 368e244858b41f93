import fc from 'fast-check';
import { BODYLESS_ON_ERROR, COMMANDS, COMMAND_NAMES } from '../../src/pdu/commands.js';
import type { CommandName } from '../../src/pdu/commands.js';
import type { FieldSpec } from '../../src/pdu/fields.js';
import { TLVS, TLV_NAMES } from '../../src/pdu/tlvs.js';
import type { TlvKind } from '../../src/pdu/tlvs.js';
import type { Pdu } from '../../src/pdu/types.js';

/**
 * fast-check arbitraries for whole PDUs of every command, driven by the codec's own command and
 * TLV tables so that a command added there is covered here without another edit. The round
 * trip they feed proves the encoder and decoder agree; the byte vectors and the node-smpp
 * interop tests are what prove both agree with the spec.
 */

/** Characters a C-Octet String can carry: any single octet but NUL. */
const cstrChar = fc.integer({ min: 1, max: 0xff }).map((c) => String.fromCharCode(c));
const cstring = (maxLength: number) => fc.string({ unit: cstrChar, maxLength });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => Buffer.from(a));
const timeString = fc.oneof(
  fc.constant(''),
  fc.tuple(fc.stringMatching(/^\d{15}$/), fc.constantFrom('+', '-', 'R')).map(([digits, p]) => digits + p),
);

function fieldArbitrary(type: FieldSpec[1]): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'cstr':
      return cstring(type.max - 1);
    case 'time':
      return timeString;
    case 'short_message':
      return bytes(254);
    case 'dest_addresses':
      return fc.array(
        fc.oneof(
          fc.record({
            dest_flag: fc.constant(1 as const),
            dest_addr_ton: fc.integer({ min: 0, max: 0xff }),
            dest_addr_npi: fc.integer({ min: 0, max: 0xff }),
            destination_addr: cstring(20),
          }),
          fc.record({ dest_flag: fc.constant(2 as const), dl_name: cstring(20) }),
        ),
        { maxLength: 6 },
      );
    case 'unsuccess_smes':
      return fc.array(
        fc.record({
          dest_addr_ton: fc.integer({ min: 0, max: 0xff }),
          dest_addr_npi: fc.integer({ min: 0, max: 0xff }),
          destination_addr: cstring(20),
          error_status_code: fc.integer({ min: 0, max: 0xffffffff }),
        }),
        { maxLength: 6 },
      );
  }
}

function tlvArbitrary(type: TlvKind): fc.Arbitrary<unknown> {
  switch (type.kind) {
    case 'u8':
      return fc.integer({ min: 0, max: 0xff });
    case 'u16':
      return fc.integer({ min: 0, max: 0xffff });
    case 'u32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'cstr':
      return cstring(type.max - 1);
    case 'octets':
      // message_payload may hold 64 KiB; a few hundred octets exercise the same code faster.
      return bytes(Math.min(type.max, 300));
    case 'flag':
      return fc.constant(true);
  }
}

const knownTags = new Set<number>(TLV_NAMES.map((n) => TLVS[n].tag));
const unknownTlv = fc.record({
  tag: fc.integer({ min: 0, max: 0xffff }).filter((t) => !knownTags.has(t)),
  value: bytes(40),
});

/** TLVs for a command; a TLV named like one of its mandatory fields (message_state) is left out. */
function tlvsFor(body: readonly FieldSpec[]) {
  const mandatory = new Set(body.map(([name]) => name));
  return fc.record(
    {
      ...Object.fromEntries(
        TLV_NAMES.filter((name) => !mandatory.has(name)).map((name) => [name, tlvArbitrary(TLVS[name].type)]),
      ),
      unknown_tlvs: fc.array(unknownTlv, { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: [] },
  );
}

/** A complete PDU of `command`, as decodePdu would return it. */
export function pduOf(command: CommandName): fc.Arbitrary<Pdu> {
  const body = COMMANDS[command].body as readonly FieldSpec[];
  return fc
    .record({
      command_status: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff })),
      sequence_number: fc.integer({ min: 1, max: 0x7fffffff }),
      fields: fc.record(Object.fromEntries(body.map(([name, type]) => [name, fieldArbitrary(type)]))),
      tlvs: tlvsFor(body),
    })
    .map(({ command_status, sequence_number, fields, tlvs }) => ({
      command,
      command_status,
      sequence_number,
      ...fields,
      ...tlvs,
    })) as fc.Arbitrary<Pdu>;
}

/** A PDU of any command. */
export const anyPdu: fc.Arbitrary<Pdu> = fc.oneof(...COMMAND_NAMES.map((c) => pduOf(c)));

/**
 * What decoding the encoding of `pdu` yields: the PDU itself, except that bind_*_resp and
 * submit_sm_resp with an error status go on the wire header-only (reference §1.4).
 */
export function expectedAfterRoundTrip(pdu: Pdu): Pdu {
  if (pdu.command_status === 0 || !BODYLESS_ON_ERROR.has(pdu.command)) return pdu;
  const header = { command: pdu.command, command_status: pdu.command_status, sequence_number: pdu.sequence_number };
  return pdu.command === 'submit_sm_resp' ? ({ ...header, message_id: '' } as Pdu) : ({ ...header, system_id: '' } as Pdu);
}
