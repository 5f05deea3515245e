import { CT_INFO, type Packet } from '../../packet/index.js';
import { CT_STATE_BITS, type Match, type PortMatch, type RecentMatch } from '../ast.js';
import type { NetfilterEnv } from '../env.js';

/** Conntrack state bits for a packet's ctinfo, in CT_STATE_BITS terms. */
export function ctStateBit(pkt: Packet): number {
  switch (pkt.ctInfo) {
    case CT_INFO.NEW:
      return CT_STATE_BITS.NEW;
    case CT_INFO.ESTABLISHED:
      return CT_STATE_BITS.ESTABLISHED;
    case CT_INFO.RELATED:
      return CT_STATE_BITS.RELATED;
    case CT_INFO.UNTRACKED:
      return CT_STATE_BITS.UNTRACKED;
    case CT_INFO.INVALID:
    case CT_INFO.NONE:
      return CT_STATE_BITS.INVALID;
    default:
      return CT_STATE_BITS.INVALID;
  }
}

/** The --ctstate bits that come from the connection's NAT status rather than from ctinfo. */
const CT_NAT_STATE_BITS = CT_STATE_BITS.SNAT | CT_STATE_BITS.DNAT;

function portIn(p: PortMatch | undefined, port: number): boolean {
  if (p === undefined) return true;
  return (port >= p.lo && port <= p.hi) !== p.invert;
}

function recentMatch(m: RecentMatch, pkt: Packet, env: NetfilterEnv): boolean {
  // Mirrors xt_recent's recent_mt: start from the inversion and flip it when the test succeeds.
  let ret = m.invert;
  const addr = ((m.side === 'source' ? pkt.src : pkt.dst) & m.mask) >>> 0;
  const list = env.recent.list(m.name);
  const now = env.clock.nowMs();
  if (m.command === 'set') {
    list.touch(addr, now, pkt.ttl);
    return !ret;
  }
  const e = list.get(addr);
  if (e === undefined) return ret;
  if (m.command === 'remove') {
    list.remove(addr);
    return !ret;
  }
  if (m.rttl && pkt.ttl !== e.ttl) return ret;
  if (m.seconds > 0 || m.hitcount > 0) {
    const cutoff = now - m.seconds * 1000;
    let hits = 0;
    for (let i = 0; i < e.stamps.length; i++) {
      const stamp = e.stamps[i] as number;
      if (m.seconds === 0 || stamp > cutoff) {
        if (++hits >= m.hitcount) {
          ret = !ret;
          break;
        }
      }
    }
    // --reap forgets an address whose newest sighting is older than the window.
    if (m.reap && m.seconds > 0 && e.lastSeen <= cutoff) list.remove(addr);
  } else {
    ret = !ret;
  }
  if (m.command === 'update' && ret !== m.invert) list.touch(addr, now, pkt.ttl);
  return ret;
}

/**
 * Evaluates one extension match against a packet. `nth` holds the per-rule counters of
 * `-m statistic --mode nth` (indexed by `nthSlot`), which live with the compiled table as in
 * the kernel.
 */
