/**
 * Plain descriptions of whole Ethernet frames: the {@link FrameSpec} one writes to build bytes,
 * and the {@link DecodedFrame} tree read back from bytes. Addresses are uint32 in host order,
 * ports and lengths plain numbers, MACs 6-byte Uint8Arrays, payloads Uint8Arrays.
 *
 * The IP protocol number is not part of the spec: it follows from the transport's `kind`
 * (tcp 6, udp 17, sctp 132, icmp 1; `raw` carries its own), so the two cannot disagree.
 * Payloads live with their transport (TCP/UDP data, SCTP chunks, ICMP body).
 */
import type { ArpPacket } from './arp.js';
import type { IcmpMessage, IcmpQuote } from './icmp.js';
import type { Ipv4Header } from './ipv4.js';
import type { Mac } from './mac.js';
import type { SctpChunk } from './sctp.js';
import type { VxlanGbp } from './vxlan.js';

/** The IPv4 header fields one chooses; lengths and the checksum are computed. */
export interface Ipv4Spec {
  /** uint32 host order. */
  readonly src: number;
  /** uint32 host order. */
  readonly dst: number;
  readonly ttl: number;
  /** Identification, uint16. */
  readonly id: number;
  readonly df: boolean;
  /** DSCP << 2 | ECN. */
  readonly tos: number;
  /** More-fragments flag (default false). A fragment's transport is not decoded (see {@link RawL4}). */
  readonly mf?: boolean;
  /** Fragment offset in 8-byte units (default 0). */
  readonly fragOffset?: number;
  /** IPv4 option bytes: a multiple of 4, at most 40 (default none). */
  readonly options?: Uint8Array;
}

export interface TcpSpec {
  readonly kind: 'tcp';
  readonly sport: number;
  readonly dport: number;
  /** uint32. */
  readonly seq: number;
  /** uint32. */
  readonly ack: number;
  /** Flag bits of byte 13 (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, ...). */
  readonly flags: number;
  readonly window: number;
  /** Default 0. */
  readonly urgent?: number;
  /** TCP option bytes: a multiple of 4, at most 40 (default none). */
  readonly options?: Uint8Array;
  readonly payload: Uint8Array;
}

/** A VXLAN header and the Ethernet frame it carries, as a UDP payload. */
export interface VxlanSpec {
  readonly kind: 'vxlan';
  /** 24-bit VNI. */
  readonly vni: number;
  readonly gbp?: VxlanGbp;
  /** The inner Ethernet frame, described or already encoded. */
  readonly inner: FrameSpec | Uint8Array;
}

export interface UdpSpec {
  readonly kind: 'udp';
  readonly sport: number;
  readonly dport: number;
  /** Send a zero checksum ("none", allowed over IPv4) instead of computing it. Default false. */
  readonly zeroChecksum?: boolean;
  readonly payload: Uint8Array | VxlanSpec;
}

export interface SctpSpec {
  readonly kind: 'sctp';
  readonly sport: number;
  readonly dport: number;
  /** Verification tag, uint32 (0 in a packet carrying INIT). */
  readonly vtag: number;
  readonly chunks: readonly SctpChunk[];
}

export interface IcmpSpec {
  readonly kind: 'icmp';
  readonly message: IcmpMessage;
}

/** Any other protocol, or an IP fragment: the IP payload as bytes. */
export interface RawL4Spec {
  readonly kind: 'raw';
  readonly proto: number;
  readonly payload: Uint8Array;
}

export type L4Spec = TcpSpec | UdpSpec | SctpSpec | IcmpSpec | RawL4Spec;

export interface Ipv4FrameSpec {
  readonly kind: 'ipv4';
  readonly dstMac: Mac;
  readonly srcMac: Mac;
  readonly ip: Ipv4Spec;
  readonly l4: L4Spec;
}

export interface ArpFrameSpec {
  readonly kind: 'arp';
  readonly dstMac: Mac;
  readonly srcMac: Mac;
  readonly arp: ArpPacket;
}

/** A frame with another EtherType, its payload kept as bytes. */
export interface RawFrameSpec {
  readonly kind: 'raw';
  readonly dstMac: Mac;
  readonly srcMac: Mac;
  readonly ethertype: number;
  readonly payload: Uint8Array;
}

export type FrameSpec = Ipv4FrameSpec | ArpFrameSpec | RawFrameSpec;

// ---- decoded values ---------------------------------------------------------------------

export interface DecodedTcp {
  readonly kind: 'tcp';
  readonly sport: number;
  readonly dport: number;
  readonly seq: number;
  readonly ack: number;
  /** Data offset × 4, bytes. */
  readonly headerLength: number;
  readonly flags: number;
  readonly window: number;
  readonly checksum: number;
  readonly checksumOk: boolean;
  readonly urgent: number;
  readonly options: Uint8Array;
  readonly payload: Uint8Array;
}

export interface DecodedVxlan {
  readonly kind: 'vxlan';
  /** Byte 0 of the VXLAN header (0x08 normally). */
  readonly flags: number;
  readonly vni: number;
  readonly gbp?: VxlanGbp;
  readonly inner: DecodedFrame;
}

export interface DecodedUdp {
  readonly kind: 'udp';
  readonly sport: number;
  readonly dport: number;
  /** Header plus payload, bytes. */
  readonly length: number;
  /** 0 when the sender computed none. */
  readonly checksum: number;
  /** True when correct or absent (0). */
  readonly checksumOk: boolean;
  readonly payload: Uint8Array | DecodedVxlan;
}

export interface DecodedSctp {
  readonly kind: 'sctp';
  readonly sport: number;
  readonly dport: number;
  readonly vtag: number;
  /** CRC32c, uint32. */
  readonly checksum: number;
  readonly checksumOk: boolean;
  readonly chunks: readonly SctpChunk[];
}

export interface DecodedIcmp {
  readonly kind: 'icmp';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly checksumOk: boolean;
  readonly message: IcmpMessage;
  /** For destination-unreachable and time-exceeded: what the quoted datagram says, when readable. */
  readonly quote?: IcmpQuote;
}

/** Another protocol, or a fragment (MF set or a non-zero offset): not decoded further. */
export interface RawL4 {
  readonly kind: 'raw';
  readonly proto: number;
  readonly payload: Uint8Array;
}

export type DecodedL4 = DecodedTcp | DecodedUdp | DecodedSctp | DecodedIcmp | RawL4;

export interface DecodedIpv4Frame {
  readonly kind: 'ipv4';
  readonly dstMac: Mac;
  readonly srcMac: Mac;
  readonly ip: Ipv4Header;
  readonly l4: DecodedL4;
  /** Bytes after the IP datagram (Ethernet padding), usually empty. */
  readonly trailer: Uint8Array;
}

export interface DecodedArpFrame {
  readonly kind: 'arp';
  readonly dstMac: Mac;
  readonly srcMac: Mac;
  readonly arp: ArpPacket;
  readonly trailer: Uint8Array;
}

export interface DecodedRawFrame {
  readonly kind: 'raw';
  readonly dstMac: Mac;
  readonly srcMac: Mac;
  readonly ethertype: number;
  readonly payload: Uint8Array;
}

export type DecodedFrame = DecodedIpv4Frame | DecodedArpFrame | DecodedRawFrame;
