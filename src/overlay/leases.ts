/**
 * Subnet leases as flannel's kube subnet manager produces them (pkg/subnet/kube/kube.go): the
 * lease of a node *is* its `spec.podCIDR` (flannel allocates nothing in kube mode), its public IP
 * and VTEP MAC are what flanneld writes into the node's annotations, and every other node learns
 * them from there.
 *
 * Addresses are uint32 host order. Checks that flannel makes (podCIDR assigned, inside Network)
 * keep flannel's wording; the others (prefix length = SubnetLen, no two nodes sharing a subnet,
 * a MAC or a public IP) are kpemu's: a real cluster with such a conflict silently misroutes.
 */
import { formatIpv4, formatPrefix, KpemuError, prefixContains, type Ipv4, type Prefix, type SourceLocation } from '../core/index.js';
import type { Node } from '../kube/index.js';
import { decodeBackendData, encodeBackendData, FLANNEL_ANNOTATION } from './annotations.js';
import { flannelNetwork, type FlannelConfigInput } from './network.js';
import { parseCidrText, parseIpv4Text } from './text.js';
import { vtepMac } from './vtep.js';

/** One node's flannel lease with the backend attributes other nodes program from. */
export interface SubnetLease {
  /** Node name. */
  readonly node: string;
  /** The node's pod subnet (its podCIDR), host bits clear. */
  readonly subnet: Prefix;
  /**
   * The node's underlay interface address (flanneld's `IfaceAddr`): the VXLAN device's `local`,
   * so the source of the outer packets.
   */
  readonly ifaceIp: Ipv4;
  /**
   * The address flanneld publishes in `…/public-ip` and other nodes put in their FDB as `dst`:
   * `…/public-ip-overwrite` if set, else `…/node-public-ip` (like `--public-ip`), else `ifaceIp`.
   */
  readonly publicIp: Ipv4;
  /** flannel.<VNI>'s MAC, lower-case `aa:bb:cc:dd:ee:ff`. */
  readonly vtepMac: string;
  readonly vni: number;
  readonly backendType: 'vxlan';
}

export interface LeaseOptions {
  /** uint32 seed of the VTEP MACs of nodes that carry no stored MAC (see {@link vtepMac}). */
  readonly macSeed: number;
  /**
   * The underlay interface address of each node by name, when the caller decides it. Default:
   * the Node's first InternalIP, else its first ExternalIP.
   */
  readonly ifaceIps?: ReadonlyMap<string, number>;
}

/**
 * The lease flanneld on `node` acquires. Throws FLANNEL_CONFIG naming the node and field when the
 * podCIDR is missing, outside Network or not a /SubnetLen, when the node has no underlay address,
 * or when a flannel annotation it reads is malformed.
 */
export function nodeLease(node: Node, config: FlannelConfigInput, options: LeaseOptions): SubnetLease {
  const net = flannelNetwork(config);
  const name = node.metadata.name;
  const at = (field: string, text?: string): SourceLocation => ({
    file: node.source.file,
    line: node.source.line,
    object: `Node ${name}`,
    field,
    ...(text !== undefined ? { text } : {}),
  });

  if (node.podCIDR === '') {
    throw new KpemuError('FLANNEL_CONFIG', `node ${JSON.stringify(name)} pod cidr not assigned (spec.podCIDR is empty; flannel's kube subnet manager takes the lease from it)`, {
      location: at('spec.podCIDR'),
    });
  }
  const subnet = parseCidrText(node.podCIDR);
  if (subnet === null) {
    throw new KpemuError('FLANNEL_CONFIG', `node ${JSON.stringify(name)} podCIDR ${JSON.stringify(node.podCIDR)} is not an IPv4 CIDR`, { location: at('spec.podCIDR', node.podCIDR) });
  }
  if (subnet.length < net.network.length || !prefixContains(net.network, subnet.network)) {
    throw new KpemuError(
      'FLANNEL_CONFIG',
      `subnet "${formatPrefix(net.network)}" specified in the flannel net config doesn't contain "${formatPrefix(subnet)}" PodCIDR of the ${JSON.stringify(name)} node`,
      { location: at('spec.podCIDR', node.podCIDR) },
    );
  }
  if (subnet.length !== net.subnetLen) {
    throw new KpemuError('FLANNEL_CONFIG', `node ${JSON.stringify(name)} podCIDR ${formatPrefix(subnet)} is a /${subnet.length}, but the flannel SubnetLen is /${net.subnetLen}`, {
      location: at('spec.podCIDR', node.podCIDR),
    });
  }

  const ifaceIp = underlayAddress(node, options, at);
  const annotations = node.metadata.annotations;
  const annotatedIp = (key: string): Ipv4 | undefined => {
    const text = annotations[key];
    if (text === undefined || text === '') return undefined;
    const ip = parseIpv4Text(text);
    if (ip === null) {
      throw new KpemuError('FLANNEL_CONFIG', `node ${JSON.stringify(name)} annotation ${key} is ${JSON.stringify(text)}, not an IPv4 address`, {
        location: at(`metadata.annotations[${JSON.stringify(key)}]`, text),
      });
    }
    return ip;
  };
  const extIp = annotatedIp(FLANNEL_ANNOTATION.nodePublicIp) ?? ifaceIp;
  const publicIp = annotatedIp(FLANNEL_ANNOTATION.publicIpOverwrite) ?? extIp;

  // flanneld (>= v0.24.1) reuses the MAC of its own earlier backend-data: a Node that already
  // carries one keeps that MAC, which also lets a dump of a real cluster replay its real MACs.
  const stored = annotations[FLANNEL_ANNOTATION.backendData];
  const mac =
    stored !== undefined && stored !== ''
      ? decodeBackendData(stored, at(`metadata.annotations[${JSON.stringify(FLANNEL_ANNOTATION.backendData)}]`)).vtepMac
      : vtepMac(options.macSeed, name);

  return { node: name, subnet, ifaceIp, publicIp, vtepMac: mac, vni: net.vni, backendType: 'vxlan' };
}

