import { CommandStatus } from './command-status.js';
import { BODYLESS_ON_ERROR, COMMANDS } from './commands.js';
import type { CommandName } from './commands.js';
import { SmppCodecError } from './codec-error.js';
import { DESTINATIONS_MAX, SHORT_MESSAGE_MAX } from './fields.js';
import type { DestAddress, FieldSpec, UnsuccessSme } from './fields.js';
import { HEADER_LENGTH } from './decode.js';
import { TLVS } from './tlvs.js';
import type { TlvName, UnknownTlv } from './tlvs.js';
import type { PduInput } from './types.js';

type Fields = Record<string, unknown>;

const TLV_BY_NAME: ReadonlyMap<string, (typeof TLVS)[TlvName]> = new Map(Object.entries(TLVS));
/**
 * query_sm_resp has a mandatory message_state and there is a message_state TLV too: on such a
 * command the name means the mandatory field, never the TLV.
 */
const BODY_NAMES = new Map<string, ReadonlySet<string>>(
  Object.entries(COMMANDS).map(([command, spec]) => [command, new Set(spec.body.map(([name]) => name))]),
);
const TLV_VALUE_MAX = 0xffff;
const INT_MAX = { u8: 0xff, u16: 0xffff, u32: 0xffffffff } as const;
const INT_SIZE = { u8: 1, u16: 2, u32: 4 } as const;

function invalid(command: string, field: string, problem: string, status: number = CommandStatus.ESME_RSYSERR): never {
  throw new SmppCodecError(`cannot encode ${command}: ${field} ${problem}`, { command_status: status, field });
}

function checkInt(command: string, field: string, value: unknown, kind: 'u8' | 'u16' | 'u32'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > INT_MAX[kind]) {
    invalid(command, field, `must be an integer from 0 to ${INT_MAX[kind]}, got ${String(value)}`);
  }
  return value;
}

/**
 * Octets a C-Octet String takes on the wire, NUL included. Only single-octet characters other
 * than NUL are allowed: anything else would be truncated or mangled by the peer.
 */
function cstrSize(command: string, field: string, value: unknown, max: number): number {
  if (typeof value !== 'string') invalid(command, field, `must be a string, got ${typeof value}`);
  if (value.length > max - 1) {
    invalid(command, field, `is ${value.length} characters long; at most ${max - 1} fit`, CommandStatus.ESME_RINVPARLEN);
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code === 0 || code > 0xff) {
      invalid(command, field, `contains ${code === 0 ? 'a NUL' : `"${value[i]}"`} at index ${i}, which a C-Octet String cannot carry`);
    }
  }
  return value.length + 1;
}

function timeSize(command: string, field: string, value: unknown): number {
  if (value !== '' && (typeof value !== 'string' || value.length !== 16)) {
    invalid(command, field, `must be empty or exactly 16 characters (YYMMDDhhmmsstnnp), got ${JSON.stringify(value)}`);
  }
  return cstrSize(command, field, value, 17);
}

function bytesOf(command: string, field: string, value: unknown, max: number): Uint8Array {
  if (!(value instanceof Uint8Array)) invalid(command, field, 'must be a Buffer or Uint8Array');
  if (value.length > max) {
    invalid(command, field, `is ${value.length} octets long; at most ${max} fit`, CommandStatus.ESME_RINVMSGLEN);
  }
  return value;
}

function listOf<T>(command: string, field: string, value: unknown): T[] {
  if (!Array.isArray(value)) invalid(command, field, 'must be an array');
  if (value.length > DESTINATIONS_MAX) {
    invalid(command, field, `has ${value.length} entries; at most ${DESTINATIONS_MAX} fit`, CommandStatus.ESME_RINVNUMDESTS);
  }
  return value as T[];
}

