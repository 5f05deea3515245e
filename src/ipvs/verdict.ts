import type { Dest } from './dest.js';

/**
 * What IPVS did with a packet:
 * - `no-service`: no virtual service (or not TCP/UDP/SCTP); the packet continues untouched.
 * - `hit`: it belongs to an existing connection; NAT it to the connection's real server
 *   (requests) or back to the virtual address (replies).
 * - `new`: a new connection was scheduled to a real server; NAT as for `hit`.
 * - `no-destination`: the service has no usable real server; the kernel answers ICMP port
 *   unreachable (whatever the protocol) and drops the packet.
 * - `not-scheduled`: a TCP packet without SYN and without a connection; IPVS lets it pass (the
 *   local stack will answer it, typically with a RST).
 * - `dropped`: IPVS dropped it (see `reason`).
 */
export type IpvsVerdictKind = 'no-service' | 'hit' | 'new' | 'no-destination' | 'not-scheduled' | 'dropped';

export type IpvsDropReason =
  | 'none'
  /** The connection's real server was deleted (expire_nodest_conn decides what happens next). */
  | 'dest-unavailable'
  /** A SYN reused a TIME_WAIT connection's tuple while conntrack still holds the old flow (conn_reuse_mode). */
  | 'conn-reuse';

/**
 * The result of {@link Ipvs.schedule} / {@link Ipvs.reply}, one object reused for every packet so the
 * hot path allocates nothing. Addresses are uint32 host order.
 */
export class IpvsVerdict {
  /**
   * @param destById how the connection's destination object is found, only when {@link dest} is
   * read (the packet path does not visit the destination table).
   */
  constructor(private readonly destById: (id: number) => Dest | null = () => null) {}

  kind: IpvsVerdictKind = 'no-service';
  reason: IpvsDropReason = 'none';
  /** Connection slot, -1 when none. */
  conn = -1;
  /** Service id, -1 when none. */
  service = -1;
  /** Destination id of the connection, -1 when none. */
  destId = -1;
  /** Where a request goes (real server); valid for hit/new on requests. */
  destAddr = 0;
  destPort = 0;
  /** The virtual address/port a reply must appear to come from; valid for hit on replies. */
  virtAddr = 0;
  virtPort = 0;
  /** Table slots probed by this decision (connection lookup + service lookup). */
  probes = 0;

  /** The connection's destination, or null. */
  get dest(): Dest | null {
    return this.destId < 0 ? null : this.destById(this.destId);
  }

  reset(): this {
    this.kind = 'no-service';
    this.reason = 'none';
    this.conn = -1;
    this.service = -1;
    this.destId = -1;
    this.destAddr = 0;
    this.destPort = 0;
    this.virtAddr = 0;
    this.virtPort = 0;
    this.probes = 0;
    return this;
  }
}
