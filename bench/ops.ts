/**
 * Timing many calls of one small operation with tinybench, shared by the suites that compare
 * ours with a peer per call (codec, messages).
 */
import type { Bench } from 'tinybench';

/** Makes V8 keep every result: each op returns a number that is folded in here. */
let sink = 0;

/** Printed with a suite's results, so the sink is used and cannot be optimised away. */
export const sinkBit = (): number => sink & 1;

/**
 * A tinybench task that runs `op` `batch` times per sample and reports the mean per call
 * (overriddenDuration), because one call is far shorter than the timer's useful resolution.
 */
export function batched(op: () => number, batch: number) {
  return () => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink = (sink + op()) | 0;
    const elapsed = performance.now() - t0;
    return { overriddenDuration: elapsed / batch, overriddenIterationCost: elapsed };
  };
}

export interface Measured {
  opsPerSec: number;
  rme: number;
}

/** A task's mean rate and its relative margin of error; throws when the task has no result. */
export function measured(bench: Bench, name: string): Measured {
  const result = bench.getTask(name)?.result;
  if (result === undefined || !('latency' in result)) {
    const error = result !== undefined && 'error' in result ? `: ${result.error.message}` : '';
    throw new Error(`task ${name} has no result (${result?.state ?? 'missing'})${error}`);
  }
  return { opsPerSec: 1000 / result.latency.mean, rme: result.latency.rme };
}

export const ops = (m: Measured): string => `${Math.round(m.opsPerSec).toLocaleString('en-US')} ±${m.rme.toFixed(1)}%`;
