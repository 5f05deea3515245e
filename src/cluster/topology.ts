import { type Clock, formatIpv4, KpemuError, maskOfLength, type Rng } from '../core/index.js';
import type { Rule } from '../netfilter/index.js';
import { NetNamespace } from '../node/index.js';
import { macFor } from './mac.js';

/** A node: its root namespace and what the cluster needs to know about it. */
export interface ClusterNode {
  readonly name: string;
  readonly host: NetNamespace;
  /** Underlay address (Node InternalIP), uint32. */
  readonly internalIP: number;
  /** Pod subnet of this node (flannel lease). */
  readonly podNetwork: number;
  readonly podPrefixLen: number;
  /** cni0's address: the first address of the pod subnet. */
  readonly gateway: number;
}

/** A pod with its own namespace (or the node's, for hostNetwork pods). */
export interface ClusterPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ip: number;
  readonly hostNetwork: boolean;
  readonly netns: NetNamespace;
  /** The host-side veth (in cni0), '' for hostNetwork pods. */
  readonly hostVeth: string;
}

/** Something on the underlay segment that answers ARP for an address. */
export interface UnderlayPort {
  readonly netns: NetNamespace;
  readonly dev: string;
}

export interface TopologyOptions {
  readonly seed: number;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly formatRule?: (rule: Rule) => string;
  /** Underlay MTU (flannel.1 and cni0 get 50 bytes less). */
  readonly underlayMtu: number;
  readonly underlayPrefixLen: number;
  /** The overlay network (flannel Network), e.g. 10.244.0.0/16. */
  readonly clusterNetwork: number;
  readonly clusterPrefixLen: number;
}

/**
 * The cluster's namespaces and links: nodes with eth0 on one underlay L2 segment, a cni0 bridge
 * and veths to their pods, flannel.1, and external clients on the underlay.
 */
export class Topology {
  readonly nodes = new Map<string, ClusterNode>();
  readonly pods = new Map<string, ClusterPod>();
  readonly clients = new Map<string, NetNamespace>();
  /** Address → who owns it on the underlay (answers ARP). */
  readonly underlay = new Map<number, UnderlayPort>();
  /** Pod IP → pod, for pods with their own namespace. */
  readonly podsByIP = new Map<number, ClusterPod>();
  /** A pod namespace by its name (`pod/NS/NAME`, as veth peers name it): found without building a key per packet. */
  private readonly podNamespaces = new Map<string, NetNamespace>();
  private vethCounter = 0;

  constructor(readonly options: TopologyOptions) {}

  private newNetns(node: string, name: string): NetNamespace {
    const o = this.options;
    return new NetNamespace(o.formatRule === undefined ? { node, name, clock: o.clock, rng: o.rng } : { node, name, clock: o.clock, rng: o.rng, formatRule: o.formatRule });
  }

  mac(name: string): string {
    return macFor(this.options.seed, name);
  }

  addNode(name: string, internalIP: number, podNetwork: number, podPrefixLen: number): ClusterNode {
    if (this.nodes.has(name)) throw new KpemuError('CLUSTER_INVALID', `node "${name}" is defined twice`);
    if (this.underlay.has(internalIP)) throw new KpemuError('CLUSTER_INVALID', `node "${name}": address ${formatIpv4(internalIP)} is already used on the underlay`);
    const o = this.options;
    const host = this.newNetns(name, 'host');
    host.sysctl.ipForward = true;
    host.sysctl.bridgeNfCallIptables = true;
    host.addDevice('eth0', 'ethernet', this.mac(`${name}/eth0`), o.underlayMtu);
    host.addAddress('eth0', internalIP, o.underlayPrefixLen);
    const gateway = (podNetwork + 1) >>> 0;
    host.addDevice('cni0', 'bridge', this.mac(`${name}/cni0`), o.underlayMtu - 50);
    host.addAddress('cni0', gateway, podPrefixLen);
    const node: ClusterNode = { name, host, internalIP, podNetwork, podPrefixLen, gateway };
    this.nodes.set(name, node);
    this.underlay.set(internalIP, { netns: host, dev: 'eth0' });
    return node;
  }

  /** The namespace of the pod whose netns is named `name` (`pod/NS/NAME`); hostNetwork pods have none. */
  podNetns(name: string): NetNamespace | undefined {
    return this.podNamespaces.get(name);
  }

