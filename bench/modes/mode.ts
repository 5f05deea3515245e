/**
 * What the harness needs from a proxy mode. A mode builds its state for one cluster size into an
 * emulated node namespace (recording how long that took and how much memory it holds), exposes
 * the namespace for the per-packet benchmarks, and measures its own update operations. Adding a
 * mode (nftables, say) means one more implementation of {@link ModeUnderTest}.
 */
import type { NetNamespace } from '../../src/node/index.js';
import type { Packet } from '../../src/packet/index.js';
import type { Budget } from '../budget.js';
import type { BenchCluster } from '../cluster.js';
import type { MemoryRow, UpdateRow } from '../model.js';
import type { ModeName } from '../options.js';
import type { Progress } from '../progress.js';

export interface ModeContext {
  readonly budget: Budget;
  readonly progress: Progress;
  readonly seed: number;
}

/** The packet path of a built mode. */
export interface Dataplane {
  readonly ns: NetNamespace;
  /** ipset buckets and IPVS table slots probed since the previous call. */
  takeProbes(): { readonly ipset: number; readonly ipvs: number };
  /** Forgets every connection (conntrack, IPVS); runs between benchmark cycles, untimed. */
  forgetConnections(): void;
  /** Lets the mode see a reply that the namespace walk does not hand to it (IPVS's ip_vs_out). */
  onReply(pkt: Packet): void;
}

/** The generated iptables ruleset, for restoring into a real kernel beside the emulator. */
export interface RulesetArtifact {
  /** iptables-restore input as the proxier wrote it (applied with --noflush --counters). */
  readonly payload: string;
  /** Restore input that adds the jump rules kube-proxy ensures outside the payload. */
  readonly jumps: string;
  /** nfacct counters the payload refers to. */
  readonly nfacctCounters: readonly string[];
  readonly lines: number;
  readonly rules: number;
  /** The restore and compile of the build itself (the first sample of the emulator's restore time). */
  readonly initial: { readonly restoreMs: number; readonly compileMs: number };
  /** Restores the payload into a fresh emulated namespace: ms for the restore and the compile. */
  restoreIntoFresh(): { readonly restoreMs: number; readonly compileMs: number };
}

export interface BuiltMode {
  readonly dataplane: Dataplane;
  /** Memory of the mode's state, by part. */
  readonly memory: readonly MemoryRow[];
  /** Milliseconds to program the initial state (first sync) into the emulated kernel. */
  readonly buildMs: number;
  /** Update measurements at this scale. */
  measureUpdates(): UpdateRow[];
  readonly ruleset: RulesetArtifact | null;
}

export interface ModeUnderTest {
  readonly name: ModeName;
  /** What this mode's figures measure, for the report. */
  readonly description: string;
  build(cluster: BenchCluster, ctx: ModeContext): BuiltMode;
}

/** An update row with the fields shared by every mode filled in. */
export function updateRow(base: Pick<UpdateRow, 'mode' | 'strategy' | 'op' | 'services' | 'endpoints'> & Partial<UpdateRow>): UpdateRow {
  const { mode, services, endpoints, strategy, op, ...rest } = base;
  // Key order is the CSV column order: what the row is first.
  return {
    mode,
    services,
    endpoints,
    strategy,
    op,
    medianMs: Number.NaN,
    rmePct: Number.NaN,
    cpuMs: Number.NaN,
    samples: 0,
    extrapolated: false,
    lines: 0,
    rulesWritten: 0,
    chainsWritten: 0,
    natRulesTotal: null,
    kernelCalls: 0,
    buildMs: null,
    restoreMs: null,
    compileMs: null,
    note: '',
    skipped: null,
    ...rest,
  };
}
