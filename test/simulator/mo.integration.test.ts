/**
 * Mobile-originated messages injected through POST /mo and `injectMo`, read by node-smpp as the
 * receiving ESME: one deliver_sm per message in each coding, long text as parts tied by a UDH
 * (8- or 16-bit reference) or SAR TLVs, or whole in message_payload. The parts are put back
 * together on the client side, from node-smpp's own decoding, and must give the injected text.
 */
import iconv from 'iconv-lite';
import { beforeEach, describe, expect, it } from 'vitest';
import { TextEncodingError } from '../../src/encoding/errors.js';
import { concatFromSar, parseUdh } from '../../src/encoding/index.js';
import type { ConcatInfo } from '../../src/encoding/index.js';
import type { MoRequest } from '../../src/simulator/mo.js';
import type { NodeSmppPdu } from '../helpers/node-smpp.js';
import { http, nextEvent, useSimulator } from '../helpers/simulator.js';

const fx = useSimulator();

beforeEach(() => {
  expect.hasAssertions();
});

/**
 * The text of a short_message or message_payload as node-smpp decoded it: a string for the
 * codings it knows (0 and 1 through its GSM table, 3 latin1, 8 UCS-2), a Buffer otherwise,
 * read here with iconv-lite so the check stays independent of our encoding module.
 */
function nodeText(pdu: NodeSmppPdu, field: 'short_message' | 'message_payload' = 'short_message'): string {
  const value = pdu[field] as { message: string | Buffer } | undefined;
  if (value === undefined) throw new Error(`no ${field}`);
  if (typeof value.message === 'string') return value.message;
  const charset: Record<number, string> = { 6: 'iso-8859-5', 7: 'iso-8859-8' };
  const name = charset[pdu.data_coding as number];
  if (name === undefined) throw new Error(`no charset for data_coding ${String(pdu.data_coding)}`);
  return iconv.decode(value.message, name);
}

interface Part extends ConcatInfo {
  text: string;
}

/** The concatenation header of a part, rebuilt from node-smpp's list of UDH elements. */
function udhPart(pdu: NodeSmppPdu): Part {
  expect((pdu.esm_class as number) & 0x40).toBe(0x40);
  const elements = (pdu.short_message as { udh?: Buffer[] }).udh ?? [];
  const body = Buffer.concat(elements);
  const { concat } = parseUdh(Buffer.concat([Buffer.of(body.length), body]));
  if (!concat) throw new Error('part without a concatenation element');
  return { ...concat, text: nodeText(pdu) };
}

function sarPart(pdu: NodeSmppPdu): Part {
  expect((pdu.esm_class as number) & 0x40).toBe(0);
  const concat = concatFromSar({
    sar_msg_ref_num: pdu.sar_msg_ref_num as number,
    sar_total_segments: pdu.sar_total_segments as number,
    sar_segment_seqnum: pdu.sar_segment_seqnum as number,
  });
  if (!concat) throw new Error('part without a complete set of SAR TLVs');
  return { ...concat, text: nodeText(pdu) };
}

/** Checks that the parts make one message, complete, and returns its text. */
function reassemble(parts: readonly Part[]): string {
  const [first] = parts;
  if (!first) throw new Error('no parts');
  for (const p of parts) {
    expect(p.reference).toBe(first.reference);
    expect(p.total).toBe(parts.length);
  }
  const ordered = [...parts].sort((a, b) => a.sequence - b.sequence);
  expect(ordered.map((p) => p.sequence)).toEqual(parts.map((_, i) => i + 1));
  return ordered.map((p) => p.text).join('');
}

const GSM_TEXT = 'Hello @ £$¥ èé ΔΦΩ ÄÖÑÜ§ and the extension table: € {x} [y] ~ ^ |';
const UCS2_TEXT = 'Привет, мир! 👋🏽 日本語 ✓';
const LATIN1_TEXT = 'Déjà vu, señor: ¿qué tal? Straße ÿ © ½';
const CYRILLIC_TEXT = 'Съешь же ещё этих мягких французских булок, да выпей чаю. №';

