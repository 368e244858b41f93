/**
 * The optional parameters of SMPP 3.4 (reference §3.2). As with the command bodies, the codec
 * and the TypeScript types are both derived from this one table.
 *
 * Value kinds:
 * - u8 / u16 / u32: integers, decoded by their actual length (1, 2 or 4 octets) because SMSCs
 *   disagree on sizes (source_telematics_id), encoded at the table's size.
 * - cstr: C-Octet String TLVs; the NUL counts in Length, and is tolerated when missing.
 * - octets: opaque bytes with a maximum length.
 * - flag: length 0, presence is the value (alert_on_message_delivery).
 */
export type TlvKind =
  | { readonly kind: 'u8' | 'u16' | 'u32' }
  | { readonly kind: 'cstr'; readonly max: number }
  | { readonly kind: 'octets'; readonly max: number }
  | { readonly kind: 'flag' };

export interface TlvSpec {
  readonly tag: number;
  readonly type: TlvKind;
}

const u8 = { kind: 'u8' } as const;
const u16 = { kind: 'u16' } as const;
const u32 = { kind: 'u32' } as const;
const flag = { kind: 'flag' } as const;
const cstr = <const N extends number>(max: N) => ({ kind: 'cstr', max }) as const;
const octets = <const N extends number>(max: N) => ({ kind: 'octets', max }) as const;

export const TLVS = {
  dest_addr_subunit: { tag: 0x0005, type: u8 },
  dest_network_type: { tag: 0x0006, type: u8 },
  dest_bearer_type: { tag: 0x0007, type: u8 },
  dest_telematics_id: { tag: 0x0008, type: u16 },
  source_addr_subunit: { tag: 0x000d, type: u8 },
  source_network_type: { tag: 0x000e, type: u8 },
  source_bearer_type: { tag: 0x000f, type: u8 },
  source_telematics_id: { tag: 0x0010, type: u8 },
  qos_time_to_live: { tag: 0x0017, type: u32 },
  payload_type: { tag: 0x0019, type: u8 },
  additional_status_info_text: { tag: 0x001d, type: cstr(256) },
  receipted_message_id: { tag: 0x001e, type: cstr(65) },
  ms_msg_wait_facilities: { tag: 0x0030, type: u8 },
  privacy_indicator: { tag: 0x0201, type: u8 },
  source_subaddress: { tag: 0x0202, type: octets(23) },
  dest_subaddress: { tag: 0x0203, type: octets(23) },
  user_message_reference: { tag: 0x0204, type: u16 },
  user_response_code: { tag: 0x0205, type: u8 },
  source_port: { tag: 0x020a, type: u16 },
  destination_port: { tag: 0x020b, type: u16 },
  sar_msg_ref_num: { tag: 0x020c, type: u16 },
  language_indicator: { tag: 0x020d, type: u8 },
  sar_total_segments: { tag: 0x020e, type: u8 },
  sar_segment_seqnum: { tag: 0x020f, type: u8 },
  sc_interface_version: { tag: 0x0210, type: u8 },
  callback_num_pres_ind: { tag: 0x0302, type: u8 },
  callback_num_atag: { tag: 0x0303, type: octets(65) },
  number_of_messages: { tag: 0x0304, type: u8 },
  callback_num: { tag: 0x0381, type: octets(19) },
  dpf_result: { tag: 0x0420, type: u8 },
  set_dpf: { tag: 0x0421, type: u8 },
  ms_availability_status: { tag: 0x0422, type: u8 },
  // OS 3: network type, then a big-endian error code. Kept as bytes: peers send other lengths.
  network_error_code: { tag: 0x0423, type: octets(3) },
  message_payload: { tag: 0x0424, type: octets(0xffff) },
  delivery_failure_reason: { tag: 0x0425, type: u8 },
  more_messages_to_send: { tag: 0x0426, type: u8 },
  message_state: { tag: 0x0427, type: u8 },
  // OS 1 in the spec, but every user treats it as the operation number of §5.7.
  ussd_service_op: { tag: 0x0501, type: u8 },
  display_time: { tag: 0x1201, type: u8 },
  sms_signal: { tag: 0x1203, type: u16 },
  ms_validity: { tag: 0x1204, type: u8 },
  alert_on_message_delivery: { tag: 0x130c, type: flag },
  its_reply_type: { tag: 0x1380, type: u8 },
  // OS 2: session number (high octet), then dialogue sequence number << 1 | end-of-session.
  its_session_info: { tag: 0x1383, type: u16 },
} as const satisfies Record<string, TlvSpec>;

export type TlvName = keyof typeof TLVS;

type TlvValue<K extends TlvKind> = K extends { kind: 'u8' | 'u16' | 'u32' }
  ? number
  : K extends { kind: 'cstr' }
    ? string
    : K extends { kind: 'octets' }
      ? Buffer
      : K extends { kind: 'flag' }
        ? true
        : never;

/** A TLV the codec does not know (or a second copy of one it does), kept so nothing is lost. */
export interface UnknownTlv {
  tag: number;
  value: Buffer;
}

/** The optional parameters a PDU object may carry, each under its spec name. */
export type Tlvs = {
  [N in TlvName]?: TlvValue<(typeof TLVS)[N]['type']>;
} & {
  /** TLVs with tags this codec does not know, in the order they arrived; re-encoded as they are. */
  unknown_tlvs?: UnknownTlv[];
};

export const TLV_NAMES = Object.keys(TLVS) as TlvName[];

export const TLV_NAMES_BY_TAG = new Map<number, TlvName>(TLV_NAMES.map((name) => [TLVS[name].tag, name]));
