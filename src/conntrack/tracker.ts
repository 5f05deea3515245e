import { type Clock, formatIpv4, protocolName, type Rng } from '../core/index.js';
import { CT_INFO, isIcmpError, type Packet, TCP_FLAGS } from '../packet/index.js';
import { MANIP, type ManipType, natInitialized, setupNat, type NatRequest } from './nat.js';
import { CT_STATUS, DEFAULT_TIMEOUTS, TCP_STATE, TCP_STATE_NAMES, type ConntrackTimeouts, type TcpState } from './status.js';
import { ConntrackTable } from './table.js';
import { nextTcpState } from './tcp-state.js';

/** Outcome of nf_conntrack_in for a packet. */
export const CT_IN = { ACCEPT: 0, DROP_TABLE_FULL: 1 } as const;

/**
 * Connection tracking for one network namespace: classifies each packet (NEW, ESTABLISHED,
 * RELATED, INVALID, UNTRACKED), applies existing NAT bindings at the NAT hooks, sets up new
 * bindings when the nat table asks, and confirms connections when a packet leaves the stack.
 */
export class Conntrack {
  readonly table: ConntrackTable;
  /** TCP timeout in seconds by state number (NONE and unknown states take CLOSE's), read per packet. */
  private readonly tcpTimeoutByState: Float64Array;

  constructor(
    clock: Clock,
    readonly rng: Rng,
    max = 262144,
    readonly timeouts: ConntrackTimeouts = DEFAULT_TIMEOUTS,
  ) {
    this.table = new ConntrackTable(clock, max, timeouts);
    this.tcpTimeoutByState = new Float64Array(256).fill(timeouts.tcp.CLOSE);
    TCP_STATE_NAMES.forEach((name, state) => {
      if (name !== 'NONE') this.tcpTimeoutByState[state] = timeouts.tcp[name];
    });
  }

  private tcpTimeout(state: number): number {
    return this.tcpTimeoutByState[state & 0xff] as number;
  }

  private tupleOf(pkt: Packet): boolean {
    return pkt.proto === 6 || pkt.proto === 17 || pkt.proto === 132 || (pkt.proto === 1 && (pkt.icmpType === 8 || pkt.icmpType === 0));
  }

  /**
   * nf_conntrack_in: attaches the packet to its connection, creating an unconfirmed one for the
   * first packet. A packet that already carries a connection (looped back from this namespace's
   * own output) or is untracked is left alone.
   */
  inbound(pkt: Packet): number {
    if (pkt.ctInfo === CT_INFO.UNTRACKED) return CT_IN.ACCEPT;
    if (pkt.ctIndex >= 0) return CT_IN.ACCEPT;
    const t = this.table;
    if (pkt.proto === 1 && isIcmpError(pkt.icmpType)) {
      // An error is RELATED to the connection its embedded packet belongs to; the error flows
      // in the direction of the inverse of the embedded tuple.
      const v = t.find(pkt.innerDst, pkt.innerSrc, pkt.innerProto === 1 ? pkt.innerSport : pkt.innerDport, pkt.innerProto === 1 ? pkt.innerDport : pkt.innerSport, pkt.innerProto);
      if (v < 0) {
        pkt.ctInfo = CT_INFO.INVALID;
        return CT_IN.ACCEPT;
      }
      pkt.ctIndex = v >> 1;
      pkt.ctDir = v & 1;
      pkt.ctInfo = CT_INFO.RELATED;
      return CT_IN.ACCEPT;
    }
    if (!this.tupleOf(pkt)) {
      pkt.ctInfo = CT_INFO.INVALID;
      return CT_IN.ACCEPT;
    }
    const sport = pkt.proto === 1 ? pkt.icmpId : pkt.sport;
    const dport = pkt.proto === 1 ? 0 : pkt.dport;
    const v = t.find(pkt.src, pkt.dst, sport, dport, pkt.proto);
    if (v >= 0) {
      const idx = v >> 1;
      const dir = v & 1;
      if (!this.update(idx, dir, pkt)) {
        pkt.ctInfo = CT_INFO.INVALID;
        return CT_IN.ACCEPT;
      }
      pkt.ctIndex = idx;
      pkt.ctDir = dir;
      const st = t.status[idx] as number;
      pkt.ctInfo = dir === 1 || (st & CT_STATUS.SEEN_REPLY) !== 0 ? CT_INFO.ESTABLISHED : CT_INFO.NEW;
      return CT_IN.ACCEPT;
    }
    // A new connection: only packets that may start one do (SYN, or mid-stream with loose tracking; echo requests).
    let tcpState: number = TCP_STATE.NONE;
    if (pkt.proto === 6) {
      tcpState = nextTcpState(TCP_STATE.NONE, pkt.tcpFlags, false);
      if (tcpState < 0) {
        pkt.ctInfo = CT_INFO.INVALID;
        return CT_IN.ACCEPT;
      }
    }
    if (pkt.proto === 1 && pkt.icmpType !== 8) {
      pkt.ctInfo = CT_INFO.INVALID;
      return CT_IN.ACCEPT;
    }
    const timeout = pkt.proto === 6 ? this.tcpTimeout(tcpState) : pkt.proto === 1 ? this.timeouts.icmp : pkt.proto === 17 ? this.timeouts.udp : this.timeouts.generic;
    const idx = t.allocate(pkt.src, pkt.dst, sport, dport, pkt.proto, timeout);
    if (idx < 0) return CT_IN.DROP_TABLE_FULL;
    t.tcpState[idx] = tcpState;
    pkt.ctIndex = idx;
    pkt.ctDir = 0;
    pkt.ctInfo = CT_INFO.NEW;
    return CT_IN.ACCEPT;
  }