describe('single-part MO in each coding', () => {
  it('POST /mo delivers a GSM 03.38 text (data_coding 0) to the receiver bind', async () => {
    const { sim, port, httpPort } = await fx.start({ http_port: 0 });
    const rx = await fx.bind(port, 'receiver');
    const delivered = nextEvent(sim, 'delivered');

    const answer = await http(httpPort, 'POST', '/mo', { from: '27831234567', to: '1234', text: GSM_TEXT });
    expect(answer).toEqual({ status: 202, body: { parts: 1 } });

    const pdu = await rx.next('deliver_sm');
    expect(pdu.source_addr).toBe('27831234567');
    expect(pdu.destination_addr).toBe('1234');
    expect(pdu.data_coding).toBe(0);
    expect(pdu.esm_class).toBe(0);
    expect(pdu.receipted_message_id).toBeUndefined();
    expect(nodeText(pdu)).toBe(GSM_TEXT);
    const [event] = await delivered;
    expect(event.kind).toBe('mo');
    expect(event.system_id).toBe('smppclient1');
  });

  it.each([
    ['UCS2 with an emoji', 8, UCS2_TEXT],
    ['Latin-1', 3, LATIN1_TEXT],
    ['Cyrillic', 6, CYRILLIC_TEXT],
  ])('injectMo delivers %s (data_coding %i)', async (_name, dataCoding, text) => {
    const { sim, port } = await fx.start();
    const rx = await fx.bind(port, 'transceiver');
    expect(sim.injectMo({ from: '27831234567', to: '1234', text, data_coding: dataCoding })).toBe(1);
    const pdu = await rx.next('deliver_sm');
    expect(pdu.data_coding).toBe(dataCoding);
    expect(nodeText(pdu)).toBe(text);
  });

  it.each([
    ['UCS2', 8, UCS2_TEXT],
    ['Cyrillic', 6, CYRILLIC_TEXT],
  ])('POST /mo delivers %s given as data_coding', async (_name, dataCoding, text) => {
    const { port, httpPort } = await fx.start({ http_port: 0 });
    const rx = await fx.bind(port, 'receiver');
    const answer = await http(httpPort, 'POST', '/mo', { from: '447700900000', to: '5555', text, data_coding: dataCoding });
    expect(answer.status).toBe(202);
    const pdu = await rx.next('deliver_sm');
    expect(nodeText(pdu)).toBe(text);
  });

  it('carries the addresses, service_type and USSD TLVs it is given', async () => {
    const { sim, port } = await fx.start();
    const rx = await fx.bind(port, 'receiver');
    sim.injectMo({
      from: '27831234567',
      to: '*120#',
      text: '1',
      source_addr_ton: 2,
      source_addr_npi: 8,
      dest_addr_ton: 5,
      dest_addr_npi: 0,
      service_type: 'USSD',
      ussd_service_op: 1,
      its_session_info: 0x1234,
    });
    const pdu = await rx.next('deliver_sm');
    expect(pdu).toMatchObject({
      source_addr_ton: 2,
      source_addr_npi: 8,
      dest_addr_ton: 5,
      dest_addr_npi: 0,
      destination_addr: '*120#',
      service_type: 'USSD',
      ussd_service_op: 1,
    });
    expect(Buffer.from(pdu.its_session_info as Buffer).toString('hex')).toBe('1234');
  });
});

