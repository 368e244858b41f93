import { beforeEach, describe, expect, it } from 'vitest';
import { decodePdu, encodePdu } from '../../src/index.js';
import { RECEIPT_TEXT, REFERENCE_VECTORS as vectors, SUBMIT_10C as submitBase, hex } from '../helpers/reference-vectors.js';

describe('reference §10 byte vectors', () => {
  beforeEach(() => {
    expect.hasAssertions();
  });

  it.each(vectors)('$name: encodes to the reference bytes', ({ bytes, pdu }) => {
    expect(encodePdu(pdu).toString('hex')).toBe(hex(bytes).toString('hex'));
  });

  it.each(vectors)('$name: decodes to the reference fields', ({ bytes, pdu }) => {
    expect(decodePdu(hex(bytes))).toEqual(pdu);
  });

  it('10c: sm_length is the octet count of short_message (offset 47)', () => {
    const bytes = encodePdu({ ...submitBase, sequence_number: 2, short_message: Buffer.from('hello') });
    expect(bytes.length).toBe(0x35);
    expect(bytes[47]).toBe(5);
  });

  it('10e: the receipt vector is 171 octets with sm_length 105', () => {
    const receipt = vectors.find((v) => v.name.startsWith('10e deliver_sm delivery'));
    const bytes = hex(receipt!.bytes);
    expect(bytes.length).toBe(171);
    expect(RECEIPT_TEXT.length).toBe(0x69);
  });
});
