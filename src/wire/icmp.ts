/**
 * ICMP for IPv4 (RFC 792, RFC 1191): echo request/reply, destination unreachable (with the
 * next-hop MTU of code 4, "fragmentation needed"), time exceeded; anything else is kept raw.
 * Error messages carry the start of the offending datagram, which {@link parseIcmpQuote} reads.
 */
import { EMPTY_BYTES, getU16, getU32, getU8, need, putU16, putU32 } from './bytes.js';
import { internetChecksum, verifyInternetChecksum } from './checksum.js';
import { unreachable } from './never.js';

export const ICMP_HEADER_LENGTH = 8;
export const IPPROTO_ICMP = 1;
export const ICMP_TYPE = { echoReply: 0, destUnreachable: 3, echoRequest: 8, timeExceeded: 11 } as const;
/** Destination-unreachable codes used by kpemu. */
export const ICMP_UNREACH = { net: 0, host: 1, protocol: 2, port: 3, fragNeeded: 4, adminProhibited: 13 } as const;
/** Time-exceeded codes. */
export const ICMP_TIME_EXCEEDED = { ttl: 0, reassembly: 1 } as const;

/** An ICMP message as a plain value (without its checksum). */
export type IcmpMessage =
  | { readonly kind: 'echo-request' | 'echo-reply'; readonly id: number; readonly seq: number; readonly data: Uint8Array }
  | {
      readonly kind: 'dest-unreachable';
      readonly code: number;
      /** Next-hop MTU in bytes (RFC 1191); meaningful for code 4, 0 otherwise. */
      readonly nextHopMtu: number;
      /** The start of the offending IP datagram (header + at least 8 bytes, see {@link icmpQuote}). */
      readonly original: Uint8Array;
    }
  | { readonly kind: 'time-exceeded'; readonly code: number; readonly original: Uint8Array }
  | {
      readonly kind: 'other';
      readonly type: number;
      readonly code: number;
      /** Bytes 4..7 of the header as a uint32. */
      readonly rest: number;
      readonly data: Uint8Array;
    };

/** The type number of a message. */
export function icmpType(m: IcmpMessage): number {
  switch (m.kind) {
    case 'echo-request':
      return ICMP_TYPE.echoRequest;
    case 'echo-reply':
      return ICMP_TYPE.echoReply;
    case 'dest-unreachable':
      return ICMP_TYPE.destUnreachable;
    case 'time-exceeded':
      return ICMP_TYPE.timeExceeded;
    case 'other':
      return m.type;
    default:
      return unreachable(m, 'ICMP message');
  }
}

/** The code of a message (0 for echo). */
export function icmpCode(m: IcmpMessage): number {
  switch (m.kind) {
    case 'echo-request':
    case 'echo-reply':
      return 0;
    case 'dest-unreachable':
    case 'time-exceeded':
    case 'other':
      return m.code;
    default:
      return unreachable(m, 'ICMP message');
  }
}

/** The bytes after the 8-byte header. */
export function icmpBody(m: IcmpMessage): Uint8Array {
  switch (m.kind) {
    case 'echo-request':
    case 'echo-reply':
    case 'other':
      return m.data;
    case 'dest-unreachable':
    case 'time-exceeded':
      return m.original;
    default:
      return unreachable(m, 'ICMP message');
  }
}

/** Bytes 4..7 of the header as a uint32. */
function icmpRest(m: IcmpMessage): number {
  switch (m.kind) {
    case 'echo-request':
    case 'echo-reply':
      return (((m.id & 0xffff) << 16) | (m.seq & 0xffff)) >>> 0;
    case 'dest-unreachable':
      return m.nextHopMtu & 0xffff;
    case 'time-exceeded':
      return 0;
    case 'other':
      return m.rest >>> 0;
    default:
      return unreachable(m, 'ICMP message');
  }
}

/** Length of the whole ICMP message in bytes. */
export function icmpLength(m: IcmpMessage): number {
  return ICMP_HEADER_LENGTH + icmpBody(m).length;
}

/** Writes the message with its checksum at `offset`; returns the offset after it. */
export function writeIcmp(bytes: Uint8Array, offset: number, m: IcmpMessage): number {
  const body = icmpBody(m);
  bytes[offset] = icmpType(m) & 0xff;
  bytes[offset + 1] = icmpCode(m) & 0xff;
  putU16(bytes, offset + 2, 0);
  putU32(bytes, offset + 4, icmpRest(m));
  bytes.set(body, offset + ICMP_HEADER_LENGTH);
  const end = offset + ICMP_HEADER_LENGTH + body.length;
  putU16(bytes, offset + 2, internetChecksum(bytes, offset, end));
  return end;
}

/** A checked view over an ICMP header. */
export class IcmpView {
  private b: Uint8Array = EMPTY_BYTES;
  private o = 0;

  /** Points the view at `bytes[offset, end)`. Throws WIRE_TRUNCATED when, before `end`, fewer than 8 bytes remain. */
  wrap(bytes: Uint8Array, offset = 0, end: number = bytes.length): this {
    need(bytes, offset, ICMP_HEADER_LENGTH, 'icmp header', end);
    this.b = bytes;
    this.o = offset;
    return this;
  }