describe('multipart MO', () => {
  const LONG_GSM = Array.from({ length: 12 }, (_, i) => `Part of a long GSM text, line ${i} with € and {braces}. `).join('');
  const LONG_UCS2 = Array.from({ length: 10 }, (_, i) => `Строка ${i} 👋🏽 ✓ `).join('');
  const LONG_LATIN1 = Array.from({ length: 10 }, (_, i) => `Ligne ${i}: déjà vu, señor ¿qué? `).join('');
  const LONG_CYRILLIC = Array.from({ length: 12 }, (_, i) => `Строка номер ${i}: съешь же ещё булок. `).join('');

  it('POST /mo splits a long GSM text into parts with an 8-bit UDH reference', async () => {
    const { port, httpPort } = await fx.start({ http_port: 0 });
    const rx = await fx.bind(port, 'receiver');
    expect(LONG_GSM.length).toBeGreaterThan(2 * 153);

    const answer = await http(httpPort, 'POST', '/mo', { from: '27831234567', to: '1234', text: LONG_GSM, multipart: 'udh' });
    expect(answer.status).toBe(202);
    const count = (answer.body as { parts: number }).parts;
    expect(count).toBeGreaterThanOrEqual(3);

    const parts = (await rx.collect('deliver_sm', count)).map(udhPart);
    expect(parts.every((p) => p.referenceBits === 8)).toBe(true);
    expect(reassemble(parts)).toBe(LONG_GSM);
  });

  it('splits UCS2 with emoji into parts with a 16-bit UDH reference, no surrogate pair cut', async () => {
    const { sim, port } = await fx.start();
    const rx = await fx.bind(port, 'receiver');
    const count = sim.injectMo({ from: '27831234567', to: '1234', text: LONG_UCS2, data_coding: 8, multipart: 'udh16' });
    expect(count).toBeGreaterThanOrEqual(3);
    const pdus = await rx.collect('deliver_sm', count);
    const parts = pdus.map(udhPart);
    expect(parts.every((p) => p.referenceBits === 16)).toBe(true);
    // Every part decodes on its own: no lone surrogate at either end.
    for (const p of parts) expect(p.text).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
    expect(reassemble(parts)).toBe(LONG_UCS2);
  });

  it('sends Latin-1 parts with SAR TLVs and no UDH when asked for sar', async () => {
    const { sim, port } = await fx.start();
    const rx = await fx.bind(port, 'receiver');
    const count = sim.injectMo({ from: '27831234567', to: '1234', text: LONG_LATIN1, data_coding: 3, multipart: 'sar' });
    expect(count).toBeGreaterThanOrEqual(3);
    const parts = (await rx.collect('deliver_sm', count)).map(sarPart);
    expect(reassemble(parts)).toBe(LONG_LATIN1);
  });

  it('sends a long Cyrillic text whole in message_payload when asked for payload', async () => {
    const { sim, port } = await fx.start();
    const rx = await fx.bind(port, 'receiver');
    expect(LONG_CYRILLIC.length).toBeGreaterThan(140);
    expect(sim.injectMo({ from: '27831234567', to: '1234', text: LONG_CYRILLIC, data_coding: 6, multipart: 'payload' })).toBe(1);
    const pdu = await rx.next('deliver_sm');
    expect(pdu.data_coding).toBe(6);
    expect((pdu.short_message as { message: Buffer }).message).toHaveLength(0);
    expect(nodeText(pdu, 'message_payload')).toBe(LONG_CYRILLIC);
  });

  it('gives each multipart message its own reference', async () => {
    const { sim, port } = await fx.start();
    const rx = await fx.bind(port, 'receiver');
    const a = sim.injectMo({ from: '27831234567', to: '1234', text: LONG_GSM });
    const b = sim.injectMo({ from: '27831234567', to: '1234', text: LONG_GSM });
    const parts = (await rx.collect('deliver_sm', a + b)).map(udhPart);
    const first = parts.slice(0, a);
    const second = parts.slice(a);
    expect(reassemble(first)).toBe(LONG_GSM);
    expect(reassemble(second)).toBe(LONG_GSM);
    expect(second[0]!.reference).not.toBe(first[0]!.reference);
  });

  it('sends a text that fits in one SMS as one part without UDH, whatever the multipart mode', async () => {
    const { sim, port } = await fx.start();
    const rx = await fx.bind(port, 'receiver');
    for (const multipart of ['udh', 'udh16', 'sar'] as const) {
      expect(sim.injectMo({ from: '1', to: '2', text: `short ${multipart}`, multipart })).toBe(1);
    }
    const pdus = await rx.collect('deliver_sm', 3);
    expect(pdus.map((p) => nodeText(p))).toEqual(['short udh', 'short udh16', 'short sar']);
    for (const p of pdus) {
      expect(p.esm_class).toBe(0);
      expect(p.sar_msg_ref_num).toBeUndefined();
    }
  });
});

