import { type Clock, formatIpv4, KpemuError, maskOfLength, type Rng } from '../core/index.js';
import { parseIpv4 } from '../addr/index.js';
import { Conntrack, emptyNatRequest, MANIP } from '../conntrack/index.js';
import {
  ADDRTYPE_BITS,
  EmulatedIptables,
  type EngineStats,
  formatRule,
  type KernelObjects,
  type NatRange,
  Netfilter,
  type NetfilterEnv,
  type NfacctApi,
  type PortRange,
  RecentStore,
  type Rule,
  type SetMatch,
} from '../netfilter/index.js';
import type { Packet } from '../packet/index.js';
import { Fdb, NeighbourTable, type Route, type RouteType } from '../route/index.js';
import { CachedFib } from './cached-fib.js';
import type { TracePlace, TraceSink } from '../trace/index.js';
import { type Device, type DeviceKind, newDevice } from './device.js';
import { IpsetRegistry } from '../ipset/index.js';
import { IpvsHooks } from './ipvs-hooks.js';

/** The `-m set` side of a namespace's ipsets, provided by the ipset registry when present. */
export interface SetProvider {
  has(name: string): boolean;
  test(m: SetMatch, pkt: Packet): boolean;
}

/** Namespace sysctls kpemu models. */
export interface Sysctls {
  /** net.ipv4.ip_forward */
  ipForward: boolean;
  /** net.ipv4.conf.all.route_localnet */
  routeLocalnet: boolean;
  /** net.bridge.bridge-nf-call-iptables (br_netfilter) */
  bridgeNfCallIptables: boolean;
  /** net.netfilter.nf_conntrack_tcp_be_liberal */
  tcpBeLiberal: boolean;
}

export interface NetnsOptions {
  /** Node (or client) this namespace belongs to, for traces. */
  readonly node: string;
  /** 'host' for a node's root namespace, `pod/NS/NAME` for a pod. */
  readonly name: string;
  readonly clock: Clock;
  readonly rng: Rng;
  /** Renders a rule as iptables-save text (for traces); iptables-save's own form by default. */
  readonly formatRule?: (rule: Rule) => string;
  readonly conntrackMax?: number;
}

function addrTypeBits(t: RouteType): number {
  switch (t) {
    case 'local':
      return ADDRTYPE_BITS.LOCAL;
    case 'broadcast':
      return ADDRTYPE_BITS.BROADCAST;
    case 'unicast':
      return ADDRTYPE_BITS.UNICAST;
    case 'blackhole':
      return ADDRTYPE_BITS.BLACKHOLE;
    case 'unreachable':
      return ADDRTYPE_BITS.UNREACHABLE;
    case 'prohibit':
      return ADDRTYPE_BITS.PROHIBIT;
    default: {
      const never: never = t;
      return never;
    }
  }
}

/**
 * One Linux network namespace: devices and addresses, routing and neighbours, sysctls, netfilter
 * tables, conntrack, `-m recent` lists and nfacct counters. It is also the NetfilterEnv the rule
 * engine evaluates against. The packet walk lives in walk.ts.
 */
export class NetNamespace implements NetfilterEnv, KernelObjects, NfacctApi {
  readonly devices = new Map<string, Device>();
  /** Routing tables; lookups go through a destination cache (see CachedFib). */
  readonly fib = new CachedFib();
  readonly neighbours = new NeighbourTable();
  /** Per bridge (or VXLAN device): its forwarding database. */
  readonly fdbs = new Map<string, Fdb>();
  readonly sysctl: Sysctls = { ipForward: false, routeLocalnet: false, bridgeNfCallIptables: false, tcpBeLiberal: false };
  readonly netfilter: Netfilter;
  /** iptables as programs see it: restore/save text, commands, kube-proxy's IptablesApi. */
  readonly iptables: EmulatedIptables;
  readonly conntrack: Conntrack;
  readonly recent = new RecentStore();
  readonly nfacct = new Map<string, { packets: number; bytes: number }>();
  sets: SetProvider | null = null;
  /** The namespace's ipsets, once something uses them (kube-proxy's IPVS mode). */
  ipsets: IpsetRegistry | null = null;
  /** IPVS, when the ip_vs module is in use in this namespace. */
  ipvsHooks: IpvsHooks | null = null;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly place: TracePlace;
  trace: TraceSink | null = null;
  traceAllRules = false;
  readonly stats: EngineStats = { rulesEvaluated: 0, chainsEntered: 0 };
  /** Next hop of the packet being walked (MASQUERADE picks the source address facing it). */
  currentNextHop = 0;
  private readonly natReq = emptyNatRequest();
  /** The VXLAN devices among `devices`, in creation order (see {@link vxlanDeviceOnPort}). */
  private readonly vxlanDevices: Device[] = [];