export function evalMatch(m: Match, pkt: Packet, env: NetfilterEnv, nth: Int32Array, nthSlot: number): boolean {
  // Cases in the order kube-proxy's and flannel's rules use them most: a switch over strings
  // compares the kind case by case.
  switch (m.kind) {
    case 'comment':
      return true;
    case 'conntrack': {
      if (m.ctstate !== undefined) {
        const want = m.ctstate.bits;
        // The connection's SNAT/DNAT bits are looked up only when the match asks for them: bits
        // outside `want` cannot change the test (kube-proxy's NEW / RELATED,ESTABLISHED never do).
        const natBits = (want & CT_NAT_STATE_BITS) === 0 || pkt.ctInfo === CT_INFO.UNTRACKED || pkt.ctIndex < 0 ? 0 : env.ctNatBits(pkt);
        if ((((ctStateBit(pkt) | natBits) & want) !== 0) === m.ctstate.invert) return false;
      }
      // xt_conntrack: a packet without a connection (untracked, invalid) is judged by --ctstate
      // alone; without that option it never matches, whatever --ctstatus or --ctdir say.
      if (pkt.ctIndex < 0) return m.ctstate !== undefined;
      if (m.ctstatus !== undefined) {
        if (((env.ctStatusBits(pkt) & m.ctstatus.bits) !== 0) === m.ctstatus.invert) return false;
      }
      if (m.ctdir !== undefined) {
        if ((pkt.ctDir === 0) !== (m.ctdir === 'ORIGINAL')) return false;
      }
      return true;
    }
    case 'mark':
      return (((pkt.mark & m.mask) >>> 0) === m.value >>> 0) !== m.invert;
    case 'statistic': {
      if (m.mode === 'random') return env.chance(m.probabilityU31) !== m.invert;
      // The kernel keeps a counter per rule that wraps at every-1 and matches when it wraps to 0.
      const c = nth[nthSlot] as number;
      const next = c >= m.every - 1 ? 0 : c + 1;
      nth[nthSlot] = next;
      return (next === 0) !== m.invert;
    }
    case 'tcp':
      if (pkt.proto !== 6) return false;
      if (!portIn(m.sport, pkt.sport) || !portIn(m.dport, pkt.dport)) return false;
      if (m.flags !== undefined && ((pkt.tcpFlags & m.flags.mask) === m.flags.comp) === m.flags.invert) return false;
      return true;
    case 'addrtype': {
      if (m.srcType !== undefined) {
        const t = m.limitIfaceIn ? env.addrTypeOnDevice(pkt.src, pkt.inDev) : m.limitIfaceOut ? env.addrTypeOnDevice(pkt.src, pkt.outDev) : env.addrType(pkt.src);
        if (((t & m.srcType.bits) !== 0) === m.srcType.invert) return false;
      }
      if (m.dstType !== undefined) {
        const t = m.limitIfaceIn ? env.addrTypeOnDevice(pkt.dst, pkt.inDev) : m.limitIfaceOut ? env.addrTypeOnDevice(pkt.dst, pkt.outDev) : env.addrType(pkt.dst);
        if (((t & m.dstType.bits) !== 0) === m.dstType.invert) return false;
      }
      return true;
    }
    case 'nfacct':
      env.nfacctHit(m.name, pkt.length);
      return true;
    case 'udp':
      return pkt.proto === 17 && portIn(m.sport, pkt.sport) && portIn(m.dport, pkt.dport);
    case 'set':
      return env.setTest(m, pkt) !== m.invert;
    case 'state':
      return ((ctStateBit(pkt) & m.state.bits) !== 0) !== m.state.invert;
    case 'connmark':
      return (((env.ctMark(pkt) & m.mask) >>> 0) === m.value >>> 0) !== m.invert;
    case 'multiport': {
      if (pkt.proto !== 6 && pkt.proto !== 17 && pkt.proto !== 132) return false;
      let hit = false;
      for (let i = 0; i < m.ports.length && !hit; i++) {
        const r = m.ports[i];
        if (r === undefined) continue;
        if ((m.direction !== 'dst' && pkt.sport >= r.lo && pkt.sport <= r.hi) || (m.direction !== 'src' && pkt.dport >= r.lo && pkt.dport <= r.hi)) hit = true;
      }
      return hit !== m.invert;
    }
    case 'sctp':
      return pkt.proto === 132 && portIn(m.sport, pkt.sport) && portIn(m.dport, pkt.dport);
    case 'icmp': {
      if (pkt.proto !== 1) return false;
      const hit = m.type === 255 || (pkt.icmpType === m.type && pkt.icmpCode >= m.codeLo && pkt.icmpCode <= m.codeHi);
      return hit !== m.invert;
    }
    case 'recent':
      return recentMatch(m, pkt, env);
    default: {
      const never: never = m;
      return never;
    }
  }
}
