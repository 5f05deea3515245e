import { CT_IN, emptyNatRequest, MANIP, type ManipType } from '../conntrack/index.js';
import { type HookName, Netfilter, type RejectWith, type TableName, VERDICT } from '../netfilter/index.js';
import { CT_INFO, type DropReason, type Packet } from '../packet/index.js';
import type { NetNamespace } from './netns.js';
import { PathResult } from './path-result.js';

/**
 * The packet walk of one namespace, in the kernel's order (hook priorities in brackets):
 *
 *   receive:  PREROUTING raw(-300) conntrack(-200) mangle(-150) nat/DNAT(-100)
 *             → routing → INPUT mangle(-150) filter(0) [ipvs(99)] nat/SNAT(100) confirm
 *                       → FORWARD mangle(-150) filter(0) → POSTROUTING
 *   output:   routing → OUTPUT raw(-300) conntrack(-200) mangle(-150) nat/DNAT(-100) filter(0)
 *             → reroute if NAT changed the destination → POSTROUTING mangle(-150) nat/SNAT(100) confirm
 *
 * Packets to the namespace's own addresses loop back through `lo` into receive.
 */

const nullBinding = emptyNatRequest();

/**
 * The (table, hook) bits of Netfilter.busyHooks for every table walk of the packet path, computed
 * once: a hook whose bit is clear accepts without a look at the table.
 */
export const HOOK = {
  rawPrerouting: Netfilter.hookBit('raw', 'PREROUTING'),
  rawOutput: Netfilter.hookBit('raw', 'OUTPUT'),
  manglePrerouting: Netfilter.hookBit('mangle', 'PREROUTING'),
  mangleInput: Netfilter.hookBit('mangle', 'INPUT'),
  mangleForward: Netfilter.hookBit('mangle', 'FORWARD'),
  mangleOutput: Netfilter.hookBit('mangle', 'OUTPUT'),
  manglePostrouting: Netfilter.hookBit('mangle', 'POSTROUTING'),
  natPrerouting: Netfilter.hookBit('nat', 'PREROUTING'),
  natInput: Netfilter.hookBit('nat', 'INPUT'),
  natOutput: Netfilter.hookBit('nat', 'OUTPUT'),
  natPostrouting: Netfilter.hookBit('nat', 'POSTROUTING'),
  filterInput: Netfilter.hookBit('filter', 'INPUT'),
  filterForward: Netfilter.hookBit('filter', 'FORWARD'),
  filterOutput: Netfilter.hookBit('filter', 'OUTPUT'),
} as const;

export function drop(ns: NetNamespace, pkt: Packet, res: PathResult, reason: DropReason, detail: string): PathResult {
  ns.conntrack.abandon(pkt);
  pkt.dropReason = reason;
  res.outcome = 'dropped';
  res.dropReason = reason;
  if (ns.trace !== null) ns.trace.emit({ kind: 'drop', place: ns.place, reason, detail });
  return res;
}

/**
 * Runs a non-nat table at a hook; `bit` is the pair's {@link HOOK} bit. Returns false when the
 * packet is gone (dropped or rejected).
 */
export function filterHook(ns: NetNamespace, table: TableName, hook: HookName, bit: number, pkt: Packet, res: PathResult): boolean {
  if ((ns.netfilter.busyHooks() & bit) === 0) return true;
  const out = ns.netfilter.run(table, hook, pkt, ns);
  if (out.verdict === VERDICT.ACCEPT) return true;
  const ct = ns.netfilter.program(table);
  const decided = out.decidingRule >= 0 ? `${table}/${ct.chainNames[ct.ruleChain[out.decidingRule] as number]}#${ct.ruleNumber[out.decidingRule]}` : `${table}/${hook} policy`;
  res.decidedBy = decided;
  if (out.verdict === VERDICT.REJECT) {
    const t = ct.targets[out.decidingRule];
    res.rejectWith = t !== undefined && t.kind === 'reject' ? (t.with as RejectWith) : 'icmp-port-unreachable';
    drop(ns, pkt, res, 'netfilter-reject', `${decided}: REJECT --reject-with ${res.rejectWith}`);
    res.outcome = 'rejected';
    return false;
  }
  drop(ns, pkt, res, out.decidingRule >= 0 ? 'netfilter-drop' : 'policy-drop', `${decided}: DROP`);
  return false;
}

/**
 * A NAT hook: for a connection's first packet, walk the nat table (once per manip type); then
 * apply the connection's binding to the packet. Later packets skip the table entirely.
 */
