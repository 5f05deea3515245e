import type { Clock } from '../core/index.js';
import type { Packet } from '../packet/index.js';
import { ConnTable } from './conn-table.js';
import type { IpvsConntrackHook } from './conntrack-hook.js';
import type { Dest } from './dest.js';
import { D_ACTIVE, D_ADDR, D_FLAGS, D_INACTIVE, D_MASQ, D_PERSIST, D_PORT, D_REFCNT, D_UTHRESHOLD, DEST_STRIDE, D_CONNS } from './dest-store.js';
import { DIR_INPUT, DIR_INPUT_ONLY, DIR_OUTPUT, nextTcpState, ProtoTimeouts, TCP_S } from './proto-state.js';
import { DEFAULT_SCHEDULER_OPTIONS, type SchedulerOptions } from './schedulers/index.js';
import type { VirtualService } from './service.js';
import { rrInline, rrInlineApplies } from './rr-inline.js';
import { S_FLAGS, S_PORT, SVC_STRIDE } from './service-store.js';
import { IpvsTables } from './tables.js';
import { CONN_FLAGS, DEST_FLAGS, SVC_FLAGS } from './types.js';
import { IpvsVerdict } from './verdict.js';

/** sysctls and build options of the modelled IPVS (net.ipv4.vs.*, CONFIG_IP_VS_*). */
export interface IpvsOptions {
  readonly clock: Clock;
  /** conn_tab_bits: ipvsadm shows `size=2^bits`; default 12 (4096). */
  readonly connTabBits?: number;
  /** expire_nodest_conn (kernel default 0; kube-proxy sets 1). */
  readonly expireNodestConn?: boolean;
  /** expire_quiescent_template (kernel default 0; kube-proxy sets 1). */
  readonly expireQuiescentTemplate?: boolean;
  /** conn_reuse_mode (default 1). */
  readonly connReuseMode?: number;
  /**
   * conntrack (default 0; kube-proxy sets 1). With it, a packet of a flow IPVS reschedules is
   * dropped while the old conntrack entry lives (ip_vs_conn_uses_old_conntrack is taken as true),
   * which is the source of kube-proxy's one-second SYN retransmit on port reuse.
   */
  readonly conntrack?: boolean;
  readonly scheduler?: Partial<SchedulerOptions>;
  readonly conntrackHook?: IpvsConntrackHook;
}

const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_SCTP = 132;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;

/**
 * The kernel's IPVS state of one network namespace: virtual services in an open-addressing table
 * keyed by (protocol, address, port), their real servers and schedulers, and the connection table
 * with per-protocol state machines, timeouts, persistence templates and the counters schedulers
 * read. {@link schedule} is ip_vs_in for a packet addressed to a local VIP; {@link reply} is
 * ip_vs_out for a real server's answer. Time comes from the injected clock; connections expire
 * lazily when time is read (before every packet decision and in {@link expire}), each timer
 * firing at its own expiry time.
 *
 * Simplifications: SCTP has one established-like state and any SCTP packet may start a
 * connection (kpemu's packets carry no SCTP chunk types); fwmark services, the FTP helper,
 * one-packet scheduling and the sync daemon are not modelled.
 */
export class Ipvs extends IpvsTables {
  readonly clock: Clock;
  readonly timeouts = new ProtoTimeouts();
  readonly conns = new ConnTable(1024);
  readonly connTabSize: number;
  expireNodestConn: boolean;
  expireQuiescentTemplate: boolean;
  connReuseMode: number;
  conntrack: boolean;
  private readonly hook: IpvsConntrackHook | null;
  /** The verdict of the latest packet (reused). */
  readonly verdict = new IpvsVerdict((id) => this.destById(id));

  constructor(options: IpvsOptions) {
    super({ ...DEFAULT_SCHEDULER_OPTIONS, ...options.scheduler });
    this.clock = options.clock;
    this.connTabSize = 1 << (options.connTabBits ?? 12);
    this.expireNodestConn = options.expireNodestConn === true;
    this.expireQuiescentTemplate = options.expireQuiescentTemplate === true;
    this.connReuseMode = options.connReuseMode ?? 1;
    this.conntrack = options.conntrack === true;
    this.hook = options.conntrackHook ?? null;
  }

  /** `ipvsadm --set tcp tcpfin udp` (seconds; 0 keeps a value). */
  setTimeouts(tcp: number, tcpFin: number, udp: number): void {
    this.timeouts.set(tcp, tcpFin, udp);
  }

