/**
 * The bridge between byte-level frames and the emulator's per-packet state. `wire/` may not
 * import `packet/` (it sits below it), so {@link PacketFields} names the fields of `Packet` that
 * a frame determines; `Packet` satisfies it structurally and can be passed as is.
 */
import { ICMP_HEADER_LENGTH, icmpQuote, ICMP_TYPE, type IcmpMessage } from './icmp.js';
import { encodeFrame } from './frame-encode.js';
import type { DecodedFrame, FrameSpec, Ipv4FrameSpec, L4Spec } from './frame-types.js';
import { IPV4_MIN_HEADER_LENGTH } from './ipv4.js';
import type { Mac } from './mac.js';
import { unreachable } from './never.js';
import { SCTP_COMMON_HEADER_LENGTH, SCTP_INIT_LENGTH } from './sctp.js';
import { TCP_MIN_HEADER_LENGTH } from './tcp.js';
import { UDP_HEADER_LENGTH } from './udp.js';

/** The `Packet` fields a frame determines. Addresses uint32 host order; `length` in bytes. */
export interface PacketFields {
  src: number;
  dst: number;
  proto: number;
  sport: number;
  dport: number;
  icmpType: number;
  icmpCode: number;
  icmpId: number;
  tcpFlags: number;
  ttl: number;
  /** IP total length, bytes. */
  length: number;
  df: boolean;
  innerSrc: number;
  innerDst: number;
  innerProto: number;
  innerSport: number;
  innerDport: number;
}

/**
 * Copies what an IPv4 frame says into `p` and returns true; returns false (leaving `p` as it
 * was) for ARP and other EtherTypes. Fields the frame does not determine (marks, conntrack,
 * devices, encapsulation depth, payloadLength) are left alone; transport fields that do not
 * apply are set to 0. For an ICMP error the quoted datagram fills `inner*`, a quoted ICMP echo
 * putting its identifier in `innerSport` (the "port" conntrack uses). For a VXLAN packet this describes the outer packet: pass
 * `innermostFrame(d).frame` for the inner one.
 */
export function fillPacketFromFrame(d: DecodedFrame, p: PacketFields): boolean {
  if (d.kind !== 'ipv4') return false;
  p.src = d.ip.src;
  p.dst = d.ip.dst;
  p.proto = d.ip.proto;
  p.ttl = d.ip.ttl;
  p.length = d.ip.totalLength;
  p.df = d.ip.df;
  p.sport = 0;
  p.dport = 0;
  p.tcpFlags = 0;
  p.icmpType = 0;
  p.icmpCode = 0;
  p.icmpId = 0;
  p.innerSrc = 0;
  p.innerDst = 0;
  p.innerProto = 0;
  p.innerSport = 0;
  p.innerDport = 0;
  const l4 = d.l4;
  switch (l4.kind) {
    case 'tcp':
      p.sport = l4.sport;
      p.dport = l4.dport;
      p.tcpFlags = l4.flags;
      break;
    case 'udp':
    case 'sctp':
      p.sport = l4.sport;
      p.dport = l4.dport;
      break;
    case 'icmp':
      p.icmpType = l4.type;
      p.icmpCode = l4.code;
      if (l4.message.kind === 'echo-request' || l4.message.kind === 'echo-reply') p.icmpId = l4.message.id;
      if (l4.quote !== undefined) {
        p.innerSrc = l4.quote.src;
        p.innerDst = l4.quote.dst;
        p.innerProto = l4.quote.proto;
        p.innerSport = l4.quote.proto === 1 ? l4.quote.icmpId : l4.quote.sport;
        p.innerDport = l4.quote.dport;
      }
      break;
    case 'raw':
      break;
    default:
      unreachable(l4, 'decoded transport');
  }
  return true;
}

/** The innermost frame of a VXLAN nesting and how many VXLAN headers enclose it (0 for a plain frame). */
export function innermostFrame(d: DecodedFrame): { readonly frame: DecodedFrame; readonly depth: number } {
  let frame = d;
  let depth = 0;
  while (frame.kind === 'ipv4' && frame.l4.kind === 'udp' && !(frame.l4.payload instanceof Uint8Array)) {
    frame = frame.l4.payload.inner;
    depth++;
  }
  return { frame, depth };
}

/** What a `Packet` does not say but a frame needs. */
export interface PacketFrameOptions {
  readonly srcMac: Mac;
  readonly dstMac: Mac;
  /** IP identification (default 0). */
  readonly ipId?: number;
  /** TOS byte (default 0). */
  readonly tos?: number;
  /** TCP sequence/acknowledgement numbers and window (defaults 0, 0, 65535). */
  readonly seq?: number;
  readonly ack?: number;
  readonly window?: number;
  /** ICMP echo sequence number (default 0). */
  readonly icmpSeq?: number;
  /** Next-hop MTU of a fragmentation-needed error, bytes (default 0). */
  readonly nextHopMtu?: number;
  /** TTL of the datagram quoted in an ICMP error (default 64). */
  readonly innerTtl?: number;
}

