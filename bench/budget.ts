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

/**
 * What the essentials of one (scale, mode) cost on this 2-core machine, ms per service (build with
 * its memory snapshots, lookups, one partial and one full sync), measured on a full run; scaled by
 * how fast the machine is at the time (the yardstick) and a fixed part per unit.
 */
const ESSENTIAL_MS_PER_SERVICE: Readonly<Record<string, number>> = { iptables: 1.0, ipvs: 0.6 };
const ESSENTIAL_FIXED_MS = 5_000;
/** The yardstick (ns per element of the bare scan) the constants above were measured at. */
const REFERENCE_YARDSTICK_NS = 3.5;

export class Budget {
  private readonly started = performance.now();
  private readonly deadlineMs: number;
  /** The (scale, mode) units still to come after the current one. */
  private later: readonly { readonly services: number; readonly mode: string }[] = [];
  private speedFactor = 1;

  constructor(private readonly o: BenchOptions) {
    this.deadlineMs = (o.quick ? 22_000 : 255_000) * o.budgetScale;
  }

  get quick(): boolean {
    return this.o.quick;
  }

  /** How much slower than the reference the machine is now, from the yardstick (clamped 0.7–3). */
  setMachineSpeed(yardstickNs: number): void {
    this.speedFactor = Math.min(3, Math.max(0.7, yardstickNs / REFERENCE_YARDSTICK_NS));
  }

  /** Called before each (scale, mode) with the units that follow it. */
  beginUnit(later: readonly { readonly services: number; readonly mode: string }[]): void {
    this.later = later;
  }

  /** Time spent outside the emulator's measurements (the real kernel's), not charged to the deadline. */
  private excludedMs = 0;

  exclude(ms: number): void {
    this.excludedMs += ms;
  }

  elapsedMs(): number {
    return performance.now() - this.started - this.excludedMs;
  }

  /** Time the essentials of the remaining units will need, ms. */
  reserveMs(): number {
    let ms = 0;
    for (const u of this.later) ms += (this.o.quick ? 1_000 : ESSENTIAL_FIXED_MS) + u.services * (ESSENTIAL_MS_PER_SERVICE[u.mode] ?? 1) * this.speedFactor;
    return ms;
  }

  /** Whether `estimateMs` more fits before the deadline, leaving the reserve for the units to come. */
  canSpend(estimateMs: number): boolean {
    return this.elapsedMs() + estimateMs + this.reserveMs() <= this.deadlineMs;
  }

  /** The reason written into a row skipped for time. */
  skipReason(estimateMs: number): string {
    return `skipped to keep the run within its time budget (would take about ${(estimateMs / 1000).toFixed(1)} s; ${((this.deadlineMs - this.elapsedMs()) / 1000).toFixed(0)} s left, ${(this.reserveMs() / 1000).toFixed(0)} s reserved for the rest of the ladder)`;
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
  kernelRestoreSamples(services: number, backend: 'legacy' | 'nft'): number {
    if (this.o.quick) return 1;
    if (backend === 'nft') return services <= 1_000 ? 3 : 1;
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
