import { parsePrefix, type Prefix } from '../../index.js';

/**
 * What a node's iptables-save tells about the node itself, for replays without `ip -j addr` or
 * `ip -j route` dumps: flannel's masquerade rules name the pod network and this node's subnet,
 * kube-proxy's local-traffic rules name the cluster CIDR, its localnet guard shows route_localnet
 * is on, and `-m nfacct` rules name counters that must exist.
 */
export interface RuleHints {
  /** flannel's Network (e.g. 10.244.0.0/16), from FLANNEL-POSTRTG. */
  readonly flannelNetwork: Prefix | null;
  /** This node's flannel subnet (e.g. 10.244.1.0/24). */
  readonly podSubnet: Prefix | null;
  /** kube-proxy's clusterCIDR, from `! -s CIDR ... -j KUBE-MARK-MASQ`. */
  readonly clusterCIDR: Prefix | null;
  /** kube-proxy's KUBE-FIREWALL guard against localnet connections: it sets route_localnet=1 with it. */
  readonly routeLocalnet: boolean;
  /** nfacct counters the rules use. */
  readonly nfacctNames: readonly string[];
  /** Whether the rules match ipsets (`-m set`). */
  readonly usesIpsets: boolean;
  /** Destination ports of kube-proxy's NodePort rules. */
  readonly nodePorts: ReadonlySet<number>;
}

function prefixes(line: string): Prefix[] {
  const out: Prefix[] = [];
  for (const m of line.matchAll(/(?:^|\s)(?:-s|-d) (\d+\.\d+\.\d+\.\d+\/\d+)/g)) {
    try {
      out.push(parsePrefix(m[1] as string));
    } catch {
      // A malformed address is iptables-restore's to report, with its line.
    }
  }
  return out;
}

function contains(outer: Prefix, inner: Prefix): boolean {
  if (inner.length < outer.length) return false;
  const mask = outer.length === 0 ? 0 : (0xffffffff << (32 - outer.length)) >>> 0;
  return ((inner.network & mask) >>> 0) === outer.network;
}

export function ruleHints(saveText: string): RuleHints {
  const flannel: Prefix[] = [];
  let clusterCIDR: Prefix | null = null;
  const nfacct = new Set<string>();
  const nodePorts = new Set<number>();
  let routeLocalnet = false;
  let usesIpsets = false;
  for (const line of saveText.split('\n')) {
    if (line.startsWith('-A FLANNEL-POSTRTG ') && / -j RETURN\b/.test(line)) {
      for (const p of prefixes(line)) if (p.network >>> 28 !== 14) flannel.push(p);
    } else if (clusterCIDR === null && /^-A KUBE-SVC-\S+ ! -s \S+ .*-j KUBE-MARK-MASQ/.test(line)) {
      const m = /! -s (\d+\.\d+\.\d+\.\d+\/\d+)/.exec(line);
      if (m !== null) clusterCIDR = parsePrefix(m[1] as string);
    }
    if (line.startsWith('-A KUBE-FIREWALL ') && line.includes('-d 127.0.0.0/8')) routeLocalnet = true;
    for (const m of line.matchAll(/--nfacct-name\s+(\S+)/g)) nfacct.add(m[1] as string);
    if (line.includes('--match-set')) usesIpsets = true;
    if (line.startsWith('-A KUBE-NODEPORTS ')) {
      const m = /--dport (\d+)/.exec(line);
      if (m !== null) nodePorts.add(Number(m[1]));
    }
  }
  const network = flannel.length === 0 ? null : flannel.reduce((a, b) => (b.length < a.length ? b : a));
  const subnet = network === null ? null : (flannel.filter((p) => p.length > network.length && contains(network, p)).sort((a, b) => b.length - a.length)[0] ?? null);
  return { flannelNetwork: network, podSubnet: subnet, clusterCIDR, routeLocalnet, nfacctNames: [...nfacct], usesIpsets, nodePorts };
}
