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
import type { BenchOptions, BenchSuite } from './index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// Reference §10c: submit_sm from 1234 to 27831234567, "hello", registered_delivery 1, seq 2.
const submitBytes = hex(
  '00 00 00 35 00 00 00 04 00 00 00 00 00 00 00 02 00 00 00 31 32 33 34 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 00 00 00 00 00 01 00 00 00 05 68 65 6C 6C 6F',
);
const submitPdu = {
  command: 'submit_sm',
  sequence_number: 2,
  service_type: '',
  source_addr_ton: 0,
  source_addr_npi: 0,
  source_addr: '1234',
  dest_addr_ton: 1,
  dest_addr_npi: 1,
  destination_addr: '27831234567',
  esm_class: 0,
  protocol_id: 0,
  priority_flag: 0,
  schedule_delivery_time: '',
  validity_period: '',
  registered_delivery: 1,
  replace_if_present_flag: 0,
  data_coding: 0,
  sm_default_msg_id: 0,
  short_message: Buffer.from('hello'),
} satisfies PduInput;

// Reference §10e: delivery receipt, deliver_sm seq 7 with receipted_message_id and message_state.
const receiptBytes = hex(
  '00 00 00 AB 00 00 00 05 00 00 00 00 00 00 00 07 00 01 01 32 37 38 33 31 32 33 34 35 36 37 00 00 00 31 32 33 34 00 04 00 00 00 00 00 00 00 00 69 69 64 3A 30 41 31 42 32 43 33 44 20 73 75 62 3A 30 30 31 20 64 6C 76 72 64 3A 30 30 31 20 73 75 62 6D 69 74 20 64 61 74 65 3A 32 35 30 31 31 35 31 32 30 30 20 64 6F 6E 65 20 64 61 74 65 3A 32 35 30 31 31 35 31 32 30 31 20 73 74 61 74 3A 44 45 4C 49 56 52 44 20 65 72 72 3A 30 30 30 20 54 65 78 74 3A 68 65 6C 6C 6F 00 1E 00 09 30 41 31 42 32 43 33 44 00 04 27 00 01 02',
);
const receiptPdu = {
  command: 'deliver_sm',
  sequence_number: 7,
  service_type: '',
  source_addr_ton: 1,
  source_addr_npi: 1,
  source_addr: '27831234567',
  dest_addr_ton: 0,
  dest_addr_npi: 0,
  destination_addr: '1234',
  esm_class: 0x04,
  protocol_id: 0,
  priority_flag: 0,
  schedule_delivery_time: '',
  validity_period: '',
  registered_delivery: 0,
  replace_if_present_flag: 0,
  data_coding: 0,
  sm_default_msg_id: 0,
  short_message: Buffer.from(
    'id:0A1B2C3D sub:001 dlvrd:001 submit date:2501151200 done date:2501151201 stat:DELIVRD err:000 Text:hello',
    'latin1',
  ),
  receipted_message_id: '0A1B2C3D',
  message_state: 2,
} satisfies PduInput;

// Reference §10a.
const enquireBytes = hex('00 00 00 10 00 00 00 15 00 00 00 00 00 00 00 01');
const enquirePdu = { command: 'enquire_link', sequence_number: 1 } satisfies PduInput;

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

/** Makes V8 keep every result: each op returns a number that is folded in here. */
let sink = 0;

function batched(op: () => number, batch: number) {
  return () => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink = (sink + op()) | 0;
    const elapsed = performance.now() - t0;
    return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
  };
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

interface Measured {
  opsPerSec: number;
  rme: number;
}

function measured(bench: Bench, name: string): Measured {
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('latency' in result)) {
    const error = result !== undefined && 'error' in result ? `: ${result.error.message}` : '';
    throw new Error(`task ${name} has no result (${result?.state ?? 'missing'})${error}`);
  }
  return { opsPerSec: 1000 / result.latency.mean, rme: result.latency.rme };
}

const ops = (m: Measured): string => `${Math.round(m.opsPerSec).toLocaleString('en-US')} ±${m.rme.toFixed(1)}%`;

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
        `${options.timeMs} ms per task after ${options.warmupMs} ms warmup. (sink ${sink & 1})`,
    );
  },
};
