import { isKpemuError, type KpemuError } from '../../core/index.js';

/** IPVS changes made by one sync (netlink requests that modify state). */
export interface IpvsOpCounts {
  vsAdded: number;
  vsUpdated: number;
  vsDeleted: number;
  rsAdded: number;
  /** Weight changes: quiescing to 0 for graceful termination, or the restart reset to 1. */
  rsUpdated: number;
  rsDeleted: number;
  /** Read requests (get virtual server(s), get real servers): kube-proxy's per-sync netlink cost. */
  reads: number;
}

/** ipset changes made by one sync; each add/del is one `ipset` exec in kube-proxy. */
export interface IpsetOpCounts {
  /** Sets that did not exist before this sync. */
  created: number;
  added: number;
  deleted: number;
}

/** All-zero IPVS counters for a new sync. */
export function emptyIpvsOps(): IpvsOpCounts {
  return { vsAdded: 0, vsUpdated: 0, vsDeleted: 0, rsAdded: 0, rsUpdated: 0, rsDeleted: 0, reads: 0 };
}

/** All-zero ipset counters for a new sync. */
export function emptyIpsetOps(): IpsetOpCounts {
  return { created: 0, added: 0, deleted: 0 };
}

/** The kernel operations whose failure kube-proxy logs and then carries on past. */
export type KernelOp =
  | 'ensureChain'
  | 'ensureRule'
  | 'configureTimeouts'
  | 'getVirtualServer'
  | 'getVirtualServers'
  | 'addVirtualServer'
  | 'updateVirtualServer'
  | 'deleteVirtualServer'
  | 'getRealServers'
  | 'addRealServer'
  | 'updateRealServer'
  | 'deleteRealServer'
  | 'listBindAddresses'
  | 'listLocalAddresses'
  | 'bindAddress'
  | 'unbindAddress'
  | 'listEntries'
  | 'addEntry'
  | 'delEntry'
  | 'listSets';

/** A failed kernel call that did not stop the sync (kube-proxy logs these). */
export interface KernelFailure {
  readonly op: KernelOp;
  /** What it was about: a VS key, `VS/rs`, a set and entry, an address. */
  readonly target: string;
  readonly error: KpemuError;
}

/** Where a sync's failures are collected. */
export type FailureSink = (f: KernelFailure) => void;

/**
 * Runs one kernel call that returns a value; a KpemuError is recorded and gives null, anything
 * else (a bug) propagates. The proxier keeps going after a failed call, as kube-proxy does.
 */
export function tryGet<T extends object | string | boolean | number>(op: KernelOp, target: string, fail: FailureSink, call: () => T): T | null {
  try {
    return call();
  } catch (e) {
    if (!isKpemuError(e)) throw e;
    fail({ op, target, error: e });
    return null;
  }
}

/** Like {@link tryGet} for a call without a result: true when it succeeded. */
export function tryDo(op: KernelOp, target: string, fail: FailureSink, call: () => void): boolean {
  return tryGet(op, target, fail, () => {
    call();
    return true;
  }) === true;
}
