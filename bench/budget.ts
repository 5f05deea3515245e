/**
 * Time budgets. A full default run must fit in 5 minutes on a 2-core machine and `--quick` in 30
 * seconds, while one full sync of 50,000 services takes tens of seconds in the emulator. So:
 *
 * - every measurement has its own budget (benchmark.js's maxTime for lookups; for updates a time
 *   after which no further sample is started; an operation slower than half its budget is
 *   measured once, without a margin of error);
 * - the run has a deadline, and before an optional measurement the harness asks
 *   {@link Budget.canSpend}: is there time for it and still for the essentials of the scales
 *   still to come (estimated from the build time per service seen so far)? If not, the row is
 *   skipped with that reason, or a cheaper figure is used and labelled as such.
 *
 * Essentials (the build, the lookups, one partial sync, one full sync) are always measured.
 * All budgets scale with `--budget-scale`.
 */
import type { BenchOptions } from './options.js';
import type { BenchmarkOpOptions, SampleTimedOptions } from './sampler.js';

/** How much of the remaining scales' build time the essentials of a scale cost (build + full sync + partial syncs + lookups). */
const ESSENTIAL_FACTOR = 3;

export class Budget {
  private readonly started = performance.now();
  private readonly deadlineMs: number;
  /** Largest observed build time per service, ms (iptables dominates). */
  private msPerService = 0;
  private later: readonly number[] = [];

  constructor(private readonly o: BenchOptions) {
    this.deadlineMs = (o.quick ? 24_000 : 270_000) * o.budgetScale;
  }

  get quick(): boolean {
    return this.o.quick;
  }

  /** Called before each scale with the scales that follow it. */
  beginScale(later: readonly number[]): void {
    this.later = later;
  }

  /** Records how long a build of `services` took (the cost model of the scales to come). */
  learnBuild(ms: number, services: number): void {
    this.msPerService = Math.max(this.msPerService, ms / services);
  }

  elapsedMs(): number {
    return performance.now() - this.started;
  }

  /** Time the essentials of the remaining scales will need, ms. */
  reserveMs(): number {
    let n = 0;
    for (const s of this.later) n += s;
    return n * this.msPerService * ESSENTIAL_FACTOR + this.later.length * this.o.modes.length * (this.o.quick ? 700 : 4_000);
  }

  /** Whether `estimateMs` more fits before the deadline, leaving the reserve for later scales. */
  canSpend(estimateMs: number): boolean {
    return this.elapsedMs() + estimateMs + this.reserveMs() <= this.deadlineMs;
  }

  /** The reason written into a row skipped for time. */
  skipReason(estimateMs: number): string {
    return `skipped to keep the run within its time budget (would take about ${(estimateMs / 1000).toFixed(1)} s; ${((this.deadlineMs - this.elapsedMs()) / 1000).toFixed(0)} s left, ${(this.reserveMs() / 1000).toFixed(0)} s reserved for the larger scales)`;
  }

  /** benchmark.js settings for one per-packet operation. */
  lookup(): Omit<BenchmarkOpOptions, 'onCycle'> {
    const s = this.o.budgetScale;
    return this.o.quick ? { minSamples: 4, maxTime: 0.05 * s, minTime: 0.008 } : { minSamples: 6, maxTime: 0.3 * s, minTime: 0.025 };
  }

  /** Sampling of one update operation; `weight` > 1 for the headline cases. */
  update(weight = 1): SampleTimedOptions {
    const s = this.o.budgetScale * weight;
    return this.o.quick ? { minSamples: 2, maxSamples: 15, budgetMs: 120 * s, warmup: true } : { minSamples: 3, maxSamples: 40, budgetMs: 900 * s, warmup: true };
  }

  /**
   * Sampling of an update whose one run is expected to take `estimateMs` (undo included): the
   * normal budget when the time is there, else a single run without warm-up.
   */
  updateFor(estimateMs: number, weight = 1): SampleTimedOptions {
    const normal = this.update(weight);
    if (this.canSpend(Math.max(normal.budgetMs, estimateMs * (normal.minSamples + 1)))) return normal;
    return { minSamples: 1, maxSamples: 1, budgetMs: 0, warmup: false };
  }

  /** Samples of one kernel restore (each is a fresh namespace). */
  kernelRestoreSamples(services: number): number {
    if (this.o.quick) return 2;
    return services <= 1_000 ? 5 : services <= 10_000 ? 3 : 1;
  }

  /** Rounds (interleaved first/last batches) of the kernel per-packet measurement. */
  kernelRounds(): number {
    return this.o.quick ? 3 : 5;
  }

  /** Target wall time of one kernel batch, ms. */
  kernelBatchMs(): number {
    return (this.o.quick ? 60 : 250) * this.o.budgetScale;
  }
}
