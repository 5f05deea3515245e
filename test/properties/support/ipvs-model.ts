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
 * - `ipvs-internal-local-fallback`: the same fallback for the ClusterIP virtual server of an
 *   externally reachable Service with iTP Local and no local endpoint; iptables mode drops.
 * - `ipvs-internal-local-empty-rejects`: iTP Local without local endpoints on a Service reachable
 *   only inside the cluster leaves the ClusterIP virtual server without real servers (kube-proxy
 *   has no cluster list for it): IPVS answers port unreachable where iptables mode drops.
 * - `ipvs-vip-other-port-rejected`: addresses bound to kube-ipvs0 (ClusterIPs, external IPs, LB
 *   VIPs) reject other ports and protocols (KUBE-IPVS-FILTER, §3.3 item 7).
 * - `ipvs-source-ranges-without-endpoints`: the source-range firewall sets are filled whether or
 *   not the Service has endpoints, so an excluded source is dropped where iptables mode (which
 *   writes no KUBE-FW chain without endpoints) rejects for lack of endpoints.
 * - `ipvs-no-localhost-nodeports`: `-s 127.0.0.0/8 -j RETURN` and no virtual servers on loopback.
 * - `ipvs-hairpin-unnamed-endpoint`: a pod reaching itself through a Service is masqueraded only
 *   when KUBE-LOOP-BACK holds its `ip,proto:port` — an endpoint naming this node, of any Service,
 *   ready or not (the set is matched on the packet alone); otherwise the
 *   pod answers itself directly and the connection never sees its reverse NAT. iptables mode
 *   masquerades every hairpin (the KUBE-SEP `-s <endpoint>` rule).
 * - `ipvs-node-to-vip`: the node's own traffic to an address bound to kube-ipvs0 starts from that
 *   address (a local route), not from the node IP; masquerading then follows from that source.
 *   Source ranges are not applied to it: the KUBE-IPVS-OUT-FILTER rule needs `-m ipvs`, which
 *   kpemu leaves out (src/proxy/ipvs/README.md), where iptables mode's KUBE-FW chain checks the
 *   node IP.
 */
import { formatIpv4, prefixContains } from '../../../src/core/index.js';
import { parsePrefix } from '../../../src/addr/index.js';
import type { Service, ServicePort } from '../../../src/kube/index.js';
import type { GenCluster } from '../../arbitraries/cluster.js';
import type { Probe } from '../../arbitraries/traffic.js';
import { arrivalOf, categorize, dnat, expectIptables, type Expectation, fromPod, isLocalOn, lbVIPs, matchPort, type ModelEndpoint, PROTO, spn } from './model.js';

export type ModeException =
  | 'ipvs-external-local-fallback'
  | 'ipvs-no-pod-short-circuit'
  | 'ipvs-etp-local-keeps-source'
  | 'ipvs-internal-local-fallback'
  | 'ipvs-internal-local-empty-rejects'
  | 'ipvs-vip-other-port-rejected'
  | 'ipvs-source-ranges-without-endpoints'
  | 'ipvs-no-localhost-nodeports'
  | 'ipvs-hairpin-unnamed-endpoint'
  | 'ipvs-node-to-vip';

export interface ModeExpectation {
  readonly expectation: Expectation;
  /** Exceptions that apply to this probe (empty in iptables mode). */
  readonly exceptions: readonly ModeException[];
}

