/**
 * The wire types of mandatory PDU fields (reference §0). A command's body is a list of
 * `[name, type]` pairs; the encoder, the decoder and the TypeScript types are all derived from
 * that one list, so a field cannot be described twice and drift.
 */
export interface IntField { readonly kind: 'u8' | 'u16' | 'u32' }
/** C-Octet String; `max` counts the terminating NUL, as the spec's C(n) does. */
export interface CStringField { readonly kind: 'cstr'; readonly max: number }
/** CF17 time: empty, or exactly 16 characters (reference §5.8). */
export interface TimeField { readonly kind: 'time' }
/** sm_length (I1) followed by short_message (OS): carried as one Buffer. */
export interface ShortMessageField { readonly kind: 'short_message' }
/** submit_multi: number_of_dests (I1) followed by that many dest_address entries. */
export interface DestAddressesField { readonly kind: 'dest_addresses' }
/** submit_multi_resp: no_unsuccess (I1) followed by that many unsuccess_sme entries. */
export interface UnsuccessSmesField { readonly kind: 'unsuccess_smes' }

export type FieldType =
  | IntField
  | CStringField
  | TimeField
  | ShortMessageField
  | DestAddressesField
  | UnsuccessSmesField;

export type FieldSpec = readonly [name: string, type: FieldType];

export const u8 = { kind: 'u8' } as const satisfies IntField;
export const u16 = { kind: 'u16' } as const satisfies IntField;
export const u32 = { kind: 'u32' } as const satisfies IntField;
export const time = { kind: 'time' } as const satisfies TimeField;
export const shortMessage = { kind: 'short_message' } as const satisfies ShortMessageField;
export const destAddresses = { kind: 'dest_addresses' } as const satisfies DestAddressesField;
export const unsuccessSmes = { kind: 'unsuccess_smes' } as const satisfies UnsuccessSmesField;
export function cstr<const N extends number>(max: N): { readonly kind: 'cstr'; readonly max: N } {
  return { kind: 'cstr', max };
}

/** The most octets a short_message may carry (reference §2.3: sm_length 0–254). */
export const SHORT_MESSAGE_MAX = 254;
/** number_of_dests and no_unsuccess are single octets; the spec caps destinations at 254. */
export const DESTINATIONS_MAX = 254;

/** One destination of a submit_multi (reference §2.4): an SME address or a distribution list. */
export type DestAddress =
  | { dest_flag: 1; dest_addr_ton: number; dest_addr_npi: number; destination_addr: string }
  | { dest_flag: 2; dl_name: string };

/** One failed destination in a submit_multi_resp (reference §2.4). */
export interface UnsuccessSme {
  dest_addr_ton: number;
  dest_addr_npi: number;
  destination_addr: string;
  error_status_code: number;
}

/** The TypeScript type a field of wire type T decodes to. */
export type FieldValue<T extends FieldType> = T extends IntField
  ? number
  : T extends CStringField | TimeField
    ? string
    : T extends ShortMessageField
      ? Buffer
      : T extends DestAddressesField
        ? DestAddress[]
        : T extends UnsuccessSmesField
          ? UnsuccessSme[]
          : never;
