import { formatIpv4 } from '../core/index.js';
import { type Device, type NetNamespace, output, PathResult, receive, receiveBridged, type ResolvedPeer } from '../node/index.js';
import { CT_INFO, type DropReason, Packet } from '../packet/index.js';
import type { RejectWith } from '../netfilter/index.js';
import { defaultFlowHash, vxlanSourcePort } from '../wire/index.js';
import { capturedFieldsOf, type CapturedFrame } from '../trace/index.js';
import type { Topology } from './topology.js';

/** How a journey through the cluster ended. */
export interface JourneyEnd {
  readonly outcome: 'delivered' | 'dropped' | 'rejected';
  /** The namespace where it ended. */
  readonly netns: NetNamespace;
  readonly reason: DropReason;
  readonly rejectWith: RejectWith | '';
  /** Table/chain/rule (or policy) that dropped or rejected it. */
  readonly decidedBy: string;
  /** Namespace crossings. */
  readonly hops: number;
  /**
   * The packet as it ended: the object that arrived (after decapsulation this is the inner
   * packet, a copy made at encapsulation, not the object that was sent).
   */
  readonly packet: Packet;
}

const MAX_HOPS = 64;

/**
 * Moves packets between the cluster's namespaces: veth pairs, the cni0 bridge (with
 * br_netfilter), flannel.1 (VXLAN encapsulation over the underlay) and the underlay segment.
 * Each crossing scrubs the per-namespace metadata as the kernel does (conntrack reference and
 * mark do not cross namespaces or the wire).
 */
export class Forwarder {
  private readonly res = new PathResult();
  /** Called before a packet is processed in a namespace (lets the cluster prepare nodes lazily). */
  beforeEnter: ((ns: NetNamespace) => void) | null = null;
  /**
   * The namespace that sent the frame now crossing a veth (the sending pod's), whose eth0 MAC is
   * the source of a bridged frame in captures. Kept as a reference and read only when tracing.
   */
  private lastSender: NetNamespace | null = null;
  /**
   * Where the packet goes next, filled in by {@link link} when it returns null: one journey
   * crosses many links, and a result object per crossing would be garbage on the hot path.
   */
  private nextNs: NetNamespace | null = null;
  private nextDev = '';
  private nextPkt: Packet | null = null;

  /** The destination MAC of a frame leaving towards `peerNs`: the bridge when routed via the gateway, else the next hop's. */
  private macTowards(peerNs: NetNamespace, master: string, nextHop: number, peerMac: string): string {
    if (master === '') return peerMac;
    if (peerNs.isLocal(nextHop)) return peerNs.device(master).mac;
    const pod = this.topo.podsByIP.get(nextHop >>> 0);
    return pod !== undefined && !pod.hostNetwork ? pod.netns.device('eth0').mac : peerNs.device(master).mac;
  }

  constructor(private readonly topo: Topology) {}

  /** The namespace a veth peer names (`host`, or a pod's `pod/NS/NAME`) on `node`. */
  private findNetns(node: string, name: string): NetNamespace | undefined {
    if (name === 'host') return this.topo.nodes.get(node)?.host;
    return this.topo.podNetns(name);
  }

  /**
   * The far end of veth `dev` (whose `peer` is set) of a namespace on `node`, or null when its
   * namespace is gone. Resolved by name once per peer assignment and kept on the device: names
   * would cost two map lookups per crossing. `dev` of the result is undefined when the peer
   * namespace has no such device (callers that need it look it up by name and throw as before).
   */
  private peerOf(node: string, dev: Device, peer: NonNullable<Device['peer']>): ResolvedPeer | null {
    const known = dev.resolvedPeer;
    if (known !== null && known.of === peer) return known;
    const netns = this.findNetns(node, peer.netns);
    if (netns === undefined) return null;
    const resolved: ResolvedPeer = { of: peer, netns, dev: netns.devices.get(peer.dev) };
    dev.resolvedPeer = resolved;
    return resolved;
  }

  /** Continues the journey in `ns`, arriving on `dev` (or sent by `ns` itself when `dev` is ''). */
  private goTo(ns: NetNamespace, dev: string, pkt: Packet): null {
    this.nextNs = ns;
    this.nextDev = dev;
    this.nextPkt = pkt;
    return null;
  }

  /** A packet sent by a process in `from`. */
  send(from: NetNamespace, pkt: Packet): JourneyEnd {
    return this.run(from, pkt, '');
  }

  /** A packet arriving on `dev` of `ns` (e.g. from an external client's wire). */
  inject(ns: NetNamespace, dev: string, pkt: Packet): JourneyEnd {
    return this.run(ns, pkt, dev);
  }

