/**
 * The vumi JSON work the transport does per outbound message, against plain JSON on the same
 * data in the same run (the floor: what any vumi-speaking process pays):
 * - parse: an outbound body → a checked VumiMessage (`parseMessage`: JSON.parse and the zod
 *   schema with vumi2's defaults) against `JSON.parse` alone;
 * - build an ack: `createEvent` (the schema fills in event_id, timestamp and the defaults)
 *   against an object literal with the same fields given;
 * - write an ack: `serialiseEvent` (vumi2's key order, `", "` and `": "`, ASCII-only) against
 *   `JSON.stringify`.
 * Per-message CPU of the whole transport is bench:e2e's; this says how much of it is JSON.
 */
import { Bench } from 'tinybench';
import { createEvent, createMessage, parseMessage, serialiseEvent, serialiseMessage } from '../src/transport/messages.js';
import type { BenchOptions, BenchSuite } from './index.js';
import { batched, measured, sinkBit } from './ops.js';
import type { Measured } from './ops.js';

/** An outbound message like the ones bench:e2e sends. */
const body = Buffer.from(
  serialiseMessage(
    createMessage({
      message_id: 'bench-e2e-12345678-1234',
      to_addr: '27831234567',
      from_addr: '1234',
      transport_name: 'bench',
      transport_type: 'sms',
      content: 'e2e benchmark message 1234',
    }),
  ),
);
const ackInput = {
  user_message_id: 'bench-e2e-12345678-1234',
  event_type: 'ack',
  sent_message_id: 'bench-e2e-12345678-1234',
  transport_metadata: { smpp_message_id: '0123456789abcdef', smpp_message_ids: ['0123456789abcdef'] },
} as const;
const ack = createEvent(ackInput);

interface Row {
  name: string;
  ours: () => number;
  plain: () => number;
}

const ROWS: readonly Row[] = [
  {
    name: 'parse an outbound message',
    ours: () => parseMessage(body).content?.length ?? 0,
    plain: () => (JSON.parse(body.toString('utf8')) as { content: string }).content.length,
  },
  {
    name: 'build an ack event',
    ours: () => createEvent(ackInput).event_id.length,
    plain: () => ({ ...ack, ...ackInput }).event_id.length,
  },
  {
    name: 'write an ack event',
    ours: () => serialiseEvent(ack).length,
    plain: () => JSON.stringify(ack).length,
  },
];

const BATCH = 100;
const micros = (m: Measured): string => `${(1e6 / m.opsPerSec).toFixed(2)} ±${m.rme.toFixed(1)}%`;

export const messagesSuite: BenchSuite = {
  name: 'messages',
  description: 'vumi message JSON per outbound message, ours vs plain JSON (µs per call)',
  async run(options: BenchOptions): Promise<void> {
    const bench = new Bench({ time: options.timeMs, warmupTime: options.warmupMs, throws: true });
    for (const row of ROWS) {
      bench.add(`${row.name} | ours`, batched(row.ours, BATCH));
      bench.add(`${row.name} | plain`, batched(row.plain, BATCH));
    }
    await bench.run();
    const lines = ['| Operation | ours (µs) | plain JSON (µs) | ours / plain |', '|---|--:|--:|--:|'];
    let total = 0;
    for (const row of ROWS) {
      const ours = measured(bench, `${row.name} | ours`);
      const plain = measured(bench, `${row.name} | plain`);
      total += 1e6 / ours.opsPerSec;
      lines.push(`| ${row.name} | ${micros(ours)} | ${micros(plain)} | ${(plain.opsPerSec / ours.opsPerSec).toFixed(2)}× |`);
    }
    lines.push(`| all three, ours | ${total.toFixed(2)} | | |`);
    console.log(lines.join('\n'));
    console.log(
      `\n${body.length}-byte outbound body; "plain" is JSON.parse, an object literal, JSON.stringify. ` +
        `± is tinybench's relative margin of error (95%) of the mean; ${BATCH} calls per sample, ` +
        `${options.timeMs} ms per task after ${options.warmupMs} ms warmup. (sink ${sinkBit()})`,
    );
  },
};
