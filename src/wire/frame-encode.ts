/**
 * Building frame bytes from a {@link FrameSpec}: lengths first (one allocation of the exact
 * size), then each layer written in place, checksums filled innermost first so that an outer
 * checksum covers final inner bytes.
 */
import { KpemuError } from '../core/index.js';
import { ARP_LENGTH, writeArp } from './arp.js';
import { ETHERNET_HEADER_LENGTH, ETHERTYPE, writeEthernet } from './ethernet.js';
import { icmpLength, writeIcmp, type IcmpMessage } from './icmp.js';
import { IPV4_MIN_HEADER_LENGTH, writeIpv4 } from './ipv4.js';
import { unreachable } from './never.js';
import { fillSctpChecksum, SCTP_COMMON_HEADER_LENGTH, sctpChunkWireLength, writeSctpChunk, writeSctpHeader, type SctpChunk } from './sctp.js';
import { fillTcpChecksum, TCP_MIN_HEADER_LENGTH, writeTcp } from './tcp.js';
import { fillUdpChecksum, UDP_HEADER_LENGTH, writeUdp } from './udp.js';
import { VXLAN_HEADER_LENGTH, writeVxlan } from './vxlan.js';
import type { FrameSpec, Ipv4FrameSpec, L4Spec, VxlanSpec } from './frame-types.js';

const NO_BYTES = new Uint8Array(0);

/** IP protocol numbers of the transport kinds. */
export function protoOfL4(l4: L4Spec): number {
  switch (l4.kind) {
    case 'tcp':
      return 6;
    case 'udp':
      return 17;
    case 'sctp':
      return 132;
    case 'icmp':
      return 1;
    case 'raw':
      return l4.proto;
    default:
      return unreachable(l4, 'transport spec');
  }
}

/** Bytes of the transport part (header + payload) of `l4`. */
export function l4Length(l4: L4Spec): number {
  switch (l4.kind) {
    case 'tcp':
      return TCP_MIN_HEADER_LENGTH + (l4.options?.length ?? 0) + l4.payload.length;
    case 'udp':
      return UDP_HEADER_LENGTH + (l4.payload instanceof Uint8Array ? l4.payload.length : vxlanLength(l4.payload));
    case 'sctp': {
      let n = SCTP_COMMON_HEADER_LENGTH;
      for (const c of l4.chunks) n += sctpChunkWireLength(c);
      return n;
    }
    case 'icmp':
      return icmpLength(l4.message);
    case 'raw':
      return l4.payload.length;
    default:
      return unreachable(l4, 'transport spec');
  }
}

function vxlanLength(v: VxlanSpec): number {
  return VXLAN_HEADER_LENGTH + (v.inner instanceof Uint8Array ? v.inner.length : frameLength(v.inner));
}

/** The IP total length (header + transport), bytes. */
export function ipv4TotalLength(spec: Ipv4FrameSpec): number {
  return IPV4_MIN_HEADER_LENGTH + (spec.ip.options?.length ?? 0) + l4Length(spec.l4);
}

/** Bytes `spec` encodes to, without padding. */
export function frameLength(spec: FrameSpec): number {
  switch (spec.kind) {
    case 'ipv4':
      return ETHERNET_HEADER_LENGTH + ipv4TotalLength(spec);
    case 'arp':
      return ETHERNET_HEADER_LENGTH + ARP_LENGTH;
    case 'raw':
      return ETHERNET_HEADER_LENGTH + spec.payload.length;
    default:
      return unreachable(spec, 'frame spec');
  }
}

export interface EncodeOptions {
  /**
   * Pad the frame with zero bytes up to this length (60 imitates a NIC's minimum-size padding).
   * Default 0: no padding, as captured on the sending host or on a veth.
   */
  readonly minLength?: number;
}

/**
 * Encodes `spec` as an Ethernet frame (no FCS) with correct lengths and checksums.
 * Throws VALUE_INVALID (naming the field) when a value does not fit its header field.
 */
export function encodeFrame(spec: FrameSpec, options: EncodeOptions = {}): Uint8Array {
  const len = frameLength(spec);
  const bytes = new Uint8Array(Math.max(len, options.minLength ?? 0));
  writeFrame(bytes, 0, spec);
  return bytes;
}

/**
 * Writes `spec` at `offset` into `bytes` (which must hold {@link frameLength} bytes from there)
 * and returns the offset after the frame.
 */
export function writeFrame(bytes: Uint8Array, offset: number, spec: FrameSpec): number {
  const ethertype = spec.kind === 'ipv4' ? ETHERTYPE.ipv4 : spec.kind === 'arp' ? ETHERTYPE.arp : spec.ethertype;
  checkUint(ethertype, 16, 'ethertype');
  let o = writeEthernet(bytes, offset, { dstMac: spec.dstMac, srcMac: spec.srcMac, ethertype });
  switch (spec.kind) {
    case 'ipv4':
      return writeIpv4Packet(bytes, o, spec);
    case 'arp':
      checkUint(spec.arp.senderIp, 32, 'arp.senderIp');
      checkUint(spec.arp.targetIp, 32, 'arp.targetIp');
      return writeArp(bytes, o, spec.arp);
    case 'raw':
      bytes.set(spec.payload, o);
      o += spec.payload.length;
      return o;
    default:
      return unreachable(spec, 'frame spec');
  }
}

