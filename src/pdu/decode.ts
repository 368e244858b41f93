import { CommandStatus } from './command-status.js';
import { COMMANDS, COMMAND_NAMES, commandName, isResponse } from './commands.js';
import type { CommandName } from './commands.js';
import { SmppCodecError } from './codec-error.js';
import type { DestAddress, FieldSpec, UnsuccessSme } from './fields.js';
import { TLVS, TLV_NAMES_BY_TAG } from './tlvs.js';
import type { UnknownTlv } from './tlvs.js';
import type { Pdu } from './types.js';

export const HEADER_LENGTH = 16;

const INTEGER_KINDS: ReadonlySet<string> = new Set(['u8', 'u16', 'u32']);

/**
 * A read position inside one PDU. Every read checks against `end` (the PDU's command_length),
 * so a field can never run past the PDU whatever a peer claims in it.
 */
class Cursor {
  pos = HEADER_LENGTH;
  constructor(
    readonly buf: Buffer,
    readonly end: number,
    readonly sequenceNumber: number,
    readonly commandId: number,
  ) {}

  fail(status: number, message: string, field?: string): never {
    throw new SmppCodecError(message, {
      command_status: status,
      sequence_number: this.sequenceNumber,
      command_id: this.commandId,
      field,
    });
  }

  u8(field: string): number {
    if (this.pos >= this.end) this.fail(CommandStatus.ESME_RINVCMDLEN, `${field} runs past the end of the PDU`, field);
    return this.buf[this.pos++]!;
  }

