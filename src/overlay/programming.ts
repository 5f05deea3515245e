/**
 * What flanneld's VXLAN backend programs on one node for every other node's lease
 * (pkg/backend/vxlan/vxlan_network.go, handleSubnetEvents), as plain values the node layer can
 * load into its tables and the renderers can print:
 *
 *   ip neigh replace 10.244.2.0 lladdr V2 dev flannel.1 nud permanent
 *   bridge fdb replace V2 dev flannel.1 dst 192.168.1.12 self permanent
 *   ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink
 *
 * in that order (the route last, "the kernel would ARP for the Gw IP address if it hadn't already
 * been set"). With DirectRouting and a remote node that `ip route get` reaches through one
 * gateway-less route, flanneld installs only `10.244.2.0/24 via <remote public IP>` instead.
 * Exactly one route, one neighbour and one FDB entry per remote node; none for the node itself;
 * no route for the whole Network.
 */
import { formatPrefix, KpemuError, prefixContains, type Prefix } from '../core/index.js';
import type { FdbEntry, Fib, Neighbour, Route } from '../route/index.js';
import type { SubnetLease } from './leases.js';
import { unreachable } from './never.js';
import { flannelNetwork, type FlannelConfigInput, type FlannelNetwork } from './network.js';

/** A remote node reached through flannel.1: neighbour, FDB entry and onlink route. */
export interface VxlanRemote {
  readonly kind: 'vxlan';
  /** The remote node's name. */
  readonly node: string;
  /** Remote subnet's network address → remote VTEP MAC, PERMANENT, on flannel.1. */
  readonly neighbour: Neighbour;
  /** Remote VTEP MAC → remote public IP, `self permanent`, on flannel.1. */
  readonly fdb: FdbEntry;
  /** Remote subnet via its network address, dev flannel.1, onlink. */
  readonly route: Route;
}

/** A remote node reached directly over the underlay (DirectRouting): one plain route. */
export interface DirectRemote {
  readonly kind: 'direct';
  readonly node: string;
  /** Remote subnet via the remote public IP on the underlay device. */
  readonly route: Route;
}

export type RemoteProgramming = VxlanRemote | DirectRemote;

/** flanneld's programming on one node. */
export interface NodeProgramming {
  readonly node: string;
  /** flannel.<VNI>. */
  readonly device: string;
  /** One per other node, sorted by remote subnet. */
  readonly remotes: readonly RemoteProgramming[];
}

/** The table entries of a programming, flattened. */
export interface ProgrammingEntries {
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
  readonly fdb: readonly FdbEntry[];
}

export interface FlannelProgrammingOptions {
  /** The underlay device DirectRouting routes resolve to. Default `eth0`. */
  readonly underlayDev?: string;
  /**
   * flannel's `ip.DirectRouting(publicIP)`: true when `ip route get <ip>` gives exactly one route
   * and it has no gateway. Needed only when the net-conf enables DirectRouting; see
   * {@link directlyReachableByFib} and {@link directlyReachableIn}.
   */
  readonly directlyReachable?: (publicIp: number) => boolean;
}

/**
 * What flanneld on `self` programs for every other lease in `allLeases` (entries of `self`'s own
 * lease, by node name or subnet, are skipped, as flannel's `OwnLease` filter does). Throws
 * FLANNEL_CONFIG when DirectRouting is on and no `directlyReachable` is given.
 */
export function flannelProgramming(
  self: SubnetLease,
  allLeases: readonly SubnetLease[],
  config: FlannelConfigInput,
  options: FlannelProgrammingOptions = {},
): NodeProgramming {
  const net = flannelNetwork(config);
  const remotes = allLeases
    .filter((l) => !isOwnLease(self, l))
    .sort((a, b) => a.subnet.network - b.subnet.network || a.subnet.length - b.subnet.length)
    .map((l) => remoteProgramming(l, net, options));
  return { node: self.node, device: net.deviceName, remotes };
}

/**
 * What flanneld on a node programs for one remote lease (on `EventAdded`), or — the same entries —
 * what it deletes on `EventRemoved`: neighbour, FDB entry and route, or only the direct route.
 */
export function remoteProgramming(remote: SubnetLease, config: FlannelConfigInput, options: FlannelProgrammingOptions = {}): RemoteProgramming {
  const net = flannelNetwork(config);
  const subnet = remote.subnet;
  if (net.directRouting && directDecision(net, options)(remote.publicIp)) {
    return {
      kind: 'direct',
      node: remote.node,
      route: unicastRoute(subnet, options.underlayDev ?? 'eth0', remote.publicIp, false),
    };
  }
  const dev = net.deviceName;
  return {
    kind: 'vxlan',
    node: remote.node,
    neighbour: { addr: subnet.network, dev, mac: remote.vtepMac, state: 'PERMANENT' },
    fdb: { mac: remote.vtepMac, dev, dst: remote.publicIp, permanent: true },
    route: unicastRoute(subnet, dev, subnet.network, true),
  };
}

/**
 * What goes away on `self` when `removed`'s node is deleted: exactly the entries
 * {@link remoteProgramming} added for it (flanneld deletes neighbour, FDB entry, route, in that
 * order, continuing past failures). Throws FLANNEL_CONFIG when `removed` is `self`'s own lease.
 */
