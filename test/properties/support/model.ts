/**
 * What kube-proxy (iptables mode) and flannel intend for a first packet, derived straight from
 * the Kubernetes objects and written without any of kpemu's proxier or netfilter code: which
 * node makes the decision and with which source address the packet arrives there, which
 * endpoints it may be DNATed to (kube-proxy's endpoint selection with the serving-terminating
 * fallback, iTP/eTP Local, the short-circuit of pod and node traffic for eTP Local, the
 * load-balancer source ranges), or the filter verdict when it is not DNATed (REJECT when a
 * Service has no endpoints at all, DROP when a Local policy excludes every one, DROP for a source
 * range miss), and the source address the endpoint sees (kube-proxy's masquerade mark, hairpin,
 * and flannel's FLANNEL-POSTRTG rules).
 *
 * Ground truth: reference/kube-proxy-iptables.md §1.3–§1.7 and §6, reference/flannel.md (the
 * masquerade rules), and the node wiring of the bridge CNI plugin (pods route via cni0's address,
 * remote pod subnets via flannel.1 whose address is the subnet's network address).
 */
import { formatIpv4, prefix, prefixContains, type Prefix } from '../../../src/core/index.js';
import { parseIpv4, parsePrefix } from '../../../src/addr/index.js';
import type { EndpointSlice, Protocol, Service, ServicePort } from '../../../src/kube/index.js';
import type { GenCluster, GenNode } from '../../arbitraries/cluster.js';
import type { Probe, ProbeSource } from '../../arbitraries/traffic.js';

const LOOPBACK = prefix(0x7f000000, 8);
const MULTICAST = prefix(0xe0000000, 4);
export const PROTO: Readonly<Record<Probe['proto'], Protocol>> = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' };

/** How the packet arrives where kube-proxy decides about it. */
export interface Arrival {
  readonly node: GenNode;
  readonly src: number;
  /** `pod`: from a pod behind this node's cni0; `local`: this node's own stack; `remote`: from the underlay. */
  readonly kind: 'pod' | 'local' | 'remote';
  /** Set when the sender's node masqueraded the packet on its way (flannel, pod → another node's IP). */
  readonly masqueradedBy: string | null;
}

/** One endpoint a new connection may reach, with its probability and the source it will see. */
export interface Choice {
  /** `ip:port` */
  readonly endpoint: string;
  readonly ip: number;
  readonly port: number;
  readonly probability: number;
  /** The source address the endpoint sees (the port may change when masqueraded). */
  readonly finalSrc: number;
  /** Who masqueraded on the deciding node: kube-proxy's mark, flannel's rule, or nobody. */
  readonly masq: 'kube-proxy' | 'flannel' | null;
}

export type Expectation =
  | {
      readonly kind: 'dnat';
      readonly arrival: Arrival;
      readonly service: string;
      readonly via: 'cluster-ip' | 'external-ip' | 'lb' | 'node-port';
      readonly choices: readonly Choice[];
      /** ClientIP affinity timeout in seconds, 0 without affinity. */
      readonly affinitySeconds: number;
      readonly why: string;
    }
  | { readonly kind: 'reject' | 'drop'; readonly arrival: Arrival; readonly why: string }
  /** No kube-proxy rule decides: routed as any packet (not DNATed, never rejected by kube-proxy). */
  | { readonly kind: 'pass'; readonly arrival: Arrival; readonly why: string };

export interface ModelEndpoint {
  readonly ip: number;
  readonly port: number;
  readonly text: string;
  readonly ready: boolean;
  readonly servingTerminating: boolean;
  readonly nodeName: string;
}

/** The node owning an address as one of its own (InternalIP, cni0, flannel.1), if any. */
function ownerOf(c: GenCluster, addr: number): GenNode | undefined {
  return c.nodes.find((n) => n.ip === addr || n.gateway === addr || n.vtep === addr);
}

export function isLocalOn(n: GenNode, addr: number): boolean {
  return addr === n.ip || addr === n.gateway || addr === n.vtep || prefixContains(LOOPBACK, addr);
}

export function podSubnet(n: GenNode): Prefix {
  return prefix(n.podNetwork, 24);
}

function senderNode(c: GenCluster, s: ProbeSource): GenNode {
  switch (s.kind) {
    case 'pod':
      return c.nodes.find((n) => n.name === s.pod.node) as GenNode;
    case 'node':
    case 'localhost':
      return s.node;
    case 'external':
      return s.entry;
    default: {
      const never: never = s;
      return never;
    }
  }
}

function senderAddr(s: ProbeSource): number {
  switch (s.kind) {
    case 'pod':
      return s.pod.ip;
    case 'node':
      return s.node.ip;
    case 'localhost':
      return 0x7f000001;
    case 'external':
      return s.addr;
    default: {
      const never: never = s;
      return never;
    }
  }
}