export function expectIpvs(c: GenCluster, p: Probe): ModeExpectation {
  const base = expectIptables(c, p);
  const arrived = arrivalOf(c, p);
  const n = arrived.node;
  const cfg = c.objects.proxyConfig;
  const proto = PROTO[p.proto];
  const exceptions: ModeException[] = [];
  const vipBound = (addr: number): boolean =>
    c.objects.services.some((s) => s.spec.clusterIP !== '' && s.spec.clusterIP !== 'None' && s.spec.type !== 'ExternalName' && [s.spec.clusterIP, ...s.spec.externalIPs].some((x) => parsePrefix(x).network === addr)) ||
    c.objects.services.some((s) => lbVIPs(s).includes(addr));
  const fromVip = arrived.kind === 'local' && vipBound(p.dst);
  if (fromVip) exceptions.push('ipvs-node-to-vip');
  const a = fromVip ? { ...arrived, src: p.dst } : arrived;

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
  const loopBack = loopBackEntries(c, n.name);
  const hairpin = (ep: ModelEndpoint): boolean => ep.ip === a.src && loopBack.has(`${formatIpv4(ep.ip)},${proto}:${ep.port}`);
  if ([...cluster, ...local].some((ep) => ep.ip === a.src && !hairpin(ep))) exceptions.push('ipvs-hairpin-unnamed-endpoint');
  if (m.via === 'cluster-ip') {
    const itpLocal = m.svc.spec.internalTrafficPolicy === 'Local';
    // kube-proxy keeps no cluster list for a Service that is iTP Local and reachable only inside the cluster.
    const clusterList = !itpLocal || externallyAccessible(m.svc, m.port) ? cluster : [];
    const policy = itpLocal && local.length > 0 ? local : clusterList;
    if (itpLocal && local.length === 0 && cluster.length > 0) exceptions.push(policy.length > 0 ? 'ipvs-internal-local-fallback' : 'ipvs-internal-local-empty-rejects');
    if (policy.length === 0) return { expectation: { kind: 'reject', arrival: a, why: `${spn(m)}: a virtual server without real servers` }, exceptions };
    return { expectation: dnat(c, a, m, policy, (ep) => cfg.masqueradeAll || !fromPod(c, n, a.src) || hairpin(ep), `${spn(m)}: IPVS real servers`), exceptions };
  }
  // The source-range firewall (filter INPUT/FORWARD) runs before IPVS sees the packet, endpoints or not.
  if (m.via === 'lb' && a.kind !== 'local') {
    const ranges = m.svc.spec.loadBalancerSourceRanges.map((r) => parsePrefix(r.trim(), { sloppy: true }));
    if (ranges.length > 0 && !ranges.some((r) => r.length === 0) && !ranges.some((r) => prefixContains(r, a.src))) {
      if (cluster.length === 0) exceptions.push('ipvs-source-ranges-without-endpoints');
      return { expectation: { kind: 'drop', arrival: a, why: `${spn(m)}: KUBE-SOURCE-RANGES-FIREWALL` }, exceptions };
    }
  }
  if (cluster.length === 0) return { expectation: { kind: 'reject', arrival: a, why: `${spn(m)}: a virtual server without real servers` }, exceptions };
  const etpLocal = (m.svc.spec.type === 'NodePort' || m.svc.spec.type === 'LoadBalancer') && m.svc.spec.externalTrafficPolicy === 'Local';
  if (!etpLocal) return { expectation: dnat(c, a, m, cluster, () => true, `${spn(m)}: eTP Cluster, masqueraded`), exceptions };
  const eps = local.length > 0 ? local : cluster;
  if (local.length === 0 && !fromPod(c, n, a.src) && !isLocalOn(n, a.src)) exceptions.push('ipvs-external-local-fallback');
  const sameEndpoints = local.length === cluster.length && local.every((l) => cluster.some((x) => x.text === l.text));
  if (local.length > 0 && (fromPod(c, n, a.src) || isLocalOn(n, a.src)) && !sameEndpoints) exceptions.push('ipvs-no-pod-short-circuit');
  if (isLocalOn(n, a.src)) exceptions.push('ipvs-etp-local-keeps-source');
  return { expectation: dnat(c, a, m, eps, hairpin, `${spn(m)}: eTP Local ${local.length > 0 ? 'local' : 'cluster (fallback)'} real servers, source kept`), exceptions };
}

/**
 * KUBE-LOOP-BACK: `ip,proto:port` of every endpoint on this node of every Service port, whatever
 * its conditions (kube-proxy fills it from the whole endpoints map). The set is matched on the
 * packet alone, so one Service's entry also masquerades another Service's hairpin to that address.
 */
function loopBackEntries(c: GenCluster, node: string): Set<string> {
  const out = new Set<string>();
  for (const slice of c.objects.endpointSlices) {
    const svc = c.objects.services.find((s) => s.metadata.namespace === slice.metadata.namespace && s.metadata.name === slice.serviceName);
    if (svc === undefined || svc.spec.type === 'ExternalName' || svc.spec.clusterIP === 'None' || svc.spec.clusterIP === '') continue;
    for (const sp of slice.ports) {
      if (!svc.spec.ports.some((p) => p.name === sp.name && p.protocol === sp.protocol)) continue;
      for (const e of slice.endpoints) {
        const first = e.addresses[0];
        if (first !== undefined && e.nodeName === node) out.add(`${formatIpv4(parsePrefix(first).network)},${sp.protocol}:${sp.port}`);
      }
    }
  }
  return out;
}

function externallyAccessible(svc: Service, port: ServicePort): boolean {
  return port.nodePort !== 0 || svc.spec.externalIPs.length > 0 || lbVIPs(svc).length > 0;
}

/** The model of a mode. */
export function expectFor(mode: 'iptables' | 'ipvs', c: GenCluster, p: Probe): ModeExpectation {
  return mode === 'ipvs' ? expectIpvs(c, p) : { expectation: expectIptables(c, p), exceptions: [] };
}
