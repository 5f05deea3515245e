/**
 * Running a cluster property with fast-check so that a failure is actionable: the fast-check
 * seed and path are printed (and can be fed back with KPEMU_PROPERTY_SEED / KPEMU_PROPERTY_PATH),
 * the shrunk cluster is written as one YAML file that `kpemu trace` loads, and the exact command
 * line replaying the failing packet is printed next to it.
 *
 * Run counts: each property has a default sized so the whole suite stays well under three minutes
 * on a loaded two-core machine; KPEMU_PROPERTY_RUNS=N raises every property to at least N runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { ProxyMode } from '../../../src/kube/index.js';
import type { GenCluster } from '../../arbitraries/cluster.js';
import { clusterYaml } from '../../arbitraries/cluster-yaml.js';
import { type Probe, probeArgs } from '../../arbitraries/traffic.js';

/** A property's verdict on one input, naming the packet that went wrong so it can be replayed. */
export class PropertyViolation extends Error {
  constructor(
    message: string,
    readonly mode: ProxyMode,
    readonly probe: Probe | null,
    /** Extra `kpemu trace` option words that reproduce this packet (e.g. `--reply`). */
    readonly extra: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Throws a PropertyViolation unless `ok`. */
export function check(ok: boolean, message: () => string, mode: ProxyMode, probe: Probe | null, extra: readonly string[] = []): asserts ok {
  if (!ok) throw new PropertyViolation(message(), mode, probe, extra);
}

/** The run count: the property's default, raised by KPEMU_PROPERTY_RUNS. */
export function propertyRuns(defaultRuns: number): number {
  const env = Number(process.env['KPEMU_PROPERTY_RUNS'] ?? '');
  return Number.isFinite(env) && env > defaultRuns ? Math.floor(env) : defaultRuns;
}

/** Replay settings from the environment (the path is only meaningful for one property at a time). */
export function replayParameters(): { seed?: number; path?: string } {
  const seed = process.env['KPEMU_PROPERTY_SEED'];
  const path = process.env['KPEMU_PROPERTY_PATH'];
  return { ...(seed !== undefined && seed !== '' ? { seed: Number(seed) } : {}), ...(path !== undefined && path !== '' ? { path } : {}) };
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
}

export interface ClusterInput {
  readonly gen: GenCluster;
  /** Seed of the emulator's random source (`kpemu trace --seed`). */
  readonly seed: number;
}

export interface PropertyOptions {
  readonly runs: number;
  /** The test file, for the re-run command. */
  readonly file: string;
}

let checkedCount = 0;

/** How many inputs the properties of this process have checked (for summaries). */
export function inputsChecked(): number {
  return checkedCount;
}

/**
 * Checks `predicate` on `arb`; on failure writes the shrunk cluster and throws a report with the
 * seed, the YAML file and the replay commands.
 */
export function runClusterProperty<T extends ClusterInput>(name: string, arb: fc.Arbitrary<T>, predicate: (input: T) => void, o: PropertyOptions): void {
  const details = fc.check(
    fc.property(arb, (input) => {
      checkedCount++;
      predicate(input);
    }),
    { numRuns: o.runs, ...replayParameters() },
  );
  if (!details.failed) return;
  const input = details.counterexample?.[0];
  const error = details.errorInstance;
  const violation = error instanceof PropertyViolation ? error : null;
  const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const lines = [`Property "${name}" failed after ${details.numRuns} run(s) (fast-check seed ${details.seed}, path ${details.counterexamplePath ?? '-'}).`, violation !== null ? violation.message : reason];
  if (input !== undefined) {
    const dir = process.env['KPEMU_PROPERTY_OUT'] ?? join(tmpdir(), 'kpemu-properties');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${slug(name)}-${details.seed}.yaml`);
    const mode = violation?.mode ?? 'iptables';
    const replay =
      violation?.probe != null
        ? `kpemu trace ${file} ${probeArgs(violation.probe).join(' ')} --mode ${mode} --seed ${input.seed} ${violation.extra.includes('--count') ? '' : '--all-paths --reply '}${violation.extra.join(' ')}`.trim()
        : `kpemu trace ${file} --from … --to … --mode ${mode} --seed ${input.seed}`;
    const rerun = `KPEMU_PROPERTY_SEED=${details.seed} KPEMU_PROPERTY_PATH=${details.counterexamplePath ?? ''} npx vitest run ${o.file}`;
    writeFileSync(file, clusterYaml(input.gen.objects, [`Shrunk counterexample of the property "${name}".`, ...(violation?.message ?? reason).split('\n').map((l) => `  ${l}`), `Replay: ${replay}`, `Re-run: ${rerun}`]));
    lines.push(`Shrunk cluster: ${file}`, `Replay the packet: ${replay}`, '  (from the repository: npm run build && node dist/src/cli/main.js trace …)', `Re-run the property: ${rerun}`);
  }
  const report = lines.join('\n');
  console.error(`\n${report}\n`);
  throw new Error(report);
}