/**
 * Where the decision is made. A Service address is decided on by the sender's node (its pod's,
 * its own, or the one an external client enters). Another node's own address is routed there
 * untouched by the sender's kube-proxy (not local there), except that flannel on the sender's
 * node masquerades pod traffic leaving the pod network (`-s 10.244.0.0/16 ! -d 224.0.0.0/4`).
 */
export function arrivalOf(c: GenCluster, p: Probe): Arrival {
  const from = p.from;
  const sender = senderNode(c, from);
  const src = senderAddr(from);
  const owner = ownerOf(c, p.dst);
  if (owner !== undefined && owner.name !== sender.name && from.kind !== 'localhost') {
    if (from.kind === 'pod') return { node: owner, src: sender.ip, kind: 'remote', masqueradedBy: sender.name };
    return { node: owner, src, kind: 'remote', masqueradedBy: null };
  }
  const kind = from.kind === 'pod' ? 'pod' : from.kind === 'external' ? 'remote' : 'local';
  return { node: sender, src, kind, masqueradedBy: null };
}

function clusterCIDR(c: GenCluster): Prefix {
  return parsePrefix(c.objects.proxyConfig.clusterCIDR);
}

/** kube-proxy's local-traffic detector on node `n`: "comes from a pod". */
export function fromPod(c: GenCluster, n: GenNode, src: number): boolean {
  return c.objects.proxyConfig.detectLocalMode === 'NodeCIDR' ? prefixContains(podSubnet(n), src) : prefixContains(clusterCIDR(c), src);
}

function endpointsOf(c: GenCluster, svc: Service, port: ServicePort): ModelEndpoint[] {
  const slices: EndpointSlice[] = c.objects.endpointSlices
    .filter((s) => s.metadata.namespace === svc.metadata.namespace && s.serviceName === svc.metadata.name && s.addressType === 'IPv4')
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  const byText = new Map<string, ModelEndpoint & { terminating: boolean }>();
  for (const slice of slices) {
    for (const sp of slice.ports) {
      if (sp.name !== port.name || sp.protocol !== port.protocol || sp.port < 1) continue;
      for (const e of slice.endpoints) {
        const first = e.addresses[0];
        if (first === undefined) continue;
        const ip = parseIpv4(first);
        const text = `${formatIpv4(ip)}:${sp.port}`;
        const entry = { ip, port: sp.port, text, ready: e.conditions.ready, servingTerminating: e.conditions.serving && e.conditions.terminating, nodeName: e.nodeName, terminating: e.conditions.terminating };
        const prev = byText.get(text);
        // Seen twice (an endpoint moving between slices): the non-terminating copy wins.
        if (prev === undefined || !entry.terminating) byText.set(text, entry);
      }
    }
  }
  return [...byText.values()];
}

/** kube-proxy's endpoint lists for one service port as node `n` sees them. */
export function categorize(c: GenCluster, n: GenNode, svc: Service, port: ServicePort): { cluster: ModelEndpoint[]; local: ModelEndpoint[] } {
  const eps = endpointsOf(c, svc, port);
  // Ready ones; if none, the ones still serving while terminating. The local list decides alone.
  let cluster = eps.filter((e) => e.ready);
  if (cluster.length === 0) cluster = eps.filter((e) => e.servingTerminating);
  const mine = eps.filter((e) => e.nodeName === n.name);
  let local = mine.filter((e) => e.ready);
  if (local.length === 0) local = mine.filter((e) => e.servingTerminating);
  return { cluster, local };
}

export interface PortMatch {
  readonly svc: Service;
  readonly port: ServicePort;
  readonly via: 'cluster-ip' | 'external-ip' | 'lb' | 'node-port';
}

function proxied(svc: Service): boolean {
  return svc.spec.type !== 'ExternalName' && svc.spec.clusterIP !== '' && svc.spec.clusterIP !== 'None';
}

export function lbVIPs(svc: Service): number[] {
  if (svc.spec.type !== 'LoadBalancer') return [];
  return svc.status.loadBalancerIngress.filter((i) => i.ipMode === 'VIP').map((i) => parseIpv4(i.ip));
}