function writeIpv4Packet(bytes: Uint8Array, offset: number, spec: Ipv4FrameSpec): number {
  const { ip, l4 } = spec;
  const options = ip.options ?? NO_BYTES;
  checkOptions(options, 'ip.options');
  const total = ipv4TotalLength(spec);
  if (total > 0xffff) throw invalid('ip.totalLength', `IP datagram of ${total} bytes exceeds 65535`);
  checkUint(ip.src, 32, 'ip.src');
  checkUint(ip.dst, 32, 'ip.dst');
  checkUint(ip.ttl, 8, 'ip.ttl');
  checkUint(ip.id, 16, 'ip.id');
  checkUint(ip.tos, 8, 'ip.tos');
  checkUint(ip.fragOffset ?? 0, 13, 'ip.fragOffset');
  const proto = protoOfL4(l4);
  checkUint(proto, 8, 'l4.proto');
  const l4Off = writeIpv4(bytes, offset, {
    tos: ip.tos,
    totalLength: total,
    id: ip.id,
    df: ip.df,
    mf: ip.mf ?? false,
    fragOffset: ip.fragOffset ?? 0,
    ttl: ip.ttl,
    proto,
    src: ip.src,
    dst: ip.dst,
    options,
  });
  const end = offset + total;
  writeL4(bytes, l4Off, end, l4, ip.src, ip.dst);
  return end;
}

function writeL4(bytes: Uint8Array, o: number, end: number, l4: L4Spec, src: number, dst: number): void {
  switch (l4.kind) {
    case 'tcp': {
      checkPorts(l4.sport, l4.dport, 'tcp');
      checkUint(l4.seq, 32, 'tcp.seq');
      checkUint(l4.ack, 32, 'tcp.ack');
      checkUint(l4.flags, 8, 'tcp.flags');
      checkUint(l4.window, 16, 'tcp.window');
      checkUint(l4.urgent ?? 0, 16, 'tcp.urgent');
      const options = l4.options ?? NO_BYTES;
      checkOptions(options, 'tcp.options');
      const p = writeTcp(bytes, o, { ...l4, urgent: l4.urgent ?? 0, options });
      bytes.set(l4.payload, p);
      fillTcpChecksum(bytes, o, end - o, src, dst);
      return;
    }
    case 'udp': {
      checkPorts(l4.sport, l4.dport, 'udp');
      const p = writeUdp(bytes, o, l4.sport, l4.dport, end - o);
      if (l4.payload instanceof Uint8Array) bytes.set(l4.payload, p);
      else writeVxlanPayload(bytes, p, l4.payload);
      if (l4.zeroChecksum !== true) fillUdpChecksum(bytes, o, end - o, src, dst);
      return;
    }
    case 'sctp': {
      checkPorts(l4.sport, l4.dport, 'sctp');
      checkUint(l4.vtag, 32, 'sctp.vtag');
      let p = writeSctpHeader(bytes, o, l4.sport, l4.dport, l4.vtag);
      for (const c of l4.chunks) {
        checkChunk(c);
        p = writeSctpChunk(bytes, p, c);
      }
      fillSctpChecksum(bytes, o, end);
      return;
    }
    case 'icmp':
      checkIcmp(l4.message);
      writeIcmp(bytes, o, l4.message);
      return;
    case 'raw':
      bytes.set(l4.payload, o);
      return;
    default:
      unreachable(l4, 'transport spec');
  }
}

function writeVxlanPayload(bytes: Uint8Array, o: number, v: VxlanSpec): void {
  checkUint(v.vni, 24, 'vxlan.vni');
  if (v.gbp !== undefined) checkUint(v.gbp.policyId, 16, 'vxlan.gbp.policyId');
  const p = writeVxlan(bytes, o, v.vni, v.gbp);
  if (v.inner instanceof Uint8Array) bytes.set(v.inner, p);
  else writeFrame(bytes, p, v.inner);
}

function checkIcmp(m: IcmpMessage): void {
  switch (m.kind) {
    case 'echo-request':
    case 'echo-reply':
      checkUint(m.id, 16, 'icmp.id');
      checkUint(m.seq, 16, 'icmp.seq');
      return;
    case 'dest-unreachable':
      checkUint(m.code, 8, 'icmp.code');
      checkUint(m.nextHopMtu, 16, 'icmp.nextHopMtu');
      return;
    case 'time-exceeded':
      checkUint(m.code, 8, 'icmp.code');
      return;
    case 'other':
      checkUint(m.type, 8, 'icmp.type');
      checkUint(m.code, 8, 'icmp.code');
      checkUint(m.rest, 32, 'icmp.rest');
      return;
    default:
      unreachable(m, 'ICMP message');
  }
}

function checkChunk(c: SctpChunk): void {
  switch (c.kind) {
    case 'init':
      checkUint(c.flags, 8, 'sctp.init.flags');
      checkUint(c.initiateTag, 32, 'sctp.init.initiateTag');
      checkUint(c.aRwnd, 32, 'sctp.init.aRwnd');
      checkUint(c.outStreams, 16, 'sctp.init.outStreams');
      checkUint(c.inStreams, 16, 'sctp.init.inStreams');
      checkUint(c.initialTsn, 32, 'sctp.init.initialTsn');
      return;
    case 'raw':
      checkUint(c.type, 8, 'sctp.chunk.type');
      checkUint(c.flags, 8, 'sctp.chunk.flags');
      return;
    default:
      unreachable(c, 'SCTP chunk');
  }
}

function checkPorts(sport: number, dport: number, what: string): void {
  checkUint(sport, 16, `${what}.sport`);
  checkUint(dport, 16, `${what}.dport`);
}

function checkOptions(options: Uint8Array, field: string): void {
  if (options.length % 4 !== 0 || options.length > 40) throw invalid(field, `${options.length} option bytes; want a multiple of 4, at most 40`);
}

function checkUint(v: number, bits: number, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 2 ** bits - 1) throw invalid(field, `${v} is not a ${bits}-bit unsigned integer`);
}

function invalid(field: string, message: string): KpemuError {
  return new KpemuError('VALUE_INVALID', `frame spec ${field}: ${message}`, { location: { field } });
}
