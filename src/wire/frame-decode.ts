/**
 * Reading a whole Ethernet frame into a {@link DecodedFrame} tree: Ethernet → IPv4 → transport
 * → payload, with a UDP datagram to a VXLAN port decoded as VXLAN and its inner frame decoded
 * the same way. Checksums are verified and reported as `checksumOk`; only framing problems
 * throw, as WireErrors (WIRE_TRUNCATED, WIRE_MALFORMED, WIRE_UNSUPPORTED) with the offset.
 *
 * Payloads, options and raw bodies in the result are views into the input (no copies); MACs are
 * copies. Do not modify the input while the result is in use.
 */
import { ArpView } from './arp.js';
import { need } from './bytes.js';
import { WireError } from './errors.js';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE, EthernetView } from './ethernet.js';
import { IcmpView, parseIcmpQuote } from './icmp.js';
import { Ipv4View } from './ipv4.js';
import { parseSctpChunks, SctpView } from './sctp.js';
import { TcpView } from './tcp.js';
import { UdpView, UDP_HEADER_LENGTH } from './udp.js';
import { VXLAN_PORT_IANA, VXLAN_PORT_LINUX, VxlanView } from './vxlan.js';
import type { DecodedFrame, DecodedL4, DecodedUdp, DecodedVxlan } from './frame-types.js';

export interface DecodeOptions {
  /** UDP destination ports whose payload is read as VXLAN. Default 8472 (Linux, flannel) and 4789 (IANA). */
  readonly vxlanPorts?: readonly number[];
  /** VXLAN nesting decoded at most this deep; deeper payloads stay bytes. Default 4. */
  readonly maxVxlanDepth?: number;
}

const DEFAULT_VXLAN_PORTS: readonly number[] = [VXLAN_PORT_LINUX, VXLAN_PORT_IANA];

// Views are reused across calls: each layer copies what it needs out of its view before the
// decoder descends into an inner frame, so recursion never sees a view clobbered mid-use.
const eth = new EthernetView();
const ip = new Ipv4View();
const tcp = new TcpView();
const udp = new UdpView();
const sctp = new SctpView();
const icmp = new IcmpView();
const arp = new ArpView();
const vxlan = new VxlanView();

/**
 * Decodes the Ethernet frame in `bytes` (no FCS). Throws a WireError for truncated or malformed
 * framing; bad checksums are reported as `checksumOk: false`.
 */
export function decodeFrame(bytes: Uint8Array, options: DecodeOptions = {}): DecodedFrame {
  return decodeAt(bytes, 0, bytes.length, 0, options.vxlanPorts ?? DEFAULT_VXLAN_PORTS, options.maxVxlanDepth ?? 4);
}

function decodeAt(bytes: Uint8Array, offset: number, end: number, depth: number, vxlanPorts: readonly number[], maxDepth: number): DecodedFrame {
  eth.wrap(bytes, offset, end);
  const dstMac = eth.dstMac;
  const srcMac = eth.srcMac;
  const ethertype = eth.ethertype;
  const body = offset + ETHERNET_HEADER_LENGTH;
  switch (ethertype) {
    case ETHERTYPE.ipv4: {
      ip.wrap(bytes, body, end);
      const header = ip.toHeader();
      if (header.totalLength < header.headerLength) {
        throw WireError.malformed('ipv4 header', body, `total length ${header.totalLength} is shorter than the ${header.headerLength}-byte header`);
      }
      need(bytes, body, header.totalLength, 'ipv4 datagram', end);
      const ipEnd = body + header.totalLength;
      const l4Off = body + header.headerLength;
      const fragment = header.mf || header.fragOffset !== 0;
      const l4 = fragment
        ? ({ kind: 'raw', proto: header.proto, payload: bytes.subarray(l4Off, ipEnd) } as const)
        : decodeL4(bytes, l4Off, ipEnd, header.proto, header.src, header.dst, depth, vxlanPorts, maxDepth);
      return { kind: 'ipv4', dstMac, srcMac, ip: header, l4, trailer: bytes.subarray(ipEnd, end) };
    }
    case ETHERTYPE.arp: {
      const packet = arp.wrap(bytes, body, end).toPacket();
      return { kind: 'arp', dstMac, srcMac, arp: packet, trailer: bytes.subarray(body + 28, end) };
    }
    default:
      return { kind: 'raw', dstMac, srcMac, ethertype, payload: bytes.subarray(body, end) };
  }
}

function decodeL4(
  bytes: Uint8Array,
  o: number,
  end: number,
  proto: number,
  src: number,
  dst: number,
  depth: number,
  vxlanPorts: readonly number[],
  maxDepth: number,
): DecodedL4 {
  switch (proto) {
    case 6: {
      const h = tcp.wrap(bytes, o, end).toHeader();
      return { kind: 'tcp', ...h, checksumOk: tcp.checksumOk(src, dst, end - o), payload: bytes.subarray(o + h.headerLength, end) };
    }
    case 17:
      return decodeUdp(bytes, o, end, src, dst, depth, vxlanPorts, maxDepth);
    case 132: {
      const h = sctp.wrap(bytes, o, end).toHeader();
      const checksumOk = sctp.checksumOk(end);
      return { kind: 'sctp', ...h, checksumOk, chunks: parseSctpChunks(bytes, sctp.chunksOffset, end) };
    }
    case 1: {
      icmp.wrap(bytes, o, end);
      const message = icmp.toMessage(end);
      const base = { kind: 'icmp', type: icmp.type, code: icmp.code, checksum: icmp.checksum, checksumOk: icmp.checksumOk(end), message } as const;
      if (message.kind !== 'dest-unreachable' && message.kind !== 'time-exceeded') return base;
      const quote = parseIcmpQuote(message.original);
      return quote === undefined ? base : { ...base, quote };
    }
    default:
      return { kind: 'raw', proto, payload: bytes.subarray(o, end) };
  }
}

function decodeUdp(
  bytes: Uint8Array,
  o: number,
  ipEnd: number,
  src: number,
  dst: number,
  depth: number,
  vxlanPorts: readonly number[],
  maxDepth: number,
): DecodedUdp {
  const h = udp.wrap(bytes, o, ipEnd).toHeader();
  if (h.length < UDP_HEADER_LENGTH) throw WireError.malformed('udp header', o, `length ${h.length} is below 8`);
  if (o + h.length > ipEnd) throw WireError.malformed('udp header', o, `length ${h.length} exceeds the ${ipEnd - o} bytes of IP payload`);
  const end = o + h.length;
  const checksumOk = udp.checksumOk(src, dst);
  const p = o + UDP_HEADER_LENGTH;
  let payload: Uint8Array | DecodedVxlan = bytes.subarray(p, end);
  if (depth < maxDepth && vxlanPorts.includes(h.dport)) {
    const v = vxlan.wrap(bytes, p, end).toHeader();
    const inner = decodeAt(bytes, vxlan.innerOffset, end, depth + 1, vxlanPorts, maxDepth);
    payload = v.gbp === undefined ? { kind: 'vxlan', flags: v.flags, vni: v.vni, inner } : { kind: 'vxlan', flags: v.flags, vni: v.vni, gbp: v.gbp, inner };
  }
  return { kind: 'udp', ...h, checksumOk, payload };
}
