/**
 * Measuring another process for `npm run bench:e2e`: its VmRSS sampled on a timer (with the
 * progress of the phase running, so that a run can be cut into quarters by messages done), its
 * CPU time from /proc, and percentiles.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { rssOf } from '../test/chaos/transport-process.js';

interface Sample {
  t: number;
  rss: number;
  phase: string | undefined;
  /** Messages done in the phase when the sample was taken. */
  done: number;
}

export class RssSampler {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private current: { name: string; done: () => number; total: number } | undefined;
  private readonly totals = new Map<string, number>();

  constructor(
    private readonly pid: () => number | undefined,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Samples from now on belong to `name`, whose progress is `done()` out of `total`. */
  phase(name: string | undefined, done: () => number = () => 0, total = 0): void {
    this.sample();
    this.current = name === undefined ? undefined : { name, done, total };
    if (name !== undefined) this.totals.set(name, total);
    this.sample();
  }

  private sample(): void {
    const pid = this.pid();
    const rss = pid === undefined ? undefined : rssOf(pid);
    if (rss === undefined) return;
    this.samples.push({ t: performance.now(), rss, phase: this.current?.name, done: this.current?.done() ?? 0 });
  }

  get count(): number {
    return this.samples.length;
  }

  latest(): number | undefined {
    this.sample();
    return this.samples.at(-1)?.rss;
  }

  peak(): number {
    return this.samples.reduce((max, s) => Math.max(max, s.rss), 0);
  }

  /** The mean RSS of the samples taken while the 2nd and the 4th quarter of the phase's messages were being done. */
  quarters(phase: string): { second: number; last: number } | undefined {
    const total = this.totals.get(phase);
    if (total === undefined) return undefined;
    const mean = (from: number, to: number) => {
      const xs = this.samples.filter((s) => s.phase === phase && s.done >= from && s.done < to).map((s) => s.rss);
      return xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length;
    };
    const second = mean(total / 4, total / 2);
    const last = mean((3 * total) / 4, total + 1);
    return second === undefined || last === undefined ? undefined : { second, last };
  }
}

/** User + system CPU seconds of a process so far (from /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which is in parentheses and may hold spaces).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Write syscalls (write, writev, …) a process has made so far (/proc/<pid>/io `syscw`). */
export function writeSyscalls(pid: number): number {
  const match = /^syscw: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  if (match === null) throw new Error(`no syscw in /proc/${pid}/io`);
  return Number(match[1]);
}

/**
 * CPU seconds the hypervisor took from this machine's CPUs so far, all of them together (the
 * `steal` column of /proc/stat's `cpu` line): time a VM's process was ready to run but its vCPU
 * was not running. 0 on bare metal.
 */
export function stealSeconds(): number {
  const fields = (/^cpu +(.*)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? '').split(' ');
  return Number(fields[7] ?? 0) / 100; // USER_HZ
}

/** The processes whose command name (/proc/<pid>/comm) is `name`: RabbitMQ's beam.smp, redis-server. */
export function pidsNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

/**
 * CPU seconds used by a set of processes between `start()` and `stop()` (a process that is gone
 * by then counts as nothing more); undefined when none was found (a broker on another host).
 */
export class CpuMeter {
  private readonly before = new Map<number, number>();

  constructor(private readonly pids: () => readonly number[]) {}

  start(): void {
    this.before.clear();
    for (const pid of this.pids()) this.before.set(pid, cpuSeconds(pid));
  }

  stop(): number | undefined {
    if (this.before.size === 0) return undefined;
    let total = 0;
    for (const [pid, before] of this.before) {
      try {
        total += cpuSeconds(pid) - before;
      } catch {
        // Gone meanwhile.
      }
    }
    return total;
  }
}

/** The p-quantile (0–1) of sorted numbers, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

export const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