/** Wire size of one mandatory field, checking it on the way. */
function fieldSize(command: string, name: string, type: FieldSpec[1], value: unknown): number {
  switch (type.kind) {
    case 'u8':
    case 'u16':
    case 'u32':
      checkInt(command, name, value ?? 0, type.kind);
      return INT_SIZE[type.kind];
    case 'cstr':
      return cstrSize(command, name, value ?? '', type.max);
    case 'time':
      return timeSize(command, name, value ?? '');
    case 'short_message':
      return 1 + (value === undefined ? 0 : bytesOf(command, name, value, SHORT_MESSAGE_MAX).length);
    case 'dest_addresses': {
      let size = 1;
      for (const d of listOf<DestAddress>(command, name, value ?? [])) {
        if (d.dest_flag === 1) {
          checkInt(command, 'dest_addr_ton', d.dest_addr_ton, 'u8');
          checkInt(command, 'dest_addr_npi', d.dest_addr_npi, 'u8');
          size += 3 + cstrSize(command, 'destination_addr', d.destination_addr, 21);
        } else if (d.dest_flag === 2) {
          size += 1 + cstrSize(command, 'dl_name', d.dl_name, 21);
        } else {
          invalid(command, 'dest_flag', 'must be 1 (SME address) or 2 (distribution list)', CommandStatus.ESME_RINVDESTFLAG);
        }
      }
      return size;
    }
    case 'unsuccess_smes': {
      let size = 1;
      for (const u of listOf<UnsuccessSme>(command, name, value ?? [])) {
        checkInt(command, 'dest_addr_ton', u.dest_addr_ton, 'u8');
        checkInt(command, 'dest_addr_npi', u.dest_addr_npi, 'u8');
        checkInt(command, 'error_status_code', u.error_status_code, 'u32');
        size += 2 + cstrSize(command, 'destination_addr', u.destination_addr, 21) + 4;
      }
      return size;
    }
  }
}

function writeCstr(buf: Buffer, pos: number, value: string): number {
  const end = value.length === 0 ? pos : pos + buf.write(value, pos, 'latin1');
  buf[end] = 0;
  return end + 1;
}

function writeField(buf: Buffer, pos: number, type: FieldSpec[1], value: unknown): number {
  switch (type.kind) {
    case 'u8':
      buf[pos] = (value as number | undefined) ?? 0;
      return pos + 1;
    case 'u16':
      return buf.writeUInt16BE((value as number | undefined) ?? 0, pos);
    case 'u32':
      return buf.writeUInt32BE((value as number | undefined) ?? 0, pos);
    case 'cstr':
    case 'time':
      return writeCstr(buf, pos, (value as string | undefined) ?? '');
    case 'short_message': {
      const bytes = value as Uint8Array | undefined;
      if (bytes === undefined) {
        buf[pos] = 0;
        return pos + 1;
      }
      buf[pos] = bytes.length;
      buf.set(bytes, pos + 1);
      return pos + 1 + bytes.length;
    }
    case 'dest_addresses': {
      const list = (value as DestAddress[] | undefined) ?? [];
      buf[pos++] = list.length;
      for (const d of list) {
        buf[pos++] = d.dest_flag;
        if (d.dest_flag === 1) {
          buf[pos++] = d.dest_addr_ton;
          buf[pos++] = d.dest_addr_npi;
          pos = writeCstr(buf, pos, d.destination_addr);
        } else {
          pos = writeCstr(buf, pos, d.dl_name);
        }
      }
      return pos;
    }
    case 'unsuccess_smes': {
      const list = (value as UnsuccessSme[] | undefined) ?? [];
      buf[pos++] = list.length;
      for (const u of list) {
        buf[pos++] = u.dest_addr_ton;
        buf[pos++] = u.dest_addr_npi;
        pos = writeCstr(buf, pos, u.destination_addr);
        pos = buf.writeUInt32BE(u.error_status_code, pos);
      }
      return pos;
    }
  }
}

/** Wire size of a TLV's value, checking it on the way. */
function tlvValueSize(command: string, name: TlvName, value: unknown): number {
  const type = TLVS[name].type;
  switch (type.kind) {
    case 'u8':
    case 'u16':
    case 'u32':
      checkInt(command, name, value, type.kind);
      return INT_SIZE[type.kind];
    case 'cstr':
      return cstrSize(command, name, value, type.max);
    case 'octets':
      return bytesOf(command, name, value, type.max).length;
    case 'flag':
      if (value !== true) invalid(command, name, 'is a presence flag: set it to true or leave it out');
      return 0;
  }
}