  node(name: string): ClusterNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new KpemuError('CLI_NOT_FOUND', `no node "${name}"`);
    return n;
  }

  /** The node whose pod subnet holds `addr`, if any. */
  nodeForPodIP(addr: number): ClusterNode | undefined {
    for (const n of this.nodes.values()) {
      const m = maskOfLength(n.podPrefixLen);
      if (((addr & m) >>> 0) === n.podNetwork) return n;
    }
    return undefined;
  }

  /**
   * Adds a pod as the bridge CNI plugin wires it: a namespace with eth0 (a veth whose peer is a
   * cni0 port with hairpin on), the pod subnet on link, and the cluster network and default via
   * cni0's address.
   */
  addPod(namespace: string, name: string, nodeName: string, ip: number, hostNetwork: boolean): ClusterPod {
    const key = `${namespace}/${name}`;
    if (this.pods.has(key)) throw new KpemuError('CLUSTER_INVALID', `pod ${key} is defined twice`);
    const node = this.node(nodeName);
    if (hostNetwork) {
      const pod: ClusterPod = { namespace, name, node: nodeName, ip: node.internalIP, hostNetwork: true, netns: node.host, hostVeth: '' };
      this.pods.set(key, pod);
      return pod;
    }
    const m = maskOfLength(node.podPrefixLen);
    if (((ip & m) >>> 0) !== node.podNetwork) {
      throw new KpemuError('KUBE_CONFLICT', `pod ${key}: IP ${formatIpv4(ip)} is outside node ${nodeName}'s pod subnet ${formatIpv4(node.podNetwork)}/${node.podPrefixLen}`);
    }
    if (this.podsByIP.has(ip) || ip === node.gateway) throw new KpemuError('KUBE_CONFLICT', `pod ${key}: IP ${formatIpv4(ip)} is already in use on node ${nodeName}`);
    const netns = this.newNetns(nodeName, `pod/${key}`);
    const mtu = node.host.device('cni0').mtu;
    const eth0 = netns.addDevice('eth0', 'veth', this.mac(`${nodeName}/${key}/eth0`), mtu);
    netns.addAddress('eth0', ip, node.podPrefixLen);
    // The bridge plugin routes the cluster network via the gateway (unless it is the pod subnet itself).
    if (this.options.clusterPrefixLen !== node.podPrefixLen || this.options.clusterNetwork !== node.podNetwork) {
      netns.addRoute({ network: this.options.clusterNetwork, length: this.options.clusterPrefixLen, dev: 'eth0', gateway: node.gateway });
    }
    netns.addRoute({ network: 0, length: 0, dev: 'eth0', gateway: node.gateway });
    const hostVeth = `veth${(this.vethCounter++).toString(16).padStart(8, '0')}`;
    const port = node.host.addDevice(hostVeth, 'veth', this.mac(`${nodeName}/${hostVeth}`), mtu);
    port.master = 'cni0';
    port.hairpin = true;
    port.peer = { netns: netns.place.netns, dev: 'eth0' };
    eth0.peer = { netns: 'host', dev: hostVeth };
    node.host.fdbs.get('cni0')?.set({ mac: eth0.mac, dev: hostVeth, dst: 0, permanent: false });
    // The neighbour entries the first ARP exchange would create, both ways.
    node.host.neighbours.set({ addr: ip, dev: 'cni0', mac: eth0.mac, state: 'REACHABLE' });
    netns.neighbours.set({ addr: node.gateway, dev: 'eth0', mac: node.host.device('cni0').mac, state: 'REACHABLE' });
    const pod: ClusterPod = { namespace, name, node: nodeName, ip, hostNetwork: false, netns, hostVeth };
    this.pods.set(key, pod);
    this.podsByIP.set(ip, pod);
    this.podNamespaces.set(netns.place.netns, netns);
    return pod;
  }

  /** An external client on the underlay segment, routing everything via `gateway` (a node). */
  addClient(name: string, ip: number, gateway: number): NetNamespace {
    if (this.clients.has(name)) throw new KpemuError('CLUSTER_INVALID', `client "${name}" is defined twice`);
    const o = this.options;
    const ns = this.newNetns(name, 'client');
    ns.addDevice('eth0', 'ethernet', this.mac(`client/${name}/eth0`), o.underlayMtu);
    ns.addAddress('eth0', ip, o.underlayPrefixLen);
    if (gateway !== 0) ns.addRoute({ network: 0, length: 0, dev: 'eth0', gateway, onlink: true });
    this.clients.set(name, ns);
    this.underlay.set(ip, { netns: ns, dev: 'eth0' });
    // Nodes reach the client on the segment (as if the underlay router announced it).
    for (const node of this.nodes.values()) {
      if (node.host.fib.lookup(ip)?.dev === 'eth0' && node.host.fib.lookup(ip)?.gateway === 0) continue;
      node.host.addRoute({ network: ip, length: 32, dev: 'eth0', gateway: 0 });
    }
    return ns;
  }

  /** Every namespace in the cluster (for attaching a trace sink). */
  allNamespaces(): NetNamespace[] {
    const out: NetNamespace[] = [];
    for (const n of this.nodes.values()) out.push(n.host);
    for (const p of this.pods.values()) if (!p.hostNetwork) out.push(p.netns);
    for (const c of this.clients.values()) out.push(c);
    return out;
  }
}
