import { parsePrefix } from '../addr/index.js';
import { type Clock, formatIpv4, KpemuError, ManualClock, maskOfLength, SeededRng, type Rng } from '../core/index.js';
import type { ClusterObjects, FlannelNetConf, ProxyMode } from '../kube/index.js';
import {
  type FlannelNetwork,
  flannelIptablesRestore,
  flannelProgramming,
  directlyReachableIn,
  resolveFlannelNetwork,
  type SubnetLease,
  subnetLeases,
  vxlanDeviceConfig,
} from '../overlay/index.js';
import { IptablesProxier, IpvsProxier, type IpvsSyncReport, type SyncReport } from '../proxy/index.js';
import { RegistryIpsetApi } from '../ipset/index.js';
import { KernelIpvsApi } from '../ipvs/index.js';
import { Forwarder } from './forwarding.js';
import { type ClusterNode, Topology } from './topology.js';

export interface BuildOptions {
  /** Seed of every random choice (statistic, MACs, ports). Default 1. */
  readonly seed?: number;
  /** Proxy mode; default from the KubeProxyConfiguration. */
  readonly mode?: ProxyMode;
  readonly clock?: Clock;
  readonly rng?: Rng;
  /** Sync kube-proxy on every node while building (default: each node on first use). */
  readonly eager?: boolean;
  /** Underlay MTU, default 1500. */
  readonly underlayMtu?: number;
  /** Prefix length of the underlay segment the node InternalIPs share, default 24. */
  readonly underlayPrefixLen?: number;
}

/** A map whose missing entries are computed on first read. */
class LazySyncMap extends Map<string, SyncReport | IpvsSyncReport> {
  constructor(private readonly load: (key: string) => SyncReport | IpvsSyncReport | undefined) {
    super();
  }
  override get(key: string): SyncReport | IpvsSyncReport | undefined {
    return super.get(key) ?? this.load(key);
  }
}

type Proxier = IptablesProxier | IpvsProxier;

/**
 * The proxiers by node. Handing a proxier the cluster's Services and EndpointSlices indexes them
 * all (tens of milliseconds at 10,000 Services), and only a sync reads that index; a trace syncs
 * only the nodes it crosses. So each proxier gets its objects when it is first handed out: by a
 * read of this map (whoever holds a proxier may sync it directly) or by {@link Cluster.syncNode}.
 * `has`, `keys` and `size` hand out no proxier and leave the work pending.
 */
class ProxierMap extends Map<string, Proxier> {
  private readonly pending = new Set<string>();

  constructor(private readonly objects: ClusterObjects) {
    super();
  }

  /** Adds a proxier whose objects are set on first use. */
  addPending(node: string, proxier: Proxier): void {
    super.set(node, proxier);
    this.pending.add(node);
  }

  private ready(node: string, proxier: Proxier): Proxier {
    if (this.pending.delete(node)) proxier.setObjects(this.objects.services, this.objects.endpointSlices);
    return proxier;
  }

  private readyAll(): void {
    if (this.pending.size === 0) return;
    for (const [node, proxier] of super.entries()) this.ready(node, proxier);
  }

  override set(node: string, proxier: Proxier): this {
    this.pending.delete(node);
    return super.set(node, proxier);
  }

  override delete(node: string): boolean {
    this.pending.delete(node);
    return super.delete(node);
  }

  override clear(): void {
    this.pending.clear();
    super.clear();
  }

  override get(node: string): Proxier | undefined {
    const proxier = super.get(node);
    return proxier === undefined ? undefined : this.ready(node, proxier);
  }

  override values(): MapIterator<Proxier> {
    this.readyAll();
    return super.values();
  }

  override entries(): MapIterator<[string, Proxier]> {
    this.readyAll();
    return super.entries();
  }

  override [Symbol.iterator](): MapIterator<[string, Proxier]> {
    return this.entries();
  }

  override forEach(callback: (proxier: Proxier, node: string, map: Map<string, Proxier>) => void, thisArg?: unknown): void {
    this.readyAll();
    super.forEach(callback, thisArg);
  }
}

