/**
 * A fault schedule for the chaos test: actions at offsets from a start time, run one after the
 * other (an action that waits delays the ones after it, never overlaps them), each logged with
 * when it really ran.
 */
import { setTimeout as sleep } from 'node:timers/promises';

type Action = () => void | string | Promise<void | string>;

export interface Logged {
  /** Seconds since the start, when the action ran. */
  at: number;
  what: string;
  note?: string;
}

export class FaultSchedule {
  private readonly steps: { at: number; what: string; action: Action }[] = [];
  readonly log: Logged[] = [];

  /** Runs `action` `seconds` after the start; a string it returns is logged as a note. */
  at(seconds: number, what: string, action: Action): this {
    this.steps.push({ at: seconds, what, action });
    return this;
  }

  /** Runs every step in time order; resolves after the last, rejects with the first failure. */
  async run(start: number): Promise<void> {
    const steps = [...this.steps].sort((a, b) => a.at - b.at);
    for (const step of steps) {
      const wait = start + step.at * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
      const at = (performance.now() - start) / 1000;
      const note = await step.action();
      this.log.push({ at, what: step.what, ...(typeof note === 'string' && { note }) });
    }
  }
}

/** Prints a Markdown table, numbers right-aligned, as the benchmarks do. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^[\d.,/ %×±-]*$/.test(r[c] ?? '')));
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${numeric.map((n) => (n ? '--:' : '---')).join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}
