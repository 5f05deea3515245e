import { isKpemuError, type KpemuError } from '../../core/index.js';
import type { IpsetApi } from '../../ipset/index.js';
import { IPSET_INFO, ipsetSpecOf, type IpvsSetInfo, type IpvsSetName } from './ipsets.js';
import { tryGet, type FailureSink, type IpsetOpCounts } from './ops.js';

/**
 * Makes sure every set exists (`ipset create ... -exist`, as P `ensureIPSet`). A set that cannot
 * be created stops the sync, as in kube-proxy, so the error is returned rather than recorded.
 */
export function ensureIpsets(ipset: IpsetApi, ops: IpsetOpCounts, fail: FailureSink): KpemuError | null {
  const before = tryGet('listSets', '', fail, () => ipset.listSets());
  const existing = new Set(before ?? []);
  for (const info of IPSET_INFO) {
    try {
      ipset.createSet(ipsetSpecOf(info), true);
    } catch (e) {
      if (!isKpemuError(e)) throw e;
      return e.withLocation({ object: info.name });
    }
    if (before !== null && !existing.has(info.name)) ops.created++;
  }
  return null;
}

/**
 * S `syncIPSetEntries` for one set: lists what the kernel holds and adds or deletes the
 * difference, one call per entry (one `ipset` exec each in kube-proxy). A failed listing leaves
 * the set alone this sync; a failed add or delete is recorded and the rest goes on.
 */
export function syncSetEntries(ipset: IpsetApi, info: IpvsSetInfo, desired: ReadonlySet<string>, ops: IpsetOpCounts, fail: FailureSink): void {
  const current = tryGet('listEntries', info.name, fail, () => ipset.listEntries(info.name));
  if (current === null) return;
  const have = new Set(current);
  // Sorted for a deterministic call order; only the differences, which are small after the first sync.
  const stale = current.filter((e) => !desired.has(e)).sort();
  const missing: string[] = [];
  for (const e of desired) if (!have.has(e)) missing.push(e);
  missing.sort();
  for (const entry of stale) {
    try {
      ipset.delEntry(entry, info.name);
      ops.deleted++;
    } catch (e) {
      if (!isKpemuError(e)) throw e;
      // Already gone is what we wanted; upstream ignores "not found" too.
      if (e.code !== 'IPSET_NOT_MEMBER') fail({ op: 'delEntry', target: `${info.name} ${entry}`, error: e });
    }
  }
  const spec = ipsetSpecOf(info);
  for (const entry of missing) {
    try {
      ipset.addEntry(entry, spec, true);
      ops.added++;
    } catch (e) {
      if (!isKpemuError(e)) throw e;
      fail({ op: 'addEntry', target: `${info.name} ${entry}`, error: e });
    }
  }
}

/** The wanted entries of every set, as one sync computed them. */
export type DesiredIpsets = ReadonlyMap<IpvsSetName, ReadonlySet<string>>;

/**
 * The desired set state as `ipset restore` text, to be loaded with `ipset -exist restore` (which
 * makes the create lines idempotent like kube-proxy's `create ... -exist`). Sets in kube-proxy's
 * order, entries sorted. Useful to program a real kernel with what the proxier computed.
 */
export function renderIpsetRestore(desired: DesiredIpsets): string {
  const lines: string[] = [];
  for (const info of IPSET_INFO) {
    const spec = ipsetSpecOf(info);
    lines.push(
      spec.setType === 'bitmap:port'
        ? `create ${spec.name} ${spec.setType} range ${spec.portRange ?? '0-65535'}`
        : `create ${spec.name} ${spec.setType} family ${spec.hashFamily ?? 'inet'} hashsize ${spec.hashSize ?? 1024} maxelem ${spec.maxElem ?? 65536}`,
    );
    for (const entry of [...(desired.get(info.name) ?? [])].sort()) lines.push(`add ${info.name} ${entry}`);
  }
  return `${lines.join('\n')}\n`;
}
