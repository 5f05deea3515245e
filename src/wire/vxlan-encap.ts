/**
 * Wrapping an Ethernet frame in outer Ethernet + IPv4 + UDP + VXLAN the way the Linux VXLAN
 * driver does for flannel's `flannel.1` (reference flannel.md §5):
 *
 * - outer IPv4: TTL 64 (flannel leaves the device TTL at 0, so the route hop limit, normally 64),
 *   DF clear (flannel does not set IFLA_VXLAN_DF), TOS 0 with the ECN bits taken from the inner
 *   IPv4 header (`ip_tunnel_ecn_encap`: CE inside becomes ECT(0) outside);
 * - UDP destination port 8472, source port chosen by the caller (see vxlan-port.ts);
 * - UDP checksum computed: flannel never asks for a zero checksum, and since the "enable outer
 *   Tx checksum by default" change Linux computes it when IFLA_VXLAN_UDP_CSUM is absent. Old
 *   kernels sent 0; `udpChecksum: false` imitates them.
 * - VXLAN flags 0x08 (I), the 24-bit VNI, reserved bytes zero; GBP only when asked.
 *
 * The IP identification is the kernel's choice (a per-destination counter); it is an input here.
 */
import { ETHERNET_HEADER_LENGTH, ETHERTYPE } from './ethernet.js';
import { encodeFrame } from './frame-encode.js';
import type { Ipv4FrameSpec } from './frame-types.js';
import type { Mac } from './mac.js';
import { VXLAN_PORT_LINUX, type VxlanGbp } from './vxlan.js';

export interface VxlanEncapsulation {
  /** The inner Ethernet frame, bytes. */
  readonly inner: Uint8Array;
  readonly outerSrcMac: Mac;
  readonly outerDstMac: Mac;
  /** Outer source address (the VTEP's `local`, the node IP), uint32 host order. */
  readonly outerSrc: number;
  /** Outer destination (the FDB entry's `dst`, the remote node IP), uint32 host order. */
  readonly outerDst: number;
  readonly srcPort: number;
  /** Default 8472. */
  readonly dstPort?: number;
  /** 24-bit VNI (flannel's default is 1). */
  readonly vni: number;
  /** Default 64. */
  readonly ttl?: number;
  /** Default false. */
  readonly df?: boolean;
  /** Default 0. */
  readonly ipId?: number;
  /** The device's TOS before the inner ECN bits are copied in. Default 0. */
  readonly tos?: number;
  /** Compute the outer UDP checksum (default true) or send 0. */
  readonly udpChecksum?: boolean;
  readonly gbp?: VxlanGbp;
}

/** RFC 6040 / `INET_ECN_encapsulate`: keep the outer DSCP, copy the inner ECN, except CE → ECT(0). */
export function ecnEncapsulate(outerTos: number, innerTos: number): number {
  const innerEcn = innerTos & 3;
  return (outerTos & ~3 & 0xff) | (innerEcn === 3 ? 2 : innerEcn);
}

/** The TOS byte of an inner Ethernet/IPv4 frame, 0 when it is not IPv4 or too short. */
export function innerTos(inner: Uint8Array): number {
  if (inner.length < ETHERNET_HEADER_LENGTH + 2) return 0;
  if ((((inner[12] as number) << 8) | (inner[13] as number)) !== ETHERTYPE.ipv4) return 0;
  return inner[ETHERNET_HEADER_LENGTH + 1] as number;
}

/** The frame spec of a VXLAN encapsulation (see the file comment for the defaults). */
export function vxlanEncapSpec(e: VxlanEncapsulation): Ipv4FrameSpec {
  return {
    kind: 'ipv4',
    dstMac: e.outerDstMac,
    srcMac: e.outerSrcMac,
    ip: { src: e.outerSrc, dst: e.outerDst, ttl: e.ttl ?? 64, id: e.ipId ?? 0, df: e.df ?? false, tos: ecnEncapsulate(e.tos ?? 0, innerTos(e.inner)) },
    l4: {
      kind: 'udp',
      sport: e.srcPort,
      dport: e.dstPort ?? VXLAN_PORT_LINUX,
      ...(e.udpChecksum === false ? { zeroChecksum: true } : {}),
      payload: { kind: 'vxlan', vni: e.vni, ...(e.gbp !== undefined ? { gbp: e.gbp } : {}), inner: e.inner },
    },
  };
}

/**
 * The outer frame: `inner.length + 50 + 14` bytes (flannel's 50-byte overhead plus the outer
 * Ethernet header). Throws VALUE_INVALID when a field does not fit.
 */
export function encapsulateVxlan(e: VxlanEncapsulation): Uint8Array {
  return encodeFrame(vxlanEncapSpec(e));
}