export function natHook(ns: NetNamespace, hook: HookName, bit: number, m: ManipType, pkt: Packet, res: PathResult): boolean {
  if (pkt.ctIndex < 0) return true;
  const ctk = ns.conntrack;
  if (ctk.needsNatLookup(pkt, m)) {
    if ((ns.netfilter.busyHooks() & bit) !== 0) {
      const out = ns.netfilter.run('nat', hook, pkt, ns);
      if (out.verdict !== VERDICT.ACCEPT) {
        res.decidedBy = 'nat';
        drop(ns, pkt, res, 'netfilter-drop', `nat/${hook}: DROP`);
        return false;
      }
    }
    if (ctk.needsNatLookup(pkt, m)) ctk.bind(pkt, m, nullBinding);
  }
  if (ns.trace === null) {
    ctk.manip(pkt, m);
    return true;
  }
  const bSrc = pkt.src;
  const bDst = pkt.dst;
  const bSport = pkt.sport;
  const bDport = pkt.dport;
  if (ctk.manip(pkt, m)) {
    const reply = pkt.ctDir === 1;
    const kind = m === MANIP.DST ? (reply ? 'un-snat' : 'dnat') : reply ? 'un-dnat' : 'snat';
    const before = m === MANIP.DST ? { addr: bDst, port: bDport } : { addr: bSrc, port: bSport };
    const after = m === MANIP.DST ? { addr: pkt.dst, port: pkt.dport } : { addr: pkt.src, port: pkt.sport };
    ns.trace.emit({ kind: 'nat', place: ns.place, nat: kind, before, after });
  }
  return true;
}

export function conntrackIn(ns: NetNamespace, pkt: Packet, res: PathResult): boolean {
  // Without a conntrack user in the namespace the packet stays without a connection (and so
  // never meets the nat table).
  if (!ns.tracking()) return true;
  const hadCt = pkt.ctIndex >= 0;
  if (ns.conntrack.inbound(pkt) === CT_IN.DROP_TABLE_FULL) {
    drop(ns, pkt, res, 'conntrack-table-full', 'nf_conntrack: table full, dropping packet');
    return false;
  }
  if (ns.trace !== null && !hadCt) {
    const action = pkt.ctInfo === CT_INFO.NEW ? 'new' : pkt.ctInfo === CT_INFO.ESTABLISHED ? 'established' : pkt.ctInfo === CT_INFO.RELATED ? 'related' : pkt.ctInfo === CT_INFO.UNTRACKED ? 'untracked' : 'invalid';
    ns.trace.emit({ kind: 'conntrack', place: ns.place, action, detail: pkt.ctIndex >= 0 ? ns.conntrack.describe(pkt.ctIndex) : '' });
  }
  return true;
}

function confirm(ns: NetNamespace, pkt: Packet, res: PathResult): boolean {
  const wasNew = pkt.ctInfo === CT_INFO.NEW && pkt.ctIndex >= 0;
  if (!ns.conntrack.confirm(pkt)) {
    drop(ns, pkt, res, 'nat-no-free-port', 'conntrack: tuple clash on confirmation (no unique tuple)');
    return false;
  }
  if (wasNew && ns.trace !== null && pkt.ctIndex >= 0) ns.trace.emit({ kind: 'conntrack', place: ns.place, action: 'confirmed', detail: ns.conntrack.describe(pkt.ctIndex) });
  return true;
}

export function hookEvent(ns: NetNamespace, hook: string): void {
  if (ns.trace !== null) ns.trace.emit({ kind: 'hook', place: ns.place, hook });
}

function rejectAt(ns: NetNamespace, pkt: Packet, res: PathResult, where: string): PathResult {
  res.rejectWith = 'icmp-port-unreachable';
  res.decidedBy = where;
  drop(ns, pkt, res, 'ipvs-no-destination', `${where}: no usable real server, ICMP port unreachable`);
  res.outcome = 'rejected';
  return res;
}