  // --- connections ---------------------------------------------------------------------------

  private stateTimeoutMs(proto: number, state: number): number {
    if (proto === IPPROTO_TCP) return (this.timeouts.tcp[state] as number) * 1000;
    if (proto === IPPROTO_UDP) return this.timeouts.udp * 1000;
    return this.timeouts.sctp * 1000;
  }

  /** Restarts the connection timer at now + its timeout (ip_vs_conn_put). */
  private touch(i: number, now: number): void {
    const c = this.conns;
    const exp = now + (c.timeout[i] as number);
    c.expires[i] = exp;
    if (exp < (this.queued[i] ?? Infinity)) {
      this.queued[i] = exp;
      c.heap.push(exp, i, c.gen[i] as number);
    }
  }

  /** Earliest heap entry per slot: only that one is live, older ones are dropped when popped. */
  private queued: Float64Array = new Float64Array(1024);

  private ensureQueued(i: number): void {
    if (i < this.queued.length) return;
    let n = this.queued.length;
    while (n <= i) n *= 2;
    const q = new Float64Array(n);
    q.set(this.queued);
    this.queued = q;
  }

  /**
   * ip_vs_conn_new + ip_vs_bind_dest, to destination id `dest` for service id `svc`. Reads and
   * writes the destination's store record only (its object is not visited on this path).
   */
  private newConn(proto: number, caddr: number, cport: number, vaddr: number, vport: number, dest: number, dport: number, flags: number, svc: number): number {
    const c = this.conns;
    const ds = this.destStore.f64;
    const db = dest * DEST_STRIDE;
    const i = c.alloc();
    this.ensureQueued(i);
    this.queued[i] = Infinity;
    c.proto[i] = proto;
    c.caddr[i] = caddr;
    c.cport[i] = cport;
    c.vaddr[i] = vaddr;
    c.vport[i] = vport;
    c.daddr[i] = ds[db + D_ADDR] as number;
    c.dport[i] = dport;
    c.svc[i] = svc;
    c.state[i] = 0;
    c.timeout[i] = 3000;
    // Destinations start connections inactive; non-NAT forwarding sees no replies (NOOUTPUT).
    const destFlags = CONN_FLAGS.INACTIVE | (ds[db + D_MASQ] === 1 ? 0 : CONN_FLAGS.NOOUTPUT);
    const f = flags | destFlags;
    c.flags[i] = f;
    c.dest[i] = dest;
    ds[db + D_REFCNT] = (ds[db + D_REFCNT] as number) + 1;
    if (f & CONN_FLAGS.TEMPLATE) ds[db + D_PERSIST] = (ds[db + D_PERSIST] as number) + 1;
    else if (f & CONN_FLAGS.INACTIVE) ds[db + D_INACTIVE] = (ds[db + D_INACTIVE] as number) + 1;
    else ds[db + D_ACTIVE] = (ds[db + D_ACTIVE] as number) + 1;
    const uth = ds[db + D_UTHRESHOLD] as number;
    if (uth !== 0 && (ds[db + D_ACTIVE] as number) + (ds[db + D_INACTIVE] as number) >= uth) ds[db + D_FLAGS] = (ds[db + D_FLAGS] as number) | DEST_FLAGS.OVERLOAD;
    c.hash(i, f & CONN_FLAGS.TEMPLATE ? 1 : 0);
    return i;
  }

  /** ip_vs_unbind_dest. */
  private unbindDest(i: number): void {
    const c = this.conns;
    const dest = this.dests[c.dest[i] as number];
    if (dest === null || dest === undefined) return;
    const f = c.flags[i] as number;
    if (f & CONN_FLAGS.TEMPLATE) dest.persistConns--;
    else if (f & CONN_FLAGS.INACTIVE) dest.inactConns--;
    else dest.activeConns--;
    if (dest.lThreshold !== 0) {
      if (dest.totalConns < dest.lThreshold) dest.flags &= ~DEST_FLAGS.OVERLOAD;
    } else if (dest.uThreshold !== 0) {
      if (dest.totalConns * 4 < dest.uThreshold * 3) dest.flags &= ~DEST_FLAGS.OVERLOAD;
    } else dest.flags &= ~DEST_FLAGS.OVERLOAD;
    dest.refcnt--;
    c.dest[i] = -1;
    if (dest.inTrash && dest.refcnt === 0) this.freeDest(dest);
  }

