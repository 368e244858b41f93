import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { TextDecodingError, buildConcatUdh, buildUdh, concatElement, decodeText, encodeText, packSeptets, portsElement, udhFillBits } from '../../../src/encoding/index.js';
import { padSeptetsForPacking } from '../../../src/encoding/septet-packing.js';
import { decodePdu, encodePdu } from '../../../src/pdu/index.js';
import type { PduOf } from '../../../src/pdu/index.js';
import {
  decodeAsFor,
  decodeOctets,
  decodeUserData,
  extractUserData,
  multipartKey,
  reassembleMultipart,
  storedPart,
  userDataOctets,
} from '../../../src/transport/inbound/short-message.js';
import type { InboundPdu, ShortMessageOptions } from '../../../src/transport/inbound/short-message.js';
import { pduOf } from '../../helpers/pdu-arbitraries.js';
import { bytes, dataSm, deliverSm, latin1 } from './pdus.js';

beforeEach(() => {
  expect.hasAssertions();
});

const textOf = (pdu: InboundPdu, options: ShortMessageOptions = {}): ReturnType<typeof decodeUserData> =>
  decodeUserData(extractUserData(pdu, options), options);

/** The multipart cache's contract (SmppCache.storeMultipartPart), in memory, for these tests. */
function partCache(): (key: string, total: number, sequence: number, part: Buffer) => Buffer[] | undefined {
  const sets = new Map<string, Map<number, Buffer>>();
  return (key, total, sequence, part) => {
    const id = `${key}|${total}`;
    const set = sets.get(id) ?? new Map<number, Buffer>();
    set.set(sequence, part);
    sets.set(id, set);
    if (set.size < total) return undefined;
    sets.delete(id);
    return Array.from({ length: total }, (_, i) => set.get(i + 1)!);
  };
}

/** Feeds PDUs through extract → storedPart → cache; returns the reassembled text of the set they complete. */
function reassemble(pdus: readonly InboundPdu[], options: ShortMessageOptions = {}): ReturnType<typeof reassembleMultipart> | undefined {
  const store = partCache();
  let result: ReturnType<typeof reassembleMultipart> | undefined;
  for (const pdu of pdus) {
    const userData = extractUserData(pdu, options);
    const mp = userData.multipart;
    if (mp === undefined) throw new Error('not a part');
    const key = multipartKey({ source_addr: pdu.source_addr, destination_addr: pdu.destination_addr, reference: mp.reference, total: mp.total });
    const parts = store(key, mp.total, mp.sequence, storedPart(userData, options));
    if (parts !== undefined) result = reassembleMultipart(parts);
  }
  return result;
}

describe('where the text is', () => {
  it('short_message (vumi2 test_short_message)', () => {
    expect(textOf(deliverSm({ short_message: latin1('test message') }))).toEqual({ text: 'test message' });
  });

  it('message_payload over short_message (test_short_message_message_payload)', () => {
    expect(textOf(deliverSm({ message_payload: latin1('test message') }))).toEqual({ text: 'test message' });
    expect(userDataOctets(deliverSm({ message_payload: latin1('x') })).field).toBe('message_payload');
  });

  it('an empty message_payload does not hide short_message', () => {
    expect(textOf(deliverSm({ short_message: latin1('hi'), message_payload: Buffer.alloc(0) })).text).toBe('hi');
  });

  it('data_sm: message_payload', () => {
    expect(textOf(dataSm({ message_payload: latin1('from data sm') })).text).toBe('from data sm');
    expect(textOf(dataSm()).text).toBe('');
  });

  it("the wire example of vumi2 reference §5.5 decodes to 'test message'", () => {
    const pdu = decodePdu(
      bytes('0000003e 00000005 00000000 00000000 00 00 00 323738323030303130303100 00 00 31323334353600 00 00 00 00 00 00 00 00 00 0c 74657374206d657373616765'),
    ) as PduOf<'deliver_sm'>;
    expect(textOf(pdu)).toEqual({ text: 'test message' });
  });
});

