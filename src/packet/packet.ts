/**
 * The mutable per-packet state, the sk_buff analogue. One object is reused for many packets on
 * the hot path (call {@link Packet.reset}); nothing in here allocates per packet.
 * Addresses are uint32 in host order; ports are 0 for protocols without ports.
 */

/** Why a packet was dropped. Rendered in traces; tests branch on it. */
export const DROP_REASONS = [
  'none',
  'netfilter-drop',
  'netfilter-reject',
  'policy-drop',
  'no-route',
  'forwarding-disabled',
  'martian-source',
  'martian-destination',
  'ttl-exceeded',
  'conntrack-table-full',
  'conntrack-invalid',
  'nat-no-free-port',
  'no-neighbour',
  'no-listener',
  'mtu-exceeded',
  'vxlan-no-fdb',
  'ipvs-no-destination',
  'malformed',
  'loop-limit',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** TCP flag bits as in the TCP header. */
export const TCP_FLAGS = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;
export type TcpFlagName = keyof typeof TCP_FLAGS;

/** Conntrack state as seen by netfilter matches (`ctinfo`). */
export const CT_INFO = { NONE: 0, NEW: 1, ESTABLISHED: 2, RELATED: 3, INVALID: 4, UNTRACKED: 5 } as const;
export type CtInfo = (typeof CT_INFO)[keyof typeof CT_INFO];

export class Packet {
  src = 0;
  dst = 0;
  /** IP protocol number. */
  proto = 0;
  sport = 0;
  dport = 0;
  /** ICMP type and code (valid when proto is 1). */
  icmpType = 0;
  icmpCode = 0;
  /** ICMP echo identifier (the "port" conntrack uses for echo). */
  icmpId = 0;
  tcpFlags = 0;
  ttl = 64;
  /** IP total length in bytes. */
  length = 60;
  /** Don't-fragment bit of the IP header. */
  df = true;
  /** skb->mark, uint32. */
  mark = 0;
  /** Index of the conntrack entry, or -1. */
  ctIndex = -1;
  /** Direction of this packet in its connection: 0 original, 1 reply. */
  ctDir = 0;
  ctInfo: CtInfo = CT_INFO.NONE;
  /** Device names (the netns's own), '' when not set. */
  inDev = '';
  outDev = '';
  /** Nesting of encapsulation: 0 for a plain packet, 1 inside one VXLAN header, ... */
  encapDepth = 0;
  dropReason: DropReason = 'none';
  /** For ICMP errors: the embedded original packet's tuple (as sent, i.e. from the error's view). */
  innerSrc = 0;
  innerDst = 0;
  innerProto = 0;
  innerSport = 0;
  innerDport = 0;
  /** An opaque payload length or marker for tests; not interpreted. */
  payloadLength = 0;
  /** For an encapsulated packet (VXLAN): the inner packet it carries. */
  inner: Packet | null = null;
  /** For an encapsulated packet: inner Ethernet addresses and the VNI. */
  innerSrcMac = '';
  innerDstMac = '';
  vni = 0;

  reset(): this {
    this.src = 0;
    this.dst = 0;
    this.proto = 0;
    this.sport = 0;
    this.dport = 0;
    this.icmpType = 0;
    this.icmpCode = 0;
    this.icmpId = 0;
    this.tcpFlags = 0;
    this.ttl = 64;
    this.length = 60;
    this.df = true;
    this.mark = 0;
    this.ctIndex = -1;
    this.ctDir = 0;
    this.ctInfo = CT_INFO.NONE;
    this.inDev = '';
    this.outDev = '';
    this.encapDepth = 0;
    this.dropReason = 'none';
    this.innerSrc = 0;
    this.innerDst = 0;
    this.innerProto = 0;
    this.innerSport = 0;
    this.innerDport = 0;
    this.payloadLength = 0;
    this.inner = null;
    this.innerSrcMac = '';
    this.innerDstMac = '';
    this.vni = 0;
    return this;
  }

  copyFrom(o: Packet): this {
    this.src = o.src;
    this.dst = o.dst;
    this.proto = o.proto;
    this.sport = o.sport;
    this.dport = o.dport;
    this.icmpType = o.icmpType;
    this.icmpCode = o.icmpCode;
    this.icmpId = o.icmpId;
    this.tcpFlags = o.tcpFlags;
    this.ttl = o.ttl;
    this.length = o.length;
    this.df = o.df;
    this.mark = o.mark;
    this.ctIndex = o.ctIndex;
    this.ctDir = o.ctDir;
    this.ctInfo = o.ctInfo;
    this.inDev = o.inDev;
    this.outDev = o.outDev;
    this.encapDepth = o.encapDepth;
    this.dropReason = o.dropReason;
    this.innerSrc = o.innerSrc;
    this.innerDst = o.innerDst;
    this.innerProto = o.innerProto;
    this.innerSport = o.innerSport;
    this.innerDport = o.innerDport;
    this.payloadLength = o.payloadLength;
    this.inner = o.inner;
    this.innerSrcMac = o.innerSrcMac;
    this.innerDstMac = o.innerDstMac;
    this.vni = o.vni;
    return this;
  }

  clone(): Packet {
    return new Packet().copyFrom(this);
  }
}

/** True for ICMP error types (destination unreachable, time exceeded, parameter problem, ...). */
export function isIcmpError(type: number): boolean {
  return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
}
