import { isKpemuError } from '../../core/index.js';
import { parseIpv4 } from '../../addr/index.js';
import type { IpvsApi, RealServer, RealServerStatus, VirtualServer } from '../../ipvs/index.js';
import type { EndpointInfo, PortSnapshot } from '../common/index.js';
import { DUMMY_DEVICE } from './constants.js';
import type { GracefulTerminationManager } from './graceful-termination.js';
import type { NetlinkApi } from './netlink.js';
import { tryDo, tryGet, type FailureSink, type IpvsOpCounts } from './ops.js';
import { realServerKey, sameVirtualServer, uniqueRealServerName } from './virtual-server.js';

/** What syncing one virtual server needs, shared by every virtual server of a sync. */
export interface VirtualServerSyncContext {
  readonly ipvs: IpvsApi;
  readonly netlink: NetlinkApi;
  readonly graceful: GracefulTerminationManager;
  /** The first sync after start: real servers with a weight other than 1 are reset. */
  readonly initialSync: boolean;
  /** kube-ipvs0's addresses when the sync started; null when that listing failed (then every bind is tried). */
  readonly alreadyBound: ReadonlySet<string> | null;
  readonly ops: IpvsOpCounts;
  /** Addresses this sync newly bound to kube-ipvs0. */
  readonly bound: string[];
  readonly fail: FailureSink;
}

/** The kernel's copy of `vs`, or null when there is none (or it could not be read). */
function readVirtualServer(ctx: VirtualServerSyncContext, vs: VirtualServer, vsKey: string, record: boolean): VirtualServer | null {
  ctx.ops.reads++;
  try {
    return ctx.ipvs.getVirtualServer(vs);
  } catch (e) {
    if (!isKpemuError(e)) throw e;
    if (record && e.code !== 'IPVS_NO_SERVICE') ctx.fail({ op: 'getVirtualServer', target: vsKey, error: e });
    return null;
  }
}

/**
 * P `syncService`: adds the virtual server when missing, updates it in place when its scheduler,
 * flags or timeout differ (traffic keeps flowing during an update), then binds its address to
 * kube-ipvs0 when asked and not already there. Returns false when the service could not be
 * added, updated or bound; the caller then skips its real servers, as kube-proxy does.
 */
export function syncVirtualServer(ctx: VirtualServerSyncContext, vs: VirtualServer, vsKey: string, address: string, bindAddress: boolean): boolean {
  // Upstream ignores the read error here and lets add/update report the problem.
  const applied = readVirtualServer(ctx, vs, vsKey, false);
  if (applied === null) {
    if (!tryDo('addVirtualServer', vsKey, ctx.fail, () => ctx.ipvs.addVirtualServer(vs))) return false;
    ctx.ops.vsAdded++;
  } else if (!sameVirtualServer(applied, vs)) {
    if (!tryDo('updateVirtualServer', vsKey, ctx.fail, () => ctx.ipvs.updateVirtualServer(vs))) return false;
    ctx.ops.vsUpdated++;
  }
  if (!bindAddress) return true;
  if (ctx.alreadyBound !== null && ctx.alreadyBound.has(address)) return true;
  const added = tryGet('bindAddress', address, ctx.fail, () => ctx.netlink.bindAddress(address, DUMMY_DEVICE));
  if (added === null) return false;
  if (added) ctx.bound.push(address);
  return true;
}

/**
 * The endpoints a virtual server balances over. A "local" virtual server (eTP Local for external
 * addresses, iTP Local for the ClusterIP) uses the node's own endpoints; when there are none it
 * falls back to the cluster-wide list, so pods on this node can still reach the Service
 * (kubernetes/kubernetes#97081). For iTP Local without external access that list is empty.
 */
export function chooseEndpoints(port: PortSnapshot, onlyNodeLocal: boolean): readonly EndpointInfo[] {
  const { clusterEndpoints, localEndpoints } = port.categorized;
  if (onlyNodeLocal && localEndpoints.length > 0) return localEndpoints;
  return clusterEndpoints;
}

/**
 * P `syncEndpoint`: adds every wanted real server (weight 1, masquerading) the kernel lacks and
 * hands every unwanted one to the graceful-termination manager. A wanted server that is still
 * on the termination list (its endpoint came back) is deleted and added afresh at weight 1.
 */
export function syncRealServers(ctx: VirtualServerSyncContext, vs: VirtualServer, vsKey: string, endpoints: readonly EndpointInfo[]): void {
  const applied = readVirtualServer(ctx, vs, vsKey, true);
  if (applied === null) return;
  ctx.ops.reads++;
  const current = tryGet('getRealServers', vsKey, ctx.fail, () => ctx.ipvs.getRealServers(applied));
  if (current === null) return;
  const byKey = new Map<string, RealServerStatus>();
  for (const d of current) byKey.set(realServerKey(d), d);
  const wanted = new Set<string>();
  for (const ep of endpoints) wanted.add(ep.endpoint);

  for (const ep of endpoints) {
    const dest: RealServer = { address: parseIpv4(ep.ip), port: ep.port, weight: 1 };
    const existing = byKey.get(ep.endpoint);
    const name = uniqueRealServerName(vsKey, ep.endpoint);
    if (existing !== undefined) {
      // After a restart, weights left behind (e.g. 0 from an interrupted termination) are reset.
      if (ctx.initialSync && existing.weight !== dest.weight) {
        if (tryDo('updateRealServer', name, ctx.fail, () => ctx.ipvs.updateRealServer(applied, dest))) ctx.ops.rsUpdated++;
      }
      if (!ctx.graceful.inTerminationList(name)) continue;
      if (!ctx.graceful.moveOut(name, ctx.ops, ctx.fail)) continue;
    }
    if (tryDo('addRealServer', name, ctx.fail, () => ctx.ipvs.addRealServer(applied, dest))) ctx.ops.rsAdded++;
  }

  const stale = [...byKey.keys()].filter((k) => !wanted.has(k)).sort();
  for (const key of stale) {
    if (ctx.graceful.inTerminationList(uniqueRealServerName(vsKey, key))) continue;
    const d = byKey.get(key) as RealServerStatus;
    ctx.graceful.gracefulDelete(applied, { address: d.address, port: d.port, weight: d.weight }, ctx.ops, ctx.fail);
  }
}
