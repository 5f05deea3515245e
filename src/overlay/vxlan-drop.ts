/**
 * Why flannel.1 drops a packet, named after the Linux drop reasons where one exists
 * (SKB_DROP_REASON_VXLAN_INVALID_HDR, _VXLAN_VNI_NOT_FOUND, _VXLAN_NO_REMOTE, _LOCAL_MAC,
 * _OTHERHOST, _PKT_TOO_BIG), and how each maps onto the packet layer's coarser {@link DropReason}
 * (the trace keeps the precise overlay reason).
 */
import type { DropReason } from '../packet/index.js';
import { unreachable } from './never.js';

/** Transmit side: no resolved neighbour for the next hop on flannel.1 (no ARP answer can come). */
export type EncapDropReason = 'vxlan-no-neighbour' | 'vxlan-no-remote';

/** Receive side. */
export type DecapDropReason =
  /** The outer UDP port is not the device's: no VXLAN socket, plain UDP with no listener. */
  | 'vxlan-wrong-port'
  /** Shorter than a VXLAN header, or than the inner Ethernet header. */
  | 'vxlan-truncated'
  /** I flag missing, or reserved flags/bits set (GBP bits without GBP enabled, ...). */
  | 'vxlan-invalid-header'
  /** No VXLAN device with this VNI on the socket. */
  | 'vxlan-vni-not-found'
  /** Inner source MAC is the device's own (a loop). */
  | 'vxlan-local-mac'
  /** Inner destination MAC is neither the device's nor broadcast/multicast (PACKET_OTHERHOST). */
  | 'vxlan-inner-otherhost';

/** Forwarding into flannel.1: too big with DF set, an ICMP "fragmentation needed" goes back. */
export type MtuDropReason = 'vxlan-frag-needed';

export type VxlanDropReason = EncapDropReason | DecapDropReason | MtuDropReason;

/** The packet layer's reason for an overlay drop. */
export function packetDropReason(r: VxlanDropReason): DropReason {
  switch (r) {
    case 'vxlan-no-neighbour':
      return 'no-neighbour';
    case 'vxlan-no-remote':
      return 'vxlan-no-fdb';
    case 'vxlan-wrong-port':
      return 'no-listener';
    case 'vxlan-truncated':
    case 'vxlan-invalid-header':
    case 'vxlan-vni-not-found':
    case 'vxlan-local-mac':
    case 'vxlan-inner-otherhost':
      return 'malformed';
    case 'vxlan-frag-needed':
      return 'mtu-exceeded';
    default:
      return unreachable(r, 'VXLAN drop reason');
  }
}
