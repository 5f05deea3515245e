/**
 * The outer UDP source port of a VXLAN packet, the way Linux chooses it
 * (`udp_flow_src_port` in include/net/udp.h, called by vxlan_xmit_one):
 *
 *   hash  = skb_get_hash(inner)            (flow hash of the inner packet; if 0, a hash of the
 *                                           inner Ethernet addresses)
 *   hash ^= hash << 16                     (32-bit; "obfuscate" before it goes on the wire)
 *   port  = ((u64)hash * (max - min) >> 32) + min
 *
 * with [min, max] = net.ipv4.ip_local_port_range (default 32768 60999) because flannel sets no
 * port range on its device. So the port lies in [min, max): `max` itself is never produced.
 *
 * What is derived, not copied: the kernel's flow hash is keyed by a per-boot random secret, so no
 * emulator can reproduce its values. kpemu's default {@link defaultFlowHash} is a documented,
 * seeded, deterministic hash of the inner 5-tuple (core `hash4`), so a flow keeps its port for
 * the whole run and the reply direction, hashing another tuple, normally gets another port —
 * the properties the kernel's hash has. Inject another {@link FlowHashFn} to change it.
 */
import { finalize32, hash4, KpemuError, mix32 } from '../core/index.js';
import { getU16, getU32, getU8 } from './bytes.js';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE } from './ethernet.js';

/** Linux's default net.ipv4.ip_local_port_range (inclusive bounds). */
export const LINUX_LOCAL_PORT_RANGE = { min: 32768, max: 60999 } as const;

/**
 * A flow hash over the inner packet's 5-tuple: addresses uint32 host order, ports 0 when the
 * protocol has none (for ICMP echo the identifier is passed as `sport`). Returns a uint32; 0
 * means "no hash" and makes the caller fall back to the MAC-address hash, as the kernel does.
 */
export type FlowHashFn = (src: number, dst: number, proto: number, sport: number, dport: number) => number;

/** Seed of {@link defaultFlowHash} (an arbitrary fixed constant so runs replay). */
export const DEFAULT_FLOW_HASH_SEED = 0x7658_4c4e;

/** kpemu's deterministic flow hash: core `hash4` over (src, dst, sport << 16 | dport, proto). */
export const defaultFlowHash: FlowHashFn = (src, dst, proto, sport, dport) =>
  hash4(DEFAULT_FLOW_HASH_SEED, src >>> 0, dst >>> 0, (((sport & 0xffff) << 16) | (dport & 0xffff)) >>> 0, proto & 0xff);

/**
 * The outer source port for a flow hash (uint32), exactly as `udp_flow_src_port` maps it into
 * [min, max). `min`/`max` are the inclusive bounds of ip_local_port_range. Throws VALUE_INVALID
 * unless 0 <= min < max <= 65535 (the kernel would fall back to the sysctl range instead).
 */
export function vxlanSourcePort(flowHash: number, min: number = LINUX_LOCAL_PORT_RANGE.min, max: number = LINUX_LOCAL_PORT_RANGE.max): number {
  if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max > 0xffff || min >= max) {
    throw new KpemuError('VALUE_INVALID', `VXLAN source port range ${min}-${max} is not 0 <= min < max <= 65535`);
  }
  const h = (flowHash ^ (flowHash << 16)) >>> 0;
  // h * (max - min) < 2^48, exact in a double; dividing by 2^32 then flooring is the `>> 32`.
  return Math.floor((h * (max - min)) / 0x1_0000_0000) + min;
}

/**
 * The flow hash of an inner Ethernet frame: `hash` over its IPv4 5-tuple (ports of TCP, UDP and
 * SCTP; the identifier of an ICMP echo as `sport`; no ports for fragments and other protocols).
 * When the frame is not IPv4, is too short, or `hash` returns 0, falls back to a hash of the two
 * MAC addresses seeded with the EtherType, like the kernel's `jhash(skb->data, 2 * ETH_ALEN,
 * skb->protocol)` (with our hash, not jhash). Never throws; reads without allocating.
 */
export function innerFlowHash(inner: Uint8Array, hash: FlowHashFn = defaultFlowHash): number {
  const h = ipFlowHash(inner, hash);
  return h !== 0 ? h : macHash(inner);
}

/**
 * The VXLAN source port for an inner Ethernet frame: {@link vxlanSourcePort} of
 * {@link innerFlowHash}.
 */
export function vxlanSourcePortForFrame(inner: Uint8Array, hash: FlowHashFn = defaultFlowHash, min?: number, max?: number): number {
  return vxlanSourcePort(innerFlowHash(inner, hash), min, max);
}

function ipFlowHash(b: Uint8Array, hash: FlowHashFn): number {
  const ip = ETHERNET_HEADER_LENGTH;
  if (b.length < ip + 20 || getU16(b, 12) !== ETHERTYPE.ipv4 || getU8(b, ip) >>> 4 !== 4) return 0;
  const hl = (getU8(b, ip) & 0x0f) * 4;
  const proto = getU8(b, ip + 9);
  const src = getU32(b, ip + 12);
  const dst = getU32(b, ip + 16);
  const fragment = (getU16(b, ip + 6) & 0x3fff) !== 0;
  const l4 = ip + hl;
  let sport = 0;
  let dport = 0;
  if (!fragment && hl >= 20) {
    if ((proto === 6 || proto === 17 || proto === 132) && b.length >= l4 + 4) {
      sport = getU16(b, l4);
      dport = getU16(b, l4 + 2);
    } else if (proto === 1 && b.length >= l4 + 6 && (getU8(b, l4) === 8 || getU8(b, l4) === 0)) {
      sport = getU16(b, l4 + 4);
    }
  }
  return hash(src, dst, proto, sport, dport) >>> 0;
}

function macHash(b: Uint8Array): number {
  if (b.length < ETHERNET_HEADER_LENGTH) return finalize32(mix32(DEFAULT_FLOW_HASH_SEED, b.length));
  const h = mix32(mix32(mix32(getU16(b, 12), getU32(b, 0)), getU32(b, 4)), getU32(b, 8));
  return finalize32(h);
}