describe('decoding per data_coding', () => {
  const cases: [number, string][] = [
    [0x00, 'Knights who say "Nì!" {€}'],
    [0x01, 'Hello {world} ~`'],
    [0x03, 'Grüße, café £5'],
    [0x05, 'SMS テスト 日本語'],
    [0x06, 'Привет, мир!'],
    [0x07, 'שלום עולם'],
    [0x08, 'é😀 Привет 日本'],
    [0x10, 'GSM class 0 @£$'],
    [0x18, 'UCS2 class 0 😀'],
    [0xc8, 'MWI store, 7-bit'],
    [0xe0, 'MWI UCS2 é😀'],
    [0xf0, 'flash message'],
    [0xf1, 'class 1 ÄÖÜ'],
  ];
  for (const [dataCoding, text] of cases) {
    it(`data_coding 0x${dataCoding.toString(16).padStart(2, '0')}: ${text}`, () => {
      const short_message = encodeText(text, dataCoding);
      expect(textOf(deliverSm({ data_coding: dataCoding, short_message }))).toEqual({ text });
    });
  }

  it('the GSM vector of vumi2: N\\x07 is Nì', () => {
    expect(textOf(deliverSm({ short_message: latin1('Knights who say "N\x07!"') })).text).toBe('Knights who say "Nì!"');
  });

  it('binary codings (2, 4, 0xF4–0xF7) read as Latin-1, one character per octet, by default', () => {
    const all = Buffer.from(Array.from({ length: 254 }, (_, i) => i + 1));
    for (const dataCoding of [0x02, 0x04, 0xf4, 0xf6]) {
      expect(textOf(deliverSm({ data_coding: dataCoding, short_message: all }))).toEqual({ text: all.toString('latin1') });
    }
  });

  it('a data_coding we have no table for: one character per octet, and an error', () => {
    for (const dataCoding of [0x09, 0x0a, 0x0e, 0x0b, 0x40]) {
      const decoded = textOf(deliverSm({ data_coding: dataCoding, short_message: bytes('41 42 c3') }));
      expect(decoded.text).toBe('AB\u00c3');
      expect(decoded.error).toMatchObject({ kind: 'unsupported_data_coding', raw: bytes('41 42 c3') });
    }
  });

  it('invalid octets become U+FFFD, with an error naming them (never a throw)', () => {
    const gsm = textOf(deliverSm({ short_message: Buffer.concat([bytes('a4 e8'), latin1(' bad bytes')]) }));
    expect(gsm.text).toBe('\ufffd\ufffd bad bytes');
    expect(gsm.error).toMatchObject({ kind: 'invalid_octets' });
    expect(gsm.error?.message).toMatch(/data_coding 0/);

    const oddUcs2 = textOf(deliverSm({ data_coding: 8, short_message: bytes('00 41 00') }));
    expect(oddUcs2).toMatchObject({ text: 'A\ufffd', error: { kind: 'invalid_octets', raw: bytes('00 41 00') } });

    const loneSurrogate = textOf(deliverSm({ data_coding: 8, short_message: bytes('D8 3D 00 41') }));
    expect(loneSurrogate.text).toBe('\ufffdA');

    const ascii = textOf(deliverSm({ data_coding: 1, short_message: bytes('41 ff') }));
    expect(ascii.text).toBe('A\ufffd');

    // A lone ESC at the very end carries no character; the decoder drops it (vumi2 crashed).
    expect(textOf(deliverSm({ short_message: bytes('41 1b') }))).toEqual({ text: 'A' });
  });

  it('JIS with a broken escape sequence', () => {
    const decoded = textOf(deliverSm({ data_coding: 5, short_message: bytes('1B 24 42 46') }));
    expect(decoded.error?.kind).toBe('invalid_octets');
  });
});

