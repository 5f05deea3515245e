import { err } from './io.js';

/**
 * Phase timings for `--timings`: how long start-up, loading, building and tracing took, printed
 * on stderr so that stdout stays the result.
 */
export class Timings {
  private readonly phases: { name: string; ms: number }[] = [];

  constructor(private readonly enabled: boolean) {}

  /** Runs `fn` and records its duration under `name`. */
  phase<T>(name: string, fn: () => T): T {
    const t0 = performance.now();
    try {
      return fn();
    } finally {
      this.phases.push({ name, ms: performance.now() - t0 });
    }
  }

  /** Prints the phases, and the process's whole life so far (node start-up and module loading included). */
  report(): void {
    if (!this.enabled) return;
    const parts = this.phases.map((p) => `${p.name} ${p.ms.toFixed(0)} ms`);
    // performance.now() counts from the process's time origin: this is everything since `node` started.
    parts.push(`total ${performance.now().toFixed(0)} ms since process start`);
    err(`timings: ${parts.join(', ')}`);
  }
}