/** A packet arriving on `inDev`. */
export function receive(ns: NetNamespace, pkt: Packet, inDev: string, res: PathResult): PathResult {
  res.reset();
  pkt.inDev = inDev;
  pkt.outDev = '';
  if (ns.trace !== null) ns.trace.emit({ kind: 'device', place: ns.place, dev: inDev, direction: 'in' });
  hookEvent(ns, 'PREROUTING');
  if (!filterHook(ns, 'raw', 'PREROUTING', HOOK.rawPrerouting, pkt, res)) return res;
  if (!conntrackIn(ns, pkt, res)) return res;
  if (!filterHook(ns, 'mangle', 'PREROUTING', HOOK.manglePrerouting, pkt, res)) return res;
  if (!natHook(ns, 'PREROUTING', HOOK.natPrerouting, MANIP.DST, pkt, res)) return res;

  // Routing decision (ip_route_input).
  const fromLoopback = inDev === 'lo';
  if (!fromLoopback && (pkt.src >>> 24) === 127 && !ns.sysctl.routeLocalnet) return drop(ns, pkt, res, 'martian-source', 'source in 127.0.0.0/8 arrived on a non-loopback device');
  if (!fromLoopback && (pkt.dst >>> 24) === 127 && !ns.sysctl.routeLocalnet) return drop(ns, pkt, res, 'martian-destination', 'destination in 127.0.0.0/8 arrived on a non-loopback device (route_localnet=0)');
  const route = ns.fib.lookup(pkt.dst);
  if (route === null) return drop(ns, pkt, res, 'no-route', 'no route to host');
  if (ns.trace !== null) ns.trace.emit({ kind: 'route', place: ns.place, dst: pkt.dst, result: route.type === 'local' ? 'local delivery' : `forward via ${route.dev}${route.gateway !== 0 ? ' gw' : ''}` });
  if (route.type === 'local') return localIn(ns, pkt, res);
  if (route.type !== 'unicast') return drop(ns, pkt, res, 'no-route', `route type ${route.type}`);
  if (!ns.sysctl.ipForward) return drop(ns, pkt, res, 'forwarding-disabled', 'net.ipv4.ip_forward=0');
  if (pkt.ttl <= 1) return drop(ns, pkt, res, 'ttl-exceeded', 'TTL expired in transit');
  pkt.ttl--;
  pkt.outDev = route.dev;
  ns.currentNextHop = route.gateway !== 0 ? route.gateway : pkt.dst;
  hookEvent(ns, 'FORWARD');
  if (!filterHook(ns, 'mangle', 'FORWARD', HOOK.mangleForward, pkt, res)) return res;
  if (!filterHook(ns, 'filter', 'FORWARD', HOOK.filterForward, pkt, res)) return res;
  // IPVS (FORWARD, priority 100): replies from real servers get the virtual address back.
  ns.ipvsHooks?.reply(pkt);
  return postrouting(ns, pkt, res, route.dev, ns.currentNextHop);
}

function localIn(ns: NetNamespace, pkt: Packet, res: PathResult): PathResult {
  hookEvent(ns, 'INPUT');
  if (!filterHook(ns, 'mangle', 'INPUT', HOOK.mangleInput, pkt, res)) return res;
  if (!filterHook(ns, 'filter', 'INPUT', HOOK.filterInput, pkt, res)) return res;
  const ipvs = ns.ipvsHooks;
  if (ipvs !== null) {
    // LOCAL_IN 98: replies addressed to this host; 99: requests to virtual services.
    ipvs.reply(pkt);
    const r = ipvs.request(pkt);
    if (r === 'drop') return drop(ns, pkt, res, 'ipvs-no-destination', 'IPVS dropped the packet');
    if (r === 'reject') return rejectAt(ns, pkt, res, 'ipvs/LOCAL_IN');
    if (r === 'forwarded') {
      // ip_vs_nat_xmit: routed to the real server and sent through LOCAL_OUT, then POSTROUTING.
      const route = ns.fib.lookup(pkt.dst);
      if (route === null) return drop(ns, pkt, res, 'no-route', 'IPVS: no route to the real server');
      pkt.outDev = route.type === 'local' ? 'lo' : route.dev;
      ns.currentNextHop = route.gateway !== 0 ? route.gateway : pkt.dst;
      if (ns.trace !== null) ns.trace.emit({ kind: 'route', place: ns.place, dst: pkt.dst, result: `IPVS sends to the real server via ${pkt.outDev}` });
      hookEvent(ns, 'OUTPUT (IPVS)');
      if (!filterHook(ns, 'mangle', 'OUTPUT', HOOK.mangleOutput, pkt, res)) return res;
      if (!filterHook(ns, 'filter', 'OUTPUT', HOOK.filterOutput, pkt, res)) return res;
      const r2 = postrouting(ns, pkt, res, pkt.outDev, ns.currentNextHop);
      if (r2.outcome !== 'transmitted' || pkt.outDev !== 'lo') return r2;
      return receive(ns, pkt, 'lo', res);
    }
  }
  if (!natHook(ns, 'INPUT', HOOK.natInput, MANIP.SRC, pkt, res)) return res;
  if (!confirm(ns, pkt, res)) return res;
  res.outcome = 'delivered';
  if (ns.trace !== null) ns.trace.emit({ kind: 'deliver', place: ns.place, detail: pkt.inner !== null && pkt.proto === 17 ? `handed to the VXLAN socket (UDP ${pkt.dport})` : 'delivered to a local socket' });
  return res;
}