describe('data_coding_overrides', () => {
  it("vumi2's fixture: OCTET_UNSPECIFIED → ascii (test_short_message_codec_override)", () => {
    const options = { dataCodingOverrides: { 2: 1 } };
    expect(textOf(deliverSm({ data_coding: 2, short_message: latin1('test message') }), options)).toEqual({ text: 'test message' });
  });

  it('4 → ascii rejects octets above 0x7F where the default would have taken them', () => {
    const short_message = bytes('41 e9');
    expect(textOf(deliverSm({ data_coding: 4, short_message })).text).toBe('Aé');
    expect(textOf(deliverSm({ data_coding: 4, short_message }), { dataCodingOverrides: { 4: 1 } })).toMatchObject({ text: 'A\ufffd', error: { kind: 'invalid_octets' } });
  });

  it('the SMSC default alphabet read as Latin-1 (an SMSC whose 0 is not GSM)', () => {
    expect(textOf(deliverSm({ data_coding: 0, short_message: latin1('café | {x}') }), { dataCodingOverrides: { 0: 3 } }).text).toBe('café | {x}');
  });

  it('a coding with no table of its own gets one (9 → UCS2)', () => {
    expect(textOf(deliverSm({ data_coding: 9, short_message: encodeText('é', 8) }), { dataCodingOverrides: { 9: 8 } })).toEqual({ text: 'é' });
  });

  it('UTF-8, which has no data_coding', () => {
    const options = { dataCodingOverrides: { 4: 'utf-8' as const } };
    expect(textOf(deliverSm({ data_coding: 4, short_message: Buffer.from('héllo ✓ 😀', 'utf8') }), options)).toEqual({ text: 'héllo ✓ 😀' });
    expect(textOf(deliverSm({ data_coding: 4, short_message: bytes('41 c3') }), options)).toMatchObject({ text: 'A\ufffd', error: { kind: 'invalid_octets' } });
  });

  it('only own keys count', () => {
    expect(decodeAsFor(0, {})).toBe(0);
    expect(decodeAsFor(3, { 3: 1 })).toBe(1);
    expect(decodeAsFor(3, undefined)).toBe(3);
  });

  it('an override out of range does not throw: the octets come back with an error', () => {
    expect(textOf(deliverSm({ short_message: latin1('x') }), { dataCodingOverrides: { 0: 300 } })).toMatchObject({ text: 'x', error: { kind: 'unsupported_data_coding' } });
  });
});

describe('the User Data Header (esm_class UDHI, smpp reference §8.1)', () => {
  it('a concatenation header is stripped and read (8-bit reference)', () => {
    const ud = extractUserData(deliverSm({ esm_class: 0x40, short_message: Buffer.concat([buildConcatUdh(0xcc, 3, 2), latin1('part')]) }));
    expect(ud.payload.toString('latin1')).toBe('part');
    expect(ud.multipart).toEqual({ reference: 0xcc, total: 3, sequence: 2, referenceBits: 8, via: 'udh' });
  });

  it('16-bit reference', () => {
    const ud = extractUserData(deliverSm({ esm_class: 0x40, short_message: Buffer.concat([buildConcatUdh(0x1234, 2, 1, 16), latin1('part')]) }));
    expect(ud.multipart).toEqual({ reference: 0x1234, total: 2, sequence: 1, referenceBits: 16, via: 'udh' });
  });

  it('a port header (WAP push 2948 ← 9200) is stripped, not decoded as text', () => {
    const short_message = Buffer.concat([bytes('06 05 04 0B 84 23 F0'), latin1('payload')]);
    const pdu = deliverSm({ esm_class: 0x40, data_coding: 4, short_message });
    const ud = extractUserData(pdu);
    expect(ud.udh?.ports).toEqual({ destinationPort: 2948, sourcePort: 9200, portBits: 16 });
    expect(ud.multipart).toBeUndefined();
    expect(decodeUserData(ud)).toEqual({ text: 'payload' });
  });

  it('ports and concatenation in one header', () => {
    const udh = buildUdh([portsElement({ destinationPort: 5000, sourcePort: 5001 }), concatElement({ reference: 9, total: 2, sequence: 2 })]);
    const ud = extractUserData(deliverSm({ esm_class: 0x40, short_message: Buffer.concat([udh, latin1('abc')]) }));
    expect(ud.multipart).toMatchObject({ reference: 9, total: 2, sequence: 2 });
    expect(ud.udh?.ports?.destinationPort).toBe(5000);
    expect(decodeUserData(ud).text).toBe('abc');
  });

  it('a national language shift header is stripped too', () => {
    expect(textOf(deliverSm({ esm_class: 0x40, short_message: Buffer.concat([bytes('03 24 01 01'), latin1('abc')]) })).text).toBe('abc');
  });

  it('a header whose lengths do not fit: no throw, the octets are kept as text, and the problem is reported', () => {
    const ud = extractUserData(deliverSm({ esm_class: 0x40, short_message: bytes('09 00 03 01') }));
    expect(ud.udhError).toMatch(/UDHL 9 runs past/);
    expect(ud.payload).toEqual(bytes('09 00 03 01'));
    expect(ud.multipart).toBeUndefined();
    expect(extractUserData(deliverSm({ esm_class: 0x40 })).udhError).toMatch(/empty/);
  });

  it("without UDHI, the two concatenation prefixes still count, as in vumi2 (test_short_message_extract_multipart)", () => {
    expect(extractUserData(deliverSm({ short_message: Buffer.concat([bytes('05 00 03 03 02 01'), latin1('part1')]) }))).toMatchObject({
      multipart: { reference: 3, total: 2, sequence: 1, referenceBits: 8 },
      payload: latin1('part1'),
    });
    expect(extractUserData(deliverSm({ short_message: Buffer.concat([bytes('06 08 04 01 01 02 01'), latin1('part1')]) }))).toMatchObject({
      multipart: { reference: 257, total: 2, sequence: 1, referenceBits: 16 },
      payload: latin1('part1'),
    });
    expect(extractUserData(deliverSm({ short_message: latin1('part1') })).multipart).toBeUndefined();
  });

  it('…unless turned off, or the values are invalid (then the octets are text, as in vumi2)', () => {
    const short_message = Buffer.concat([bytes('05 00 03 03 02 01'), latin1('part1')]);
    expect(extractUserData(deliverSm({ short_message }), { concatUdhWithoutUdhi: false })).toMatchObject({ payload: short_message });
    const invalid = Buffer.concat([bytes('05 00 03 03 02 03'), latin1('part1')]);
    const ud = extractUserData(deliverSm({ short_message: invalid }));
    expect(ud.multipart).toBeUndefined();
    expect(ud.payload).toEqual(invalid);
  });

  it('without UDHI, a port header is not guessed at', () => {
    const short_message = Buffer.concat([bytes('06 05 04 0B 84 23 F0'), latin1('x')]);
    expect(extractUserData(deliverSm({ short_message })).udh).toBeUndefined();
  });
});

