/**
 * What kube-proxy's IPVS mode intends for a first packet, written as the iptables-mode model
 * (model.ts) plus the differences reference/kube-proxy-ipvs.md documents, each with a name. The
 * names are the only differences the mode-agreement property tolerates between the two modes:
 *
 * - `ipvs-external-local-fallback`: an eTP Local virtual server without local endpoints uses the
 *   cluster endpoints (§1.4, kubernetes PR #97081) where iptables mode drops.
 * - `ipvs-no-pod-short-circuit`: pods and the node reach an eTP Local virtual server's local
 *   endpoints only (when there are any); iptables mode sends them to every endpoint.
 * - `ipvs-etp-local-keeps-source`: eTP Local virtual servers are never masqueraded (the
 *   KUBE-*-LOCAL sets RETURN before KUBE-MARK-MASQ, §3.3), not even the node's own traffic.
 * - `ipvs-internal-local-empty-rejects`: iTP Local without local endpoints leaves the ClusterIP
 *   virtual server without real servers: IPVS answers port unreachable where iptables mode drops.
 * - `ipvs-vip-other-port-rejected`: addresses bound to kube-ipvs0 (ClusterIPs, external IPs, LB
 *   VIPs) reject other ports and protocols (KUBE-IPVS-FILTER, §3.3 item 7).
 * - `ipvs-no-localhost-nodeports`: `-s 127.0.0.0/8 -j RETURN` and no virtual servers on loopback.
 * - `ipvs-node-to-vip`: the node's own traffic to an address bound to kube-ipvs0 starts from that
 *   address (a local route); masquerading and source ranges then see another source. Not modelled:
 *   outcomes of such probes are only compared for their endpoint set.
 */
import { prefixContains } from '../../../src/core/index.js';
import { parsePrefix } from '../../../src/addr/index.js';
import type { GenCluster } from '../../arbitraries/cluster.js';
import type { Probe } from '../../arbitraries/traffic.js';
import { arrivalOf, categorize, dnat, expectIptables, type Expectation, fromPod, isLocalOn, lbVIPs, matchPort, type ModelEndpoint, PROTO, spn } from './model.js';

export type ModeException =
  | 'ipvs-external-local-fallback'
  | 'ipvs-no-pod-short-circuit'
  | 'ipvs-etp-local-keeps-source'
  | 'ipvs-internal-local-empty-rejects'
  | 'ipvs-vip-other-port-rejected'
  | 'ipvs-no-localhost-nodeports'
  | 'ipvs-node-to-vip';

export interface ModeExpectation {
  readonly expectation: Expectation;
  /** Exceptions that apply to this probe (empty in iptables mode). */
  readonly exceptions: readonly ModeException[];
}

export function expectIpvs(c: GenCluster, p: Probe): ModeExpectation {
  const base = expectIptables(c, p);
  const a = arrivalOf(c, p);
  const n = a.node;
  const cfg = c.objects.proxyConfig;
  const proto = PROTO[p.proto];
  const exceptions: ModeException[] = [];
  const vipBound = (addr: number): boolean =>
    c.objects.services.some((s) => s.spec.clusterIP !== '' && s.spec.clusterIP !== 'None' && s.spec.type !== 'ExternalName' && [s.spec.clusterIP, ...s.spec.externalIPs].map((x) => parsePrefix(x).network).includes(addr)) ||
    c.objects.services.some((s) => lbVIPs(s).includes(addr));
  if (a.kind === 'local' && vipBound(p.dst)) exceptions.push('ipvs-node-to-vip');

  if (prefixContains(parsePrefix('127.0.0.0/8'), p.dst)) {
    const m = matchPort(c, n, p.dst, p.dport, proto, true);
    if (m !== null) exceptions.push('ipvs-no-localhost-nodeports');
    return { expectation: { kind: 'pass', arrival: a, why: 'IPVS mode has no localhost node ports' }, exceptions };
  }
  const m = matchPort(c, n, p.dst, p.dport, proto, false);
  if (m === null) {
    if (vipBound(p.dst)) {
      exceptions.push('ipvs-vip-other-port-rejected');
      return { expectation: { kind: 'reject', arrival: a, why: 'KUBE-IPVS-FILTER: a port no virtual server has on a kube-ipvs0 address' }, exceptions };
    }
    return { expectation: base, exceptions };
  }
  const { cluster, local } = categorize(c, n, m.svc, m.port);
  const hairpin = (ep: ModelEndpoint): boolean => ep.ip === a.src && ep.nodeName === n.name;
  if (m.via === 'cluster-ip') {
    const policy = m.svc.spec.internalTrafficPolicy === 'Local' ? local : cluster;
    if (policy.length === 0) {
      if (cluster.length > 0) exceptions.push('ipvs-internal-local-empty-rejects');
      return { expectation: { kind: 'reject', arrival: a, why: `${spn(m)}: a virtual server without real servers` }, exceptions };
    }
    return { expectation: dnat(c, a, m, policy, (ep) => cfg.masqueradeAll || !fromPod(c, n, a.src) || hairpin(ep), `${spn(m)}: IPVS real servers`), exceptions };
  }
  if (cluster.length === 0) return { expectation: { kind: 'reject', arrival: a, why: `${spn(m)}: a virtual server without real servers` }, exceptions };
  if (m.via === 'lb' && a.kind !== 'local') {
    const ranges = m.svc.spec.loadBalancerSourceRanges.map((r) => parsePrefix(r.trim(), { sloppy: true }));
    if (ranges.length > 0 && !ranges.some((r) => r.length === 0) && !ranges.some((r) => prefixContains(r, a.src))) {
      return { expectation: { kind: 'drop', arrival: a, why: `${spn(m)}: KUBE-SOURCE-RANGES-FIREWALL` }, exceptions };
    }
  }
  const etpLocal = (m.svc.spec.type === 'NodePort' || m.svc.spec.type === 'LoadBalancer') && m.svc.spec.externalTrafficPolicy === 'Local';
  if (!etpLocal) return { expectation: dnat(c, a, m, cluster, () => true, `${spn(m)}: eTP Cluster, masqueraded`), exceptions };
  const eps = local.length > 0 ? local : cluster;
  if (local.length === 0 && !fromPod(c, n, a.src) && !isLocalOn(n, a.src)) exceptions.push('ipvs-external-local-fallback');
  if (local.length > 0 && (fromPod(c, n, a.src) || isLocalOn(n, a.src)) && local.length !== cluster.length) exceptions.push('ipvs-no-pod-short-circuit');
  if (isLocalOn(n, a.src)) exceptions.push('ipvs-etp-local-keeps-source');
  return { expectation: dnat(c, a, m, eps, hairpin, `${spn(m)}: eTP Local ${local.length > 0 ? 'local' : 'cluster (fallback)'} real servers, source kept`), exceptions };
}

/** The model of a mode. */
export function expectFor(mode: 'iptables' | 'ipvs', c: GenCluster, p: Probe): ModeExpectation {
  return mode === 'ipvs' ? expectIpvs(c, p) : { expectation: expectIptables(c, p), exceptions: [] };
}
