import type { Packet } from '../packet/index.js';

/**
 * How IPVS tells netfilter conntrack about its NAT (net.ipv4.vs.conntrack=1, ip_vs_nfct.c): when
 * a connection is created for a packet, the kernel rewrites the packet's conntrack entry so its
 * reply tuple expects the real server, and replies are un-NATed. The node wires this to its
 * conntrack later; IPVS works without it.
 */
export interface IpvsConntrackHook {
  /** A new IPVS connection sends `pkt`'s flow to daddr:dport (host order). */
  onNat(pkt: Packet, daddr: number, dport: number): void;
  /** An IPVS connection went away (timer or forced expiry). */
  onExpire(proto: number, caddr: number, cport: number, vaddr: number, vport: number, daddr: number, dport: number): void;
}