  constructor(opts: NetnsOptions) {
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.place = { node: opts.node, netns: opts.name };
    this.netfilter = new Netfilter(this, opts.formatRule ?? formatRule);
    this.iptables = new EmulatedIptables(this.netfilter, this);
    this.conntrack = new Conntrack(opts.clock, opts.rng, opts.conntrackMax ?? 262144);
    const lo = newDevice('lo', 'loopback', '00:00:00:00:00:00', 65536);
    this.devices.set('lo', lo);
    this.addAddress('lo', 0x7f000001, 8);
  }

  // --- configuration ------------------------------------------------------------------------

  /** Creates the ipset state of this namespace (idempotent) and wires `-m set` to it. */
  enableIpsets(): IpsetRegistry {
    if (this.ipsets === null) {
      this.ipsets = new IpsetRegistry(this.clock, this.rng);
      this.sets = this.ipsets.provider();
    }
    return this.ipsets;
  }

  /** Loads IPVS into this namespace (idempotent). */
  enableIpvs(): IpvsHooks {
    if (this.ipvsHooks === null) this.ipvsHooks = new IpvsHooks(this);
    return this.ipvsHooks;
  }

  addDevice(name: string, kind: DeviceKind, mac: string, mtu = 1500): Device {
    if (this.devices.has(name)) throw new KpemuError('DEVICE_INVALID', `device "${name}" already exists in ${this.place.node}/${this.place.netns}`);
    const dev = newDevice(name, kind, mac, mtu);
    this.devices.set(name, dev);
    if (kind === 'vxlan') this.vxlanDevices.push(dev);
    if (kind === 'bridge' || kind === 'vxlan') this.fdbs.set(name, new Fdb());
    return dev;
  }

  /**
   * The VXLAN device whose UDP port is `port` (the socket a VXLAN packet delivered here reaches),
   * or null. Kept in a list so the per-packet check does not iterate the device map.
   */
  vxlanDeviceOnPort(port: number): Device | null {
    const list = this.vxlanDevices;
    for (let i = 0; i < list.length; i++) {
      const d = list[i] as Device;
      if (d.vxlan !== null && d.vxlan.port === port) return d;
    }
    return null;
  }

  device(name: string): Device {
    const d = this.devices.get(name);
    if (d === undefined) throw new KpemuError('DEVICE_INVALID', `no device "${name}" in ${this.place.node}/${this.place.netns}`);
    return d;
  }

  /**
   * Adds an address the way the kernel's fib_add_ifaddr does: a local /32 route in the local
   * table, and the prefix route (type local in the local table for loopback, a link-scope
   * unicast route in main otherwise).
   */
  addAddress(devName: string, addr: number, length: number, options: { noPrefixRoute?: boolean } = {}): void {
    const dev = this.device(devName);
    const a = addr >>> 0;
    if (dev.addresses.some((x) => x.addr === a)) throw new KpemuError('DEVICE_INVALID', `address already assigned on ${devName}`);
    const loopback = dev.kind === 'loopback';
    dev.addresses.push({ addr: a, length, scope: loopback ? 'host' : 'global' });
    this.fib.add({ network: a, length: 32, type: 'local', dev: devName, gateway: 0, src: a, metric: 0, table: 'local', onlink: false, scope: 'host' });
    if (length < 32 && options.noPrefixRoute !== true) {
      const net = (a & maskOfLength(length)) >>> 0;
      if (loopback) {
        this.fib.add({ network: net, length, type: 'local', dev: devName, gateway: 0, src: a, metric: 0, table: 'local', onlink: false, scope: 'host' });
      } else {
        this.fib.add({ network: net, length, type: 'unicast', dev: devName, gateway: 0, src: a, metric: 0, table: 'main', onlink: false, scope: 'link' });
      }
    }
  }

