/**
 * What the simulator answers to submissions and what it sends back, seen from node-smpp:
 * submit_sm, submit_multi, data_sm, query_sm, cancel_sm and replace_sm; the message id forms;
 * delivery receipts (reference §6) with each final state and each rule for choosing it, where
 * they go, how they wait for a receiver, and how a refused or unanswered one is offered again.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandStatus } from '../../src/pdu/command-status.js';
import { MESSAGE_STATES } from '../../src/simulator/options.js';
import type { FinalState, SimulatorOptions } from '../../src/simulator/options.js';
import { pickFinalState, receiptDate } from '../../src/simulator/receipts.js';
import type { StoredMessage } from '../../src/simulator/message-store.js';
import type { NodeSmppClient } from '../helpers/node-smpp-client.js';
import type { NodeSmppPdu } from '../helpers/node-smpp.js';
import { nextEvent, textOf, useSimulator } from '../helpers/simulator.js';

const fx = useSimulator();

beforeEach(() => {
  expect.hasAssertions();
});

const MESSAGE_STATE: Record<FinalState | 'ENROUTE', number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/** The reference §6.2 receipt text, field by field. */
const RECEIPT_TEXT =
  /^id:(?<id>\S+) sub:(?<sub>\d{3}) dlvrd:(?<dlvrd>\d{3}) submit date:(?<submit>\d{10}) done date:(?<done>\d{10}) stat:(?<stat>[A-Z]+) err:(?<err>\d{3}) Text:(?<text>.*)$/s;

function parseReceipt(pdu: NodeSmppPdu): Record<string, string> {
  const match = RECEIPT_TEXT.exec(textOf(pdu));
  if (!match?.groups) throw new Error(`not a receipt text: ${textOf(pdu)}`);
  return match.groups;
}

async function submit(client: NodeSmppClient, fields: Record<string, unknown> = {}): Promise<string> {
  const resp = await client.call('submit_sm', {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: '1234',
    destination_addr: '27831234567',
    short_message: 'hello',
    ...fields,
  });
  expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
  return resp.message_id as string;
}

/** A simulator whose receipts all end in `state`, and a transceiver bound to it. */
async function receiptsEnding(state: FinalState, options: SimulatorOptions = {}) {
  const running = await fx.start({ ...options, receipts: { final_state: { type: 'fixed', state }, ...options.receipts } });
  const client = await fx.bind(running.port, 'transceiver');
  return { ...running, client };
}