/** The flannel net-conf kpemu assumes when a cluster file has none: the defaults on the cluster CIDR. */
function defaultNetConf(objects: ClusterObjects): FlannelNetConf {
  const network = objects.proxyConfig.clusterCIDR !== '' ? objects.proxyConfig.clusterCIDR : '10.244.0.0/16';
  return {
    kind: 'FlannelNetConf',
    source: { file: '<default net-conf.json>', line: 0 },
    network,
    subnetLen: 24,
    subnetMin: '',
    subnetMax: '',
    enableIPv4: true,
    backend: { type: 'vxlan', vni: 1, port: 8472, directRouting: false, mtu: 0, gbp: false, learning: false },
  };
}

/**
 * An emulated cluster: every node with flannel's devices and programming and kube-proxy's rules,
 * every pod wired as the bridge CNI plugin does, and the forwarding between them.
 */
export class Cluster {
  readonly topology: Topology;
  readonly forwarder: Forwarder;
  readonly mode: ProxyMode;
  /** null for a single node without a pod subnet (no overlay: kube-proxy's test setup). */
  readonly flannel: FlannelNetwork | null;
  readonly leases: readonly SubnetLease[];
  /** kube-proxy on each node; a proxier is given the cluster's objects when first handed out. */
  readonly proxiers: Map<string, Proxier>;
  private readonly proxierMap: ProxierMap;
  /**
   * Each node's kube-proxy sync report. Nodes sync on first use (a packet entering the node, or
   * reading this map), so a trace through a large cluster pays only for the nodes it crosses.
   */
  readonly lastSync: Map<string, SyncReport | IpvsSyncReport> = new LazySyncMap((node) => this.syncNode(node));
  private readonly unsynced = new Set<string>();
  readonly warnings: string[] = [];
  readonly clock: Clock;
  readonly rng: Rng;

  private constructor(
    readonly objects: ClusterObjects,
    options: BuildOptions,
  ) {
    const seed = options.seed ?? 1;
    this.proxierMap = new ProxierMap(objects);
    this.proxiers = this.proxierMap;
    this.clock = options.clock ?? new ManualClock(0);
    this.rng = options.rng ?? new SeededRng(seed);
    this.mode = options.mode ?? objects.proxyConfig.mode;
    if (objects.nodes.length === 0) throw new KpemuError('CLUSTER_INVALID', 'the cluster has no Node objects: kpemu needs at least one node');
    const underlayMtu = options.underlayMtu ?? 1500;
    const underlayPrefixLen = options.underlayPrefixLen ?? 24;
    const withoutSubnet = objects.nodes.filter((n) => n.podCIDR === '');
    if (withoutSubnet.length > 0 && objects.nodes.length > 1) {
      const n = withoutSubnet[0] as (typeof withoutSubnet)[number];
      throw new KpemuError('CLUSTER_INVALID', `Node ${n.metadata.name} has no spec.podCIDR: a cluster of several nodes needs pod subnets for flannel`, {
        location: { file: n.source.file, line: n.source.line, object: `Node ${n.metadata.name}`, field: 'spec.podCIDR' },
      });
    }
    if (withoutSubnet.length === 0) {
      this.flannel = resolveFlannelNetwork(objects.flannel ?? defaultNetConf(objects));
      this.leases = subnetLeases(objects.nodes, this.flannel, { macSeed: seed });
    } else {
      this.flannel = null;
      this.leases = [];
    }
    // Without an overlay the single node's pods live on the cluster CIDR behind cni0.
    const podNet = parsePrefix(this.flannel !== null ? `${formatIpv4(this.flannel.network.network)}/${this.flannel.network.length}` : objects.proxyConfig.clusterCIDR !== '' ? objects.proxyConfig.clusterCIDR : '10.0.0.0/8');
    this.topology = new Topology({
      seed,
      clock: this.clock,
      rng: this.rng,
      underlayMtu,
      underlayPrefixLen,
      clusterNetwork: podNet.network,
      clusterPrefixLen: podNet.length,
    });
    this.forwarder = new Forwarder(this.topology);
    if (this.flannel !== null) {
      for (const lease of this.leases) this.addNode(lease, this.flannel, underlayMtu, underlayPrefixLen);
    } else {
      const only = objects.nodes[0] as (typeof objects.nodes)[number];
      const ips = only.internalIPs.length > 0 ? only.internalIPs : only.externalIPs;
      if (ips.length === 0) throw new KpemuError('CLUSTER_INVALID', `Node ${only.metadata.name} has no InternalIP or ExternalIP`);
      const node = this.topology.addNode(only.metadata.name, parsePrefix(ips[0] as string).network, podNet.network, podNet.length);
      node.host.addRoute({ network: 0, length: 0, dev: 'eth0', gateway: ((node.internalIP & 0xffffff00) | 1) >>> 0, onlink: true });
    }
    for (const node of objects.nodes) {
      const cn = this.topology.nodes.get(node.metadata.name);
      if (cn === undefined) continue;
      // Further node addresses (a second InternalIP, an external IP assigned to the node) are local too.
      for (const extra of node.internalIPs.slice(1)) {
        const a = parsePrefix(extra).network;
        if (!cn.host.isLocal(a)) cn.host.addAddress('eth0', a, 32);
      }
    }
    this.addPods();
    for (const node of this.topology.nodes.values()) this.startKubeProxy(node);
    if (options.eager === true) this.syncAll();
    this.forwarder.beforeEnter = (ns) => {
      if (this.unsynced.size > 0 && this.unsynced.has(ns.place.node)) this.syncNode(ns.place.node);
    };
  }