/** The service port a destination names (VIPs first, then node ports on local addresses). */
export function matchPort(c: GenCluster, n: GenNode, dst: number, dport: number, proto: Protocol, nodePortsOnLoopback: boolean): PortMatch | null {
  const services = [...c.objects.services].filter(proxied).sort((a, b) => (`${a.metadata.namespace}/${a.metadata.name}` < `${b.metadata.namespace}/${b.metadata.name}` ? -1 : 1));
  for (const svc of services) {
    for (const port of svc.spec.ports) {
      if (port.protocol !== proto || port.port !== dport) continue;
      if (parseIpv4(svc.spec.clusterIP) === dst) return { svc, port, via: 'cluster-ip' };
      if (svc.spec.externalIPs.some((x) => parseIpv4(x) === dst)) return { svc, port, via: 'external-ip' };
      if (lbVIPs(svc).includes(dst)) return { svc, port, via: 'lb' };
    }
  }
  if (!isLocalOn(n, dst) || (!nodePortsOnLoopback && prefixContains(LOOPBACK, dst))) return null;
  for (const svc of services) for (const port of svc.spec.ports) if (port.nodePort === dport && port.protocol === proto) return { svc, port, via: 'node-port' };
  return null;
}

export function spn(m: PortMatch): string {
  return `${m.svc.metadata.namespace}/${m.svc.metadata.name}${m.port.name !== '' ? `:${m.port.name}` : ''} (${m.via})`;
}

/** The source the endpoint sees once the deciding node's POSTROUTING has run. */
export function finalSource(c: GenCluster, n: GenNode, src: number, ep: ModelEndpoint, kubeMasq: boolean): { finalSrc: number; masq: Choice['masq'] } {
  const local = prefixContains(podSubnet(n), ep.ip);
  // MASQUERADE takes the address of the device facing the next hop: cni0 for a local pod, flannel.1 for a remote one.
  const masqAddr = local ? n.gateway : n.vtep;
  if (kubeMasq) return { finalSrc: masqAddr, masq: 'kube-proxy' };
  const cidr = clusterCIDR(c);
  const srcIn = prefixContains(cidr, src);
  const dstIn = prefixContains(cidr, ep.ip);
  const sub = podSubnet(n);
  // FLANNEL-POSTRTG, in order: three RETURNs keeping pod-to-pod traffic, then two MASQUERADEs.
  if (prefixContains(sub, src) && dstIn) return { finalSrc: src, masq: null };
  if (srcIn && prefixContains(sub, ep.ip)) return { finalSrc: src, masq: null };
  if (!srcIn && prefixContains(sub, ep.ip)) return { finalSrc: src, masq: null };
  if (srcIn && !prefixContains(MULTICAST, ep.ip)) return { finalSrc: masqAddr, masq: 'flannel' };
  if (!srcIn && dstIn) return { finalSrc: masqAddr, masq: 'flannel' };
  return { finalSrc: src, masq: null };
}

export function dnat(c: GenCluster, a: Arrival, m: PortMatch, eps: readonly ModelEndpoint[], masq: (ep: ModelEndpoint) => boolean, why: string): Expectation {
  const choices = eps.map((ep): Choice => ({ endpoint: ep.text, ip: ep.ip, port: ep.port, probability: 1 / eps.length, ...finalSource(c, a.node, a.src, ep, masq(ep)) }));
  const affinitySeconds = m.svc.spec.sessionAffinity === 'ClientIP' ? m.svc.spec.sessionAffinityTimeoutSeconds : 0;
  return { kind: 'dnat', arrival: a, service: spn(m), via: m.via, choices, affinitySeconds, why };
}