  /**
   * ip_vs_conn_expire for slot `i`, its timer firing at `at` (ms). Timers are run lazily, so `at`
   * may lie before the clock's present; later timers are computed from it as the kernel's would.
   */
  private expireConn(i: number, at: number): void {
    const c = this.conns;
    if ((c.nControl[i] as number) > 0) {
      // Still controls connections: try again in a minute.
      c.timeout[i] = 60_000;
      this.touch(i, at);
      return;
    }
    const f = c.flags[i] as number;
    const kind = f & CONN_FLAGS.TEMPLATE ? 1 : 0;
    c.unhash(i, kind);
    const ct = c.control[i] as number;
    if (ct >= 0) {
      const forced = c.timeout[i] === 0;
      c.nControl[ct] = (c.nControl[ct] as number) - 1;
      c.control[i] = -1;
      // A connection expired on purpose drops its template too when nothing else uses it.
      if (forced && c.nControl[ct] === 0 && c.live[ct] === 1) this.expireNow(ct, at);
    }
    if (kind === 0 && this.hook !== null) {
      this.hook.onExpire(c.proto[i] as number, c.caddr[i] as number, c.cport[i] as number, c.vaddr[i] as number, c.vport[i] as number, c.daddr[i] as number, c.dport[i] as number);
    }
    this.unbindDest(i);
    c.release(i);
    this.queued[i] = Infinity;
  }

  /** ip_vs_conn_expire_now. */
  private expireNow(i: number, now: number): void {
    this.conns.timeout[i] = 0;
    this.conns.expires[i] = now;
    this.expireConn(i, now);
  }

  /**
   * Drops every connection and persistence template (ip_vs_conn_flush, as when the module goes
   * away), updating the destinations' counters; used to start an experiment from a clean state.
   */
  flushConnections(): void {
    const now = this.clock.nowMs();
    const live: number[] = [];
    this.conns.forEach((i) => live.push(i));
    // Children before templates: a template is only released once no connection refers to it.
    for (const i of live) if (((this.conns.flags[i] as number) & CONN_FLAGS.TEMPLATE) === 0 && this.conns.live[i] === 1) this.expireNow(i, now);
    for (const i of live) if (this.conns.live[i] === 1) this.expireNow(i, now);
  }

  /** Runs every connection timer due at the current time. */
  expire(): void {
    this.expireDue(this.clock.nowMs());
  }

  private expireDue(now: number): void {
    const c = this.conns;
    const heap = c.heap;
    while (heap.peekTime() <= now) {
      const t = heap.pop();
      const i = heap.poppedIndex;
      if (c.live[i] !== 1 || c.gen[i] !== heap.poppedGen || this.queued[i] !== t) continue;
      this.queued[i] = Infinity;
      const exp = c.expires[i] as number;
      if (exp > now) {
        this.queued[i] = exp;
        heap.push(exp, i, c.gen[i] as number);
        continue;
      }
      this.expireConn(i, exp);
    }
  }

  /** ip_vs_set_state: protocol state transition and the active/inactive counters. */
  private setState(i: number, dir: number, pkt: Packet): void {
    const c = this.conns;
    const proto = c.proto[i] as number;
    if (proto !== IPPROTO_TCP) {
      c.timeout[i] = this.stateTimeoutMs(proto, 0);
      return;
    }
    let f = c.flags[i] as number;
    let d = dir;
    if (f & CONN_FLAGS.NOOUTPUT) {
      if (dir === DIR_OUTPUT) {
        f &= ~CONN_FLAGS.NOOUTPUT;
        c.flags[i] = f;
      } else d = DIR_INPUT_ONLY;
    }
    const old = c.state[i] as number;
    const next = nextTcpState(old, d, pkt.tcpFlags);
    if (next !== old) {
      // The destination's record is only visited when its active/inactive counters move.
      const destId = c.dest[i] as number;
      const toInactive = !(f & CONN_FLAGS.INACTIVE) && next !== TCP_S.ESTABLISHED;
      const toActive = (f & CONN_FLAGS.INACTIVE) !== 0 && next === TCP_S.ESTABLISHED;
      if ((toInactive || toActive) && this.dests[destId] !== null && this.dests[destId] !== undefined) {
        const ds = this.destStore.f64;
        const db = destId * DEST_STRIDE;
        const delta = toActive ? 1 : -1;
        ds[db + D_ACTIVE] = (ds[db + D_ACTIVE] as number) + delta;
        ds[db + D_INACTIVE] = (ds[db + D_INACTIVE] as number) - delta;
        c.flags[i] = toActive ? f & ~CONN_FLAGS.INACTIVE : f | CONN_FLAGS.INACTIVE;
      }
    }
    c.state[i] = next;
    c.timeout[i] = this.stateTimeoutMs(proto, next);
  }

