/**
 * The TCP header (RFC 9293). Options are not interpreted: a data offset above 5 is honoured and
 * the option bytes are carried as they are.
 */
import { EMPTY_BYTES, getU16, getU32, getU8, need, putU16, putU32 } from './bytes.js';
import { checksumOfSum, foldSum, pseudoHeaderSum, sum16 } from './checksum.js';
import { WireError } from './errors.js';

export const TCP_MIN_HEADER_LENGTH = 20;
export const IPPROTO_TCP = 6;

/** Flag bits of byte 13 (the same values as `TCP_FLAGS` in src/packet). */
export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80 } as const;

/** The fields a writer needs. */
export interface TcpFields {
  readonly sport: number;
  readonly dport: number;
  /** uint32. */
  readonly seq: number;
  /** uint32. */
  readonly ack: number;
  /** The 8 flag bits of byte 13 (see {@link TCP_FLAG}). */
  readonly flags: number;
  readonly window: number;
  readonly urgent: number;
  /** Option bytes, a multiple of 4 and at most 40. */
  readonly options: Uint8Array;
}

/** A parsed TCP header. */
export interface TcpHeader extends TcpFields {
  /** Data offset × 4, bytes. */
  readonly headerLength: number;
  readonly checksum: number;
}

/** A checked view over a TCP header. */
export class TcpView {
  private b: Uint8Array = EMPTY_BYTES;
  private o = 0;

  /**
   * Points the view at `bytes[offset, end)`. Throws WIRE_TRUNCATED when the header (data offset × 4
   * bytes) does not fit, WIRE_MALFORMED when the data offset is below 5.
   */
  wrap(bytes: Uint8Array, offset = 0, end: number = bytes.length): this {
    need(bytes, offset, TCP_MIN_HEADER_LENGTH, 'tcp header', end);
    const hl = (getU8(bytes, offset + 12) >>> 4) * 4;
    if (hl < TCP_MIN_HEADER_LENGTH) throw WireError.malformed('tcp header', offset, `data offset ${hl / 4} is below 5`);
    need(bytes, offset, hl, 'tcp header', end);
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
  get seq(): number {
    return getU32(this.b, this.o + 4);
  }
  get ack(): number {
    return getU32(this.b, this.o + 8);
  }
  get headerLength(): number {
    return (getU8(this.b, this.o + 12) >>> 4) * 4;
  }
  get flags(): number {
    return getU8(this.b, this.o + 13);
  }
  get window(): number {
    return getU16(this.b, this.o + 14);
  }
  get checksum(): number {
    return getU16(this.b, this.o + 16);
  }
  set checksum(v: number) {
    putU16(this.b, this.o + 16, v);
  }
  get urgent(): number {
    return getU16(this.b, this.o + 18);
  }
  get options(): Uint8Array {
    return this.b.subarray(this.o + TCP_MIN_HEADER_LENGTH, this.o + this.headerLength);
  }
  get payloadOffset(): number {
    return this.o + this.headerLength;
  }

  /**
   * Whether the checksum over the `segmentLength` bytes from the header (header + data, taken
   * from the IP total length) verifies for IPv4 addresses `src`/`dst` (uint32 host order).
   */
  checksumOk(src: number, dst: number, segmentLength: number): boolean {
    return foldSum(sum16(this.b, this.o, this.o + segmentLength, pseudoHeaderSum(src, dst, IPPROTO_TCP, segmentLength))) === 0xffff;
  }

  toHeader(): TcpHeader {
    return {
      sport: this.sport,
      dport: this.dport,
      seq: this.seq,
      ack: this.ack,
      headerLength: this.headerLength,
      flags: this.flags,
      window: this.window,
      checksum: this.checksum,
      urgent: this.urgent,
      options: this.options,
    };
  }
}

/** Parses the TCP header at `offset` (see {@link TcpView.wrap} for the errors). */
export function parseTcp(bytes: Uint8Array, offset = 0): TcpHeader {
  return new TcpView().wrap(bytes, offset).toHeader();
}

/**
 * Writes a TCP header with a zero checksum at `offset` and returns the payload offset. Call
 * {@link fillTcpChecksum} once the payload is in place. Precondition: the header fits.
 */
export function writeTcp(bytes: Uint8Array, offset: number, f: TcpFields): number {
  const hl = TCP_MIN_HEADER_LENGTH + f.options.length;
  putU16(bytes, offset, f.sport);
  putU16(bytes, offset + 2, f.dport);
  putU32(bytes, offset + 4, f.seq);
  putU32(bytes, offset + 8, f.ack);
  bytes[offset + 12] = (hl >>> 2) << 4;
  bytes[offset + 13] = f.flags & 0xff;
  putU16(bytes, offset + 14, f.window);
  putU16(bytes, offset + 16, 0);
  putU16(bytes, offset + 18, f.urgent);
  bytes.set(f.options, offset + TCP_MIN_HEADER_LENGTH);
  return offset + hl;
}

/**
 * Computes and stores the checksum of the TCP segment at `offset` (`segmentLength` bytes,
 * header included) for IPv4 addresses `src`/`dst` (uint32 host order). Returns the value.
 */
export function fillTcpChecksum(bytes: Uint8Array, offset: number, segmentLength: number, src: number, dst: number): number {
  putU16(bytes, offset + 16, 0);
  const c = checksumOfSum(sum16(bytes, offset, offset + segmentLength, pseudoHeaderSum(src, dst, IPPROTO_TCP, segmentLength)));
  putU16(bytes, offset + 16, c);
  return c;
}
