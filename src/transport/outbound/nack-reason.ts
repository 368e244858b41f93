/**
 * nack_reason strings exactly as vumi2 writes them (reference §2.5): the description of the
 * command_status in the SMPP 3.4 table (with vumi2's typos, such as the unclosed parenthesis of
 * ESME_RTHROTTLED), so consumers matching on them keep working. The status name and number go
 * into the event's transport_metadata beside it.
 */
const DESCRIPTIONS: ReadonlyMap<number, string> = new Map([
  [0x00, 'No error'],
  [0x01, 'Message Length is invalid'],
  [0x02, 'Command Length is invalid'],
  [0x03, 'Invalid Command ID'],
  [0x04, 'Invalid BIND Status for given command'],
  [0x05, 'ESME Already in Bound State'],
  [0x06, 'Invalid Priority Flag'],
  [0x07, 'Invalid Registered Delivery Flag'],
  [0x08, 'System Error'],
  [0x0a, 'Invalid Source Address'],
  [0x0b, 'Invalid Dest Addr'],
  [0x0c, 'Message ID is invalid'],
  [0x0d, 'Bind Failed'],
  [0x0e, 'Invalid Password'],
  [0x0f, 'Invalid System ID'],
  [0x11, 'Cancel SM Failed'],
  [0x13, 'Replace SM Failed'],
  [0x14, 'Message Queue Full'],
  [0x15, 'Invalid Service Type'],
  [0x33, 'Invalid number of destinations'],
  [0x34, 'Invalid Distribution List Name'],
  [0x40, 'Destination flag is invalid (submit_multi)'],
  [0x42, 'Invalid submit with replace request (i.e.  submit_sm with replace_if_present_flag set)'],
  [0x43, 'Invalid esm_class field data'],
  [0x44, 'Cannot Submit to Distribution List'],
  [0x45, 'submit_sm or submit_multi failed'],
  [0x48, 'Invalid Source address TON'],
  [0x49, 'Invalid Source address NPI'],
  [0x50, 'Invalid Destination address TON'],
  [0x51, 'Invalid Destination address NPI'],
  [0x53, 'Invalid system_type field'],
  [0x54, 'Invalid replace_if_present flag'],
  [0x55, 'Invalid number of messages'],
  [0x58, 'Throttling error (ESME has exceeded allowed message limits'],
  [0x61, 'Invalid Scheduled Delivery Time'],
  [0x62, 'Invalid message validity period (Expiry time)'],
  [0x63, 'Predefined Message Invalid or Not Found'],
  [0x64, 'ESME Receiver Temporary App Error Code'],
  [0x65, 'ESME Receiver Permanent App Error Code'],
  [0x66, 'ESME Receiver Reject Message Error Code'],
  [0x67, 'query_sm request failed'],
  [0xc0, 'Error in the optional part of the PDU Body'],
  [0xc1, 'Optional Parameter not allowed'],
  [0xc2, 'Invalid Parameter Length'],
  [0xc3, 'Expected Optional Parameter missing'],
  [0xc4, 'Invalid Optional Parameter Value'],
  [0xfe, 'Delivery Failure (used for data_sm_resp)'],
  [0xff, 'Unknown Error'],
  // SMPP 5.0 statuses that SMSCs send on 3.4 binds too.
  [0x100, 'ESME Not authorised to use specified service_type'],
  [0x101, 'ESME Prohibited from using specified operation'],
  [0x102, 'Specified service_type is unavailable'],
  [0x103, 'Specified service_type is denied'],
  [0x104, 'Invalid Data Coding Scheme'],
  [0x105, 'Source Address Sub unit is Invalid'],
  [0x106, 'Destination Address Sub unit is Invalid'],
  [0x107, 'Broadcast Frequency Interval is invalid'],
  [0x108, 'Broadcast Alias Name is invalid'],
  [0x109, 'Broadcast Area Format is invalid'],
  [0x10a, 'Number of Broadcast Areas is invalid'],
  [0x10b, 'Broadcast Content Type is invalid'],
  [0x10c, 'Broadcast Message Class is invalid'],
  [0x10d, 'broadcast_sm operation failed'],
  [0x10e, 'query_broadcast_sm operation failed'],
  [0x10f, 'cancel_broadcast_sm operation failed'],
  [0x110, 'Number of Repeated Broadcasts is invalid'],
  [0x111, 'Broadcast Service Group is invalid'],
  [0x112, 'Broadcast Channel Indicator is invalid'],
]);

/** vumi2's nack_reason for a command_status. */
export function nackReason(status: number): string {
  const known = DESCRIPTIONS.get(status);
  if (known !== undefined) return known;
  if (status >= 0x100 && status <= 0x3ff) return 'Reserved for SMPP extension';
  if (status >= 0x400 && status <= 0x4ff) return 'Reserved for SMSC vendor specific errors';
  if (status >= 0x500) return 'Reserved';
  return 'Unknown status';
}