export function removalProgramming(self: SubnetLease, removed: SubnetLease, config: FlannelConfigInput, options: FlannelProgrammingOptions = {}): RemoteProgramming {
  if (isOwnLease(self, removed)) {
    throw new KpemuError('FLANNEL_CONFIG', `node ${JSON.stringify(self.node)} does not program its own lease ${formatPrefix(self.subnet)}, so there is nothing to remove`);
  }
  return remoteProgramming(removed, config, options);
}

/** The routes, neighbours and FDB entries of a programming, in remote order. */
export function programmingEntries(p: NodeProgramming): ProgrammingEntries {
  const routes: Route[] = [];
  const neighbours: Neighbour[] = [];
  const fdb: FdbEntry[] = [];
  for (const r of p.remotes) {
    routes.push(r.route);
    switch (r.kind) {
      case 'vxlan':
        neighbours.push(r.neighbour);
        fdb.push(r.fdb);
        break;
      case 'direct':
        break;
      default:
        return unreachable(r, 'remote programming');
    }
  }
  return { routes, neighbours, fdb };
}

/** Entries to install (new or changed, `replace` semantics) and to delete. */
export interface ProgrammingDiff {
  readonly add: ProgrammingEntries;
  readonly remove: ProgrammingEntries;
}

/**
 * The difference between two programmings of the same node. Entries are keyed the way the
 * kernel replaces them: routes by destination prefix, neighbours by device and address, FDB
 * entries by device and MAC. A key present in both with other values is in `add` only (it is
 * replaced in place). Note that flanneld itself never deletes an FDB entry whose MAC a remote
 * node changed; this diff describes the desired state, the node layer decides what to replay.
 */
export function diffProgramming(before: NodeProgramming, after: NodeProgramming): ProgrammingDiff {
  const b = programmingEntries(before);
  const a = programmingEntries(after);
  const routeKey = (r: Route): string => `${r.table} ${r.network}/${r.length}`;
  const neighKey = (n: Neighbour): string => `${n.dev} ${n.addr}`;
  const fdbKey = (f: FdbEntry): string => `${f.dev} ${f.mac.toLowerCase()}`;
  return {
    add: {
      routes: changed(a.routes, b.routes, routeKey, sameRoute),
      neighbours: changed(a.neighbours, b.neighbours, neighKey, (x, y) => x.mac.toLowerCase() === y.mac.toLowerCase() && x.state === y.state),
      fdb: changed(a.fdb, b.fdb, fdbKey, (x, y) => x.dst === y.dst && x.permanent === y.permanent),
    },
    remove: {
      routes: missing(b.routes, a.routes, routeKey),
      neighbours: missing(b.neighbours, a.neighbours, neighKey),
      fdb: missing(b.fdb, a.fdb, fdbKey),
    },
  };
}

/**
 * flannel's `ip.DirectRouting` over a routing table: `ip route get <ip>` must give one route
 * without a gateway. Routes of other types (local, blackhole, ...) do not count as direct.
 */
export function directlyReachableByFib(fib: Fib): (publicIp: number) => boolean {
  return (ip) => {
    const r = fib.lookup(ip);
    return r !== null && r.type === 'unicast' && r.gateway === 0;
  };
}

/** DirectRouting decision for a node whose underlay is the connected subnet `underlay`. */
export function directlyReachableIn(underlay: Prefix): (publicIp: number) => boolean {
  return (ip) => prefixContains(underlay, ip);
}

function directDecision(net: FlannelNetwork, options: FlannelProgrammingOptions): (ip: number) => boolean {
  if (options.directlyReachable === undefined) {
    throw new KpemuError('FLANNEL_CONFIG', 'DirectRouting is enabled, so flannel needs to know which node IPs are directly reachable (pass directlyReachable)', {
      location: { ...net.location, field: 'Backend.DirectRouting' },
    });
  }
  return options.directlyReachable;
}

function isOwnLease(self: SubnetLease, l: SubnetLease): boolean {
  return l.node === self.node || (l.subnet.network === self.subnet.network && l.subnet.length === self.subnet.length);
}

function unicastRoute(subnet: Prefix, dev: string, gateway: number, onlink: boolean): Route {
  return { network: subnet.network, length: subnet.length, type: 'unicast', dev, gateway: gateway >>> 0, src: 0, metric: 0, table: 'main', onlink, scope: 'global' };
}

function sameRoute(x: Route, y: Route): boolean {
  return x.type === y.type && x.dev === y.dev && x.gateway === y.gateway && x.src === y.src && x.metric === y.metric && x.onlink === y.onlink && x.scope === y.scope;
}

function changed<T>(now: readonly T[], before: readonly T[], key: (x: T) => string, same: (x: T, y: T) => boolean): T[] {
  const old = new Map(before.map((x) => [key(x), x] as const));
  return now.filter((x) => {
    const o = old.get(key(x));
    return o === undefined || !same(x, o);
  });
}

function missing<T>(before: readonly T[], now: readonly T[], key: (x: T) => string): T[] {
  const keys = new Set(now.map(key));
  return before.filter((x) => !keys.has(key(x)));
}
