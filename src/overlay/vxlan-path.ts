/**
 * flannel.1's transmit path (reference flannel.md §5): the inner packet, already routed to
 * `<remote subnet> via <remote .0> dev flannel.1 onlink`, gets its inner Ethernet header from the
 * permanent neighbour (dst = remote VTEP MAC, src = our VTEP MAC); `vxlan_xmit` finds that MAC in
 * the FDB (dst = remote public IP); `vxlan_xmit_one` wraps it:
 *
 *   outer IPv4  src = `local` (our underlay address), dst = FDB dst, TTL 64 (device ttl 0 → route
 *               hop limit), DF clear, TOS 0 + the inner ECN bits, total length = inner + 50
 *   outer UDP   sport = udp_flow_src_port(flow hash of the inner packet) in [32768, 60999),
 *               dport = the device port (8472), length = inner + 30, checksum computed
 *   VXLAN       flags 0x08 (I), VNI; with GBP also G and the policy ID from skb->mark
 *   mark        skb->mark stays on the skb, so the outer packet carries the inner mark
 *
 * {@link vxlanEncapsulate} fills a reusable {@link VxlanOuterPacket} without allocating (the
 * per-packet path); {@link describeEncapsulation} and {@link encodeVxlanPacket} serve traces,
 * tests and pcap output.
 */
import { hasPorts, KpemuError } from '../core/index.js';
import type { FdbEntry, Neighbour } from '../route/index.js';
import {
  defaultFlowHash,
  ecnEncapsulate,
  encapsulateVxlan,
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE,
  innerFlowHash,
  parseMac,
  vxlanSourcePort,
  VXLAN_FLAG_G,
  VXLAN_FLAG_I,
  VXLAN_GBP_DONT_LEARN,
  VXLAN_GBP_POLICY_APPLIED,
  type FlowHashFn,
  type Mac,
} from '../wire/index.js';
import type { EncapDropReason } from './vxlan-drop.js';
import { FLANNEL_ENCAP_OVERHEAD } from './network.js';
import type { VxlanDeviceConfig } from './vtep.js';

/** Outer UDP (8) + VXLAN (8) + inner Ethernet (14): what the UDP length adds to the inner IP length. */
const UDP_OVERHEAD = 30;
/** ip_default_ttl: the hop limit a device ttl of 0 inherits. */
const DEFAULT_TTL = 64;
/** Linux's GBP bits inside skb->mark (VXLAN_GBP_DONT_LEARN / VXLAN_GBP_POLICY_APPLIED in md->gbp). */
const MARK_GBP_DONT_LEARN = 1 << 22;
const MARK_GBP_POLICY_APPLIED = 1 << 19;

/**
 * The inner IPv4 packet fields the encapsulation reads. The packet layer's `Packet` has them all.
 * Addresses uint32 host order; `length` is the IPv4 total length in bytes; `icmpId` counts as the
 * source port of ICMP echo requests/replies, as in the kernel's flow dissector. (Fragments are
 * not told apart: the flow hash of a non-first fragment uses its ports here.)
 */
export interface InnerFlow {
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly sport: number;
  readonly dport: number;
  readonly icmpType: number;
  readonly icmpId: number;
  readonly length: number;
  /** skb->mark, uint32. */
  readonly mark: number;
}

/** The outer packet of one encapsulation. Mutable so one instance serves every packet. */
export class VxlanOuterPacket {
  /** Outer source (the device's `local`), uint32. */
  src = 0;
  /** Outer destination (the FDB entry's `dst`), uint32. */
  dst = 0;
  sport = 0;
  dport = 0;
  ttl = DEFAULT_TTL;
  df = false;
  /** DSCP << 2 | ECN. */
  tos = 0;
  /** Outer IPv4 total length: inner length + 50, bytes. */
  length = 0;
  /** UDP length: inner length + 30, bytes. */
  udpLength = 0;
  vni = 0;
  /** VXLAN byte 0: 0x08, or 0x88 with GBP. */
  vxlanFlags = VXLAN_FLAG_I;
  /** VXLAN byte 1 with GBP (D 0x40, A 0x08); 0 otherwise. */
  gbpFlags = 0;
  /** 16-bit group policy ID with GBP (skb->mark & 0xffff); 0 otherwise. */
  gbpPolicyId = 0;
  /** skb->mark, carried over from the inner packet. */
  mark = 0;
  /** Inner Ethernet source: our VTEP MAC. */
  innerSrcMac = '';
  /** Inner Ethernet destination: the neighbour's (remote VTEP) MAC, as the neighbour entry spells it. */
  innerDstMac = '';
  /** Whether the outer UDP checksum is computed (true for flannel on current kernels). */
  udpChecksum = true;