  private run(startNs: NetNamespace, startPkt: Packet, startDev: string): JourneyEnd {
    let ns = startNs;
    let pkt = startPkt;
    let dev = startDev;
    const res = this.res;
    for (let hops = 0; hops < MAX_HOPS; hops++) {
      this.beforeEnter?.(ns);
      if (dev === '') output(ns, pkt, res);
      else receive(ns, pkt, dev, res);
      switch (res.outcome) {
        case 'dropped':
        case 'rejected':
          return { outcome: res.outcome, netns: ns, reason: res.dropReason, rejectWith: res.rejectWith, decidedBy: res.decidedBy, hops, packet: pkt };
        case 'delivered': {
          // A VXLAN packet for one of our VTEPs is handed to the device instead of a socket.
          const vtepDev = pkt.inner !== null && pkt.proto === 17 ? ns.vxlanDeviceOnPort(pkt.dport) : null;
          if (vtepDev === null) return { outcome: 'delivered', netns: ns, reason: 'none', rejectWith: '', decidedBy: '', hops, packet: pkt };
          const vtep = vtepDev.name;
          const cfg = vtepDev.vxlan;
          if (cfg === null || pkt.vni !== cfg.vni) return this.dropAt(ns, pkt, 'malformed', `VXLAN VNI ${pkt.vni} does not match ${vtep}`, hops);
          const inner = pkt.inner as Packet;
          if (ns.trace !== null) ns.trace.emit({ kind: 'decap', place: ns.place, detail: `VXLAN VNI ${pkt.vni} from ${formatIpv4(pkt.src)}:${pkt.sport} → ${vtep}` });
          scrub(inner);
          pkt = inner;
          dev = vtep;
          continue;
        }
        case 'transmitted': {
          const end = this.link(ns, res.outDev, res.nextHop, pkt, hops);
          if (end !== null) return end;
          ns = this.nextNs as NetNamespace;
          dev = this.nextDev;
          pkt = this.nextPkt as Packet;
          this.nextNs = null;
          this.nextPkt = null;
          continue;
        }
        default: {
          const never: never = res.outcome;
          return never;
        }
      }
    }
    return this.dropAt(ns, pkt, 'loop-limit', `more than ${MAX_HOPS} hops`, MAX_HOPS);
  }

  private dropAt(ns: NetNamespace, pkt: Packet, reason: DropReason, detail: string, hops: number): JourneyEnd {
    pkt.dropReason = reason;
    if (ns.trace !== null) ns.trace.emit({ kind: 'drop', place: ns.place, reason, detail });
    return { outcome: 'dropped', netns: ns, reason, rejectWith: '', decidedBy: '', hops, packet: pkt };
  }

  /**
   * Where a packet that left `ns` through `outDev` towards `nextHop` arrives next: null when it
   * goes on (see {@link goTo}), else how the journey ended.
   */
  private link(ns: NetNamespace, outDev: string, nextHop: number, pkt: Packet, hops: number): JourneyEnd | null {
    const dev = ns.device(outDev);
    switch (dev.kind) {
      case 'veth': {
        if (dev.peer === null) return this.dropAt(ns, pkt, 'no-neighbour', `${outDev} has no peer`, hops);
        const far = this.peerOf(ns.place.node, dev, dev.peer);
        if (far === null) return this.dropAt(ns, pkt, 'no-neighbour', `peer of ${outDev} is gone`, hops);
        const peerNs = far.netns;
        const peerDev = far.dev ?? peerNs.device(dev.peer.dev);
        this.lastSender = ns;
        if (ns.trace !== null || peerNs.trace !== null) captureCrossing(ns, outDev, peerNs, peerDev.name, pkt, dev.mac, this.macTowards(peerNs, peerDev.master, nextHop, peerDev.mac));
        scrub(pkt);
        if (peerDev.master === '') return this.goTo(peerNs, peerDev.name, pkt);
        return this.bridgeIngress(peerNs, peerDev.master, peerDev.name, nextHop, pkt, hops);
      }
      case 'bridge':
        return this.bridgeEgress(ns, outDev, '', nextHop, pkt, hops);
      case 'vxlan':
        return this.encapsulate(ns, dev, nextHop, pkt, hops);
      case 'ethernet': {
        const owner = this.topo.underlay.get(nextHop >>> 0);
        if (owner === undefined) return this.dropAt(ns, pkt, 'no-neighbour', `no host answers ARP for ${formatIpv4(nextHop)} on the underlay`, hops);
        if (ns.trace !== null) ns.trace.emit({ kind: 'neighbour', place: ns.place, addr: nextHop, mac: owner.netns.device(owner.dev).mac, dev: outDev });
        if (ns.trace !== null || owner.netns.trace !== null) captureCrossing(ns, outDev, owner.netns, owner.dev, pkt, dev.mac, owner.netns.device(owner.dev).mac);
        scrub(pkt);
        return this.goTo(owner.netns, owner.dev, pkt);
      }
      case 'loopback':
      case 'dummy':
        return this.dropAt(ns, pkt, 'no-route', `cannot transmit on ${outDev}`, hops);
      default: {
        const never: never = dev.kind;
        return never;
      }
    }
  }