  /** Runs kube-proxy's first sync on a node now (a no-op when it already ran). */
  syncNode(name: string): SyncReport | IpvsSyncReport | undefined {
    const proxier = this.proxiers.get(name);
    if (proxier === undefined) return undefined;
    if (!this.unsynced.has(name)) return Map.prototype.get.call(this.lastSync, name) as SyncReport | IpvsSyncReport | undefined;
    this.unsynced.delete(name);
    const report = proxier.sync();
    if (!report.ok && report.error !== null) throw report.error;
    Map.prototype.set.call(this.lastSync, name, report);
    for (const w of report.warnings) this.warnings.push(`${name}: ${w.message}`);
    return report;
  }

  /** Syncs every node (what a real cluster has done before any packet flows). */
  syncAll(): void {
    for (const name of [...this.unsynced]) this.syncNode(name);
  }

  /** Builds the cluster from loaded objects. Throws KpemuError for contradictions. */
  static build(objects: ClusterObjects, options: BuildOptions = {}): Cluster {
    return new Cluster(objects, options);
  }

  private addNode(lease: SubnetLease, flannel: FlannelNetwork, underlayMtu: number, underlayPrefixLen: number): void {
    const node = this.topology.addNode(lease.node, lease.ifaceIp, lease.subnet.network, lease.subnet.length);
    const host = node.host;
    const vx = vxlanDeviceConfig(lease, flannel, { dev: 'eth0', mtu: underlayMtu });
    const dev = host.addDevice(vx.name, 'vxlan', vx.mac, vx.mtu);
    dev.vxlan = { vni: vx.vni, port: vx.port, local: vx.local, underlay: 'eth0', learning: vx.learning, gbp: vx.gbp };
    host.addAddress(vx.name, vx.address.network, 32);
    host.device('cni0').mtu = vx.mtu;
    const underlay = parsePrefix(`${formatIpv4(lease.ifaceIp)}/${underlayPrefixLen}`);
    // Like a real node, a default route via the underlay's first address: a node's own packets to
    // a ClusterIP need a route before OUTPUT's DNAT, and a forwarded packet to a Service without
    // endpoints must reach FORWARD to meet kube-proxy's REJECT.
    const underlayGateway = (underlay.network + 1) >>> 0;
    if (underlayGateway !== lease.ifaceIp) host.addRoute({ network: 0, length: 0, dev: 'eth0', gateway: underlayGateway, onlink: true });
    const programming = flannelProgramming(lease, this.leases, flannel, { directlyReachable: directlyReachableIn(underlay) });
    for (const r of programming.remotes) {
      host.fib.add(r.route);
      if (r.kind === 'vxlan') {
        host.neighbours.set(r.neighbour);
        host.fdbs.get(vx.name)?.set(r.fdb);
      }
    }
    host.iptables.restoreAll(flannelIptablesRestore(lease, flannel, { randomFully: true }), { noflush: true, counters: false });
  }

