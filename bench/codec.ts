/**
 * PDU codec throughput: our `decodePdu` / `encodePdu` against node-smpp 0.5.1 (`new PDU(buffer)`,
 * `new PDU(command, options).toBuffer()`), same PDUs, same process, same run.
 *
 * What each side does per operation:
 * - decode, ours: bytes → plain object; short_message stays a Buffer.
 * - decode, node-smpp: bytes → PDU object, and its filters also turn short_message into text
 *   (data_coding 0 through its GSM table) and non-empty times into Dates. That is more work, so
 *   the "+ text" rows add our text decoding (`decodeText` from src/encoding, or latin1 when that
 *   module cannot be loaded) on top of our decode, against the same node-smpp decode.
 * - encode, ours: plain object → bytes. node-smpp: build its PDU object from the same options
 *   and call toBuffer() (its API needs the object; toBuffer mutates it, so it cannot be reused).
 *   short_message is given to both as a Buffer, so neither encodes text.
 *
 * Each sample times a batch of calls and reports the mean per call (tinybench's
 * overriddenDuration), because one call is far shorter than the timer's useful resolution.
 */
import { Bench } from 'tinybench';
import { decodePdu, encodePdu } from '../src/index.js';
import type { PduInput, PduOf } from '../src/index.js';
import { smpp } from '../test/helpers/node-smpp.js';
import { referenceVector } from '../test/helpers/reference-vectors.js';
import type { BenchOptions, BenchSuite } from './index.js';
import { batched, measured, ops, sinkBit } from './ops.js';

// The reference §10 vectors: §10c submit_sm "hello", §10e the delivery receipt, §10a enquire_link.
const submitVector = referenceVector('10c submit_sm');
const receiptVector = referenceVector('10e deliver_sm delivery receipt');
const enquireVector = referenceVector('10a enquire_link seq 1');
const submitBytes = submitVector.buffer;
const submitPdu = submitVector.pdu as PduOf<'submit_sm'>;
const receiptBytes = receiptVector.buffer;
const receiptPdu = receiptVector.pdu as PduOf<'deliver_sm'>;
const enquireBytes = enquireVector.buffer;
const enquirePdu = enquireVector.pdu;

/** node-smpp's options for the same PDU (it takes the same field names for these three). */
function nodeOptions(pdu: PduInput): Record<string, unknown> {
  const { command: _command, ...rest } = pdu;
  return rest;
}

type TextDecoder = (bytes: Uint8Array, dataCoding: number) => string;

