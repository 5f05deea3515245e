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
    const v = this.ipvs.schedule(pkt);
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
        const before = describe(pkt);
        pkt.dst = v.destAddr;
        pkt.dport = v.destPort;
        if (this.ns.trace !== null) {
          this.note(`${v.kind === 'new' ? 'scheduled new connection' : 'existing connection'} ${before} → real server ${formatIpv4(v.destAddr)}:${v.destPort} (Masq)`);
          this.ns.trace.emit({ kind: 'nat', place: this.ns.place, nat: 'ipvs', before: { addr: 0, port: 0 }, after: { addr: v.destAddr, port: v.destPort } });
        }
        return 'forwarded';
      }
      default: {
        const never: never = v.kind;
        return never;
      }
    }
  }

  /** ip_vs_out_hook: a reply from a real server gets the virtual address back as its source. */
  reply(pkt: Packet): void {
    const v = this.ipvs.reply(pkt);
    if (v.kind !== 'hit') return;
    const before = describe(pkt);
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