describe('SAR TLVs (smpp reference §8.2)', () => {
  it('all three → part info; short_message is the part (test_short_message_extract_multipart)', () => {
    const ud = extractUserData(deliverSm({ short_message: latin1('part1'), sar_msg_ref_num: 3, sar_total_segments: 2, sar_segment_seqnum: 1 }));
    expect(ud.multipart).toEqual({ reference: 3, total: 2, sequence: 1, referenceBits: 16, via: 'sar' });
    expect(ud.payload).toEqual(latin1('part1'));
  });

  it('two of three are ignored; so is a segment beyond the total', () => {
    expect(extractUserData(deliverSm({ short_message: latin1('p'), sar_msg_ref_num: 3, sar_total_segments: 2 })).multipart).toBeUndefined();
    expect(extractUserData(deliverSm({ short_message: latin1('p'), sar_msg_ref_num: 3, sar_total_segments: 2, sar_segment_seqnum: 3 })).multipart).toBeUndefined();
  });

  it('SAR wins over a UDH', () => {
    const ud = extractUserData(deliverSm({ esm_class: 0x40, short_message: Buffer.concat([buildConcatUdh(1, 3, 3), latin1('x')]), sar_msg_ref_num: 500, sar_total_segments: 2, sar_segment_seqnum: 2 }));
    expect(ud.multipart).toMatchObject({ reference: 500, via: 'sar' });
  });

  it('data_sm parts in message_payload', () => {
    const ud = extractUserData(dataSm({ message_payload: latin1('a'), sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: 2 }));
    expect(ud).toMatchObject({ field: 'message_payload', multipart: { sequence: 2 } });
  });
});