/**
 * The leases of all nodes, in the order given. Throws what {@link nodeLease} throws, and
 * KUBE_CONFLICT naming both nodes when two share a name, overlapping subnets, a VTEP MAC or a
 * public IP.
 */
export function subnetLeases(nodes: readonly Node[], config: FlannelConfigInput, options: LeaseOptions): SubnetLease[] {
  const net = flannelNetwork(config);
  const leases = nodes.map((n) => nodeLease(n, net, options));
  const sourceOf = new Map<string, Node>();
  for (const n of nodes) {
    const first = sourceOf.get(n.metadata.name);
    if (first !== undefined) conflict(n, `node ${JSON.stringify(n.metadata.name)} is defined twice (first at ${first.source.file}:${first.source.line})`);
    sourceOf.set(n.metadata.name, n);
  }
  const nodeOf = (l: SubnetLease): Node => sourceOf.get(l.node) as Node;

  // Sorted by network, any overlap shows up between neighbours: if X overlaps a later Z, X
  // contains Z's network and so every network sorted between them.
  const byNet = [...leases].sort((a, b) => a.subnet.network - b.subnet.network || a.subnet.length - b.subnet.length);
  for (let i = 1; i < byNet.length; i++) {
    const a = byNet[i - 1] as SubnetLease;
    const b = byNet[i] as SubnetLease;
    if (prefixContains(a.subnet, b.subnet.network)) {
      conflict(nodeOf(b), `nodes ${JSON.stringify(a.node)} and ${JSON.stringify(b.node)} have overlapping pod subnets ${formatPrefix(a.subnet)} and ${formatPrefix(b.subnet)}`);
    }
  }
  uniqueBy(leases, (l) => l.vtepMac, (a, b) => conflict(nodeOf(b), `nodes ${JSON.stringify(a.node)} and ${JSON.stringify(b.node)} have the same VTEP MAC ${a.vtepMac}`));
  uniqueBy(leases, (l) => l.publicIp, (a, b) => conflict(nodeOf(b), `nodes ${JSON.stringify(a.node)} and ${JSON.stringify(b.node)} have the same flannel public IP ${formatIpv4(a.publicIp)}`));
  return leases;
}

/** The annotations flanneld writes on its Node for a lease (values exactly as flannel writes them). */
export function leaseAnnotations(lease: SubnetLease): Readonly<Record<string, string>> {
  return {
    [FLANNEL_ANNOTATION.backendData]: encodeBackendData(lease.vni, lease.vtepMac),
    [FLANNEL_ANNOTATION.backendType]: lease.backendType,
    [FLANNEL_ANNOTATION.kubeSubnetManager]: 'true',
    [FLANNEL_ANNOTATION.publicIp]: formatIpv4(lease.publicIp),
  };
}

function underlayAddress(node: Node, options: LeaseOptions, at: (field: string, text?: string) => SourceLocation): Ipv4 {
  const given = options.ifaceIps?.get(node.metadata.name);
  if (given !== undefined) return (given >>> 0) as Ipv4;
  const text = node.internalIPs[0] ?? node.externalIPs[0];
  const ip = text === undefined ? null : parseIpv4Text(text);
  if (ip === null) {
    throw new KpemuError('FLANNEL_CONFIG', `node ${JSON.stringify(node.metadata.name)} has no IPv4 InternalIP or ExternalIP for flannel's underlay interface`, {
      location: at('status.addresses'),
    });
  }
  return ip;
}

function uniqueBy<K>(leases: readonly SubnetLease[], key: (l: SubnetLease) => K, onDup: (first: SubnetLease, second: SubnetLease) => void): void {
  const seen = new Map<K, SubnetLease>();
  for (const l of leases) {
    const k = key(l);
    const first = seen.get(k);
    if (first !== undefined) onDup(first, l);
    seen.set(k, l);
  }
}

function conflict(node: Node, message: string): never {
  throw new KpemuError('KUBE_CONFLICT', message, { location: { file: node.source.file, line: node.source.line, object: `Node ${node.metadata.name}` } });
}
