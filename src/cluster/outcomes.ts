import { explorePaths, formatIpv4 } from '../core/index.js';
import type { NetNamespace } from '../node/index.js';
import { CT_STATUS } from '../conntrack/index.js';
import type { Packet } from '../packet/index.js';

/** The result of one attempt, summarised for comparisons and reports. */
export interface AttemptSummary {
  readonly verdict: 'delivered' | 'transmitted' | 'dropped' | 'rejected';
  /** Where the packet ended (`node/netns`). */
  readonly where: string;
  /** `IP:port` the destination became by DNAT (or IPVS), null when unchanged. */
  readonly dnat: string | null;
  /** `IP:port` the source became by SNAT/MASQUERADE, null when unchanged. */
  readonly snat: string | null;
  readonly reason: string;
  readonly rejectWith: string;
  readonly decidedBy: string;
}

export interface Outcome extends AttemptSummary {
  readonly probability: number;
}

export function endpointText(addr: number, port: number): string {
  return port === 0 ? formatIpv4(addr) : `${formatIpv4(addr)}:${port}`;
}

/** Compares a packet before and after its journey. */
export function summarise(before: { src: number; dst: number; sport: number; dport: number }, after: Packet, verdict: AttemptSummary['verdict'], where: string, extra: { reason: string; rejectWith: string; decidedBy: string }): AttemptSummary {
  const dnat = after.dst !== before.dst || after.dport !== before.dport ? endpointText(after.dst, after.dport) : null;
  const snat = after.src !== before.src || after.sport !== before.sport ? endpointText(after.src, after.sport) : null;
  return { verdict, where, dnat, snat, ...extra };
}

/** Forgets connections and `-m recent` entries so the next attempt is the first one again. */
export function resetDynamicState(namespaces: readonly NetNamespace[]): void {
  for (const ns of namespaces) {
    ns.conntrack.table.flush();
    ns.recent.clear();
    ns.ipvsHooks?.ipvs.flushConnections();
  }
}

/**
 * Every outcome of an attempt with its exact probability: the attempt is re-run with each
 * combination of random decisions (`-m statistic` draws; IPVS schedulers that expose them),
 * starting from a fresh connection state each time. Outcomes with equal summaries are merged.
 */
export function exploreOutcomes(namespaces: readonly NetNamespace[], attempt: () => AttemptSummary): Outcome[] {
  const paths = explorePaths((choose) => {
    resetDynamicState(namespaces);
    const chooser = (p31: number) => choose(p31 / 2147483648);
    for (const ns of namespaces) ns.chooser = chooser;
    try {
      return attempt();
    } finally {
      for (const ns of namespaces) ns.chooser = null;
    }
  });
  resetDynamicState(namespaces);
  const merged = new Map<string, Outcome>();
  for (const p of paths) {
    const key = JSON.stringify(p.result);
    const prev = merged.get(key);
    merged.set(key, prev === undefined ? { ...p.result, probability: p.probability } : { ...prev, probability: prev.probability + p.probability });
  }
  return [...merged.values()];
}

/** True when the packet's connection was source-NATed (masqueraded) in `ns`. */
export function wasSourceNatted(ns: NetNamespace, pkt: Packet): boolean {
  return pkt.ctIndex >= 0 && ((ns.conntrack.table.status[pkt.ctIndex] as number) & CT_STATUS.SRC_NAT) !== 0;
}