  /** Removes an address and the routes the kernel added for it (fib_del_ifaddr). */
  removeAddress(devName: string, addr: number): boolean {
    const dev = this.device(devName);
    const a = addr >>> 0;
    const i = dev.addresses.findIndex((x) => x.addr === a);
    if (i < 0) return false;
    const [gone] = dev.addresses.splice(i, 1);
    const len = gone?.length ?? 32;
    const net = (a & maskOfLength(len)) >>> 0;
    this.fib.remove((r) => r.dev === devName && ((r.table === 'local' && r.network === a && r.length === 32) || (r.network === net && r.length === len && r.src === a)));
    return true;
  }

  // --- the netlink calls kube-proxy's IPVS mode makes (NetlinkApi) --------------------------

  /** Creates a dummy device if missing; true when it already existed. */
  ensureDummyDevice(name: string): boolean {
    if (this.devices.has(name)) return true;
    this.addDevice(name, 'dummy', '02:00:00:00:00:00');
    return false;
  }

  /** Addresses bound to a device, as dotted quads. */
  listBindAddresses(devName: string): string[] {
    const dev = this.devices.get(devName);
    return dev === undefined ? [] : dev.addresses.map((a) => formatIpv4(a.addr));
  }

  /** Binds `addr`/32 to a device; false when it was already bound. */
  bindAddress(addr: string, devName: string): boolean {
    const a = parseIpv4(addr);
    if (this.device(devName).addresses.some((x) => x.addr === a)) return false;
    this.addAddress(devName, a, 32);
    return true;
  }

  unbindAddress(addr: string, devName: string): void {
    this.removeAddress(devName, parseIpv4(addr));
  }

  /** Every local IPv4 address except those on `excludeDev` (kube-proxy's node IPs for NodePorts). */
  listLocalAddresses(excludeDev: string): string[] {
    const out: string[] = [];
    for (const d of this.devices.values()) {
      if (d.name === excludeDev) continue;
      for (const a of d.addresses) out.push(formatIpv4(a.addr));
    }
    return out;
  }

  addRoute(route: Omit<Route, 'table' | 'scope' | 'onlink' | 'metric' | 'src' | 'type'> & Partial<Pick<Route, 'onlink' | 'metric' | 'src' | 'type'>>): void {
    this.fib.add({
      network: route.network,
      length: route.length,
      type: route.type ?? 'unicast',
      dev: route.dev,
      gateway: route.gateway,
      src: route.src ?? 0,
      metric: route.metric ?? 0,
      table: 'main',
      onlink: route.onlink ?? false,
      scope: route.gateway === 0 ? 'link' : 'global',
    });
  }

  /**
   * Whether connection tracking runs in this namespace: the kernel enables it for its users only —
   * rules that need it, or IPVS (net.ipv4.vs.conntrack=1). A pod's namespace without rules tracks
   * nothing.
   */
  tracking(): boolean {
    return this.ipvsHooks !== null || this.netfilter.needsConntrack();
  }

  /** True when `addr` is one of this namespace's own addresses (any device, incl. 127/8). */
  isLocal(addr: number): boolean {
    return this.fib.addressType(addr) === 'local';
  }

  /**
   * The source address the kernel would pick on `dev` to reach `nextHop` (inet_select_addr):
   * an address whose subnet holds the next hop, else the device's first global address.
   * `universe` asks for an address usable beyond this host (MASQUERADE's RT_SCOPE_UNIVERSE): a
   * host-scope address such as 127.0.0.1 on lo never qualifies, even for a next hop in 127/8.
   */
  selectSource(devName: string, nextHop: number, universe = false): number {
    const dev = this.devices.get(devName);
    if (dev === undefined) return 0;
    let fallback = 0;
    for (const a of dev.addresses) {
      if (universe && a.scope === 'host') continue;
      const m = maskOfLength(a.length);
      if (((a.addr & m) >>> 0) === ((nextHop & m) >>> 0) && a.length > 0) return a.addr;
      if (fallback === 0 && a.scope !== 'host') fallback = a.addr;
    }
    if (fallback !== 0) return fallback;
    // A device without addresses borrows one from another device (the kernel searches them all).
    for (const d of this.devices.values()) for (const a of d.addresses) if (a.scope === 'global') return a.addr;
    return 0;
  }

  // --- NfacctApi ----------------------------------------------------------------------------

  /** `nfacct add NAME` (kube-proxy creates its counters this way). */
  ensureCounter(name: string): void {
    if (!this.nfacct.has(name)) this.nfacct.set(name, { packets: 0, bytes: 0 });
  }

  hasCounter(name: string): boolean {
    return this.nfacct.has(name);
  }

