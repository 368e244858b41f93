import { beforeEach, describe, expect, it } from 'vitest';
import { CommandStatus } from '../../../src/index.js';
import { nackReason } from '../../../src/transport/outbound/nack-reason.js';

beforeEach(() => {
  expect.hasAssertions();
});

describe("nack_reason strings as vumi2 writes them (reference §2.5)", () => {
  it.each([
    [CommandStatus.ESME_RINVMSGLEN, 'Message Length is invalid'],
    [CommandStatus.ESME_RINVCMDLEN, 'Command Length is invalid'],
    [CommandStatus.ESME_RINVCMDID, 'Invalid Command ID'],
    [CommandStatus.ESME_RINVBNDSTS, 'Invalid BIND Status for given command'],
    [CommandStatus.ESME_RSYSERR, 'System Error'],
    [CommandStatus.ESME_RINVSRCADR, 'Invalid Source Address'],
    [CommandStatus.ESME_RINVDSTADR, 'Invalid Dest Addr'],
    [CommandStatus.ESME_RMSGQFUL, 'Message Queue Full'],
    [CommandStatus.ESME_RINVSERTYP, 'Invalid Service Type'],
    [CommandStatus.ESME_RSUBMITFAIL, 'submit_sm or submit_multi failed'],
    [CommandStatus.ESME_RTHROTTLED, 'Throttling error (ESME has exceeded allowed message limits'],
    [CommandStatus.ESME_RINVSCHED, 'Invalid Scheduled Delivery Time'],
    [CommandStatus.ESME_RINVEXPIRY, 'Invalid message validity period (Expiry time)'],
    [CommandStatus.ESME_RX_T_APPN, 'ESME Receiver Temporary App Error Code'],
    [CommandStatus.ESME_RX_P_APPN, 'ESME Receiver Permanent App Error Code'],
    [CommandStatus.ESME_RX_R_APPN, 'ESME Receiver Reject Message Error Code'],
    [CommandStatus.ESME_RINVOPTPARSTREAM, 'Error in the optional part of the PDU Body'],
    [CommandStatus.ESME_ROPTPARNOTALLWD, 'Optional Parameter not allowed'],
    [CommandStatus.ESME_RINVPARLEN, 'Invalid Parameter Length'],
    [CommandStatus.ESME_RMISSINGOPTPARAM, 'Expected Optional Parameter missing'],
    [CommandStatus.ESME_RINVOPTPARAMVAL, 'Invalid Optional Parameter Value'],
    [CommandStatus.ESME_RDELIVERYFAILURE, 'Delivery Failure (used for data_sm_resp)'],
    [CommandStatus.ESME_RUNKNOWNERR, 'Unknown Error'],
    [0x104, 'Invalid Data Coding Scheme'],
    [0x101, 'ESME Prohibited from using specified operation'],
  ].map(([status, reason]) => [`0x${Number(status).toString(16)}`, Number(status), String(reason)] as const))('%s', (_, status, reason) => {
    expect(nackReason(status)).toBe(reason);
  });

  it('names the reserved ranges as vumi2 does', () => {
    expect(nackReason(0x200)).toBe('Reserved for SMPP extension');
    expect(nackReason(0x400)).toBe('Reserved for SMSC vendor specific errors');
    expect(nackReason(0x4ff)).toBe('Reserved for SMSC vendor specific errors');
    expect(nackReason(0x500)).toBe('Reserved');
    expect(nackReason(0x16)).toBe('Unknown status');
  });
});