  /** Per-packet state and timeout update of an existing connection; false when invalid. */
  private update(idx: number, dir: number, pkt: Packet): boolean {
    const t = this.table;
    let st = t.status[idx] as number;
    const repliedBefore = (st & CT_STATUS.SEEN_REPLY) !== 0;
    if (dir === 1 && !repliedBefore) st |= CT_STATUS.SEEN_REPLY;
    if (pkt.proto === 6) {
      const next = nextTcpState(t.tcpState[idx] as TcpState, pkt.tcpFlags, dir === 1);
      if (next < 0) return false;
      if ((pkt.tcpFlags & TCP_FLAGS.RST) !== 0 && !repliedBefore) {
        // A connection whose only answer is a reset never existed: the kernel kills it at once
        // (the packet itself still passes, with its NAT undone).
        t.status[idx] = st;
        t.expires[idx] = t.clock.nowMs();
        return true;
      }
      t.tcpState[idx] = next;
      if (next === TCP_STATE.ESTABLISHED) st |= CT_STATUS.ASSURED;
      t.refresh(idx, this.tcpTimeout(next));
    } else if (pkt.proto === 17) {
      if ((st & CT_STATUS.SEEN_REPLY) !== 0) {
        st |= CT_STATUS.ASSURED;
        t.refresh(idx, this.timeouts.udpStream);
      } else t.refresh(idx, this.timeouts.udp);
    } else if (pkt.proto === 1) {
      t.refresh(idx, this.timeouts.icmp);
    } else t.refresh(idx, this.timeouts.generic);
    t.status[idx] = st;
    return true;
  }

  /** Whether the nat table must be consulted at a hook of manip type `m` (first packet, binding not yet made). */
  needsNatLookup(pkt: Packet, m: ManipType): boolean {
    if (pkt.ctIndex < 0 || pkt.ctInfo !== CT_INFO.NEW) return false;
    return !natInitialized(this.table, pkt.ctIndex, m);
  }

  /** Sets up a binding for the packet's new connection (DNAT/SNAT/MASQUERADE targets, or a null binding). */
  bind(pkt: Packet, m: ManipType, req: NatRequest): void {
    setupNat(this.table, pkt.ctIndex, m, req, this.rng);
  }

  /**
   * nf_nat_packet: rewrites the packet according to its connection's bindings for manip type `m`.
   * Returns true when the packet changed.
   */
  manip(pkt: Packet, m: ManipType): boolean {
    const idx = pkt.ctIndex;
    if (idx < 0) return false;
    const t = this.table;
    const dir = pkt.ctDir;
    let bit = m === MANIP.SRC ? CT_STATUS.SRC_NAT : CT_STATUS.DST_NAT;
    if (dir === 1) bit = bit === CT_STATUS.SRC_NAT ? CT_STATUS.DST_NAT : CT_STATUS.SRC_NAT;
    if (((t.status[idx] as number) & bit) === 0) return false;
    // The packet must end up as the inverse of the other direction's tuple.
    const oSrc = dir === 0 ? (t.rSrc[idx] as number) : (t.oSrc[idx] as number);
    const oDst = dir === 0 ? (t.rDst[idx] as number) : (t.oDst[idx] as number);
    const oSport = dir === 0 ? (t.rSport[idx] as number) : (t.oSport[idx] as number);
    const oDport = dir === 0 ? (t.rDport[idx] as number) : (t.oDport[idx] as number);
    const icmpError = pkt.proto === 1 && isIcmpError(pkt.icmpType);
    if (m === MANIP.SRC) {
      const addr = oDst;
      const port = pkt.proto === 1 && !icmpError ? oSport : oDport;
      if (icmpError) {
        pkt.src = addr;
        pkt.innerDst = addr;
        if (pkt.innerProto !== 1) pkt.innerDport = port;
      } else {
        pkt.src = addr;
        if (pkt.proto === 1) pkt.icmpId = port;
        else pkt.sport = port;
      }
    } else {
      const addr = oSrc;
      const port = oSport;
      if (icmpError) {
        pkt.dst = addr;
        pkt.innerSrc = addr;
        if (pkt.innerProto !== 1) pkt.innerSport = port;
      } else {
        pkt.dst = addr;
        if (pkt.proto !== 1) pkt.dport = port;
      }
    }
    return true;
  }

