/**
 * The proxy modes the properties run in. iptables always; IPVS as soon as `Cluster.build` accepts
 * `mode: 'ipvs'` (it is being wired in another change). The probe builds a one-node cluster in
 * IPVS mode: a "not available" KpemuError means not yet, and the IPVS suites are skipped with a
 * loud warning; any other error is a real failure and is rethrown.
 */
import { describe } from 'vitest';
import { Cluster } from '../../../src/cluster/index.js';
import { isKpemuError } from '../../../src/core/index.js';
import type { ProxyMode } from '../../../src/kube/index.js';
import { buildCluster } from '../../arbitraries/cluster.js';

export const ALL_MODES: readonly ProxyMode[] = ['iptables', 'ipvs'];

let ipvsProbe: { readonly ok: boolean; readonly reason: string } | undefined;

/** Whether IPVS mode clusters can be built, and why not. */
export function ipvsAvailability(): { readonly ok: boolean; readonly reason: string } {
  if (ipvsProbe !== undefined) return ipvsProbe;
  const tiny = buildCluster({
    podsPerNode: [1],
    masqueradeAll: false,
    localhostNodePorts: true,
    detectLocalMode: 'ClusterCIDR',
    services: [{ type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', target: 8080 }], externalIPs: 0, ingress: 'none', sourceRanges: [], etpLocal: false, itpLocal: false, affinity: 0, slice: { endpoints: [{ pod: 0, state: 'ready', named: true }], missingPort: null } }],
  });
  try {
    Cluster.build(tiny.objects, { mode: 'ipvs', eager: true });
    ipvsProbe = { ok: true, reason: '' };
  } catch (e) {
    if (!isKpemuError(e) || !/not available/i.test(e.message)) throw e;
    ipvsProbe = { ok: false, reason: e.message };
  }
  return ipvsProbe;
}

/** The modes this build can run. */
export function availableModes(): ProxyMode[] {
  return ALL_MODES.filter((m) => m === 'iptables' || ipvsAvailability().ok);
}

/**
 * One `describe` per proxy mode. A mode this build cannot run is skipped with a warning naming
 * the property, so a skipped IPVS run is never mistaken for a pass.
 */
export function describeModes(title: string, fn: (mode: ProxyMode) => void, modes: readonly ProxyMode[] = ALL_MODES): void {
  for (const mode of modes) {
    const available = mode === 'iptables' || ipvsAvailability().ok;
    if (!available) console.warn(`\n*** PROPERTY SKIPPED in ${mode} mode (${title}): ${ipvsAvailability().reason} ***\n`);
    describe.skipIf(!available)(`${title} [${mode}]`, () => fn(mode));
  }
}
