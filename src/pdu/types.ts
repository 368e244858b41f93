import type { CommandBody, CommandName } from './commands.js';
import type { FieldSpec, FieldValue } from './fields.js';
import type { Tlvs } from './tlvs.js';

/** Flattens an intersection so editors show a PDU as one plain object. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The mandatory fields of a command body, each under its spec name with its decoded type. */
export type BodyFields<C extends CommandName> = {
  -readonly [F in CommandBody<C>[number] as F extends FieldSpec ? F[0] : never]: F extends FieldSpec
    ? FieldValue<F[1]>
    : never;
};

interface Header<C extends CommandName> {
  command: C;
  command_status: number;
  sequence_number: number;
}

/** A decoded PDU of one command: header, every mandatory field, and the TLVs it carried. */
export type PduOf<C extends CommandName> = Simplify<Header<C> & BodyFields<C> & Tlvs>;

/** Any decoded PDU, discriminated by `command`. */
export type Pdu = { [C in CommandName]: PduOf<C> }[CommandName];

/**
 * What the encoder takes: mandatory fields left out take the spec defaults (0, empty string,
 * empty short_message), command_status defaults to 0. A decoded `Pdu` is always a valid input.
 */
export type PduInputOf<C extends CommandName> = Simplify<
  { command: C; command_status?: number; sequence_number: number } & Partial<BodyFields<C>> & Tlvs
>;

export type PduInput = { [C in CommandName]: PduInputOf<C> }[CommandName];
