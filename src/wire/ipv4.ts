/**
 * The IPv4 header (RFC 791). Options are not interpreted: an IHL above 5 is honoured and the
 * option bytes are carried as they are.
 */
import { EMPTY_BYTES, getU16, getU32, getU8, need, putU16, putU32 } from './bytes.js';
import { internetChecksum, verifyInternetChecksum } from './checksum.js';
import { WireError } from './errors.js';

export const IPV4_MIN_HEADER_LENGTH = 20;
export const IPV4_MAX_HEADER_LENGTH = 60;
/** Flag bits in the 16-bit flags/fragment-offset word. */
export const IPV4_FLAG_DF = 0x4000;
export const IPV4_FLAG_MF = 0x2000;

/** The fields a writer needs. Addresses are uint32 in host order; lengths are in bytes. */
export interface Ipv4Fields {
  /** The whole second byte: DSCP in the upper 6 bits, ECN in the lower 2. */
  readonly tos: number;
  /** Header plus payload, bytes. */
  readonly totalLength: number;
  readonly id: number;
  readonly df: boolean;
  readonly mf: boolean;
  /** Fragment offset in 8-byte units, as in the header. */
  readonly fragOffset: number;
  readonly ttl: number;
  readonly proto: number;
  readonly src: number;
  readonly dst: number;
  /** Option bytes, a multiple of 4 and at most 40 bytes; empty for the usual 20-byte header. */
  readonly options: Uint8Array;
}

/** A parsed IPv4 header. */
export interface Ipv4Header extends Ipv4Fields {
  /** IHL × 4, bytes. */
  readonly headerLength: number;
  readonly dscp: number;
  readonly ecn: number;
  readonly checksum: number;
  /** Whether the header checksum verifies. A bad checksum is reported here, never thrown. */
  readonly checksumOk: boolean;
}

/** A checked view over an IPv4 header. */
export class Ipv4View {
  private b: Uint8Array = EMPTY_BYTES;
  private o = 0;

  /**
   * Points the view at `bytes[offset, end)`. Throws WIRE_TRUNCATED when the header (IHL × 4 bytes)
   * does not fit, WIRE_UNSUPPORTED for a version other than 4, WIRE_MALFORMED for IHL < 5.
   * The total length is not checked against the buffer here; the frame decoder does that.
   */
  wrap(bytes: Uint8Array, offset = 0, end: number = bytes.length): this {
    need(bytes, offset, IPV4_MIN_HEADER_LENGTH, 'ipv4 header', end);
    const vihl = getU8(bytes, offset);
    if (vihl >>> 4 !== 4) throw WireError.unsupported('ipv4 header', offset, `IP version ${vihl >>> 4}`);
    const hl = (vihl & 0x0f) * 4;
    if (hl < IPV4_MIN_HEADER_LENGTH) throw WireError.malformed('ipv4 header', offset, `IHL ${vihl & 0x0f} is below 5`);
    need(bytes, offset, hl, 'ipv4 header', end);
    this.b = bytes;
    this.o = offset;
    return this;
  }

  get headerLength(): number {
    return (getU8(this.b, this.o) & 0x0f) * 4;
  }
  get tos(): number {
    return getU8(this.b, this.o + 1);
  }
  set tos(v: number) {
    this.b[this.o + 1] = v & 0xff;
  }
  get dscp(): number {
    return this.tos >>> 2;
  }
  get ecn(): number {
    return this.tos & 3;
  }
  get totalLength(): number {
    return getU16(this.b, this.o + 2);
  }
  get id(): number {
    return getU16(this.b, this.o + 4);
  }
  set id(v: number) {
    putU16(this.b, this.o + 4, v);
  }
  get df(): boolean {
    return (getU16(this.b, this.o + 6) & IPV4_FLAG_DF) !== 0;
  }
  get mf(): boolean {
    return (getU16(this.b, this.o + 6) & IPV4_FLAG_MF) !== 0;
  }
  /** Fragment offset in 8-byte units. */
  get fragOffset(): number {
    return getU16(this.b, this.o + 6) & 0x1fff;
  }
  get ttl(): number {
    return getU8(this.b, this.o + 8);
  }
  set ttl(v: number) {
    this.b[this.o + 8] = v & 0xff;
  }
  get proto(): number {
    return getU8(this.b, this.o + 9);
  }
  get checksum(): number {
    return getU16(this.b, this.o + 10);
  }
  set checksum(v: number) {
    putU16(this.b, this.o + 10, v);
  }
  /** Source address, uint32 host order. */
  get src(): number {
    return getU32(this.b, this.o + 12);
  }
  set src(v: number) {
    putU32(this.b, this.o + 12, v);
  }
  /** Destination address, uint32 host order. */
  get dst(): number {
    return getU32(this.b, this.o + 16);
  }
  set dst(v: number) {
    putU32(this.b, this.o + 16, v);
  }
  /** The option bytes (a view into the buffer, not a copy). */
  get options(): Uint8Array {
    return this.b.subarray(this.o + IPV4_MIN_HEADER_LENGTH, this.o + this.headerLength);
  }
  /** Offset of the first payload byte. */
  get payloadOffset(): number {
    return this.o + this.headerLength;
  }

  checksumOk(): boolean {
    return verifyInternetChecksum(this.b, this.o, this.o + this.headerLength);
  }
  /** Recomputes the header checksum in place (after a field was changed). */
  fillChecksum(): void {
    putU16(this.b, this.o + 10, 0);
    putU16(this.b, this.o + 10, internetChecksum(this.b, this.o, this.o + this.headerLength));
  }

  toHeader(): Ipv4Header {
    const tos = this.tos;
    return {
      headerLength: this.headerLength,
      tos,
      dscp: tos >>> 2,
      ecn: tos & 3,
      totalLength: this.totalLength,
      id: this.id,
      df: this.df,
      mf: this.mf,
      fragOffset: this.fragOffset,
      ttl: this.ttl,
      proto: this.proto,
      checksum: this.checksum,
      checksumOk: this.checksumOk(),
      src: this.src,
      dst: this.dst,
      options: this.options,
    };
  }
}

/** Parses the IPv4 header at `offset` (see {@link Ipv4View.wrap} for the errors). */
export function parseIpv4(bytes: Uint8Array, offset = 0): Ipv4Header {
  return new Ipv4View().wrap(bytes, offset).toHeader();
}

/**
 * Writes an IPv4 header with a correct checksum at `offset` and returns the payload offset.
 * Preconditions: the header fits; `options.length` is a multiple of 4 and at most 40.
 */
export function writeIpv4(bytes: Uint8Array, offset: number, f: Ipv4Fields): number {
  const hl = IPV4_MIN_HEADER_LENGTH + f.options.length;
  bytes[offset] = 0x40 | (hl >>> 2);
  bytes[offset + 1] = f.tos & 0xff;
  putU16(bytes, offset + 2, f.totalLength);
  putU16(bytes, offset + 4, f.id);
  putU16(bytes, offset + 6, (f.df ? IPV4_FLAG_DF : 0) | (f.mf ? IPV4_FLAG_MF : 0) | (f.fragOffset & 0x1fff));
  bytes[offset + 8] = f.ttl & 0xff;
  bytes[offset + 9] = f.proto & 0xff;
  putU16(bytes, offset + 10, 0);
  putU32(bytes, offset + 12, f.src);
  putU32(bytes, offset + 16, f.dst);
  bytes.set(f.options, offset + IPV4_MIN_HEADER_LENGTH);
  putU16(bytes, offset + 10, internetChecksum(bytes, offset, offset + hl));
  return offset + hl;
}