  get type(): number {
    return getU8(this.b, this.o);
  }
  get code(): number {
    return getU8(this.b, this.o + 1);
  }
  get checksum(): number {
    return getU16(this.b, this.o + 2);
  }
  /** Echo identifier (bytes 4..5). */
  get id(): number {
    return getU16(this.b, this.o + 4);
  }
  /** Echo sequence number (bytes 6..7). */
  get seq(): number {
    return getU16(this.b, this.o + 6);
  }
  /** Next-hop MTU of a destination-unreachable (bytes 6..7). */
  get nextHopMtu(): number {
    return getU16(this.b, this.o + 6);
  }
  /** Bytes 4..7 as a uint32. */
  get rest(): number {
    return getU32(this.b, this.o + 4);
  }
  get bodyOffset(): number {
    return this.o + ICMP_HEADER_LENGTH;
  }

  /** Whether the checksum over the message up to `end` (exclusive) verifies. */
  checksumOk(end: number): boolean {
    return verifyInternetChecksum(this.b, this.o, end);
  }

  /** The message, its body being `bytes[bodyOffset, end)` (a view, not a copy). */
  toMessage(end: number): IcmpMessage {
    const body = this.b.subarray(this.o + ICMP_HEADER_LENGTH, end);
    const type = this.type;
    switch (type) {
      case ICMP_TYPE.echoRequest:
      case ICMP_TYPE.echoReply:
        // A non-zero code on an echo is not meaningful; keep such messages raw so nothing is lost.
        if (this.code !== 0) break;
        return { kind: type === ICMP_TYPE.echoRequest ? 'echo-request' : 'echo-reply', id: this.id, seq: this.seq, data: body };
      case ICMP_TYPE.destUnreachable:
        if (getU16(this.b, this.o + 4) !== 0) break;
        return { kind: 'dest-unreachable', code: this.code, nextHopMtu: this.nextHopMtu, original: body };
      case ICMP_TYPE.timeExceeded:
        if (this.rest !== 0) break;
        return { kind: 'time-exceeded', code: this.code, original: body };
      default:
        break;
    }
    return { kind: 'other', type, code: this.code, rest: this.rest, data: body };
  }
}

/** What an ICMP error tells about the datagram it quotes. Addresses are uint32 host order. */
export interface IcmpQuote {
  readonly src: number;
  readonly dst: number;
  readonly proto: number;
  readonly ttl: number;
  readonly id: number;
  readonly totalLength: number;
  /** TCP/UDP/SCTP ports when the quote reaches them, else 0. */
  readonly sport: number;
  readonly dport: number;
  /** For a quoted ICMP message: its type, code and (for echo) identifier; else 0. */
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly icmpId: number;
  /** How many bytes of the original transport header (and data) the quote holds. */
  readonly l4Length: number;
}

/**
 * Reads the quoted datagram of an ICMP error. Returns undefined when the quote is too short or
 * not IPv4 (a quote is partial by design, so this is not an error). Never throws.
 */
export function parseIcmpQuote(original: Uint8Array): IcmpQuote | undefined {
  if (original.length < 20) return undefined;
  const vihl = getU8(original, 0);
  const hl = (vihl & 0x0f) * 4;
  if (vihl >>> 4 !== 4 || hl < 20 || hl > original.length) return undefined;
  const proto = getU8(original, 9);
  const l4Length = original.length - hl;
  const hasPorts = (proto === 6 || proto === 17 || proto === 132) && l4Length >= 4;
  const isIcmp = proto === IPPROTO_ICMP && l4Length >= 2;
  const isEcho = isIcmp && l4Length >= 6 && (getU8(original, hl) === ICMP_TYPE.echoRequest || getU8(original, hl) === ICMP_TYPE.echoReply);
  return {
    src: getU32(original, 12),
    dst: getU32(original, 16),
    proto,
    ttl: getU8(original, 8),
    id: getU16(original, 4),
    totalLength: getU16(original, 2),
    sport: hasPorts ? getU16(original, hl) : 0,
    dport: hasPorts ? getU16(original, hl + 2) : 0,
    icmpType: isIcmp ? getU8(original, hl) : 0,
    icmpCode: isIcmp ? getU8(original, hl + 1) : 0,
    icmpId: isEcho ? getU16(original, hl + 4) : 0,
    l4Length,
  };
}

/**
 * The part of an IP datagram an ICMP error quotes: its header plus the first `l4Bytes` bytes
 * after it (RFC 792's 8 by default; Linux quotes as much as fits in 576 bytes, pass a larger
 * value to imitate that). Returns a view into `ipPacket`. Throws WIRE_TRUNCATED when `ipPacket`
 * is shorter than its IPv4 header.
 */
export function icmpQuote(ipPacket: Uint8Array, l4Bytes = 8): Uint8Array {
  need(ipPacket, 0, 20, 'ipv4 header');
  const hl = (getU8(ipPacket, 0) & 0x0f) * 4;
  need(ipPacket, 0, hl, 'ipv4 header');
  return ipPacket.subarray(0, Math.min(ipPacket.length, hl + l4Bytes));
}
