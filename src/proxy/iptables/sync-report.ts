import type { KpemuError } from '../../core/index.js';
import type { ProxyWarning } from '../common/index.js';

/** What one `sync()` did. Counts follow kube-proxy's metrics so they can be compared. */
export interface SyncReport {
  /** A full sync (every chain written, built-in jumps and nfacct counters ensured). */
  readonly full: boolean;
  /** The restore was applied. False after a failed ensure step or restore; the next sync is then full. */
  readonly ok: boolean;
  /** Why `ok` is false. */
  readonly error: KpemuError | null;
  /** The iptables-restore input ('' when the sync stopped before building it). */
  readonly payload: string;
  /** Lines in `payload`, including `*table` and `COMMIT`. */
  readonly lines: number;
  /** Filter rule lines written (kube-proxy's iptables rules metric for filter). */
  readonly filterRules: number;
  /** Nat `-A` lines written (not counting `-X`). */
  readonly natRules: number;
  /** Nat rules a partial sync left in place because their Service did not change. */
  readonly natRulesSkipped: number;
  /** Nat rules in the kernel after this sync: written + skipped (deleted chains are empty). */
  readonly natRulesTotal: number;
  /** `:CHAIN` lines in the payload, both tables, stale chains included. */
  readonly chainLines: number;
  /** Chains declared (hence created or flushed and rewritten), excluding ones being deleted. */
  readonly chainsWritten: { readonly filter: readonly string[]; readonly nat: readonly string[] };
  /** Stale service chains flushed and deleted with `-X`. */
  readonly chainsDeleted: readonly string[];
  /** More than 1000 endpoints: endpoint-rule comments dropped, stale cleanup throttled. */
  readonly largeClusterMode: boolean;
  /** Services whose chains this partial sync rewrote (`namespace/name`); all Services on a full sync. */
  readonly servicesWritten: readonly string[];
  /** Time spent building the payload text, in milliseconds. */
  readonly buildMs: number;
  /** Whole sync including kernel calls, in milliseconds. */
  readonly durationMs: number;
  readonly warnings: readonly ProxyWarning[];
}

/** Running totals over the proxier's life, like kube-proxy's counters. */
export interface ProxierMetrics {
  syncs: number;
  fullSyncs: number;
  partialSyncs: number;
  restoreFailures: number;
  partialRestoreFailures: number;
}