describe('answers to submissions', () => {
  it('answers submit_sm with a message_id and keeps the message', async () => {
    const { sim, port } = await fx.start();
    const client = await fx.bind(port, 'transmitter');
    const stored = nextEvent(sim, 'message');
    const resp = await client.call('submit_sm', {
      source_addr: '1234',
      destination_addr: '27831234567',
      registered_delivery: 0,
      short_message: 'hello world',
    });
    expect(resp.command).toBe('submit_sm_resp');
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    expect(resp.message_id).toBe('1');
    const [message] = await stored;
    expect(message).toMatchObject({ message_id: '1', system_id: 'smppclient1', source_addr: '1234', destination_addr: '27831234567' });
    expect(message.short_message.toString('latin1')).toBe('hello world');
    expect(sim.message('1')?.destination_addr).toBe('27831234567');
  });

  it('answers submit_multi with one message_id, no unsuccessful destinations, and a receipt per destination', async () => {
    const { sim, port } = await fx.start();
    const client = await fx.bind(port, 'transceiver');
    const messages: StoredMessage[] = [];
    sim.on('message', (m) => messages.push(m));
    const resp = await client.call('submit_multi', {
      source_addr: '1234',
      dest_address: [
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '27831111111' },
        { dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '27832222222' },
      ],
      registered_delivery: 1,
      short_message: 'to both',
    });
    expect(resp.command).toBe('submit_multi_resp');
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    expect(resp.message_id).toMatch(/^\d+$/);
    expect(resp.unsuccess_sme).toEqual([]);
    expect(messages.map((m) => m.destination_addr)).toEqual(['27831111111', '27832222222']);

    const receipts = await client.collect('deliver_sm', 2);
    expect(receipts.map((r) => r.source_addr).sort()).toEqual(['27831111111', '27832222222']);
    for (const r of receipts) {
      expect(r.receipted_message_id).toBe(resp.message_id);
      expect(r.destination_addr).toBe('1234');
    }
  });

  it('answers data_sm with a message_id and sends its receipt', async () => {
    const { port } = await fx.start();
    const client = await fx.bind(port, 'transceiver');
    const resp = await client.call('data_sm', {
      source_addr: '1234',
      destination_addr: '27831234567',
      registered_delivery: 1,
      message_payload: 'payload text',
    });
    expect(resp.command).toBe('data_sm_resp');
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    expect(resp.message_id).toBe('1');
    const receipt = await client.next('deliver_sm');
    expect(receipt.receipted_message_id).toBe('1');
    expect(parseReceipt(receipt).text).toBe('payload text');
  });

  it('quotes the message_payload of a submit_sm whose short_message is empty in the receipt', async () => {
    const { sim, port } = await fx.start();
    const client = await fx.bind(port, 'transceiver');
    const id = await submit(client, { registered_delivery: 1, short_message: '', message_payload: 'text in the payload' });
    expect(sim.message(id)?.short_message.toString('latin1')).toBe('text in the payload');
    expect(parseReceipt(await client.next('deliver_sm')).text).toBe('text in the payload');
  });

  it('answers query_sm with ENROUTE while the message is pending, then with its final state and date', async () => {
    const { port } = await fx.start({ receipts: { delay_ms: 30, final_state: { type: 'fixed', state: 'UNDELIV' } } });
    const client = await fx.bind(port, 'transceiver');
    const id = await submit(client, { registered_delivery: 1 });

    const pending = await client.call('query_sm', { message_id: id, source_addr: '1234' });
    expect(pending.command).toBe('query_sm_resp');
    expect(pending.command_status).toBe(CommandStatus.ESME_ROK);
    expect(pending.message_id).toBe(id);
    expect(pending.message_state).toBe(MESSAGE_STATE.ENROUTE);
    expect(pending.final_date).toBe('');

    await client.next('deliver_sm');
    const final = await client.call('query_sm', { message_id: id, source_addr: '1234' });
    expect(final.message_state).toBe(MESSAGE_STATE.UNDELIV);
    expect(final.final_date).toBeTruthy();
  });

  it('settles a message without receipt when asked after the delay (delay 0: at once)', async () => {
    const { port } = await fx.start({ receipts: { delay_ms: 0, final_state: { type: 'fixed', state: 'EXPIRED' } } });
    const client = await fx.bind(port, 'transmitter');
    const id = await submit(client, { registered_delivery: 0 });
    const resp = await client.call('query_sm', { message_id: id, source_addr: '1234' });
    expect(resp.message_state).toBe(MESSAGE_STATE.EXPIRED);
  });

  it('answers query_sm for an unknown message_id with ESME_RQUERYFAIL', async () => {
    const { port } = await fx.start();
    const client = await fx.bind(port, 'transmitter');
    const resp = await client.call('query_sm', { message_id: '999' });
    expect(resp.command_status).toBe(CommandStatus.ESME_RQUERYFAIL);
  });

  it('cancels a pending message by message_id: DELETED, and a second cancel or a replace fails', async () => {
    const { port } = await fx.start({ receipts: { delay_ms: 60_000 } });
    const client = await fx.bind(port, 'transceiver');
    const id = await submit(client, { registered_delivery: 1 });

    const cancelled = await client.call('cancel_sm', { message_id: id, source_addr: '1234', destination_addr: '27831234567' });
    expect(cancelled.command).toBe('cancel_sm_resp');
    expect(cancelled.command_status).toBe(CommandStatus.ESME_ROK);
    const query = await client.call('query_sm', { message_id: id, source_addr: '1234' });
    expect(query.message_state).toBe(MESSAGE_STATE.DELETED);
    expect(query.final_date).toBeTruthy();

    expect((await client.call('cancel_sm', { message_id: id })).command_status).toBe(CommandStatus.ESME_RCANCELFAIL);
    expect((await client.call('replace_sm', { message_id: id, short_message: 'x' })).command_status).toBe(
      CommandStatus.ESME_RREPLACEFAIL,
    );
  });

  it('cancels every pending message from a source to a destination when cancel_sm has no message_id', async () => {
    const { port } = await fx.start({ receipts: { delay_ms: 60_000 } });
    const client = await fx.bind(port, 'transmitter');
    const a = await submit(client, { source_addr: '1000', destination_addr: '2000', registered_delivery: 1 });
    const b = await submit(client, { source_addr: '1000', destination_addr: '2000', registered_delivery: 1 });
    const other = await submit(client, { source_addr: '1000', destination_addr: '3000', registered_delivery: 1 });

    const resp = await client.call('cancel_sm', { source_addr: '1000', destination_addr: '2000' });
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    const state = async (id: string) => (await client.call('query_sm', { message_id: id, source_addr: '1000' })).message_state;
    expect(await state(a)).toBe(MESSAGE_STATE.DELETED);
    expect(await state(b)).toBe(MESSAGE_STATE.DELETED);
    expect(await state(other)).toBe(MESSAGE_STATE.ENROUTE);
    expect((await client.call('cancel_sm', { source_addr: '1000', destination_addr: '2000' })).command_status).toBe(
      CommandStatus.ESME_RCANCELFAIL,
    );
  });

  it('does not cancel a message that has reached its final state, whether named by id or by addresses', async () => {
    const { port } = await fx.start({ receipts: { delay_ms: 0 } });
    const client = await fx.bind(port, 'transmitter');
    const id = await submit(client, { source_addr: '1000', destination_addr: '2000', registered_delivery: 0 });

    expect((await client.call('cancel_sm', { source_addr: '1000', destination_addr: '2000' })).command_status).toBe(
      CommandStatus.ESME_RCANCELFAIL,
    );
    expect((await client.call('cancel_sm', { message_id: id })).command_status).toBe(CommandStatus.ESME_RCANCELFAIL);
    const query = await client.call('query_sm', { message_id: id, source_addr: '1000' });
    expect(query.message_state).toBe(MESSAGE_STATE.DELIVRD);
  });

  it('replaces a pending message: the receipt quotes the new text', async () => {
    const { sim, port } = await fx.start({ receipts: { delay_ms: 200 } });
    const client = await fx.bind(port, 'transceiver');
    const id = await submit(client, { registered_delivery: 1, short_message: 'original text' });

    const resp = await client.call('replace_sm', {
      message_id: id,
      source_addr_ton: 1,
      source_addr_npi: 1,
      source_addr: '1234',
      registered_delivery: 1,
      short_message: 'replaced text',
    });
    expect(resp.command).toBe('replace_sm_resp');
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    expect(sim.message(id)?.short_message.toString('latin1')).toBe('replaced text');

    const receipt = await client.next('deliver_sm');
    expect(parseReceipt(receipt).text).toBe('replaced text');
  });

  it('sends a receipt for a message submitted without one once replace_sm asks for it', async () => {
    const { port } = await fx.start({ receipts: { delay_ms: 100, final_state: { type: 'fixed', state: 'REJECTD' } } });
    const client = await fx.bind(port, 'transceiver');
    const id = await submit(client, { registered_delivery: 0, short_message: 'no receipt' });
    const resp = await client.call('replace_sm', { message_id: id, source_addr: '1234', registered_delivery: 1, short_message: 'receipt please' });
    expect(resp.command_status).toBe(CommandStatus.ESME_ROK);
    const receipt = await client.next('deliver_sm');
    expect(receipt.receipted_message_id).toBe(id);
    expect(parseReceipt(receipt)).toMatchObject({ stat: 'REJECTD', text: 'receipt please' });
  });

  it('answers replace_sm for an unknown message_id with ESME_RREPLACEFAIL', async () => {
    const { port } = await fx.start();
    const client = await fx.bind(port, 'transmitter');
    expect((await client.call('replace_sm', { message_id: '42', short_message: 'x' })).command_status).toBe(
      CommandStatus.ESME_RREPLACEFAIL,
    );
  });
});