describe('reassembly: octets concatenated in order, decoded once', () => {
  const sar = (ref: number, total: number, seq: number, part: Buffer, extra: Parameters<typeof deliverSm>[0] = {}): PduOf<'deliver_sm'> =>
    deliverSm({ short_message: part, sar_msg_ref_num: ref, sar_total_segments: total, sar_segment_seqnum: seq, ...extra });
  const udh = (ref: number, total: number, seq: number, part: Buffer, bits: 8 | 16, extra: Parameters<typeof deliverSm>[0] = {}): PduOf<'deliver_sm'> =>
    deliverSm({ esm_class: 0x40, short_message: Buffer.concat([buildConcatUdh(ref, total, seq, bits), part]), ...extra });

  it("vumi2's test_short_message_multipart: part1 + part2", () => {
    expect(reassemble([sar(3, 2, 1, latin1('part1')), sar(3, 2, 2, latin1('part2'))])).toEqual({ text: 'part1part2' });
  });

  it('an emoji split between UCS2 parts, even mid code unit, in any order (8- and 16-bit references)', () => {
    const text = 'Hi 😀 there, ünïcödé 日本';
    const octets = encodeText(text, 8);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: octets.length - 1 }), { minLength: 1, maxLength: 5 }).map((cuts) => cuts.sort((a, b) => a - b)),
        fc.constantFrom<8 | 16>(8, 16),
        fc.func(fc.integer()),
        (cuts, bits, order) => {
          const bounds = [0, ...cuts, octets.length];
          const parts = bounds.slice(1).map((end, i) => octets.subarray(bounds[i], end));
          const pdus = parts.map((part, i) => udh(bits === 8 ? 200 : 40000, parts.length, i + 1, part, bits, { data_coding: 8 }));
          const shuffled = pdus.map((pdu, i) => ({ pdu, k: order(i) })).sort((a, b) => a.k - b.k).map((x) => x.pdu);
          expect(reassemble(shuffled)).toEqual({ text });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decoding each part alone (what vumi2 does) would have failed on the same split', () => {
    const octets = encodeText('a😀b', 8);
    expect(() => decodeText(octets.subarray(0, 4), 8)).toThrow(TextDecodingError);
    expect(reassemble([udh(1, 2, 2, octets.subarray(4), 8, { data_coding: 8 }), udh(1, 2, 1, octets.subarray(0, 4), 8, { data_coding: 8 })])).toEqual({ text: 'a😀b' });
  });

  it('a GSM escape split from the character it escapes (€ = 1B 65)', () => {
    const octets = encodeText('Price: 10€ {ok}', 0);
    const cut = octets.indexOf(0x1b) + 1;
    const pdus = [sar(77, 2, 2, octets.subarray(cut)), sar(77, 2, 1, octets.subarray(0, cut))];
    expect(reassemble(pdus)).toEqual({ text: 'Price: 10€ {ok}' });
  });

  it('packed GSM parts after a UDH, each with its own fill bits, an escape split between them', () => {
    const septets = encodeText('Total 5€ now', 0);
    const cut = septets.indexOf(0x1b) + 1;
    const header = (seq: number): Buffer => buildConcatUdh(5, 2, seq);
    const packedPart = (seq: number, part: Uint8Array): Buffer => {
      const fill = udhFillBits(header(seq).length);
      return Buffer.concat([header(seq), packSeptets(padSeptetsForPacking(part, fill), fill)]);
    };
    const options = { gsmPacked: true };
    const pdus = [
      deliverSm({ esm_class: 0x40, short_message: packedPart(2, septets.subarray(cut)) }),
      deliverSm({ esm_class: 0x40, short_message: packedPart(1, septets.subarray(0, cut)) }),
    ];
    expect(reassemble(pdus, options)).toEqual({ text: 'Total 5€ now' });
  });

  it('a single packed GSM message', () => {
    expect(textOf(deliverSm({ short_message: encodeText('hello packed world', 0, { gsmPacked: true }) }), { gsmPacked: true })).toEqual({ text: 'hello packed world' });
  });

  it('parts that disagree about their coding decode run by run', () => {
    const pdus = [sar(9, 3, 1, encodeText('GSM ', 0)), sar(9, 3, 2, encodeText('ŨĈŜ2 😀', 8), { data_coding: 8 }), sar(9, 3, 3, encodeText(' again', 0))];
    expect(reassemble(pdus)).toEqual({ text: 'GSM ŨĈŜ2 😀 again' });
  });

  it('a bad part spoils only itself: replacement characters, an error, no throw', () => {
    const pdus = [sar(4, 2, 1, latin1('ok ')), sar(4, 2, 2, bytes('80 41'))];
    expect(reassemble(pdus)).toMatchObject({ text: 'ok \ufffdA', error: { kind: 'invalid_octets' } });
  });

  it('stored parts that are not ours (empty, untagged) do not throw', () => {
    expect(reassembleMultipart([Buffer.alloc(0), latin1('\x09abc')])).toMatchObject({ error: { kind: 'malformed_part' } });
    expect(reassembleMultipart([])).toEqual({ text: '' });
  });

  it('decodeOctets is the policy in one place', () => {
    expect(decodeOctets(latin1('abc'), 1)).toEqual({ text: 'abc' });
    expect(decodeOctets(bytes('ff'), 1)).toMatchObject({ text: '\ufffd', error: { kind: 'invalid_octets' } });
    expect(decodeOctets(bytes('ff'), 0x0e)).toMatchObject({ text: 'ÿ', error: { kind: 'unsupported_data_coding' } });
  });
});

