import { cstr, destAddresses, shortMessage, time, u8, unsuccessSmes } from './fields.js';
import type { FieldSpec } from './fields.js';

/**
 * Every SMPP 3.4 command (reference §2): its command_id and its mandatory body, in wire order.
 * Length and count fields (sm_length, number_of_dests, no_unsuccess) are not listed as fields of
 * their own: they are derived from the data they count, so a PDU object can never disagree
 * with itself about them.
 */

const bindBody = [
  ['system_id', cstr(16)],
  ['password', cstr(9)],
  ['system_type', cstr(13)],
  ['interface_version', u8],
  ['addr_ton', u8],
  ['addr_npi', u8],
  ['address_range', cstr(41)],
] as const satisfies readonly FieldSpec[];

const bindRespBody = [['system_id', cstr(16)]] as const satisfies readonly FieldSpec[];

/** submit_sm and deliver_sm share their 18 fields (reference §2.3). */
const shortMessageBody = [
  ['service_type', cstr(6)],
  ['source_addr_ton', u8],
  ['source_addr_npi', u8],
  ['source_addr', cstr(21)],
  ['dest_addr_ton', u8],
  ['dest_addr_npi', u8],
  ['destination_addr', cstr(21)],
  ['esm_class', u8],
  ['protocol_id', u8],
  ['priority_flag', u8],
  ['schedule_delivery_time', time],
  ['validity_period', time],
  ['registered_delivery', u8],
  ['replace_if_present_flag', u8],
  ['data_coding', u8],
  ['sm_default_msg_id', u8],
  ['short_message', shortMessage],
] as const satisfies readonly FieldSpec[];

const messageIdBody = [['message_id', cstr(65)]] as const satisfies readonly FieldSpec[];
const none = [] as const satisfies readonly FieldSpec[];

export const COMMANDS = {
  generic_nack: { id: 0x80000000, body: none },
  bind_receiver: { id: 0x00000001, body: bindBody },
  bind_receiver_resp: { id: 0x80000001, body: bindRespBody },
  bind_transmitter: { id: 0x00000002, body: bindBody },
  bind_transmitter_resp: { id: 0x80000002, body: bindRespBody },
  query_sm: {
    id: 0x00000003,
    body: [
      ['message_id', cstr(65)],
      ['source_addr_ton', u8],
      ['source_addr_npi', u8],
      ['source_addr', cstr(21)],
    ],
  },
  query_sm_resp: {
    id: 0x80000003,
    body: [
      ['message_id', cstr(65)],
      ['final_date', time],
      ['message_state', u8],
      ['error_code', u8],
    ],
  },
  submit_sm: { id: 0x00000004, body: shortMessageBody },
  submit_sm_resp: { id: 0x80000004, body: messageIdBody },
  deliver_sm: { id: 0x00000005, body: shortMessageBody },
  // Always a NULL message_id on the wire (one 0x00 octet), but it is a field all the same.
  deliver_sm_resp: { id: 0x80000005, body: messageIdBody },
  unbind: { id: 0x00000006, body: none },
  unbind_resp: { id: 0x80000006, body: none },
  replace_sm: {
    id: 0x00000007,
    body: [
      ['message_id', cstr(65)],
      ['source_addr_ton', u8],
      ['source_addr_npi', u8],
      ['source_addr', cstr(21)],
      ['schedule_delivery_time', time],
      ['validity_period', time],
      ['registered_delivery', u8],
      ['sm_default_msg_id', u8],
      ['short_message', shortMessage],
    ],
  },
  replace_sm_resp: { id: 0x80000007, body: none },
  cancel_sm: {
    id: 0x00000008,
    body: [
      ['service_type', cstr(6)],
      ['message_id', cstr(65)],
      ['source_addr_ton', u8],
      ['source_addr_npi', u8],
      ['source_addr', cstr(21)],
      ['dest_addr_ton', u8],
      ['dest_addr_npi', u8],
      ['destination_addr', cstr(21)],
    ],
  },
  cancel_sm_resp: { id: 0x80000008, body: none },
  bind_transceiver: { id: 0x00000009, body: bindBody },
  bind_transceiver_resp: { id: 0x80000009, body: bindRespBody },
  outbind: {
    id: 0x0000000b,
    body: [
      ['system_id', cstr(16)],
      ['password', cstr(9)],
    ],
  },
  enquire_link: { id: 0x00000015, body: none },
  enquire_link_resp: { id: 0x80000015, body: none },
  submit_multi: {
    id: 0x00000021,
    body: [
      ['service_type', cstr(6)],
      ['source_addr_ton', u8],
      ['source_addr_npi', u8],
      ['source_addr', cstr(21)],
      ['dest_address', destAddresses],
      ['esm_class', u8],
      ['protocol_id', u8],
      ['priority_flag', u8],
      ['schedule_delivery_time', time],
      ['validity_period', time],
      ['registered_delivery', u8],
      ['replace_if_present_flag', u8],
      ['data_coding', u8],
      ['sm_default_msg_id', u8],
      ['short_message', shortMessage],
    ],
  },
  submit_multi_resp: {
    id: 0x80000021,
    body: [
      ['message_id', cstr(65)],
      ['unsuccess_sme', unsuccessSmes],
    ],
  },
  alert_notification: {
    id: 0x00000102,
    body: [
      ['source_addr_ton', u8],
      ['source_addr_npi', u8],
      ['source_addr', cstr(65)],
      ['esme_addr_ton', u8],
      ['esme_addr_npi', u8],
      ['esme_addr', cstr(65)],
    ],
  },
  data_sm: {
    id: 0x00000103,
    body: [
      ['service_type', cstr(6)],
      ['source_addr_ton', u8],
      ['source_addr_npi', u8],
      ['source_addr', cstr(65)],
      ['dest_addr_ton', u8],
      ['dest_addr_npi', u8],
      ['destination_addr', cstr(65)],
      ['esm_class', u8],
      ['registered_delivery', u8],
      ['data_coding', u8],
    ],
  },
  data_sm_resp: { id: 0x80000103, body: messageIdBody },
} as const satisfies Record<string, { readonly id: number; readonly body: readonly FieldSpec[] }>;

export type CommandName = keyof typeof COMMANDS;
export type CommandBody<C extends CommandName> = (typeof COMMANDS)[C]['body'];

/** The response bit of command_id (reference §1.1). */
export const RESPONSE_BIT = 0x80000000;

export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

const namesById = new Map<number, CommandName>(COMMAND_NAMES.map((name) => [COMMANDS[name].id, name]));

export function commandName(commandId: number): CommandName | undefined {
  return namesById.get(commandId);
}

export function isResponse(commandId: number): boolean {
  return (commandId & RESPONSE_BIT) !== 0;
}

/**
 * The response command for a request, e.g. submit_sm → submit_sm_resp; undefined for the
 * requests that have none (outbind, alert_notification) and for responses.
 */
export function responseCommandFor(command: CommandName): CommandName | undefined {
  const id = COMMANDS[command].id;
  if (isResponse(id)) return undefined;
  return namesById.get((id | RESPONSE_BIT) >>> 0);
}

/**
 * bind_*_resp and submit_sm_resp carry no body when command_status ≠ 0 (reference §1.4),
 * so the encoder writes just the header for them.
 */
export const BODYLESS_ON_ERROR: ReadonlySet<CommandName> = new Set<CommandName>([
  'bind_receiver_resp',
  'bind_transmitter_resp',
  'bind_transceiver_resp',
  'submit_sm_resp',
]);
