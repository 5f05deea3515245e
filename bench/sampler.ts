/**
 * Two ways to time an operation:
 *
 * - {@link benchmarkOp}: benchmark.js, for small per-packet operations that can run many times in a
 *   loop. benchmark.js calibrates how many calls make a cycle, warms up, and keeps one sample per
 *   cycle; `onCycle` runs between cycles, outside the timed loop (the harness forgets connections
 *   there so that every timed packet really starts a new one).
 * - {@link sampleTimed}: for state-changing operations (updates) that need untimed preparation and
 *   undo around every single run, and for slow ones (a full sync of 50,000 services) where
 *   benchmark.js's minimum cycle counts would not fit the time budget. The callback times its own
 *   critical section and returns milliseconds; the statistics are computed the same way.
 */
import Benchmark from 'benchmark';
import { summarize, type SampleSummary } from './stats.js';

export interface BenchmarkOpOptions {
  readonly minSamples: number;
  /** Seconds benchmark.js may spend on this operation (it stops once minSamples are in). */
  readonly maxTime: number;
  /** Seconds one cycle should last at least (benchmark.js raises the call count to reach it). */
  readonly minTime: number;
  /** Runs after every cycle, outside the timed loop. */
  readonly onCycle?: () => void;
}

export interface TimedOp {
  /** Median time per call over the cycles, nanoseconds. */
  readonly medianNs: number;
  readonly meanNs: number;
  /** benchmark.js's relative margin of error (95 %), percent. */
  readonly rmePct: number;
  /** Cycles sampled. */
  readonly samples: number;
  /** Calls in the timed cycles in total. */
  readonly calls: number;
  readonly error: string | null;
}

export function benchmarkOp(name: string, fn: () => void, o: BenchmarkOpOptions): TimedOp {
  let calls = 0;
  const bench = new Benchmark(name, fn, {
    minSamples: o.minSamples,
    maxTime: o.maxTime,
    minTime: o.minTime,
    onCycle(this: Benchmark) {
      calls += this.count;
      o.onCycle?.();
    },
  });
  bench.run({ async: false });
  const sample = bench.stats.sample;
  if (bench.error !== undefined && bench.error !== null) {
    return { medianNs: Number.NaN, meanNs: Number.NaN, rmePct: Number.NaN, samples: 0, calls, error: String((bench.error as Error).message ?? bench.error) };
  }
  const s = summarize(sample.map((secs) => secs * 1e9));
  return { medianNs: s.median, meanNs: bench.stats.mean * 1e9, rmePct: bench.stats.rme, samples: sample.length, calls, error: null };
}

export interface SampleTimedOptions {
  readonly minSamples: number;
  readonly maxSamples: number;
  /** Stop adding samples once this much time (ms, timed parts and untimed work together) has passed. */
  readonly budgetMs: number;
  /**
   * Run once first and discard the result (JIT warm-up), unless that run alone takes more than
   * half the budget: then it is kept as the only sample.
   */
  readonly warmup: boolean;
}

export interface TimedSamples extends SampleSummary {
  readonly raw: readonly number[];
  /** The warm-up run was slow enough to be kept as a sample. */
  readonly warmupKept: boolean;
}

/** Calls `run` (which returns the milliseconds of its own timed section) until the budget is spent. */
export function sampleTimed(run: () => number, o: SampleTimedOptions): TimedSamples {
  const started = performance.now();
  const raw: number[] = [];
  let warmupKept = false;
  if (o.warmup) {
    const w = run();
    if (w > o.budgetMs / 2) {
      raw.push(w);
      warmupKept = true;
    }
  }
  while (raw.length < o.maxSamples && (raw.length < o.minSamples || performance.now() - started < o.budgetMs)) {
    if (warmupKept) break;
    raw.push(run());
  }
  return { ...summarize(raw), raw, warmupKept };
}

/** Milliseconds taken by `fn`. */
export function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}