describe('MO routing', () => {
  it('goes to receiver and transceiver binds only, and waits in the queue until one binds', async () => {
    const { sim, port } = await fx.start();
    const tx = await fx.bind(port, 'transmitter');
    sim.injectMo({ from: '27831234567', to: '1234', text: 'queued' });
    expect(sim.stats().queued_deliveries).toBe(1);
    const delivered = nextEvent(sim, 'delivered');
    const trx = await fx.bind(port, 'transceiver');
    expect(nodeText(await trx.next('deliver_sm'))).toBe('queued');
    await delivered;
    expect(sim.stats().queued_deliveries).toBe(0);
    expect(tx.received.filter((p) => p.command === 'deliver_sm')).toEqual([]);
  });

  it('goes to the account named by system_id, the first account otherwise', async () => {
    const { sim, port } = await fx.start({
      accounts: [
        { system_id: 'first', password: 'a' },
        { system_id: 'second', password: 'b' },
      ],
    });
    const first = await fx.bind(port, 'receiver', { system_id: 'first', password: 'a' });
    const second = await fx.bind(port, 'receiver', { system_id: 'second', password: 'b' });
    sim.injectMo({ from: '1', to: '2', text: 'for second', system_id: 'second' });
    sim.injectMo({ from: '1', to: '2', text: 'for first' });
    expect(nodeText(await second.next('deliver_sm'))).toBe('for second');
    expect(nodeText(await first.next('deliver_sm'))).toBe('for first');
    expect(first.received.filter((p) => p.command === 'deliver_sm')).toHaveLength(1);
    expect(second.received.filter((p) => p.command === 'deliver_sm')).toHaveLength(1);
  });
});

describe('refused MO requests', () => {
  it('answers a body that is not JSON with 400', async () => {
    const { port, httpPort } = await fx.start({ http_port: 0 });
    await fx.bind(port, 'receiver');
    const answer = await http(httpPort, 'POST', '/mo', '{"from": "123", "to": ');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: 'body is not valid JSON' });
  });

  it('answers a request without a required field or with a bad value with 400 naming the field', async () => {
    const { httpPort } = await fx.start({ http_port: 0 });
    const missing = await http(httpPort, 'POST', '/mo', { from: '123', text: 'hi' });
    expect(missing.status).toBe(400);
    expect((missing.body as { error: string }).error).toMatch(/^to: /);
    const bad = await http(httpPort, 'POST', '/mo', { from: '123', to: '456', text: 'hi', multipart: 'fax' });
    expect(bad.status).toBe(400);
    expect((bad.body as { error: string }).error).toMatch(/^multipart: /);
  });

  it('answers an MO for a system_id that is no account with 400, instead of queueing it for ever', async () => {
    const { sim, httpPort } = await fx.start({ http_port: 0 });
    const answer = await http(httpPort, 'POST', '/mo', { from: '123', to: '456', text: 'hi', system_id: 'nobody' });
    expect(answer.status).toBe(400);
    expect((answer.body as { error: string }).error).toContain('nobody');
    expect(sim.stats().queued_deliveries).toBe(0);
  });

  it('answers text the data_coding cannot carry with 400 and the encoding error, and sends nothing', async () => {
    const { sim, port, httpPort } = await fx.start({ http_port: 0 });
    const rx = await fx.bind(port, 'receiver');
    const answer = await http(httpPort, 'POST', '/mo', { from: '123', to: '456', text: 'hi 👋', data_coding: 0 });
    expect(answer.status).toBe(400);
    expect((answer.body as { error: string }).error).toMatch(/cannot encode "👋".*data_coding 0/);
    expect(() => sim.injectMo({ from: '123', to: '456', text: 'Ω', data_coding: 3 })).toThrow(TextEncodingError);
    expect(sim.stats().queued_deliveries).toBe(0);
    // Nothing went out before the next, valid MO.
    sim.injectMo({ from: '123', to: '456', text: 'valid' });
    expect(nodeText(await rx.next('deliver_sm'))).toBe('valid');
    expect(rx.received.filter((p) => p.command === 'deliver_sm')).toHaveLength(1);
  });

  it('answers an unknown route or method with 404', async () => {
    const { httpPort } = await fx.start({ http_port: 0 });
    expect(await http(httpPort, 'POST', '/nowhere', {})).toEqual({ status: 404, body: { error: 'no route POST /nowhere' } });
    expect((await http(httpPort, 'GET', '/mo')).status).toBe(404);
  });

  it('refuses an injectMo without from with a validation error', async () => {
    const { sim } = await fx.start();
    expect(() => sim.injectMo({ to: '1234', text: 'x' } as unknown as MoRequest)).toThrow(/from/);
  });
});