function writeTlv(buf: Buffer, pos: number, name: TlvName, value: unknown, size: number): number {
  const spec = TLVS[name];
  pos = buf.writeUInt16BE(spec.tag, pos);
  pos = buf.writeUInt16BE(size, pos);
  switch (spec.type.kind) {
    case 'u8':
      buf[pos] = value as number;
      return pos + 1;
    case 'u16':
      return buf.writeUInt16BE(value as number, pos);
    case 'u32':
      return buf.writeUInt32BE(value as number, pos);
    case 'cstr':
      return writeCstr(buf, pos, value as string);
    case 'octets':
      buf.set(value as Uint8Array, pos);
      return pos + size;
    case 'flag':
      return pos;
  }
}

function unknownTlvs(command: string, value: unknown): UnknownTlv[] {
  if (!Array.isArray(value)) invalid(command, 'unknown_tlvs', 'must be an array of { tag, value }');
  for (const t of value as UnknownTlv[]) {
    checkInt(command, 'unknown_tlvs tag', t.tag, 'u16');
    bytesOf(command, `unknown_tlvs 0x${t.tag.toString(16)}`, t.value, TLV_VALUE_MAX);
  }
  return value as UnknownTlv[];
}

/**
 * Encodes a PDU object. Mandatory fields left out take the spec defaults; a value that does
 * not fit its field (too long, out of range, wrong type) is an `SmppCodecError` naming the
 * field: the encoder never truncates.
 */
export function encodePdu(pdu: PduInput): Buffer {
  const command: CommandName = pdu.command;
  const spec = COMMANDS[command] as { id: number; body: readonly FieldSpec[] } | undefined;
  if (spec === undefined) {
    throw new SmppCodecError(`cannot encode unknown command ${JSON.stringify(command)}`, {
      command_status: CommandStatus.ESME_RINVCMDID,
    });
  }
  const fields = pdu as Fields;
  const status = checkInt(command, 'command_status', pdu.command_status ?? 0, 'u32');
  const sequence = checkInt(command, 'sequence_number', pdu.sequence_number, 'u32');
  const headerOnly = status !== 0 && BODYLESS_ON_ERROR.has(command);
  const bodyNames = BODY_NAMES.get(command)!;

  // Pass 1: validate and size everything, so the buffer is allocated once and never overrun.
  let size = HEADER_LENGTH;
  const body = headerOnly ? [] : spec.body;
  for (const [name, type] of body) size += fieldSize(command, name, type, fields[name]);
  let tlvNames: TlvName[] | undefined;
  let tlvSizes: number[] | undefined;
  let unknown: UnknownTlv[] | undefined;
  if (!headerOnly) {
    for (const key in fields) {
      const value = fields[key];
      if (value === undefined) continue;
      if (key === 'unknown_tlvs') {
        unknown = unknownTlvs(command, value);
        for (const t of unknown) size += 4 + t.value.length;
        continue;
      }
      if (!TLV_BY_NAME.has(key) || bodyNames.has(key)) continue;
      const name = key as TlvName;
      const valueSize = tlvValueSize(command, name, value);
      (tlvNames ??= []).push(name);
      (tlvSizes ??= []).push(valueSize);
      size += 4 + valueSize;
    }
  }

  // Pass 2: write.
  const buf = Buffer.allocUnsafe(size);
  buf.writeUInt32BE(size, 0);
  buf.writeUInt32BE(spec.id, 4);
  buf.writeUInt32BE(status, 8);
  buf.writeUInt32BE(sequence, 12);
  let pos = HEADER_LENGTH;
  for (const [name, type] of body) pos = writeField(buf, pos, type, fields[name]);
  if (tlvNames && tlvSizes) {
    for (let i = 0; i < tlvNames.length; i++) pos = writeTlv(buf, pos, tlvNames[i]!, fields[tlvNames[i]!], tlvSizes[i]!);
  }
  if (unknown) {
    for (const t of unknown) {
      pos = buf.writeUInt16BE(t.tag, pos);
      pos = buf.writeUInt16BE(t.value.length, pos);
      buf.set(t.value, pos);
      pos += t.value.length;
    }
  }
  return buf;
}