describe('multipartKey', () => {
  const base = { source_addr: '27820001001', destination_addr: '123456', reference: 3, total: 2 };

  it('names sender, recipient, reference and total: other senders never merge (vumi2 bug, §5.4)', () => {
    expect(multipartKey(base)).not.toBe(multipartKey({ ...base, source_addr: '27820001002' }));
    expect(multipartKey(base)).not.toBe(multipartKey({ ...base, destination_addr: '654321' }));
    expect(multipartKey(base)).not.toBe(multipartKey({ ...base, reference: 4 }));
    expect(multipartKey(base)).not.toBe(multipartKey({ ...base, total: 3 }));
    expect(multipartKey(base)).toBe(multipartKey({ ...base }));
  });

  it('colons in addresses cannot make two keys equal; the scope separates binds', () => {
    expect(multipartKey({ ...base, source_addr: 'a:b', destination_addr: 'c' })).not.toBe(multipartKey({ ...base, source_addr: 'a', destination_addr: 'b:c' }));
    expect(multipartKey(base, 'account-1')).not.toBe(multipartKey(base, 'account-2'));
    expect(multipartKey(base, 'x:y')).toBe('x%3Ay:27820001001:123456:3:2');
  });

  it('two senders with the same reference assemble two messages', () => {
    const store = partCache();
    const feed = (pdu: InboundPdu): string | undefined => {
      const ud = extractUserData(pdu);
      const mp = ud.multipart!;
      const parts = store(multipartKey({ source_addr: pdu.source_addr, destination_addr: pdu.destination_addr, reference: mp.reference, total: mp.total }), mp.total, mp.sequence, storedPart(ud));
      return parts === undefined ? undefined : reassembleMultipart(parts).text;
    };
    const part = (from: string, seq: number, text: string): PduOf<'deliver_sm'> =>
      deliverSm({ source_addr: from, short_message: latin1(text), sar_msg_ref_num: 1, sar_total_segments: 2, sar_segment_seqnum: seq });
    expect(feed(part('A', 1, 'A1'))).toBeUndefined();
    expect(feed(part('B', 2, 'B2'))).toBeUndefined();
    expect(feed(part('A', 2, 'A2'))).toBe('A1A2');
    expect(feed(part('B', 1, 'B1'))).toBe('B1B2');
  });
});

describe('never throws', () => {
  it('on any deliver_sm the codec can carry, under any options', () => {
    fc.assert(
      fc.property(
        pduOf('deliver_sm'),
        fc.boolean(),
        fc.dictionary(fc.integer({ min: 0, max: 255 }).map(String), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constant<'utf-8'>('utf-8'))),
        (input, gsmPacked, overrides) => {
          const pdu = decodePdu(encodePdu(input)) as PduOf<'deliver_sm'>;
          const options = { gsmPacked, dataCodingOverrides: overrides as Record<number, number | 'utf-8'> };
          const ud = extractUserData(pdu, options);
          expect(typeof decodeUserData(ud, options).text).toBe('string');
          expect(typeof reassembleMultipart([storedPart(ud, options), storedPart(ud, options)]).text).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});
