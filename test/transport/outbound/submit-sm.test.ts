import { beforeEach, describe, expect, it } from 'vitest';
import { decodeText, encodePdu, parseUdh } from '../../../src/index.js';
import { createMessage } from '../../../src/transport/messages.js';
import type { VumiMessageInput } from '../../../src/transport/messages.js';
import { submitSmOptionsOf, submitSmProcessorConfigSchema } from '../../../src/transport/config.js';
import { UnsendableMessageError, buildSubmitSms } from '../../../src/transport/outbound/submit-sm.js';
import type { SubmitSmOptions } from '../../../src/transport/outbound/submit-sm.js';

/** What an empty submit_sm_processor_config gives: vumi2's defaults. */
const DEFAULT_SUBMIT_SM_OPTIONS = submitSmOptionsOf(submitSmProcessorConfigSchema.parse({}));

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex').toString('hex');

const message = (fields: Partial<VumiMessageInput> = {}) =>
  createMessage({
    to_addr: '+27820001001',
    from_addr: '12345',
    transport_name: 'smpp',
    transport_type: 'sms',
    content: 'test',
    ...fields,
  });

/** The sequencer vumi2's tests start with: every reference consumes the next number. */
function counter() {
  let n = 0;
  return () => ++n;
}

async function wire(fields: Partial<VumiMessageInput>, options: Partial<SubmitSmOptions> = {}, firstSeq = 1): Promise<string[]> {
  const next = counter();
  const pdus = await buildSubmitSms(message(fields), { ...DEFAULT_SUBMIT_SM_OPTIONS, ...options }, next);
  // vumi2's sequencer hands references and sequence numbers out of one counter.
  let seq = firstSeq + (pdus.length > 1 ? 1 : 0);
  return pdus.map((p) => encodePdu({ command: 'submit_sm', sequence_number: seq++, ...p }).toString('hex'));
}

beforeEach(() => {
  expect.hasAssertions();
});

describe("vumi2's outbound wire vectors (reference §4.9)", () => {
  it('default config, "test"', async () => {
    expect(await wire({ content: 'test' })).toEqual([
      hex('00000036 00000004 00000000 00000001 00 00 00 313233343500 00 01 2b323738323030303130303100 00 00 00 00 00 00 00 00 00 04 74657374'),
    ]);
  });

  it('GSM "Knights who say "Nì!"" (ì → 0x07)', async () => {
    expect(await wire({ content: 'Knights who say "Nì!"' })).toEqual([
      hex('00000047 00000004 00000000 00000001 00 00 00 313233343500 00 01 2b323738323030303130303100 00 00 00 00 00 00 00 00 00 15 4b6e69676874732077686f2073617920224e072122'),
    ]);
  });

  it('content null is an empty short_message', async () => {
    expect(await wire({ content: null }, {}, 2)).toEqual([
      hex('00000032 00000004 00000000 00000002 00 00 00 313233343500 00 01 2b323738323030303130303100 00 00 00 00 00 00 00 00 00 00'),
    ]);
  });

  it('custom config: IA5, TONs/NPIs, receipt + manual ack + intermediate, service_type WAP', async () => {
    const options = {
      data_coding: 1,
      service_type: 'WAP',
      source_addr_ton: 4,
      source_addr_npi: 8,
      dest_addr_ton: 1,
      dest_addr_npi: 4,
      registered_delivery: 0x19,
    };
    expect(await wire({ content: 'Knights who say "Ni!"' }, options)).toEqual([
      hex('0000004a 00000004 00000000 00000001 57415000 04 08 313233343500 01 04 2b323738323030303130303100 00 00 00 00 00 19 00 01 00 15 4b6e69676874732077686f2073617920224e692122'),
    ]);
  });

  it('SAR: 200 GSM characters in two parts of 153 and 47, reference from the sequencer', async () => {
    const [first, second] = await wire({ content: '1234567890'.repeat(20) }, { multipart_handling: 'multipart_sar' });
    const digits = (s: string) => Buffer.from(s).toString('hex');
    expect(first).toBe(
      hex(`000000db 00000004 00000000 00000002 00 00 00 313233343500 00 01 2b323738323030303130303100 00 00 00 00 00 00 00 00 00 99`) +
        digits('1234567890'.repeat(15) + '123') +
        hex('020c 0002 0001 020e 0001 02 020f 0001 01'),
    );
    expect(second).toBe(
      hex('00000071 00000004 00000000 00000003 00 00 00 313233343500 00 01 2b323738323030303130303100 00 00 00 00 00 00 00 00 00 2f') +
        digits('4567890' + '1234567890'.repeat(4)) +
        hex('020c 0002 0001 020e 0001 02 020f 0001 02'),
    );
  });

  it('UDH, LATIN_1: 134 + 66 octets with 05 00 03 01 02 0N, and UDHI set (vumi2 leaves it clear)', async () => {
    const pdus = await buildSubmitSms(message({ content: '1234567890'.repeat(20) }), {
      ...DEFAULT_SUBMIT_SM_OPTIONS,
      data_coding: 3,
      multipart_handling: 'multipart_udh',
    }, counter());
    expect(pdus).toHaveLength(2);
    expect(pdus.map((p) => p.esm_class)).toEqual([0x40, 0x40]);
    expect(pdus[0]!.short_message!.subarray(0, 6).toString('hex')).toBe('050003010201');
    expect(pdus[0]!.short_message!.length).toBe(6 + 134);
    expect(pdus[1]!.short_message!.subarray(0, 6).toString('hex')).toBe('050003010202');
    expect(pdus[1]!.short_message!.length).toBe(6 + 66);
  });

  it('message_payload: 210 octets in the TLV, sm_length 0', async () => {
    const [pdu] = await wire({ content: 'Knights who say "Nì!"'.repeat(10) }, { multipart_handling: 'message_payload' });
    expect(pdu!.slice(0, 8)).toBe('00000108');
    expect(pdu).toContain(hex('00 00 0424 00d2'));
  });

  it('IA5, 160 characters, fits in one part without UDH', async () => {
    const pdus = await buildSubmitSms(message({ content: 'x'.repeat(160) }), {
      ...DEFAULT_SUBMIT_SM_OPTIONS,
      data_coding: 1,
      multipart_handling: 'multipart_udh',
    }, counter());
    expect(pdus).toHaveLength(1);
    expect(pdus[0]!.esm_class).toBeUndefined();
  });
});