export function postrouting(ns: NetNamespace, pkt: Packet, res: PathResult, dev: string, nextHop: number): PathResult {
  hookEvent(ns, 'POSTROUTING');
  if (!filterHook(ns, 'mangle', 'POSTROUTING', HOOK.manglePostrouting, pkt, res)) return res;
  if (!natHook(ns, 'POSTROUTING', HOOK.natPostrouting, MANIP.SRC, pkt, res)) return res;
  if (!confirm(ns, pkt, res)) return res;
  res.outcome = 'transmitted';
  res.outDev = dev;
  res.nextHop = nextHop;
  if (ns.trace !== null) ns.trace.emit({ kind: 'device', place: ns.place, dev, direction: 'out' });
  return res;
}

/**
 * A packet sent by a local process. `pkt.src` 0 means "let routing choose" (the address on the
 * output device facing the next hop). Packets to a local address loop back into `receive` on lo.
 */
export function output(ns: NetNamespace, pkt: Packet, res: PathResult): PathResult {
  res.reset();
  pkt.inDev = '';
  let route = ns.fib.lookup(pkt.dst);
  if (route === null) return drop(ns, pkt, res, 'no-route', 'no route to host (output)');
  if (pkt.src === 0) pkt.src = route.type === 'local' ? (route.src !== 0 ? route.src : pkt.dst) : route.src !== 0 ? route.src : ns.selectSource(route.dev, route.gateway !== 0 ? route.gateway : pkt.dst);
  pkt.outDev = route.type === 'local' ? 'lo' : route.dev;
  ns.currentNextHop = route.gateway !== 0 ? route.gateway : pkt.dst;
  hookEvent(ns, 'OUTPUT');
  if (!filterHook(ns, 'raw', 'OUTPUT', HOOK.rawOutput, pkt, res)) return res;
  if (!conntrackIn(ns, pkt, res)) return res;
  if (!filterHook(ns, 'mangle', 'OUTPUT', HOOK.mangleOutput, pkt, res)) return res;
  const dstBefore = pkt.dst;
  if (!natHook(ns, 'OUTPUT', HOOK.natOutput, MANIP.DST, pkt, res)) return res;
  const ipvs = ns.ipvsHooks;
  if (ipvs !== null) {
    // LOCAL_OUT -99: replies of local real servers; -98: local processes' requests to services.
    ipvs.reply(pkt);
    const r = ipvs.request(pkt);
    if (r === 'drop') return drop(ns, pkt, res, 'ipvs-no-destination', 'IPVS dropped the packet');
    if (r === 'reject') return rejectAt(ns, pkt, res, 'ipvs/LOCAL_OUT');
  }
  if (!filterHook(ns, 'filter', 'OUTPUT', HOOK.filterOutput, pkt, res)) return res;
  if (pkt.dst !== dstBefore) {
    // ip_route_me_harder: NAT changed the destination, route again.
    route = ns.fib.lookup(pkt.dst);
    if (route === null) return drop(ns, pkt, res, 'no-route', 'no route after DNAT');
    pkt.outDev = route.type === 'local' ? 'lo' : route.dev;
    ns.currentNextHop = route.gateway !== 0 ? route.gateway : pkt.dst;
    if (ns.trace !== null) ns.trace.emit({ kind: 'route', place: ns.place, dst: pkt.dst, result: `rerouted after NAT via ${pkt.outDev}` });
    if (route.type === 'unicast' && (pkt.src >>> 24) === 127 && !ns.sysctl.routeLocalnet) {
      return drop(ns, pkt, res, 'martian-source', 'source 127.0.0.0/8 cannot leave through a non-loopback device (route_localnet=0)');
    }
  }
  const r = postrouting(ns, pkt, res, pkt.outDev, ns.currentNextHop);
  if (r.outcome !== 'transmitted' || pkt.outDev !== 'lo') return r;
  // Local destination: the packet comes back in on lo, still attached to its connection.
  return receive(ns, pkt, 'lo', res);
}