  // --- KernelObjects ------------------------------------------------------------------------

  hasNfacct(name: string): boolean {
    return this.nfacct.has(name);
  }

  hasSet(name: string): boolean {
    return this.sets?.has(name) ?? false;
  }

  // --- NetfilterEnv -------------------------------------------------------------------------

  /** Replaced by an outcome explorer while enumerating every path (`--all-paths`). */
  chooser: ((probabilityU31: number) => boolean) | null = null;

  chance(probabilityU31: number): boolean {
    if (this.chooser !== null) return this.chooser(probabilityU31);
    // xt_statistic: a packet matches when (random u32 & 0x7fffffff) < probability.
    return (this.rng.nextU32() & 0x7fffffff) < probabilityU31;
  }

  addrType(addr: number): number {
    if ((addr >>> 28) === 14) return ADDRTYPE_BITS.MULTICAST;
    if (addr === 0 || addr >>> 0 === 0xffffffff) return ADDRTYPE_BITS.BROADCAST;
    return addrTypeBits(this.fib.addressType(addr));
  }

  addrTypeOnDevice(addr: number, dev: string): number {
    const t = this.addrType(addr);
    if (t !== ADDRTYPE_BITS.LOCAL) return t;
    const d = this.devices.get(dev);
    // LOCAL only counts when the address lives on that device.
    if (d !== undefined && d.addresses.some((a) => a.addr === addr >>> 0 || (d.kind === 'loopback' && (addr >>> 24) === 127))) return t;
    return ADDRTYPE_BITS.UNICAST;
  }

  ctNatBits(pkt: Packet): number {
    return this.conntrack.natBits(pkt);
  }

  ctStatusBits(pkt: Packet): number {
    return this.conntrack.statusBits(pkt);
  }

  ctMark(pkt: Packet): number {
    return pkt.ctIndex < 0 ? 0 : (this.conntrack.table.mark[pkt.ctIndex] as number);
  }

  setCtMark(pkt: Packet, mark: number): void {
    if (pkt.ctIndex >= 0) this.conntrack.table.mark[pkt.ctIndex] = mark >>> 0;
  }

  notrack(pkt: Packet): void {
    if (pkt.ctIndex >= 0) this.conntrack.abandon(pkt);
    pkt.ctIndex = -1;
    pkt.ctInfo = 5; // CT_INFO.UNTRACKED
  }

  nfacctHit(name: string, bytes: number): void {
    const c = this.nfacct.get(name);
    if (c !== undefined) {
      c.packets++;
      c.bytes += bytes;
    }
  }

  setTest(m: SetMatch, pkt: Packet): boolean {
    return this.sets?.test(m, pkt) ?? false;
  }

  private fillRange(to: NatRange): void {
    const r = this.natReq;
    r.hasAddr = to.hasAddr;
    r.addrLo = to.addrLo;
    r.addrHi = to.addrHi;
    r.hasPorts = to.hasPorts;
    r.portLo = to.portLo;
    r.portHi = to.portHi;
  }

  dnat(pkt: Packet, to: NatRange, random: boolean, persistent: boolean): boolean {
    if (pkt.ctIndex < 0) return false;
    this.fillRange(to);
    this.natReq.randomAll = random;
    this.natReq.persistent = persistent;
    this.conntrack.bind(pkt, MANIP.DST, this.natReq);
    return true;
  }

  snat(pkt: Packet, to: NatRange, random: boolean, randomFully: boolean, persistent: boolean): boolean {
    if (pkt.ctIndex < 0) return false;
    this.fillRange(to);
    this.natReq.randomAll = random || randomFully;
    this.natReq.persistent = persistent;
    this.conntrack.bind(pkt, MANIP.SRC, this.natReq);
    return true;
  }

  masquerade(pkt: Packet, ports: PortRange | undefined, random: boolean, randomFully: boolean): boolean {
    if (pkt.ctIndex < 0) return false;
    const src = this.selectSource(pkt.outDev, this.currentNextHop, true);
    if (src === 0) return false;
    const r = this.natReq;
    r.hasAddr = true;
    r.addrLo = src;
    r.addrHi = src;
    r.hasPorts = ports !== undefined;
    r.portLo = ports?.lo ?? 0;
    r.portHi = ports?.hi ?? 0;
    r.randomAll = random || randomFully;
    r.persistent = false;
    this.conntrack.bind(pkt, MANIP.SRC, r);
    return true;
  }
}
