import { err } from './io.js';

/**
 * Phase timings for `--timings`: how long loading, building and tracing took, printed on stderr
 * so that stdout stays the result. Each phase shows wall time and the CPU time this process
 * spent (user + system), which stays meaningful on a busy machine.
 */
export class Timings {
  private readonly phases: { name: string; ms: number; cpuMs: number }[] = [];
  private readonly parts: string[] = [];

  constructor(private readonly enabled: boolean) {}

  /** Runs `fn` and records its duration under `name`. */
  phase<T>(name: string, fn: () => T): T {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    try {
      return fn();
    } finally {
      const c = process.cpuUsage(c0);
      this.phases.push({ name, ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 });
    }
  }

  /** Records a duration measured elsewhere that is part of the last phase (e.g. kube-proxy syncs inside a trace). */
  within(what: string, ms: number): void {
    this.parts.push(`${what} ${ms.toFixed(0)} ms`);
  }

  /** Prints the phases, and the process's whole life so far (node start-up and module loading included). */
  report(): void {
    if (!this.enabled) return;
    const parts = this.phases.map((p) => `${p.name} ${p.ms.toFixed(0)} ms (cpu ${p.cpuMs.toFixed(0)})`);
    if (this.parts.length > 0 && parts.length > 0) parts[parts.length - 1] += ` of which ${this.parts.join(', ')}`;
    const cpu = process.cpuUsage();
    // performance.now() counts from the process's time origin: this is everything since `node` started.
    parts.push(`total ${performance.now().toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)}) since process start`);
    err(`timings: ${parts.join(', ')}`);
  }
}