describe('message ids', () => {
  async function ids(options: SimulatorOptions['message_id'], count: number): Promise<string[]> {
    const { port } = await fx.start({ message_id: options });
    const client = await fx.bind(port, 'transmitter');
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(await submit(client));
    return out;
  }

  it('counts in decimal from the configured start', async () => {
    expect(await ids({ format: 'decimal', mode: 'counter', start: 998 }, 3)).toEqual(['998', '999', '1000']);
  });

  it('counts in upper-case hex from the configured start', async () => {
    expect(await ids({ format: 'hex', mode: 'counter', start: 254 }, 3)).toEqual(['FE', 'FF', '100']);
  });

  it('hands out random decimal ids of 64 bits, beyond 2^53', async () => {
    const got = await ids({ format: 'decimal', mode: 'random' }, 6);
    for (const id of got) expect(id).toMatch(/^\d{1,20}$/);
    expect(new Set(got).size).toBe(got.length);
    const values = got.map((id) => BigInt(id));
    expect(values.every((v) => v < 2n ** 64n)).toBe(true);
    // Each is above 2^53 with probability 1 - 2^-11.
    expect(values.some((v) => v > 2n ** 53n)).toBe(true);
  });

  it('hands out random upper-case hex ids of 64 bits', async () => {
    const got = await ids({ format: 'hex', mode: 'random' }, 6);
    for (const id of got) expect(id).toMatch(/^[0-9A-F]{1,16}$/);
    expect(new Set(got).size).toBe(got.length);
    expect(got.some((id) => /[A-F]/.test(id))).toBe(true);
  });

  it('uses the same id form in the receipt as in the submit_sm_resp', async () => {
    const { port } = await fx.start({ message_id: { format: 'hex', mode: 'counter', start: 0xabcdef } });
    const client = await fx.bind(port, 'transceiver');
    const id = await submit(client, { registered_delivery: 1 });
    expect(id).toBe('ABCDEF');
    const receipt = await client.next('deliver_sm');
    expect(receipt.receipted_message_id).toBe('ABCDEF');
    expect(parseReceipt(receipt).id).toBe('ABCDEF');
  });
});

