import { prefixContains, type Prefix } from '../../core/index.js';
import type { IpvsApi, VirtualServer } from '../../ipvs/index.js';
import type { GracefulTerminationManager } from './graceful-termination.js';
import { tryDo, type FailureSink, type IpvsOpCounts } from './ops.js';
import { virtualServerKey } from './virtual-server.js';

/**
 * P `cleanLegacyService`: deletes every virtual server in the kernel that this sync did not
 * produce, except those inside `ipvs.excludeCIDRs` (virtual servers other tools own). Deleting a
 * virtual server deletes its real servers with it. The kernel API here is IPv4-only, so the
 * "other family" exemption never applies. Returns the keys deleted, in key order.
 */
export function deleteStaleVirtualServers(
  ipvs: IpvsApi,
  current: readonly VirtualServer[],
  active: ReadonlySet<string>,
  excludeCIDRs: readonly Prefix[],
  graceful: GracefulTerminationManager,
  ops: IpvsOpCounts,
  fail: FailureSink,
): string[] {
  const deleted: string[] = [];
  const stale: { vs: VirtualServer; key: string }[] = [];
  for (const vs of current) {
    if (excludeCIDRs.some((c) => prefixContains(c, vs.address >>> 0))) continue;
    const key = virtualServerKey(vs);
    if (!active.has(key)) stale.push({ vs, key });
  }
  stale.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { vs, key } of stale) {
    if (!tryDo('deleteVirtualServer', key, fail, () => ipvs.deleteVirtualServer(vs))) continue;
    ops.vsDeleted++;
    graceful.forgetVirtualServer(key);
    deleted.push(key);
  }
  return deleted;
}