/** src/encoding's decodeText when it loads, else latin1 (what data_coding 0 text is for ASCII). */
async function loadTextDecoder(): Promise<{ decode: TextDecoder; label: string }> {
  try {
    const encoding = await import('../src/encoding/index.js');
    if (typeof encoding.decodeText === 'function') {
      return { decode: (bytes, dc) => encoding.decodeText(bytes, dc), label: 'decodeText() from src/encoding' };
    }
  } catch {
    // Fall through: the encoding module is not there (yet) or does not load.
  }
  return { decode: (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1'), label: "Buffer#toString('latin1')" };
}

interface Row {
  name: string;
  ours: () => number;
  theirs: () => number;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`bench self-check failed: ${what}`);
}

/** The benchmarks measure the normal path: check both sides agree on every PDU first. */
function selfCheck(decodeText: TextDecoder): void {
  check(encodePdu(submitPdu).equals(submitBytes), 'our submit_sm encoding is the §10c vector');
  check(encodePdu(receiptPdu).equals(receiptBytes), 'our receipt encoding is the §10e vector');
  check(encodePdu(enquirePdu).equals(enquireBytes), 'our enquire_link encoding is the §10a vector');
  check(new smpp.PDU('submit_sm', nodeOptions(submitPdu)).toBuffer().equals(submitBytes), 'node-smpp submit_sm bytes');
  check(new smpp.PDU('deliver_sm', nodeOptions(receiptPdu)).toBuffer().equals(receiptBytes), 'node-smpp receipt bytes');
  check(new smpp.PDU('enquire_link', nodeOptions(enquirePdu)).toBuffer().equals(enquireBytes), 'node-smpp enquire_link bytes');
  const theirs = new smpp.PDU(receiptBytes);
  const ours = decodePdu(receiptBytes) as PduOf<'deliver_sm'>;
  check(theirs.receipted_message_id === ours.receipted_message_id, 'both decode receipted_message_id');
  const text = (theirs.short_message as { message: string }).message;
  check(decodeText(ours.short_message, ours.data_coding) === text, 'both decode the receipt text alike');
}

const BATCH = 100;

function rows(decodeText: TextDecoder): Row[] {
  const submitOptions = nodeOptions(submitPdu);
  const receiptOptions = nodeOptions(receiptPdu);
  const enquireOptions = nodeOptions(enquirePdu);
  return [
    {
      name: 'decode submit_sm (§10c)',
      ours: () => decodePdu(submitBytes).sequence_number,
      theirs: () => new smpp.PDU(submitBytes).sequence_number,
    },
    {
      name: 'decode submit_sm + text',
      ours: () => {
        const pdu = decodePdu(submitBytes) as PduOf<'submit_sm'>;
        return decodeText(pdu.short_message, pdu.data_coding).length;
      },
      theirs: () => (new smpp.PDU(submitBytes).short_message as { message: string }).message.length,
    },
    {
      name: 'decode deliver_sm receipt (§10e)',
      ours: () => decodePdu(receiptBytes).sequence_number,
      theirs: () => new smpp.PDU(receiptBytes).sequence_number,
    },
    {
      name: 'decode deliver_sm receipt + text',
      ours: () => {
        const pdu = decodePdu(receiptBytes) as PduOf<'deliver_sm'>;
        return decodeText(pdu.short_message, pdu.data_coding).length;
      },
      theirs: () => (new smpp.PDU(receiptBytes).short_message as { message: string }).message.length,
    },
    {
      name: 'decode enquire_link (§10a)',
      ours: () => decodePdu(enquireBytes).sequence_number,
      theirs: () => new smpp.PDU(enquireBytes).sequence_number,
    },
    {
      name: 'encode submit_sm',
      ours: () => encodePdu(submitPdu).length,
      theirs: () => new smpp.PDU('submit_sm', submitOptions).toBuffer().length,
    },
    {
      name: 'encode deliver_sm receipt',
      ours: () => encodePdu(receiptPdu).length,
      theirs: () => new smpp.PDU('deliver_sm', receiptOptions).toBuffer().length,
    },
    {
      name: 'encode enquire_link',
      ours: () => encodePdu(enquirePdu).length,
      theirs: () => new smpp.PDU('enquire_link', enquireOptions).toBuffer().length,
    },
  ];
}

export const codecSuite: BenchSuite = {
  name: 'codec',
  description: 'PDU decode/encode, ours vs node-smpp 0.5.1 (operations per second)',
  async run(options: BenchOptions): Promise<void> {
    const text = await loadTextDecoder();
    selfCheck(text.decode);
    const bench = new Bench({ time: options.timeMs, warmupTime: options.warmupMs, throws: true });
    const table = rows(text.decode);
    // Ours and theirs alternate, so a slow drift of the machine hits both columns alike.
    for (const row of table) {
      bench.add(`${row.name} | ours`, batched(row.ours, BATCH));
      bench.add(`${row.name} | node-smpp`, batched(row.theirs, BATCH));
    }
    await bench.run();
    const lines = [
      '| Operation | ours (ops/s) | node-smpp (ops/s) | ours / node-smpp |',
      '|---|--:|--:|--:|',
    ];
    for (const row of table) {
      const ours = measured(bench, `${row.name} | ours`);
      const theirs = measured(bench, `${row.name} | node-smpp`);
      lines.push(`| ${row.name} | ${ops(ours)} | ${ops(theirs)} | ${(ours.opsPerSec / theirs.opsPerSec).toFixed(2)}× |`);
    }
    console.log(lines.join('\n'));
    console.log(
      `\n"+ text" rows: ours = decodePdu + ${text.label}; node-smpp decodes the text in every decode row.` +
        `\n± is tinybench's relative margin of error (95%) of the mean; ${BATCH} calls per sample, ` +
        `${options.timeMs} ms per task after ${options.warmupMs} ms warmup. (sink ${sinkBit()})`,
    );
  },
};