  /** Pods from Pod objects, plus a stand-in pod for every endpoint address inside a node's subnet. */
  private addPods(): void {
    const topo = this.topology;
    for (const pod of this.objects.pods) {
      if (pod.nodeName === '') {
        this.warnings.push(`Pod ${pod.metadata.namespace}/${pod.metadata.name} is not scheduled to a node: skipped`);
        continue;
      }
      if (!topo.nodes.has(pod.nodeName)) throw new KpemuError('KUBE_CONFLICT', `Pod ${pod.metadata.namespace}/${pod.metadata.name}: spec.nodeName "${pod.nodeName}" is not a Node in the cluster`, { location: { file: pod.source.file, line: pod.source.line, object: `Pod ${pod.metadata.namespace}/${pod.metadata.name}`, field: 'spec.nodeName' } });
      if (pod.hostNetwork) {
        topo.addPod(pod.metadata.namespace, pod.metadata.name, pod.nodeName, 0, true);
        continue;
      }
      if (pod.podIP === '') {
        this.warnings.push(`Pod ${pod.metadata.namespace}/${pod.metadata.name} has no podIP: skipped`);
        continue;
      }
      try {
        topo.addPod(pod.metadata.namespace, pod.metadata.name, pod.nodeName, parsePrefix(pod.podIP).network, false);
      } catch (e) {
        if (e instanceof KpemuError) throw e.withLocation({ file: pod.source.file, line: pod.source.line, object: `Pod ${pod.metadata.namespace}/${pod.metadata.name}`, field: 'status.podIP' });
        throw e;
      }
    }
    // Endpoints without a Pod object still answer: a stand-in pod on the node owning the address.
    // (A big cluster lists each pod address in many slices: most are found among the pods at once.)
    const nodeIPs = new Set<number>();
    for (const n of topo.nodes.values()) nodeIPs.add(n.internalIP);
    for (const slice of this.objects.endpointSlices) {
      if (slice.addressType !== 'IPv4') continue;
      for (const ep of slice.endpoints) {
        for (const a of ep.addresses) {
          const addr = parsePrefix(a).network;
          if (topo.podsByIP.has(addr) || nodeIPs.has(addr)) continue;
          const node = topo.nodeForPodIP(addr);
          if (node === undefined) {
            this.warnings.push(`endpoint ${a} of ${slice.metadata.namespace}/${slice.serviceName} is outside every node's pod subnet: packets to it leave the cluster unanswered`);
            continue;
          }
          if (addr === node.gateway || ((addr & ~maskOfLength(node.podPrefixLen)) >>> 0) === 0) continue;
          topo.addPod(slice.metadata.namespace, `endpoint-${a}`, node.name, addr, false);
        }
      }
    }
  }

  private startKubeProxy(node: ClusterNode): void {
    const host = node.host;
    const cfg = this.objects.proxyConfig;
    const nodeObj = this.objects.nodes.find((n) => n.metadata.name === node.name);
    const nodeIPs = nodeObj !== undefined && nodeObj.internalIPs.length > 0 ? [...nodeObj.internalIPs] : [formatIpv4(node.internalIP)];
    switch (this.mode) {
      case 'iptables': {
        // kube-proxy sets route_localnet when localhost NodePorts are on (CVE-2020-8558 guard rails).
        if (cfg.localhostNodePorts) host.sysctl.routeLocalnet = true;
        host.sysctl.tcpBeLiberal = cfg.conntrackTcpBeLiberal;
        const proxier = new IptablesProxier({
          nodeName: node.name,
          nodeIPs,
          config: cfg,
          iptables: host.iptables,
          nfacct: host,
          hasRandomFully: true,
          nodePodCIDRs: nodeObj?.podCIDRs ?? [],
          clock: this.clock,
        });
        this.proxierMap.addPending(node.name, proxier);
        this.unsynced.add(node.name);
        return;
      }
      case 'ipvs': {
        host.sysctl.tcpBeLiberal = cfg.conntrackTcpBeLiberal;
        const ipsets = host.enableIpsets();
        const ipvs = host.enableIpvs();
        const proxier = new IpvsProxier({
          nodeName: node.name,
          nodeIPs,
          config: cfg,
          iptables: host.iptables,
          ipset: new RegistryIpsetApi(ipsets),
          ipvs: new KernelIpvsApi(ipvs.ipvs),
          netlink: host,
          hasRandomFully: true,
          nodePodCIDRs: nodeObj?.podCIDRs ?? [],
          clock: this.clock,
        });
        this.proxierMap.addPending(node.name, proxier);
        this.unsynced.add(node.name);
        return;
      }
      default: {
        const never: never = this.mode;
        return never;
      }
    }
  }
}
