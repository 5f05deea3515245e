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
import { median, summarize, type SampleSummary } from './stats.js';

/** Process CPU time (user + system), microseconds. */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

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
  /**
   * Median CPU time per call over the cycles (process user + system time, ns): unlike wall time it
   * does not grow when other processes take the CPU away.
   */
  readonly cpuNs: number;
  readonly error: string | null;
}

export function benchmarkOp(name: string, fn: () => void, o: BenchmarkOpOptions): TimedOp {
  let calls = 0;
  const cpuPerCall: number[] = [];
  let cpuMark = cpuMicros();
  const bench = new Benchmark(name, fn, {
    minSamples: o.minSamples,
    maxTime: o.maxTime,
    minTime: o.minTime,
    onCycle(this: Benchmark) {
      calls += this.count;
      if (this.count > 0) cpuPerCall.push(((cpuMicros() - cpuMark) * 1000) / this.count);
      o.onCycle?.();
      cpuMark = cpuMicros();
    },
  });
  bench.run({ async: false });
  const sample = bench.stats.sample;
  if (bench.error !== undefined && bench.error !== null) {
    return { medianNs: Number.NaN, meanNs: Number.NaN, rmePct: Number.NaN, samples: 0, calls, cpuNs: Number.NaN, error: String((bench.error as Error).message ?? bench.error) };
  }
  const s = summarize(sample.map((secs) => secs * 1e9));
  // The first cycles calibrate the call count (and run colder code): leave them out of the CPU figure.
  const cpu = cpuPerCall.length > 3 ? cpuPerCall.slice(2) : cpuPerCall;
  return { medianNs: s.median, meanNs: bench.stats.mean * 1e9, rmePct: bench.stats.rme, samples: sample.length, calls, cpuNs: median(cpu), error: null };
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
  /** Median CPU time of the timed sections, ms. */
  readonly cpuMs: number;
  /** The warm-up run was slow enough to be kept as a sample. */
  readonly warmupKept: boolean;
}

/** Wall and CPU time of one timed section, ms. */
export interface Section {
  readonly ms: number;
  readonly cpuMs: number;
}

/** Times `fn` (wall and process CPU). */
export function section<T>(fn: () => T): Section & { readonly value: T } {
  const c0 = cpuMicros();
  const t0 = performance.now();
  const value = fn();
  const ms = performance.now() - t0;
  return { ms, cpuMs: (cpuMicros() - c0) / 1000, value };
}

/**
 * Calls `run` (which times its own critical section, preparation and undo left out) until the
 * budget is spent.
 */
export function sampleTimed(run: () => Section, o: SampleTimedOptions): TimedSamples {
  const started = performance.now();
  const raw: number[] = [];
  const cpu: number[] = [];
  let warmupKept = false;
  if (o.warmup) {
    const w = run();
    if (w.ms > o.budgetMs / 2) {
      raw.push(w.ms);
      cpu.push(w.cpuMs);
      warmupKept = true;
    }
  }
  while (!warmupKept && raw.length < o.maxSamples && (raw.length < o.minSamples || performance.now() - started < o.budgetMs)) {
    const r = run();
    raw.push(r.ms);
    cpu.push(r.cpuMs);
  }
  return { ...summarize(raw), raw, cpuMs: median(cpu), warmupKept };
}

/** Milliseconds taken by `fn`. */
export function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}
