/**
 * Time budgets. A full default run must fit in 5 minutes on a 2-core machine and `--quick` in
 * 30 seconds, so every measurement gets a budget: benchmark.js's maxTime for lookups, and for
 * updates a time after which no further sample is started. Operations slower than half their
 * budget are measured once (the figure then has no margin of error). All budgets scale with
 * `--budget-scale`.
 */
import type { BenchOptions } from './options.js';
import type { BenchmarkOpOptions } from './sampler.js';
import type { SampleTimedOptions } from './sampler.js';

export class Budget {
  constructor(private readonly o: BenchOptions) {}

  get quick(): boolean {
    return this.o.quick;
  }

  /** benchmark.js settings for one per-packet operation. */
  lookup(): Omit<BenchmarkOpOptions, 'onCycle'> {
    const s = this.o.budgetScale;
    return this.o.quick ? { minSamples: 4, maxTime: 0.05 * s, minTime: 0.008 } : { minSamples: 6, maxTime: 0.3 * s, minTime: 0.025 };
  }

  /** Sampling of one update operation; `weight` > 1 for the headline cases. */
  update(weight = 1): SampleTimedOptions {
    const s = this.o.budgetScale * weight;
    return this.o.quick
      ? { minSamples: 2, maxSamples: 15, budgetMs: 120 * s, warmup: true }
      : { minSamples: 3, maxSamples: 40, budgetMs: 900 * s, warmup: true };
  }

  /** Samples of one kernel restore (each is a fresh namespace). */
  kernelRestoreSamples(services: number): number {
    if (this.o.quick) return 2;
    return services <= 1_000 ? 5 : services <= 10_000 ? 3 : 1;
  }

  /** Rounds (interleaved baseline/first/last batches) of the kernel per-packet measurement. */
  kernelRounds(): number {
    return this.o.quick ? 3 : 5;
  }

  /** Target wall time of one kernel batch, ms. */
  kernelBatchMs(): number {
    return (this.o.quick ? 60 : 250) * this.o.budgetScale;
  }
}
