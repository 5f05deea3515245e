import type { KpemuError } from '../../core/index.js';
import type { ProxyWarning } from '../common/index.js';
import type { OmittedRule } from './iptables-rules.js';
import type { IpsetOpCounts, IpvsOpCounts, KernelFailure } from './ops.js';
import type { SysctlSetting } from './sysctls.js';

/** The step at which a sync stopped early, as kube-proxy returns from syncProxyRules. */
export type IpvsSyncStage = 'dummy-device' | 'ipset-create' | 'iptables-restore';

/** What one `IpvsProxier.sync()` did. */
export interface IpvsSyncReport {
  /** Every step ran. False when the sync stopped at `stage` (the next sync repeats the whole pass anyway). */
  readonly ok: boolean;
  readonly error: KpemuError | null;
  readonly stage: IpvsSyncStage | null;
  /** IPVS requests made, graceful-termination retries included. */
  readonly ipvsOps: Readonly<IpvsOpCounts>;
  readonly ipsetOps: Readonly<IpsetOpCounts>;
  /** Addresses newly bound to kube-ipvs0. */
  readonly addressesBound: readonly string[];
  /** Addresses removed from kube-ipvs0. */
  readonly addressesUnbound: readonly string[];
  /** Stale virtual servers deleted (`ip:port/PROTO`). */
  readonly virtualServersDeleted: readonly string[];
  /** Virtual servers this sync produced (`ip:port/PROTO`), sorted. */
  readonly virtualServers: readonly string[];
  /** Quiesced real servers (`VS/ip:port`) the one-minute retry deleted during this call. */
  readonly gracefulDeleted: readonly string[];
  /** Quiesced real servers still waiting for their connections to end. */
  readonly gracefulPending: number;
  /** The iptables-restore input ('' when the sync stopped before it). */
  readonly payload: string;
  /** Lines of `payload`. */
  readonly iptablesLines: number;
  /** Rules left out because the target iptables lacks their match module. */
  readonly rulesOmitted: readonly OmittedRule[];
  /** Sysctls kube-proxy sets for IPVS mode; whoever owns the kernel applies them. */
  readonly sysctls: readonly SysctlSetting[];
  /** Kernel calls that failed without stopping the sync (kube-proxy logs these). */
  readonly failures: readonly KernelFailure[];
  /** Problems with the Kubernetes objects or the configuration. */
  readonly warnings: readonly ProxyWarning[];
  readonly durationMs: number;
}

/** What a standalone graceful-termination retry did. */
export interface GracefulDeleteReport {
  /** Whether a retry was due at the clock's time. */
  readonly ran: boolean;
  readonly deleted: readonly string[];
  readonly pending: number;
  readonly ipvsOps: Readonly<IpvsOpCounts>;
  readonly failures: readonly KernelFailure[];
}