describe('delivery receipts', () => {
  /** network_error_code (type 3 = GSM, then the error) each state carries, if any. */
  const NETWORK_ERROR: Partial<Record<FinalState, string>> = {
    UNDELIV: '030001', // as SMPPSim sends it (reference §6.3)
    REJECTD: '030002', // likewise
  };
  const SUCCESSFUL: readonly FinalState[] = ['DELIVRD', 'ACCEPTD'];

  it.each(MESSAGE_STATES)('sends a %s receipt with esm_class 4, the §6.2 text and the receipt TLVs', async (state) => {
    const { sim, client } = await receiptsEnding(state, { message_id: { start: 5000 } });
    const before = receiptDate(new Date());
    const delivered = nextEvent(sim, 'delivered');
    const id = await submit(client, {
      source_addr: '1234',
      destination_addr: '27830000001',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      registered_delivery: 1,
      short_message: 'the original message, longer than twenty',
    });

    const receipt = await client.next('deliver_sm');
    const after = receiptDate(new Date());
    expect(receipt.esm_class).toBe(0x04);
    // From the handset back to the submitter.
    expect(receipt.source_addr).toBe('27830000001');
    expect(receipt.source_addr_ton).toBe(1);
    expect(receipt.destination_addr).toBe('1234');

    const text = parseReceipt(receipt);
    expect(text.id).toBe(id);
    expect(text.sub).toBe('001');
    expect(text.dlvrd).toBe(state === 'DELIVRD' ? '001' : '000');
    expect(text.stat).toBe(state);
    expect(text.err).toBe('000');
    expect(text.text).toBe('the original message'); // its first 20 characters
    for (const date of [text.submit!, text.done!]) {
      expect(date >= before && date <= after).toBe(true);
    }
    expect(text.done! >= text.submit!).toBe(true);

    expect(receipt.receipted_message_id).toBe(id);
    expect(receipt.message_state).toBe(MESSAGE_STATE[state]);
    if (SUCCESSFUL.includes(state)) {
      expect(receipt.network_error_code).toBeUndefined();
    } else {
      const code = receipt.network_error_code as Buffer;
      expect(Buffer.isBuffer(code)).toBe(true);
      expect(code).toHaveLength(3);
      expect(code[0]).toBe(3); // GSM
      expect(code.readUInt16BE(1)).toBeGreaterThan(0);
      const expected = NETWORK_ERROR[state];
      if (expected !== undefined) expect(code.toString('hex')).toBe(expected);
    }

    const [event] = await delivered;
    expect(event.kind).toBe('receipt');
    expect(event.pdu.receipted_message_id).toBe(id);
    expect(sim.message(id)?.state).toBe(state);
  });

  it('sends an ENROUTE intermediate notification (esm_class 0x20) before the final receipt when asked (0x10)', async () => {
    const { client } = await receiptsEnding('DELIVRD');
    const id = await submit(client, { registered_delivery: 0x11 });
    const [intermediate, final] = await client.collect('deliver_sm', 2);
    expect(intermediate!.esm_class).toBe(0x20);
    expect(intermediate!.message_state).toBe(MESSAGE_STATE.ENROUTE);
    expect(parseReceipt(intermediate!).stat).toBe('ENROUTE');
    expect(intermediate!.receipted_message_id).toBe(id);
    expect(final!.esm_class).toBe(0x04);
    expect(parseReceipt(final!).stat).toBe('DELIVRD');
  });

  it('chooses the state by the first matching destination prefix, else the default', async () => {
    const { port } = await fx.start({
      receipts: {
        final_state: {
          type: 'prefix',
          rules: [
            { prefix: '2783', state: 'UNDELIV' },
            { prefix: '27', state: 'REJECTD' },
            { prefix: '44', state: 'EXPIRED' },
          ],
          default: 'ACCEPTD',
        },
      },
    });
    const client = await fx.bind(port, 'transceiver');
    const destinations = { '27831234567': 'UNDELIV', '27721234567': 'REJECTD', '447700900000': 'EXPIRED', '15551234567': 'ACCEPTD' };
    const byId = new Map<string, string>();
    for (const [destination, state] of Object.entries(destinations)) {
      byId.set(await submit(client, { destination_addr: destination, registered_delivery: 1 }), state);
    }
    const receipts = await client.collect('deliver_sm', 4);
    for (const r of receipts) {
      const expected = byId.get(r.receipted_message_id as string);
      expect(parseReceipt(r).stat).toBe(expected);
      expect(r.message_state).toBe(MESSAGE_STATE[expected as FinalState]);
    }
    expect(receipts.map((r) => r.receipted_message_id).sort()).toEqual([...byId.keys()].sort());
  });

  it('with random weights, never reports a state of weight 0', async () => {
    const { port } = await fx.start({ receipts: { final_state: { type: 'random', weights: { DELIVRD: 0, EXPIRED: 5, UNDELIV: 0 } } } });
    const client = await fx.bind(port, 'transceiver');
    for (let i = 0; i < 10; i++) await submit(client, { registered_delivery: 1 });
    const receipts = await client.collect('deliver_sm', 10);
    expect(receipts.map((r) => parseReceipt(r).stat)).toEqual(Array<string>(10).fill('EXPIRED'));
  });

  it('with random weights, mixes the states of positive weight', async () => {
    const { port } = await fx.start({ receipts: { final_state: { type: 'random', weights: { DELIVRD: 1, UNDELIV: 1, REJECTD: 0 } } } });
    const client = await fx.bind(port, 'transceiver');
    for (let i = 0; i < 40; i++) await submit(client, { registered_delivery: 1 });
    const states = new Set((await client.collect('deliver_sm', 40)).map((r) => parseReceipt(r).stat));
    // Both appear unless 40 fair coin flips all agree (p = 2^-39).
    expect([...states].sort()).toEqual(['DELIVRD', 'UNDELIV']);
  });

  it('picks weighted states in proportion to their weights (scripted randomness)', () => {
    const rule = { type: 'random', weights: { DELIVRD: 1, UNDELIV: 3 } } as const;
    expect(pickFinalState(rule, '', () => 0)).toBe('DELIVRD');
    expect(pickFinalState(rule, '', () => 0.24)).toBe('DELIVRD');
    expect(pickFinalState(rule, '', () => 0.26)).toBe('UNDELIV');
    expect(pickFinalState(rule, '', () => 0.999)).toBe('UNDELIV');
  });

  it('never picks a zero-weight state, even when rounding leaves the roll past the last weight', () => {
    // 0.1 + 0.1 + 0.4 rounds so that the largest Math.random() survives the subtractions.
    const rule = { type: 'random', weights: { DELIVRD: 0.1, UNDELIV: 0.1, EXPIRED: 0.4, REJECTD: 0 } } as const;
    expect(pickFinalState(rule, '', () => 1 - Number.EPSILON / 2)).toBe('EXPIRED');
  });

  it('with registered_delivery 2 sends a receipt only for a failure', async () => {
    const { port } = await fx.start({
      receipts: { final_state: { type: 'prefix', rules: [{ prefix: '1', state: 'DELIVRD' }], default: 'UNDELIV' } },
    });
    const client = await fx.bind(port, 'transceiver');
    const delivered = await submit(client, { destination_addr: '111', registered_delivery: 2 });
    const failed = await submit(client, { destination_addr: '222', registered_delivery: 2 });

    // Both outcomes are settled after the same delay, in submission order: a receipt for the
    // delivered one would have arrived first.
    const receipt = await client.next('deliver_sm');
    expect(receipt.receipted_message_id).toBe(failed);
    expect(parseReceipt(receipt).stat).toBe('UNDELIV');
    expect(client.received.filter((p) => p.command === 'deliver_sm')).toHaveLength(1);
    const query = await client.call('query_sm', { message_id: delivered, source_addr: '1234' });
    expect(query.message_state).toBe(MESSAGE_STATE.DELIVRD);
  });

  it('sends a receipt for a message submitted on a transmitter to a receiver of the same system_id only', async () => {
    const { sim, port } = await fx.start({
      accounts: [
        { system_id: 'smppclient1', password: 'password' },
        { system_id: 'other', password: 'pw' },
      ],
    });
    const tx = await fx.bind(port, 'transmitter');
    const otherRx = await fx.bind(port, 'receiver', { system_id: 'other', password: 'pw' });
    const rx = await fx.bind(port, 'receiver');

    const delivered = nextEvent(sim, 'delivered');
    const id = await submit(tx, { registered_delivery: 1 });
    const receipt = await rx.next('deliver_sm');
    expect(receipt.receipted_message_id).toBe(id);
    const [event] = await delivered;
    expect(event.system_id).toBe('smppclient1');

    // The other account's receiver gets only its own account's receipts.
    const otherTx = await fx.bind(port, 'transmitter', { system_id: 'other', password: 'pw' });
    const otherId = await submit(otherTx, { registered_delivery: 1 });
    const otherReceipt = await otherRx.next('deliver_sm');
    expect(otherReceipt.receipted_message_id).toBe(otherId);
    expect(otherRx.received.filter((p) => p.command === 'deliver_sm')).toHaveLength(1);
    expect(tx.received.filter((p) => p.command === 'deliver_sm')).toEqual([]);
  });

  it('queues receipts while no receiver is bound and delivers them in order once one binds', async () => {
    const { sim, port } = await fx.start();
    const tx = await fx.bind(port, 'transmitter');
    const first = await submit(tx, { registered_delivery: 1 });
    const second = await submit(tx, { registered_delivery: 1 });
    await vi.waitFor(() => expect(sim.stats().queued_deliveries).toBe(2), { timeout: 2_000, interval: 5 });
    expect(tx.received.filter((p) => p.command === 'deliver_sm')).toEqual([]);

    const rx = await fx.bind(port, 'receiver');
    const receipts = await rx.collect('deliver_sm', 2);
    expect(receipts.map((r) => r.receipted_message_id)).toEqual([first, second]);
    await vi.waitFor(() => expect(sim.stats().queued_deliveries).toBe(0), { timeout: 2_000, interval: 5 });
  });

  it('offers a deliver_sm refused with ESME_RX_T_APPN again after retry_delay_ms', async () => {
    const { sim, port } = await fx.start({ receipts: { retry_delay_ms: 80 } });
    const client = await fx.bind(port, 'transceiver', {}, { autoAnswer: false });
    const id = await submit(client, { registered_delivery: 1 });

    const first = await client.next('deliver_sm');
    const refusedAt = performance.now();
    client.send('deliver_sm_resp', { sequence_number: first.sequence_number, command_status: CommandStatus.ESME_RX_T_APPN });
    const second = await client.next('deliver_sm');
    expect(performance.now() - refusedAt).toBeGreaterThanOrEqual(79);
    expect(second.receipted_message_id).toBe(id);
    expect(textOf(second)).toBe(textOf(first));
    expect(second.sequence_number).not.toBe(first.sequence_number);

    const delivered = nextEvent(sim, 'delivered');
    client.send('deliver_sm_resp', { sequence_number: second.sequence_number });
    const [event] = await delivered;
    expect(event.pdu.receipted_message_id).toBe(id);
    expect(sim.stats().statuses.deliver_sm_resp).toEqual({ ESME_RX_T_APPN: 1, ESME_ROK: 1 });
  });

  it('offers an unanswered deliver_sm again after response_timeout_ms', async () => {
    const { port } = await fx.start({ receipts: { response_timeout_ms: 50, retry_delay_ms: 0 } });
    const client = await fx.bind(port, 'transceiver', {}, { autoAnswer: false });
    const id = await submit(client, { registered_delivery: 1 });
    const first = await client.next('deliver_sm');
    const second = await client.next('deliver_sm');
    expect(first.receipted_message_id).toBe(id);
    expect(second.receipted_message_id).toBe(id);
    expect(second.sequence_number).not.toBe(first.sequence_number);
  });

  it('gives a deliver_sm left unanswered by a receiver that went away to the next receiver', async () => {
    const { sim, port } = await fx.start();
    const tx = await fx.bind(port, 'transmitter');
    const silent = await fx.bind(port, 'receiver', {}, { autoAnswer: false });
    const id = await submit(tx, { registered_delivery: 1 });
    expect((await silent.next('deliver_sm')).receipted_message_id).toBe(id);
    const closed = nextEvent(sim, 'closed');
    await silent.close();
    await closed;

    const rx = await fx.bind(port, 'receiver');
    expect((await rx.next('deliver_sm')).receipted_message_id).toBe(id);
  });
});
