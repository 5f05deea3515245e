import { formatIpv4 } from '../core/index.js';
import { Ipvs, type IpvsConntrackHook, type IpvsOptions } from '../ipvs/index.js';
import type { Packet } from '../packet/index.js';
import type { NetNamespace } from './netns.js';

/** What an IPVS hook decided about a request. */
export type IpvsRequestDecision = 'continue' | 'forwarded' | 'drop' | 'reject';

/**
 * IPVS in one namespace, hooked where the kernel hooks it (ip_vs_core.c): requests at LOCAL_IN
 * (priority 99) and LOCAL_OUT (-98), replies at LOCAL_IN (98), LOCAL_OUT (-99) and FORWARD (100).
 * With net.ipv4.vs.conntrack=1 the netfilter connection of a scheduled flow expects its replies
 * from the real server, and IPVS rewrites every packet itself: requests to the real server,
 * replies back to the virtual address.
 */
export class IpvsHooks {
  readonly ipvs: Ipvs;

  constructor(
    private readonly ns: NetNamespace,
    options: Omit<IpvsOptions, 'clock' | 'conntrackHook'> = {},
  ) {
    const hook: IpvsConntrackHook = {
      onNat: (pkt, daddr, dport) => ns.conntrack.alterReplySource(pkt, daddr, dport),
      onExpire: () => undefined,
    };
    this.ipvs = new Ipvs({ ...options, clock: ns.clock, conntrackHook: hook, conntrack: true });
  }

  /** ip_vs_in_hook: a packet for a local address (a VIP on kube-ipvs0, a node IP) or from a local process. */
  request(pkt: Packet): IpvsRequestDecision {
    const v = this.ns.chooser === null ? this.ipvs.schedule(pkt) : this.scheduleExploring(pkt, this.ns.chooser);
    switch (v.kind) {
      case 'no-service':
      case 'not-scheduled':
        return 'continue';
      case 'no-destination':
        this.note(`${describe(pkt)}: virtual service has no usable real server (ICMP port unreachable)`);
        return 'reject';
      case 'dropped':
        this.note(`${describe(pkt)}: dropped (${v.reason})`);
        return 'drop';
      case 'hit':
      case 'new': {
        const tracing = this.ns.trace !== null;
        const before = tracing ? describe(pkt) : '';
        const vip = tracing ? { addr: pkt.dst, port: pkt.dport } : null;
        pkt.dst = v.destAddr;
        pkt.dport = v.destPort;
        if (this.ns.trace !== null && vip !== null) {
          this.note(`${v.kind === 'new' ? 'scheduled new connection' : 'existing connection'} ${before} → real server ${formatIpv4(v.destAddr)}:${v.destPort} (Masq)`);
          this.ns.trace.emit({ kind: 'nat', place: this.ns.place, nat: 'ipvs', before: vip, after: { addr: v.destAddr, port: v.destPort } });
        }
        return 'forwarded';
      }
      default: {
        const never: never = v.kind;
        return never;
      }
    }
  }

  /**
   * While every outcome is being enumerated, rr and wrr choose among the usable real servers with
   * probability proportional to their weights (their long-run share of new connections) through
   * the explorer's decisions; the other schedulers decide as they would (sh/dh/mh hash the
   * client, the lc family picks by load), so their outcome is the one they really take.
   */
  private scheduleExploring(pkt: Packet, choose: (probabilityU31: number) => boolean) {
    const svc = this.ipvs.findService(pkt.proto, pkt.dst, pkt.dport);
    if (svc === undefined || (svc.scheduler.name !== 'rr' && svc.scheduler.name !== 'wrr')) return this.ipvs.schedule(pkt);
    const real = svc.scheduler;
    svc.scheduler = {
      name: real.name,
      destAdded: () => undefined,
      destRemoved: () => undefined,
      destUpdated: () => undefined,
      schedule: (s) => {
        const usable = s.dests.filter((d) => d.weight > 0 && d.available && !d.overloaded);
        let remaining = usable.reduce((n, d) => n + d.weight, 0);
        for (let i = 0; i < usable.length - 1; i++) {
          const d = usable[i] as (typeof usable)[number];
          if (choose((d.weight / remaining) * 2147483648)) return d;
          remaining -= d.weight;
        }
        return usable[usable.length - 1] ?? null;
      },
    };
    try {
      return this.ipvs.schedule(pkt);
    } finally {
      svc.scheduler = real;
    }
  }

  /** ip_vs_out_hook: a reply from a real server gets the virtual address back as its source. */
  reply(pkt: Packet): void {
    const v = this.ipvs.reply(pkt);
    if (v.kind !== 'hit') return;
    const before = this.ns.trace !== null ? describe(pkt) : '';
    pkt.src = v.virtAddr;
    pkt.sport = v.virtPort;
    if (this.ns.trace !== null) this.note(`reply ${before} → source ${formatIpv4(v.virtAddr)}:${v.virtPort}`);
  }

  private note(detail: string): void {
    if (this.ns.trace !== null) this.ns.trace.emit({ kind: 'ipvs', place: this.ns.place, detail });
  }
}

function describe(pkt: Packet): string {
  return `${formatIpv4(pkt.src)}:${pkt.sport} → ${formatIpv4(pkt.dst)}:${pkt.dport}`;
}