describe('beyond vumi2', () => {
  it('never splits a surrogate pair: UCS2 parts each decode on their own', async () => {
    const text = 'a'.repeat(66) + '😀' + 'b'.repeat(70);
    const pdus = await buildSubmitSms(message({ content: text }), {
      ...DEFAULT_SUBMIT_SM_OPTIONS,
      data_coding: 8,
      multipart_handling: 'multipart_udh',
    }, counter());
    const texts = pdus.map((p) => decodeText(parseUdh(p.short_message!).payload, 8));
    expect(texts.join('')).toBe(text);
  });

  it('16-bit UDH references when asked', async () => {
    const pdus = await buildSubmitSms(message({ content: 'x'.repeat(400) }), {
      ...DEFAULT_SUBMIT_SM_OPTIONS,
      multipart_handling: 'multipart_udh',
      multipart_udh_reference_bits: 16,
    }, () => 0x1234);
    expect(parseUdh(pdus[0]!.short_message!).concat).toMatchObject({ reference: 0x1234, referenceBits: 16, total: 3 });
  });

  it('content the coding cannot carry is an error naming the character, not a silent drop', async () => {
    const err = await buildSubmitSms(message({ content: 'hi 😀' }), DEFAULT_SUBMIT_SM_OPTIONS, counter()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsendableMessageError);
    expect((err as Error).message).toMatch(/cannot encode "😀"/);
  });

  it('short_message mode refuses more than 254 octets instead of crashing the writer', async () => {
    const err = await buildSubmitSms(message({ content: 'x'.repeat(255) }), DEFAULT_SUBMIT_SM_OPTIONS, counter()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsendableMessageError);
    expect((err as Error).message).toContain('254');
  });

  it('more than 255 parts is an error', async () => {
    const err = await buildSubmitSms(message({ content: 'x'.repeat(153 * 256) }), {
      ...DEFAULT_SUBMIT_SM_OPTIONS,
      multipart_handling: 'multipart_sar',
    }, counter()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsendableMessageError);
  });
});
