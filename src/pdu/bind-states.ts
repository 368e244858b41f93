import type { CommandName } from './commands.js';

/**
 * Bind types and what each allows an ESME to send (reference §9.1, §9.2): one table for the
 * client, which refuses to send what its bind does not allow, and for the simulator, which
 * answers such a request with ESME_RINVBNDSTS.
 */
export const BIND_TYPES = ['transceiver', 'transmitter', 'receiver'] as const;
export type BindType = (typeof BIND_TYPES)[number];

export const BIND_COMMANDS = {
  transceiver: 'bind_transceiver',
  transmitter: 'bind_transmitter',
  receiver: 'bind_receiver',
} as const satisfies Record<BindType, CommandName>;

export const BIND_TYPE_OF: Partial<Record<CommandName, BindType>> = Object.fromEntries(
  Object.entries(BIND_COMMANDS).map(([type, command]) => [command, type as BindType]),
);

const sending = ['transmitter', 'transceiver'] as const;
const any = BIND_TYPES;

/** Requests an ESME sends on a bound session, and the bind types that allow each. */
export const ESME_REQUESTS: Partial<Record<CommandName, readonly BindType[]>> = {
  submit_sm: sending,
  submit_multi: sending,
  data_sm: sending,
  query_sm: sending,
  cancel_sm: sending,
  // The spec's table lists only BOUND_TX; SMSCs accept it on transceivers too.
  replace_sm: sending,
  enquire_link: any,
  unbind: any,
};

/** Requests a receiver bind may not send: the submits and the queries about them. */
export const TRANSMIT_REQUESTS: ReadonlySet<CommandName> = new Set(
  (Object.keys(ESME_REQUESTS) as CommandName[]).filter((c) => !ESME_REQUESTS[c]!.includes('receiver')),
);

/** Whether `bindType` allows an ESME to send `command`. */
export function allowedOn(command: CommandName, bindType: BindType): boolean {
  return ESME_REQUESTS[command]?.includes(bindType) ?? false;
}