/** kube-proxy's iptables-mode decision about a new connection, then flannel's masquerading. */
export function expectIptables(c: GenCluster, p: Probe): Expectation {
  const a = arrivalOf(c, p);
  const n = a.node;
  const cfg = c.objects.proxyConfig;
  const proto = PROTO[p.proto];
  const hairpin = (ep: ModelEndpoint): boolean => ep.ip === a.src;
  const srcLocal = isLocalOn(n, a.src);
  const pod = fromPod(c, n, a.src);

  // nat: KUBE-SERVICES, then KUBE-NODEPORTS (the loopback node ports only with localhostNodePorts).
  const m = matchPort(c, n, p.dst, p.dport, proto, cfg.localhostNodePorts);
  let filterWhy = 'no kube-proxy rule matches';
  let firewallDenied = false;
  if (m !== null) {
    const { cluster, local } = categorize(c, n, m.svc, m.port);
    const hasEndpoints = cluster.length > 0;
    if (m.via === 'cluster-ip') {
      const policy = m.svc.spec.internalTrafficPolicy === 'Local' ? local : cluster;
      if (hasEndpoints && policy.length > 0) {
        return dnat(c, a, m, policy, (ep) => cfg.masqueradeAll || !pod || hairpin(ep), `${spn(m)}: ${m.svc.spec.internalTrafficPolicy === 'Local' ? 'local' : 'cluster'} endpoints`);
      }
    } else if (hasEndpoints) {
      const ranges = m.svc.spec.loadBalancerSourceRanges.map((r) => parsePrefix(r.trim(), { sloppy: true }));
      const firewalled = m.via === 'lb' && ranges.length > 0 && !ranges.some((r) => r.length === 0);
      const nodeInRange = ranges.some((r) => prefixContains(r, n.ip));
      const allowed = !firewalled || ranges.some((r) => prefixContains(r, a.src)) || (nodeInRange && lbVIPs(m.svc).includes(a.src));
      if (allowed) {
        const etpLocal = (m.svc.spec.type === 'NodePort' || m.svc.spec.type === 'LoadBalancer') && m.svc.spec.externalTrafficPolicy === 'Local';
        if (!etpLocal) return dnat(c, a, m, cluster, () => true, `${spn(m)}: eTP Cluster, masqueraded`);
        if (pod) return dnat(c, a, m, cluster, hairpin, `${spn(m)}: eTP Local, pod traffic short-circuited to every endpoint`);
        if (srcLocal) return dnat(c, a, m, cluster, () => true, `${spn(m)}: eTP Local, the node's own traffic short-circuited and masqueraded`);
        if (local.length > 0) return dnat(c, a, m, local, hairpin, `${spn(m)}: eTP Local, local endpoints, source kept`);
        filterWhy = `${spn(m)}: eTP Local without local endpoints`;
      } else {
        firewallDenied = true;
        filterWhy = `${spn(m)}: source ${formatIpv4(a.src)} outside loadBalancerSourceRanges`;
      }
    }
  }

  // filter: what kube-proxy's filter chains do with the un-DNATed packet on its hooks.
  const dstLocal = isLocalOn(n, p.dst);
  const hooks = a.kind === 'local' ? (dstLocal ? ['OUTPUT', 'INPUT'] : ['OUTPUT']) : dstLocal ? ['INPUT'] : ['FORWARD'];
  const on = (...names: string[]): boolean => hooks.some((h) => names.includes(h));
  const f = matchPort(c, n, p.dst, p.dport, proto, true);
  if (f !== null) {
    const { cluster, local } = categorize(c, n, f.svc, f.port);
    const hasEndpoints = cluster.length > 0;
    const verdict = hasEndpoints ? 'drop' : 'reject';
    if (f.via === 'cluster-ip') {
      const hasInternal = hasEndpoints && (f.svc.spec.internalTrafficPolicy !== 'Local' || local.length > 0);
      // KUBE-SERVICES (filter) hangs off FORWARD and OUTPUT.
      if (!hasInternal && on('FORWARD', 'OUTPUT')) return { kind: verdict, arrival: a, why: `${spn(f)}: ${hasEndpoints ? 'no local endpoints (iTP Local)' : 'no endpoints'}` };
    } else {
      // KUBE-PROXY-FIREWALL (INPUT, OUTPUT, FORWARD) drops LB traffic the KUBE-FW chain did not let through.
      if (firewallDenied) return { kind: 'drop', arrival: a, why: filterWhy };
      const etpLocal = (f.svc.spec.type === 'NodePort' || f.svc.spec.type === 'LoadBalancer') && f.svc.spec.externalTrafficPolicy === 'Local';
      const hasExternal = hasEndpoints && (!etpLocal || local.length > 0);
      // KUBE-EXTERNAL-SERVICES hangs off INPUT and FORWARD only.
      if (!hasExternal && on('INPUT', 'FORWARD')) return { kind: verdict, arrival: a, why: `${spn(f)}: ${hasEndpoints ? 'no local endpoints (eTP Local)' : 'no endpoints'}` };
      filterWhy = hasExternal ? filterWhy : `${spn(f)}: no external endpoints, but OUTPUT has no KUBE-EXTERNAL-SERVICES`;
    }
  }
  return { kind: 'pass', arrival: a, why: filterWhy };
}

/** The set of endpoint texts an expectation allows. */
export function allowedEndpoints(e: Expectation): ReadonlySet<string> {
  return new Set(e.kind === 'dnat' ? e.choices.map((x) => x.endpoint) : []);
}

/** A one-line summary for failure messages. */
export function describeExpectation(e: Expectation): string {
  const at = `on ${e.arrival.node.name} (arriving from ${formatIpv4(e.arrival.src)}, ${e.arrival.kind}${e.arrival.masqueradedBy !== null ? `, masqueraded by ${e.arrival.masqueradedBy}` : ''})`;
  if (e.kind !== 'dnat') return `${e.kind.toUpperCase()} ${at}: ${e.why}`;
  const list = e.choices.map((x) => `${x.endpoint} p=${x.probability.toFixed(3)} src→${formatIpv4(x.finalSrc)}${x.masq !== null ? ` (${x.masq})` : ''}`).join(', ');
  return `DNAT ${at}: ${e.why} → ${list}`;
}