  /** ip_vs_check_template: false (and the template unhashed) when its destination can no longer take clients. */
  private templateUsable(ct: number): boolean {
    const c = this.conns;
    const dest = this.dests[c.dest[ct] as number];
    if (dest !== null && dest !== undefined && dest.available && !(this.expireQuiescentTemplate && dest.weight === 0)) return true;
    c.unhash(ct, 1);
    return false;
  }

  /** ip_vs_sched_persist: reuse or create the client's template, then a connection under it. */
  private schedulePersistent(svc: VirtualService, pkt: Packet, now: number): number {
    const c = this.conns;
    const snet = (pkt.src & svc.netmask) >>> 0;
    // Port services key templates by their port; port-0 services by port 0.
    const vport = pkt.dport === svc.port ? svc.port : 0;
    let ct = c.lookupIn(1, pkt.proto, snet, 0, pkt.dst, vport);
    this.verdict.probes += c.lastProbes;
    let dest: Dest | null;
    if (ct < 0 || !this.templateUsable(ct)) {
      dest = svc.scheduler.schedule(svc, pkt);
      if (dest === null) return -1;
      const tport = pkt.dport === svc.port ? dest.port : 0;
      ct = this.newConn(pkt.proto, snet, 0, pkt.dst, vport, dest.id, tport, CONN_FLAGS.TEMPLATE, svc.id);
      c.timeout[ct] = svc.timeout * 1000;
    } else {
      dest = this.dests[c.dest[ct] as number] as Dest;
    }
    const dport = pkt.dport === svc.port && dest.port !== 0 ? dest.port : pkt.dport;
    const i = this.newConn(pkt.proto, pkt.src, pkt.sport, pkt.dst, pkt.dport, dest.id, dport, 0, svc.id);
    c.control[i] = ct;
    c.nControl[ct] = (c.nControl[ct] as number) + 1;
    this.touch(ct, now);
    return i;
  }

  /**
   * ip_vs_schedule for a non-persistent service `id`. An rr service whose destinations fit its
   * store record is scheduled inline over the records ({@link rrInline}); any other runs its
   * scheduler object.
   */
  private scheduleOne(id: number, pkt: Packet): number {
    const svcs = this.serviceStore.i32;
    if (pkt.dport !== svcs[id * SVC_STRIDE + S_PORT]) return -1; // port zero only works persistent
    let dest: number;
    if (this.inlineRr && rrInlineApplies(svcs, id)) dest = rrInline(svcs, this.destStore.f64, id);
    else {
      const svc = this.services[id] as VirtualService;
      dest = svc.scheduler.schedule(svc, pkt)?.id ?? -1;
    }
    if (dest < 0) return -1;
    const port = this.destStore.f64[dest * DEST_STRIDE + D_PORT] as number;
    return this.newConn(pkt.proto, pkt.src, pkt.sport, pkt.dst, pkt.dport, dest, port !== 0 ? port : pkt.dport, 0, id);
  }

  /**
   * Whether rr services are scheduled inline over the store records (the default) or always by
   * their RoundRobin object; the two make the same choices (tests compare them).
   */
  inlineRr = true;

