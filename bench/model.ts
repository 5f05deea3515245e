/** The rows a benchmark run produces; the JSON file is exactly a {@link BenchResults}. */
import type { BenchOptions, ModeName } from './options.js';

export const LOOKUP_CASES = ['new-first', 'new-middle', 'new-last', 'new-random', 'non-service', 'established'] as const;
export type LookupCase = (typeof LOOKUP_CASES)[number];

export const UPDATE_OPS = ['add-service', 'remove-service', 'change-endpoints', 'full-resync'] as const;
export type UpdateOp = (typeof UPDATE_OPS)[number];

/**
 * How an update reaches the kernel:
 * - `partial`: kube-proxy ≥ 1.26 (KEP-3453), one iptables-restore of the changed chains;
 * - `full`: every sync rewrites every chain (kube-proxy < 1.26, and its periodic resync);
 * - `per-rule`: one `iptables` command per rule, each replacing the whole table (early kube-proxy);
 * - `incremental`: IPVS mode's netlink/ipset operations for just the affected objects.
 */
export const STRATEGIES = ['partial', 'full', 'per-rule', 'incremental'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export interface LookupRow {
  readonly mode: ModeName;
  readonly services: number;
  readonly endpoints: number;
  readonly case: LookupCase;
  /** Median time per packet, ns (benchmark.js cycles). */
  readonly medianNs: number;
  readonly meanNs: number;
  readonly rmePct: number;
  readonly samples: number;
  /** Median process CPU time per packet, ns (robust to other load on the machine). */
  readonly cpuNs: number;
  /** iptables rules evaluated for this packet (every table it crossed). */
  readonly rulesEvaluated: number;
  /** ipset buckets probed plus IPVS service/connection table slots probed. */
  readonly hashProbes: number;
  readonly ipsetProbes: number;
  readonly ipvsProbes: number;
  /** What the walk did with the packet (`transmitted` = forwarded, after DNAT for services). */
  readonly outcome: string;
  readonly error: string | null;
}

/**
 * Issue #5: full pod → ClusterIP → remote pod round trips through the emulated cluster (request
 * and reply, VXLAN both ways, no trace sink), each a new connection.
 */
export interface RoundTripRow {
  readonly mode: ModeName;
  readonly services: number;
  readonly endpoints: number;
  /** 1e9 / median wall ns per round trip. */
  readonly roundTripsPerSec: number;
  /** 1e9 / median CPU ns per round trip (robust to other load on the machine). */
  readonly cpuRoundTripsPerSec: number;
  /** Median wall time per round trip, ns (benchmark.js cycles). */
  readonly medianNs: number;
  readonly rmePct: number;
  /** Median process CPU time per round trip, ns. */
  readonly cpuNs: number;
  readonly samples: number;
  /** Building the three-node cluster (every node's kube-proxy sync), ms. */
  readonly buildMs: number;
  readonly error: string | null;
}

export interface UpdateRow {
  readonly mode: ModeName;
  readonly strategy: Strategy;
  readonly op: UpdateOp;
  readonly services: number;
  readonly endpoints: number;
  /** Median milliseconds; for extrapolated rows the fitted value. */
  readonly medianMs: number;
  readonly rmePct: number;
  /** Median process CPU time of the timed sections, ms (NaN when not measured). */
  readonly cpuMs: number;
  readonly samples: number;
  /** Not measured at this scale: fitted from smaller scales (see `note`). */
  readonly extrapolated: boolean;
  /** Lines written to the kernel (restore payload lines, or commands). */
  readonly lines: number;
  /** Rules written (iptables) or objects written (IPVS: services + real servers + set entries). */
  readonly rulesWritten: number;
  readonly chainsWritten: number;
  /** iptables: nat rules in the kernel after the sync (written + left in place); null elsewhere. */
  readonly natRulesTotal: number | null;
  /** Calls made to kernel interfaces (iptables commands, restores, IPVS/ipset API calls). */
  readonly kernelCalls: number;
  /** Parts of the median, when known: payload build, restore, compile (ms). */
  readonly buildMs: number | null;
  readonly restoreMs: number | null;
  readonly compileMs: number | null;
  readonly note: string;
  readonly skipped: string | null;
}

export interface MemoryRow {
  readonly mode: ModeName;
  readonly services: number;
  readonly endpoints: number;
  /** What was measured (e.g. `kernel: netfilter tables`, `proxier`). */
  readonly part: string;
  readonly bytes: number;
  /** Rules (iptables) or objects (IPVS) the part holds. */
  readonly units: number;
  readonly unitName: string;
  readonly bytesPerUnit: number;
}

export interface KernelRestoreRow {
  readonly services: number;
  readonly endpoints: number;
  readonly backend: 'legacy' | 'nft' | 'emulator';
  readonly lines: number;
  readonly rules: number;
  readonly medianMs: number;
  readonly rmePct: number;
  readonly samples: number;
}

export interface KernelConnectionRow {
  readonly services: number;
  readonly endpoints: number;
  /** `baseline` is the same namespace and packets with no rules loaded. */
  readonly target: 'baseline' | 'first' | 'last';
  /** Kernel: wall time per packet of the batch, ns (median over rounds). */
  readonly kernelNs: number;
  readonly kernelRmePct: number;
  /** Kernel time minus the no-rules baseline: what the rules add. */
  readonly kernelRulesNs: number;
  /** Emulator: the same path (a local process's SYN through OUTPUT), benchmark.js median, ns. */
  readonly emulatorNs: number;
  readonly emulatorRmePct: number;
  readonly rulesEvaluated: number;
  /** emulatorNs / kernelNs. */
  readonly ratio: number;
  readonly packetsPerRound: number;
  readonly rounds: number;
}

export interface TargetRow {
  readonly id: string;
  readonly description: string;
  readonly target: string;
  readonly measured: string;
  readonly value: number | null;
  readonly limit: number;
  readonly unit: string;
  readonly pass: boolean | null;
  readonly source: string;
}

export interface KernelSection {
  readonly requested: boolean;
  readonly available: boolean;
  readonly reason: string;
  readonly method: string;
  readonly restore: readonly KernelRestoreRow[];
  readonly connection: readonly KernelConnectionRow[];
  readonly ratios: readonly { readonly what: string; readonly services: number; readonly ratio: number; readonly goal: string; readonly pass: boolean | null }[];
}

export interface BenchMeta {
  readonly tool: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly node: string;
  readonly platform: string;
  readonly kernel: string;
  readonly cpu: string;
  readonly cores: number;
  readonly totalMemGiB: number;
  readonly loadAvgStart: readonly number[];
  readonly loadAvgEnd: readonly number[];
  /** ns per element of a bare 10,000-entry Float64Array scan at the start and end of the run (see calibrate.ts). */
  readonly scanYardstick: { readonly start: { readonly wallNs: number; readonly cpuNs: number }; readonly end: { readonly wallNs: number; readonly cpuNs: number } };
  /** Process CPU time / wall time over the run (1 = one core busy the whole time). */
  readonly cpuShare: number;
  readonly gcExposed: boolean;
  readonly gcMethod: string;
  /** What each mode's figures measure. */
  readonly modeDescriptions: readonly { readonly mode: ModeName; readonly description: string }[];
  readonly options: BenchOptions;
  readonly notes: readonly string[];
}

export interface BenchResults {
  readonly meta: BenchMeta;
  readonly lookup: readonly LookupRow[];
  readonly roundTrip: readonly RoundTripRow[];
  readonly update: readonly UpdateRow[];
  readonly memory: readonly MemoryRow[];
  readonly kernel: KernelSection;
  readonly targets: readonly TargetRow[];
}