  /**
   * A frame entering bridge `bridge` from port `inPort`: addressed to the bridge itself (the pod's
   * gateway) it is routed by the host; addressed to another port it is bridged.
   */
  private bridgeIngress(host: NetNamespace, bridge: string, inPort: string, nextHop: number, pkt: Packet, hops: number): JourneyEnd | null {
    // The bridge's own addresses first: the common case (a pod's gateway) without a FIB lookup.
    if (hasAddress(host.device(bridge), nextHop >>> 0) || host.isLocal(nextHop)) {
      if (host.trace !== null) host.trace.emit({ kind: 'bridge', place: host.place, bridge, mac: host.device(bridge).mac, port: `${inPort} → ${bridge} (to the host)` });
      return this.goTo(host, bridge, pkt);
    }
    return this.bridgeEgress(host, bridge, inPort, nextHop, pkt, hops);
  }

  /** Bridges or sends a frame out of a bridge port towards `nextHop`'s MAC. */
  private bridgeEgress(host: NetNamespace, bridge: string, inPort: string, nextHop: number, pkt: Packet, hops: number): JourneyEnd | null {
    const neigh = host.neighbours.get(bridge, nextHop);
    if (neigh === undefined) return this.dropAt(host, pkt, 'no-neighbour', `no answer to ARP for ${formatIpv4(nextHop)} on ${bridge}`, hops);
    const entry = host.fdbs.get(bridge)?.get(neigh.mac);
    if (entry === undefined) return this.dropAt(host, pkt, 'no-neighbour', `${bridge} has no FDB entry for ${neigh.mac}`, hops);
    const port = host.device(entry.dev);
    if (entry.dev === inPort && !port.hairpin) return this.dropAt(host, pkt, 'no-neighbour', `${bridge}: frame would leave through its ingress port ${inPort} (hairpin off)`, hops);
    if (host.trace !== null) host.trace.emit({ kind: 'bridge', place: host.place, bridge, mac: neigh.mac, port: inPort === '' ? entry.dev : `${inPort} → ${entry.dev}${entry.dev === inPort ? ' (hairpin)' : ''}` });
    if (inPort !== '' && host.sysctl.bridgeNfCallIptables) {
      // br_netfilter: a bridged IPv4 frame walks the host's PREROUTING/FORWARD/POSTROUTING.
      const r = bridgedWalk(host, pkt, bridge);
      if (r !== null) return { outcome: r.outcome === 'rejected' ? 'rejected' : 'dropped', netns: host, reason: r.dropReason, rejectWith: r.rejectWith, decidedBy: r.decidedBy, hops, packet: pkt };
    }
    if (port.peer === null) return this.dropAt(host, pkt, 'no-neighbour', `${entry.dev} has no peer`, hops);
    const far = this.peerOf(host.place.node, port, port.peer);
    if (far === null) return this.dropAt(host, pkt, 'no-neighbour', `peer of ${entry.dev} is gone`, hops);
    const peerNs = far.netns;
    // Routed by the host, the frame comes from the bridge's MAC; bridged, it keeps the sender's.
    if (host.trace !== null || peerNs.trace !== null) {
      if (inPort === '') captureCrossing(host, entry.dev, peerNs, port.peer.dev, pkt, host.device(bridge).mac, neigh.mac);
      else peerNs.trace?.emit({ kind: 'capture', place: peerNs.place, dev: port.peer.dev, direction: 'in', frame: { srcMac: this.lastSender?.devices.get('eth0')?.mac ?? '', dstMac: neigh.mac, fields: capturedFieldsOf(pkt), encap: null } });
    }
    scrub(pkt);
    return this.goTo(peerNs, port.peer.dev, pkt);
  }

