/**
 * The UDP header (RFC 768). Over IPv4 a zero checksum means "not computed"; a computed checksum
 * of zero is sent as 0xffff.
 */
import { EMPTY_BYTES, getU16, need, putU16 } from './bytes.js';
import { checksumOfSum, foldSum, pseudoHeaderSum, sum16 } from './checksum.js';

export const UDP_HEADER_LENGTH = 8;
export const IPPROTO_UDP = 17;

/** A parsed UDP header. */
export interface UdpHeader {
  readonly sport: number;
  readonly dport: number;
  /** Header plus payload, bytes. */
  readonly length: number;
  readonly checksum: number;
}

/** A checked view over a UDP header. */
export class UdpView {
  private b: Uint8Array = EMPTY_BYTES;
  private o = 0;

  /** Points the view at `bytes[offset, end)`. Throws WIRE_TRUNCATED when, before `end`, fewer than 8 bytes remain. */
  wrap(bytes: Uint8Array, offset = 0, end: number = bytes.length): this {
    need(bytes, offset, UDP_HEADER_LENGTH, 'udp header', end);
    this.b = bytes;
    this.o = offset;
    return this;
  }

  get sport(): number {
    return getU16(this.b, this.o);
  }
  set sport(v: number) {
    putU16(this.b, this.o, v);
  }
  get dport(): number {
    return getU16(this.b, this.o + 2);
  }
  set dport(v: number) {
    putU16(this.b, this.o + 2, v);
  }
  get length(): number {
    return getU16(this.b, this.o + 4);
  }
  get checksum(): number {
    return getU16(this.b, this.o + 6);
  }
  set checksum(v: number) {
    putU16(this.b, this.o + 6, v);
  }
  get payloadOffset(): number {
    return this.o + UDP_HEADER_LENGTH;
  }

  /**
   * Whether the checksum over the `length` bytes from the header verifies, given the IPv4
   * addresses (uint32 host order). A zero checksum ("none") counts as correct.
   * Precondition: `length` bytes are available.
   */
  checksumOk(src: number, dst: number): boolean {
    if (this.checksum === 0) return true;
    const len = this.length;
    return foldSum(sum16(this.b, this.o, this.o + len, pseudoHeaderSum(src, dst, IPPROTO_UDP, len))) === 0xffff;
  }

  toHeader(): UdpHeader {
    return { sport: this.sport, dport: this.dport, length: this.length, checksum: this.checksum };
  }
}

/** Parses the UDP header at `offset`. Throws WIRE_TRUNCATED when it does not fit. */
export function parseUdp(bytes: Uint8Array, offset = 0): UdpHeader {
  return new UdpView().wrap(bytes, offset).toHeader();
}

/**
 * Writes a UDP header with a zero checksum at `offset`; returns the payload offset.
 * Call {@link fillUdpChecksum} once the payload is in place.
 */
export function writeUdp(bytes: Uint8Array, offset: number, sport: number, dport: number, length: number): number {
  putU16(bytes, offset, sport);
  putU16(bytes, offset + 2, dport);
  putU16(bytes, offset + 4, length);
  putU16(bytes, offset + 6, 0);
  return offset + UDP_HEADER_LENGTH;
}

/**
 * Computes and stores the checksum of the UDP datagram at `offset` (`length` bytes, header
 * included) for IPv4 addresses `src`/`dst` (uint32 host order). Returns the stored value.
 */
export function fillUdpChecksum(bytes: Uint8Array, offset: number, length: number, src: number, dst: number): number {
  putU16(bytes, offset + 6, 0);
  const c = checksumOfSum(sum16(bytes, offset, offset + length, pseudoHeaderSum(src, dst, IPPROTO_UDP, length)));
  const stored = c === 0 ? 0xffff : c;
  putU16(bytes, offset + 6, stored);
  return stored;
}