  /** A copy, for keeping a description beyond the next packet. */
  clone(): VxlanOuterPacket {
    return Object.assign(new VxlanOuterPacket(), this);
  }
}

export type EncapVerdict = 'ok' | EncapDropReason;

/**
 * Encapsulates `inner` on `vtep` into `out`. `neighbour` is the neighbour-table entry for the
 * route's gateway on flannel.1 and `fdb` the device FDB entry for that neighbour's MAC, each
 * undefined when the lookup missed. Returns 'ok', or the drop reason when either is missing
 * (flannel creates no all-zeros default FDB entry, so an unknown MAC has no remote). `hash` is
 * the flow hash (see wire `FlowHashFn`); `innerTos` the inner TOS byte (ECN copied outside).
 * Does not allocate, except in the kernel's fallback for a flow hash of 0.
 */
export function vxlanEncapsulate(
  out: VxlanOuterPacket,
  inner: InnerFlow,
  vtep: VxlanDeviceConfig,
  neighbour: Neighbour | undefined,
  fdb: FdbEntry | undefined,
  hash: FlowHashFn = defaultFlowHash,
  innerTos = 0,
): EncapVerdict {
  if (neighbour === undefined || neighbour.dev !== vtep.name) return 'vxlan-no-neighbour';
  if (fdb === undefined || fdb.dev !== vtep.name || fdb.dst === 0 || !sameMac(fdb.mac, neighbour.mac)) return 'vxlan-no-remote';
  out.src = vtep.local;
  out.dst = fdb.dst >>> 0;
  out.sport = vxlanSourcePort(flowHash(inner, hash, vtep.mac, neighbour.mac));
  out.dport = vtep.port;
  out.ttl = vtep.ttl === 0 ? DEFAULT_TTL : vtep.ttl;
  out.df = vtep.df;
  out.tos = ecnEncapsulate(vtep.tos, innerTos);
  out.length = inner.length + FLANNEL_ENCAP_OVERHEAD;
  out.udpLength = inner.length + UDP_OVERHEAD;
  out.vni = vtep.vni;
  out.mark = inner.mark >>> 0;
  if (vtep.gbp) {
    out.vxlanFlags = VXLAN_FLAG_I | VXLAN_FLAG_G;
    out.gbpFlags = ((inner.mark & MARK_GBP_DONT_LEARN) !== 0 ? VXLAN_GBP_DONT_LEARN : 0) | ((inner.mark & MARK_GBP_POLICY_APPLIED) !== 0 ? VXLAN_GBP_POLICY_APPLIED : 0);
    out.gbpPolicyId = inner.mark & 0xffff;
  } else {
    out.vxlanFlags = VXLAN_FLAG_I;
    out.gbpFlags = 0;
    out.gbpPolicyId = 0;
  }
  out.innerSrcMac = vtep.mac;
  out.innerDstMac = neighbour.mac;
  out.udpChecksum = vtep.udpChecksum;
  return 'ok';
}

export type EncapResult = { readonly ok: true; readonly outer: VxlanOuterPacket } | { readonly ok: false; readonly drop: EncapDropReason };

/** {@link vxlanEncapsulate} into a fresh object, for traces and tests. */
export function describeEncapsulation(
  inner: InnerFlow,
  vtep: VxlanDeviceConfig,
  neighbour: Neighbour | undefined,
  fdb: FdbEntry | undefined,
  hash: FlowHashFn = defaultFlowHash,
  innerTos = 0,
): EncapResult {
  const outer = new VxlanOuterPacket();
  const v = vxlanEncapsulate(outer, inner, vtep, neighbour, fdb, hash, innerTos);
  return v === 'ok' ? { ok: true, outer } : { ok: false, drop: v };
}