/**
 * A frame spec for the packet `p` describes. The payload is zero bytes, as many as make the IP
 * total length equal `p.length` (none when `p.length` is smaller than the headers). An ICMP
 * error (type 3 or 11) quotes an IPv4 header plus 8 bytes built from the `inner*` fields.
 * SCTP packets carry one INIT chunk padded with zero bytes of parameters to reach the length.
 */
export function frameSpecFromPacket(p: Readonly<PacketFields>, o: PacketFrameOptions): Ipv4FrameSpec {
  const ip = { src: p.src >>> 0, dst: p.dst >>> 0, ttl: p.ttl, id: o.ipId ?? 0, df: p.df, tos: o.tos ?? 0 };
  const room = (headers: number): number => Math.max(0, p.length - IPV4_MIN_HEADER_LENGTH - headers);
  let l4: L4Spec;
  switch (p.proto) {
    case 6:
      l4 = {
        kind: 'tcp',
        sport: p.sport,
        dport: p.dport,
        seq: o.seq ?? 0,
        ack: o.ack ?? 0,
        flags: p.tcpFlags,
        window: o.window ?? 65535,
        payload: new Uint8Array(room(TCP_MIN_HEADER_LENGTH)),
      };
      break;
    case 17:
      l4 = { kind: 'udp', sport: p.sport, dport: p.dport, payload: new Uint8Array(room(UDP_HEADER_LENGTH)) };
      break;
    case 132: {
      // SCTP parameters come in 4-byte units; round down so the length never exceeds p.length.
      const params = room(SCTP_COMMON_HEADER_LENGTH + SCTP_INIT_LENGTH) & ~3;
      l4 = {
        kind: 'sctp',
        sport: p.sport,
        dport: p.dport,
        vtag: 0,
        chunks: [{ kind: 'init', flags: 0, initiateTag: 1, aRwnd: 65536, outStreams: 10, inStreams: 65535, initialTsn: 1, params: new Uint8Array(params) }],
      };
      break;
    }
    case 1:
      l4 = { kind: 'icmp', message: icmpMessageFromPacket(p, o, room(ICMP_HEADER_LENGTH)) };
      break;
    default:
      l4 = { kind: 'raw', proto: p.proto, payload: new Uint8Array(room(0)) };
      break;
  }
  return { kind: 'ipv4', dstMac: o.dstMac, srcMac: o.srcMac, ip, l4 };
}

function icmpMessageFromPacket(p: Readonly<PacketFields>, o: PacketFrameOptions, room: number): IcmpMessage {
  switch (p.icmpType) {
    case ICMP_TYPE.echoRequest:
    case ICMP_TYPE.echoReply:
      if (p.icmpCode !== 0) break;
      return {
        kind: p.icmpType === ICMP_TYPE.echoRequest ? 'echo-request' : 'echo-reply',
        id: p.icmpId,
        seq: o.icmpSeq ?? 0,
        data: new Uint8Array(room),
      };
    case ICMP_TYPE.destUnreachable:
      return { kind: 'dest-unreachable', code: p.icmpCode, nextHopMtu: p.icmpCode === 4 ? (o.nextHopMtu ?? 0) : 0, original: quotedDatagram(p, o) };
    case ICMP_TYPE.timeExceeded:
      return { kind: 'time-exceeded', code: p.icmpCode, original: quotedDatagram(p, o) };
    default:
      break;
  }
  return { kind: 'other', type: p.icmpType, code: p.icmpCode, rest: 0, data: new Uint8Array(room) };
}

/** The IPv4 header + 8 bytes of the datagram an ICMP error in `p` refers to. */
function quotedDatagram(p: Readonly<PacketFields>, o: PacketFrameOptions): Uint8Array {
  const ip = { src: p.innerSrc >>> 0, dst: p.innerDst >>> 0, ttl: o.innerTtl ?? 64, id: 0, df: true, tos: 0 };
  let l4: L4Spec;
  switch (p.innerProto) {
    case 6:
      l4 = { kind: 'tcp', sport: p.innerSport, dport: p.innerDport, seq: 0, ack: 0, flags: 0, window: 0, payload: new Uint8Array(0) };
      break;
    case 17:
      l4 = { kind: 'udp', sport: p.innerSport, dport: p.innerDport, payload: new Uint8Array(0) };
      break;
    case 132:
      l4 = { kind: 'sctp', sport: p.innerSport, dport: p.innerDport, vtag: 0, chunks: [] };
      break;
    case 1:
      // The quoted echo's identifier travels in innerSport, as fillPacketFromFrame puts it.
      l4 = { kind: 'icmp', message: { kind: 'echo-request', id: p.innerSport, seq: 0, data: new Uint8Array(0) } };
      break;
    default:
      l4 = { kind: 'raw', proto: p.innerProto, payload: new Uint8Array(8) };
      break;
  }
  const spec: FrameSpec = { kind: 'ipv4', dstMac: o.dstMac, srcMac: o.srcMac, ip, l4 };
  return icmpQuote(encodeFrame(spec).subarray(14));
}