  /** flannel.1's transmit: look up the VTEP MAC and remote address, wrap in VXLAN, send via the underlay. */
  private encapsulate(host: NetNamespace, dev: Device, nextHop: number, pkt: Packet, hops: number): JourneyEnd | null {
    const vtepDev = dev.name;
    const cfg = dev.vxlan;
    if (cfg === null) return this.dropAt(host, pkt, 'malformed', `${vtepDev} is not configured`, hops);
    if (pkt.length > dev.mtu && pkt.df) return this.dropAt(host, pkt, 'mtu-exceeded', `packet of ${pkt.length} bytes exceeds ${vtepDev} MTU ${dev.mtu} with DF set (ICMP fragmentation needed, mtu ${dev.mtu})`, hops);
    const neigh = host.neighbours.get(vtepDev, nextHop);
    if (neigh === undefined) return this.dropAt(host, pkt, 'no-neighbour', `no neighbour entry for ${formatIpv4(nextHop)} on ${vtepDev}`, hops);
    const fdb = host.fdbs.get(vtepDev)?.get(neigh.mac);
    if (fdb === undefined || fdb.dst === 0) return this.dropAt(host, pkt, 'vxlan-no-fdb', `no FDB entry for ${neigh.mac} on ${vtepDev}`, hops);
    const inner = pkt.clone();
    const outer = new Packet();
    outer.src = cfg.local;
    outer.dst = fdb.dst;
    outer.proto = 17;
    outer.sport = vxlanSourcePort(defaultFlowHash(inner.src, inner.dst, inner.proto, inner.proto === 1 ? inner.icmpId : inner.sport, inner.proto === 1 ? 0 : inner.dport));
    outer.dport = cfg.port;
    outer.ttl = 64;
    outer.df = false;
    outer.length = inner.length + 50;
    outer.mark = pkt.mark; // the mark travels into the outer packet (same namespace)
    outer.inner = inner;
    outer.innerSrcMac = dev.mac;
    outer.innerDstMac = neigh.mac;
    outer.vni = cfg.vni;
    outer.encapDepth = pkt.encapDepth + 1;
    if (host.trace !== null) {
      host.trace.emit({ kind: 'neighbour', place: host.place, addr: nextHop, mac: neigh.mac, dev: vtepDev });
      host.trace.emit({ kind: 'encap', place: host.place, detail: `VXLAN VNI ${cfg.vni}: ${formatIpv4(outer.src)}:${outer.sport} → ${formatIpv4(outer.dst)}:${outer.dport} (FDB ${neigh.mac} dst ${formatIpv4(fdb.dst)})` });
    }
    // The encapsulated packet is the host's own output (ip_local_out), so it walks OUTPUT and POSTROUTING.
    return this.goTo(host, '', outer);
  }
}

/** True when `addr` (uint32) is one of the device's own addresses. */
function hasAddress(dev: Device, addr: number): boolean {
  const list = dev.addresses;
  for (let i = 0; i < list.length; i++) if ((list[i] as Device['addresses'][number]).addr === addr) return true;
  return false;
}

/**
 * Records the frame crossing a link at both ends (out of `from`/`fromDev`, into `to`/`toDev`),
 * only when tracing. Callers test for a sink first, so that the MACs are looked up only then.
 */
function captureCrossing(from: NetNamespace, fromDev: string, to: NetNamespace, toDev: string, pkt: Packet, srcMac: string, dstMac: string): void {
  if (from.trace === null && to.trace === null) return;
  const inner = pkt.inner;
  const frame: CapturedFrame = {
    srcMac,
    dstMac,
    fields: capturedFieldsOf(pkt),
    encap: inner === null ? null : { vni: pkt.vni, innerSrcMac: pkt.innerSrcMac, innerDstMac: pkt.innerDstMac, inner: capturedFieldsOf(inner) },
  };
  from.trace?.emit({ kind: 'capture', place: from.place, dev: fromDev, direction: 'out', frame });
  to.trace?.emit({ kind: 'capture', place: to.place, dev: toDev, direction: 'in', frame });
}

/** What crossing a namespace boundary or the wire forgets (skb_scrub_packet with xnet). */
function scrub(pkt: Packet): void {
  pkt.ctIndex = -1;
  pkt.ctDir = 0;
  pkt.ctInfo = CT_INFO.NONE;
  pkt.mark = 0;
  pkt.inDev = '';
  pkt.outDev = '';
}

const bridgedResult = new PathResult();

/**
 * br_netfilter's walk for a bridged frame: PREROUTING (raw, conntrack, mangle, nat), FORWARD
 * (mangle, filter) and POSTROUTING (mangle, nat, confirm), with in and out device the bridge.
 * Returns null when the frame may go on, or the drop/reject result.
 */
function bridgedWalk(host: NetNamespace, pkt: Packet, bridge: string): PathResult | null {
  // Reuse the routed walk's pieces by temporarily treating the frame as forwarded on the bridge.
  const r = receiveBridged(host, pkt, bridge, bridgedResult);
  return r.outcome === 'transmitted' ? null : r;
}