  /**
   * ip_vs_in for a packet addressed to this host (a VIP on kube-ipvs0 or a node IP): finds its
   * connection or schedules a new one. The result is in {@link verdict} (also returned); the packet
   * is not modified. Allocation-free (tables grow in amortised steps).
   */
  schedule(pkt: Packet): IpvsVerdict {
    const v = this.verdict.reset();
    const proto = pkt.proto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_SCTP) return v;
    const now = this.clock.nowMs();
    this.expireDue(now);
    const c = this.conns;
    let i = c.lookupIn(0, proto, pkt.src, pkt.sport, pkt.dst, pkt.dport);
    v.probes += c.lastProbes;
    if (i >= 0 && this.connReuseMode !== 0 && proto === IPPROTO_TCP && pkt.tcpFlags & TCP_SYN) {
      const dest = this.dests[c.dest[i] as number];
      let resched = false;
      if (this.expireNodestConn && dest !== null && dest !== undefined && dest.weight === 0) resched = true;
      else if (this.newConnExpected(i)) resched = c.nControl[i] === 0 || !this.conntrack;
      if (resched) {
        if (c.nControl[i] === 0) this.expireNow(i, now);
        if (this.conntrack) {
          v.kind = 'dropped';
          v.reason = 'conn-reuse';
          return v;
        }
        i = -1;
      }
    }
    if (i >= 0) {
      const dest = this.dests[c.dest[i] as number];
      if (dest !== null && dest !== undefined && !dest.available) {
        if (!this.expireNodestConn) {
          v.kind = 'dropped';
          v.reason = 'dest-unavailable';
          v.conn = i;
          return v;
        }
        this.expireNow(i, now);
        if (this.conntrack) {
          v.kind = 'dropped';
          v.reason = 'dest-unavailable';
          return v;
        }
        i = -1;
      }
    }
    if (i >= 0) {
      this.setState(i, DIR_INPUT, pkt);
      this.touch(i, now);
      v.kind = 'hit';
      this.fillConn(i);
      return v;
    }
    const id = this.lookupServiceId(proto, pkt.dst, pkt.dport);
    v.probes += this.lastServiceProbes;
    if (id < 0) return v;
    v.service = id;
    // tcp_conn_schedule: only a SYN (without RST) starts a connection.
    if (proto === IPPROTO_TCP && ((pkt.tcpFlags & TCP_SYN) === 0 || (pkt.tcpFlags & TCP_RST) !== 0)) {
      v.kind = 'not-scheduled';
      return v;
    }
    const persistent = ((this.serviceStore.i32[id * SVC_STRIDE + S_FLAGS] as number) & SVC_FLAGS.PERSISTENT) !== 0;
    i = persistent ? this.schedulePersistent(this.services[id] as VirtualService, pkt, now) : this.scheduleOne(id, pkt);
    if (i < 0) {
      v.kind = 'no-destination';
      return v;
    }
    this.serviceStore.countConn(id);
    const ds = this.destStore.f64;
    const db = (c.dest[i] as number) * DEST_STRIDE;
    ds[db + D_CONNS] = (ds[db + D_CONNS] as number) + 1;
    this.setState(i, DIR_INPUT, pkt);
    this.touch(i, now);
    v.kind = 'new';
    this.fillConn(i);
    if (this.hook !== null) this.hook.onNat(pkt, v.destAddr, v.destPort);
    return v;
  }

  /** is_new_conn_expected: a SYN on a finished TCP connection starts over (conn_reuse_mode). */
  private newConnExpected(i: number): boolean {
    const c = this.conns;
    if ((c.control[i] as number) >= 0) return false;
    const st = c.state[i] as number;
    return st === TCP_S.TIME_WAIT || ((this.connReuseMode & 2) !== 0 && st === TCP_S.FIN_WAIT && ((c.flags[i] as number) & CONN_FLAGS.NOOUTPUT) !== 0);
  }

  private fillConn(i: number): void {
    const c = this.conns;
    const v = this.verdict;
    v.conn = i;
    v.service = c.svc[i] as number;
    v.destId = c.dest[i] as number;
    v.destAddr = c.daddr[i] as number;
    v.destPort = c.dport[i] as number;
    v.virtAddr = c.vaddr[i] as number;
    v.virtPort = c.vport[i] as number;
  }

  /**
   * ip_vs_out for a packet from a real server: when it answers an IPVS connection, the verdict is
   * `hit` with the virtual address/port the reply must be SNATed back to; otherwise `no-service`.
   */
  reply(pkt: Packet): IpvsVerdict {
    const v = this.verdict.reset();
    const proto = pkt.proto;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_SCTP) return v;
    const now = this.clock.nowMs();
    this.expireDue(now);
    const i = this.conns.lookupOut(proto, pkt.src, pkt.sport, pkt.dst, pkt.dport);
    v.probes += this.conns.lastProbes;
    if (i < 0) return v;
    this.setState(i, DIR_OUTPUT, pkt);
    this.touch(i, now);
    v.kind = 'hit';
    this.fillConn(i);
    return v;
  }

  /** Connections (templates excluded) currently held. */
  connectionCount(): number {
    let n = 0;
    this.conns.forEach((i) => {
      if (!((this.conns.flags[i] as number) & CONN_FLAGS.TEMPLATE)) n++;
    });
    return n;
  }
}