  /**
   * What IPVS does with net.ipv4.vs.conntrack=1 (ip_vs_update_conntrack): the new connection's
   * reply tuple is changed to come from the real server, without a NAT binding, so netfilter
   * recognises the replies while IPVS itself rewrites the packets.
   */
  alterReplySource(pkt: Packet, addr: number, port: number): void {
    const idx = pkt.ctIndex;
    if (idx < 0 || pkt.ctDir !== 0) return;
    const t = this.table;
    if (((t.status[idx] as number) & CT_STATUS.CONFIRMED) !== 0) return;
    t.rSrc[idx] = addr >>> 0;
    if (t.proto[idx] !== 1) t.rSport[idx] = port;
  }

  /** Confirms the packet's connection (at the end of POSTROUTING / INPUT). False on a tuple clash. */
  confirm(pkt: Packet): boolean {
    if (pkt.ctIndex < 0 || pkt.ctInfo === CT_INFO.UNTRACKED) return true;
    const ok = this.table.confirm(pkt.ctIndex);
    if (!ok) {
      this.table.free(pkt.ctIndex);
      pkt.ctIndex = -1;
    }
    return ok;
  }

  /** Forgets an unconfirmed connection whose first packet was dropped. */
  abandon(pkt: Packet): void {
    const idx = pkt.ctIndex;
    if (idx >= 0 && ((this.table.status[idx] as number) & CT_STATUS.CONFIRMED) === 0) this.table.free(idx);
  }

  natBits(pkt: Packet): number {
    if (pkt.ctIndex < 0) return 0;
    const st = this.table.status[pkt.ctIndex] as number;
    return ((st & CT_STATUS.SRC_NAT) !== 0 ? 32 : 0) | ((st & CT_STATUS.DST_NAT) !== 0 ? 64 : 0);
  }

  /**
   * `-m conntrack --ctstatus` bits (CT_STATUS_BITS of the netfilter model). A connection without
   * any of them has none: `--ctstatus NONE` is an empty mask and never matches, as in the kernel.
   */
  statusBits(pkt: Packet): number {
    if (pkt.ctIndex < 0) return 0;
    const st = this.table.status[pkt.ctIndex] as number;
    return ((st & CT_STATUS.EXPECTED) !== 0 ? 2 : 0) | ((st & CT_STATUS.SEEN_REPLY) !== 0 ? 4 : 0) | ((st & CT_STATUS.ASSURED) !== 0 ? 8 : 0) | ((st & CT_STATUS.CONFIRMED) !== 0 ? 16 : 0);
  }

  /** One connection in `conntrack -L` style, e.g. `tcp 6 117 SYN_SENT src=... dst=... sport=... dport=... [UNREPLIED] src=... ...`. */
  describe(idx: number): string {
    const t = this.table;
    const p = t.proto[idx] as number;
    const st = t.status[idx] as number;
    const secs = Math.max(0, Math.round(((t.expires[idx] as number) - t.clock.nowMs()) / 1000));
    const name = protocolName(p);
    const state = p === 6 ? ` ${TCP_STATE_NAMES[t.tcpState[idx] as number] ?? 'NONE'}` : '';
    const tuple = (s: number, d: number, sp: number, dp: number) =>
      p === 1 ? `src=${formatIpv4(s)} dst=${formatIpv4(d)} type=8 code=0 id=${sp}` : `src=${formatIpv4(s)} dst=${formatIpv4(d)} sport=${sp} dport=${dp}`;
    const orig = tuple(t.oSrc[idx] as number, t.oDst[idx] as number, t.oSport[idx] as number, t.oDport[idx] as number);
    const reply = tuple(t.rSrc[idx] as number, t.rDst[idx] as number, t.rSport[idx] as number, t.rDport[idx] as number).replace('type=8', 'type=0');
    const unreplied = (st & CT_STATUS.SEEN_REPLY) === 0 ? ' [UNREPLIED]' : '';
    const assured = (st & CT_STATUS.ASSURED) !== 0 ? ' [ASSURED]' : '';
    const mark = t.mark[idx] as number;
    return `${name.padEnd(8)} ${p} ${secs}${state} ${orig}${unreplied} ${reply}${assured} mark=${mark} use=1`;
  }
}