  u32(field: string): number {
    if (this.pos + 4 > this.end) this.fail(CommandStatus.ESME_RINVCMDLEN, `${field} runs past the end of the PDU`, field);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** A C-Octet String: up to its NUL, which must come before the end of the PDU. */
  cstr(field: string): string {
    const { buf, end } = this;
    const start = this.pos;
    let i = start;
    while (i < end && buf[i] !== 0) i++;
    if (i >= end) this.fail(CommandStatus.ESME_RINVCMDLEN, `${field} has no terminating NUL before the end of the PDU`, field);
    this.pos = i + 1;
    // latin1 maps each octet to one character, so whatever a peer sends survives a re-encode.
    return i === start ? '' : buf.toString('latin1', start, i);
  }

  octets(length: number, field: string, status: number): Buffer {
    if (this.pos + length > this.end) this.fail(status, `${field} of ${length} octets runs past the end of the PDU`, field);
    // Copied, so a kept message does not pin the whole socket read it arrived in.
    const out = Buffer.allocUnsafe(length);
    this.buf.copy(out, 0, this.pos, this.pos + length);
    this.pos += length;
    return out;
  }
}

type Fields = Record<string, unknown>;

function defaultFor(type: FieldSpec[1]): unknown {
  switch (type.kind) {
    case 'u8':
    case 'u16':
    case 'u32':
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

function readField(c: Cursor, name: string, type: FieldSpec[1]): unknown {
  switch (type.kind) {
    case 'u8':
      return c.u8(name);
    case 'u16': {
      const hi = c.u8(name);
      return (hi << 8) | c.u8(name);
    }
    case 'u32':
      return c.u32(name);
    case 'cstr':
    case 'time':
      return c.cstr(name);
    case 'short_message': {
      const length = c.u8('sm_length');
      return c.octets(length, name, CommandStatus.ESME_RINVMSGLEN);
    }
    case 'dest_addresses': {
      const count = c.u8('number_of_dests');
      const list: DestAddress[] = [];
      for (let i = 0; i < count; i++) {
        const flag = c.u8('dest_flag');
        if (flag === 1) {
          list.push({
            dest_flag: 1,
            dest_addr_ton: c.u8('dest_addr_ton'),
            dest_addr_npi: c.u8('dest_addr_npi'),
            destination_addr: c.cstr('destination_addr'),
          });
        } else if (flag === 2) {
          list.push({ dest_flag: 2, dl_name: c.cstr('dl_name') });
        } else {
          c.fail(CommandStatus.ESME_RINVDESTFLAG, `dest_flag ${flag} is neither 1 (SME address) nor 2 (distribution list)`, 'dest_flag');
        }
      }
      return list;
    }
    case 'unsuccess_smes': {
      const count = c.u8('no_unsuccess');
      const list: UnsuccessSme[] = [];
      for (let i = 0; i < count; i++) {
        list.push({
          dest_addr_ton: c.u8('dest_addr_ton'),
          dest_addr_npi: c.u8('dest_addr_npi'),
          destination_addr: c.cstr('destination_addr'),
          error_status_code: c.u32('error_status_code'),
        });
      }
      return list;
    }
  }
}

function readTlvs(c: Cursor, pdu: Fields): void {
  const { buf, end } = c;
  while (c.pos < end) {
    if (c.pos + 4 > end) c.fail(CommandStatus.ESME_RINVOPTPARSTREAM, `${end - c.pos} stray octets where a TLV header was expected`);
    const tag = buf.readUInt16BE(c.pos);
    const length = buf.readUInt16BE(c.pos + 2);
    const at = c.pos + 4;
    if (at + length > end) {
      c.fail(CommandStatus.ESME_RINVOPTPARSTREAM, `TLV 0x${tag.toString(16).padStart(4, '0')} of length ${length} runs past the end of the PDU`);
    }
    const name = TLV_NAMES_BY_TAG.get(tag);
    const type = name === undefined ? undefined : TLVS[name].type;
    // Unknown tags, repeats of a known one (callback_num may repeat), and integer TLVs of a
    // length no integer has are kept raw: a receipt is not lost over one odd optional parameter.
    if (
      name === undefined ||
      type === undefined ||
      pdu[name] !== undefined ||
      (INTEGER_KINDS.has(type.kind) && length !== 1 && length !== 2 && length !== 4)
    ) {
      c.pos = at;
      const unknown: UnknownTlv = { tag, value: c.octets(length, 'unknown_tlvs', CommandStatus.ESME_RINVOPTPARSTREAM) };
      const list = pdu.unknown_tlvs as UnknownTlv[] | undefined;
      if (list) list.push(unknown);
      else pdu.unknown_tlvs = [unknown];
      continue;
    }
    switch (type.kind) {
      case 'u8':
      case 'u16':
      case 'u32':
        // By the length actually sent: SMSCs disagree on some sizes (reference §3.1).
        if (length === 1) pdu[name] = buf[at];
        else if (length === 2) pdu[name] = buf.readUInt16BE(at);
        else pdu[name] = buf.readUInt32BE(at);
        c.pos = at + length;
        break;
      case 'cstr': {
        // The NUL counts in Length, but some SMSCs leave it out: stop at the first NUL if any.
        let stop = at;
        while (stop < at + length && buf[stop] !== 0) stop++;
        pdu[name] = buf.toString('latin1', at, stop);
        c.pos = at + length;
        break;
      }
      case 'octets':
        c.pos = at;
        pdu[name] = c.octets(length, name, CommandStatus.ESME_RINVOPTPARSTREAM);
        break;
      case 'flag':
        pdu[name] = true;
        c.pos = at + length;
        break;
    }
  }
}

/**
 * Decodes exactly one PDU (a frame from `FrameReader`). Throws only `SmppCodecError`, whose
 * command_status is the one to answer the peer with (reference §1.3).
 */
export function decodePdu(bytes: Uint8Array): Pdu {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < HEADER_LENGTH) {
    throw new SmppCodecError(`a PDU needs a 16-octet header, got ${buf.length} octets`, {
      command_status: CommandStatus.ESME_RINVCMDLEN,
    });
  }
  const commandLength = buf.readUInt32BE(0);
  const commandId = buf.readUInt32BE(4);
  const commandStatus = buf.readUInt32BE(8);
  const sequenceNumber = buf.readUInt32BE(12);
  if (commandLength !== buf.length) {
    throw new SmppCodecError(`command_length ${commandLength} does not match the ${buf.length} octets of the PDU`, {
      command_status: CommandStatus.ESME_RINVCMDLEN,
      sequence_number: sequenceNumber,
      command_id: commandId,
    });
  }
  const command = commandName(commandId);
  if (command === undefined) {
    throw new SmppCodecError(`unknown command_id 0x${commandId.toString(16).padStart(8, '0')}`, {
      command_status: CommandStatus.ESME_RINVCMDID,
      sequence_number: sequenceNumber,
      command_id: commandId,
    });
  }

  const c = new Cursor(buf, commandLength, sequenceNumber, commandId);
  const pdu = BODY_READERS.get(command)!(c, commandStatus, sequenceNumber, readField, defaultFor);
  readTlvs(c, pdu);
  return pdu as Pdu;
}

type BodyReader = (
  c: Cursor,
  commandStatus: number,
  sequenceNumber: number,
  read: typeof readField,
  fallback: typeof defaultFor,
) => Fields;

/**
 * One reader per command, generated from its row of the command table: an object literal with
 * the fields in wire order. V8 then gives every PDU of a command one shape, where assigning
 * fields one by one through a shared loop made every store megamorphic; that loop was most of
 * the decode time. The names and types come only from COMMANDS, never from input.
 */
function bodyReader(command: CommandName): BodyReader {
  const body = COMMANDS[command].body as readonly FieldSpec[];
  // A response may stop early: error responses often carry no body at all (reference §1.4).
  const lenient = isResponse(COMMANDS[command].id);
  const fields = body.map(([name, type], i) => {
    const read =
      type.kind === 'u8'
        ? `c.u8(${JSON.stringify(name)})`
        : type.kind === 'cstr' || type.kind === 'time'
          ? `c.cstr(${JSON.stringify(name)})`
          : `read(c, ${JSON.stringify(name)}, types[${i}])`;
    return `${JSON.stringify(name)}: ${lenient ? `c.pos >= c.end ? fallback(types[${i}]) : ${read}` : read}`;
  });
  const source = `return { command: ${JSON.stringify(command)}, command_status: s, sequence_number: q${fields.map((f) => `, ${f}`).join('')} };`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function('types', `return (c, s, q, read, fallback) => { ${source} };`) as (
    types: readonly FieldSpec[1][],
  ) => BodyReader;
  return make(body.map(([, type]) => type));
}

const BODY_READERS = new Map<CommandName, BodyReader>(COMMAND_NAMES.map((name) => [name, bodyReader(name)]));
