/**
 * `npm run bench [-- <suite>...]`: runs the benchmark suites, all of them or the ones named.
 * `npm run bench -- --list` lists them. BENCH_TIME_MS sets the measuring time per task
 * (default 500 ms; warmup is a fifth of it).
 *
 * A suite is a module exporting a `BenchSuite`; add it to `suites` below. Suites print their
 * own results; this runner prints the machine description once, above them.
 */
import os from 'node:os';
import { codecSuite } from './codec.js';
import { messagesSuite } from './messages.js';
import { sessionSuite } from './session.js';
import { simulatorSuite } from './simulator.js';

export interface BenchOptions {
  /** Measuring time per task, in milliseconds. */
  timeMs: number;
  /** Warmup time per task, in milliseconds. */
  warmupMs: number;
}

export interface BenchSuite {
  /** Short name, used on the command line. */
  name: string;
  /** One line saying what it measures. */
  description: string;
  run(options: BenchOptions): Promise<void>;
}

const suites: readonly BenchSuite[] = [
  codecSuite,
  messagesSuite,
  simulatorSuite,
  sessionSuite,
];

function machine(): string {
  const cpus = os.cpus();
  return [
    `Node ${process.version} (V8 ${process.versions.v8}) on ${os.platform()}/${os.arch()}`,
    `CPU: ${cpus[0]?.model.trim() ?? 'unknown'}, ${cpus.length} cores (available parallelism ${os.availableParallelism()})`,
    `Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB; ${new Date().toISOString()}`,
  ].join('\n');
}

async function main(args: readonly string[]): Promise<number> {
  if (args.includes('--list') || args.includes('--help')) {
    console.log('Usage: npm run bench [-- <suite>...]\n\nSuites:');
    for (const s of suites) console.log(`  ${s.name.padEnd(12)} ${s.description}`);
    return 0;
  }
  const unknown = args.filter((name) => !suites.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`Unknown suite ${unknown.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}`);
    return 1;
  }
  const chosen = args.length === 0 ? suites : suites.filter((s) => args.includes(s.name));
  const timeMs = Number(process.env.BENCH_TIME_MS ?? 500);
  if (!Number.isFinite(timeMs) || timeMs <= 0) {
    console.error(`BENCH_TIME_MS must be a positive number of milliseconds, got ${process.env.BENCH_TIME_MS}`);
    return 1;
  }
  const options: BenchOptions = { timeMs, warmupMs: Math.max(20, Math.round(timeMs / 5)) };
  console.log(machine());
  for (const suite of chosen) {
    console.log(`\n## ${suite.name}: ${suite.description}\n`);
    await suite.run(options);
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