/** The underlay Ethernet addresses of the outer frame (from the node's underlay neighbour). */
export interface OuterMacs {
  readonly src: Mac;
  readonly dst: Mac;
}

/**
 * The bytes of the outer frame: outer Ethernet + IPv4 + UDP + VXLAN + inner Ethernet (built
 * from `outer`'s inner MACs) + `innerIp` (the inner IPv4 packet, `outer.length − 50` bytes).
 * `ipId` is the outer IP identification, which the kernel picks. Throws VALUE_INVALID when
 * `innerIp` does not have the length the encapsulation was computed for.
 */
export function encodeVxlanPacket(outer: VxlanOuterPacket, innerIp: Uint8Array, macs: OuterMacs, ipId = 0): Uint8Array {
  if (innerIp.length + FLANNEL_ENCAP_OVERHEAD !== outer.length) {
    throw new KpemuError('VALUE_INVALID', `inner packet has ${innerIp.length} bytes but the encapsulation was computed for ${outer.length - FLANNEL_ENCAP_OVERHEAD}`);
  }
  const frame = new Uint8Array(ETHERNET_HEADER_LENGTH + innerIp.length);
  frame.set(parseMac(outer.innerDstMac), 0);
  frame.set(parseMac(outer.innerSrcMac), 6);
  frame[12] = ETHERTYPE.ipv4 >>> 8;
  frame[13] = ETHERTYPE.ipv4 & 0xff;
  frame.set(innerIp, ETHERNET_HEADER_LENGTH);
  const gbp = (outer.vxlanFlags & VXLAN_FLAG_G) !== 0;
  return encapsulateVxlan({
    inner: frame,
    outerSrcMac: macs.src,
    outerDstMac: macs.dst,
    outerSrc: outer.src,
    outerDst: outer.dst,
    srcPort: outer.sport,
    dstPort: outer.dport,
    vni: outer.vni,
    ttl: outer.ttl,
    df: outer.df,
    ipId,
    // wire copies the inner ECN bits itself from the frame; hand it only the DSCP part.
    tos: outer.tos & 0xfc,
    udpChecksum: outer.udpChecksum,
    ...(gbp
      ? {
          gbp: {
            dontLearn: (outer.gbpFlags & VXLAN_GBP_DONT_LEARN) !== 0,
            policyApplied: (outer.gbpFlags & VXLAN_GBP_POLICY_APPLIED) !== 0,
            policyId: outer.gbpPolicyId,
          },
        }
      : {}),
  });
}

/** Scratch inner Ethernet header for the MAC-hash fallback (never shared across calls). */
const macScratch = new Uint8Array(ETHERNET_HEADER_LENGTH);

/**
 * The flow hash of the inner packet the same way wire's `innerFlowHash` computes it from bytes:
 * the 5-tuple (ICMP echo id as the source port), and when the hash is 0 the kernel's fallback
 * hash of the inner Ethernet addresses.
 */
function flowHash(inner: InnerFlow, hash: FlowHashFn, srcMac: string, dstMac: string): number {
  let sport = 0;
  let dport = 0;
  if (hasPorts(inner.proto)) {
    sport = inner.sport;
    dport = inner.dport;
  } else if (inner.proto === 1 && (inner.icmpType === 8 || inner.icmpType === 0)) {
    sport = inner.icmpId;
  }
  const h = hash(inner.src >>> 0, inner.dst >>> 0, inner.proto & 0xff, sport & 0xffff, dport & 0xffff) >>> 0;
  if (h !== 0) return h;
  macScratch.set(parseMac(dstMac), 0);
  macScratch.set(parseMac(srcMac), 6);
  macScratch[12] = ETHERTYPE.ipv4 >>> 8;
  macScratch[13] = ETHERTYPE.ipv4 & 0xff;
  // 14 bytes hold no IPv4 header, so wire takes its MAC-address fallback.
  return innerFlowHash(macScratch, hash);
}

/** Case-insensitive MAC text equality; the common all-lower-case case costs no allocation. */
function sameMac(a: string, b: string): boolean {
  return a === b || (a.length === b.length && a.toLowerCase() === b.toLowerCase());
}
