/**
 * SCTP (RFC 9260): the 12-byte common header with its CRC32c, and chunks. Only INIT is given
 * named fields (enough for conntrack's view of a new association); other chunks keep their
 * type, flags and value bytes.
 */
import { EMPTY_BYTES, getU16, getU32, getU32Le, getU8, need, putU16, putU32, putU32Le } from './bytes.js';
import { crc32c } from './checksum.js';
import { WireError } from './errors.js';
import { unreachable } from './never.js';

export const SCTP_COMMON_HEADER_LENGTH = 12;
export const SCTP_CHUNK_HEADER_LENGTH = 4;
export const SCTP_INIT_LENGTH = 20;
export const IPPROTO_SCTP = 132;
export const SCTP_CHUNK_TYPE = { data: 0, init: 1, initAck: 2 } as const;

/** An INIT chunk (type 1). */
export interface SctpInitChunk {
  readonly kind: 'init';
  readonly flags: number;
  /** uint32; the verification tag the peer must use. */
  readonly initiateTag: number;
  /** Advertised receiver window credit, bytes (uint32). */
  readonly aRwnd: number;
  readonly outStreams: number;
  readonly inStreams: number;
  /** uint32. */
  readonly initialTsn: number;
  /** Optional/variable-length parameters, raw (their own 4-byte padding included). */
  readonly params: Uint8Array;
}

/** Any other chunk, kept raw. */
export interface SctpRawChunk {
  readonly kind: 'raw';
  readonly type: number;
  readonly flags: number;
  /** The chunk value without the 4-byte chunk header and without padding. */
  readonly value: Uint8Array;
}

export type SctpChunk = SctpInitChunk | SctpRawChunk;

/** A parsed SCTP common header. */
export interface SctpHeader {
  readonly sport: number;
  readonly dport: number;
  /** uint32. */
  readonly vtag: number;
  /** The CRC32c as a uint32 (stored least significant byte first on the wire). */
  readonly checksum: number;
}

/** Bytes one chunk occupies on the wire, padding to a multiple of 4 included. */
export function sctpChunkWireLength(c: SctpChunk): number {
  return pad4(sctpChunkLength(c));
}

/** The chunk length field: header + value, padding excluded. */
export function sctpChunkLength(c: SctpChunk): number {
  switch (c.kind) {
    case 'init':
      return SCTP_INIT_LENGTH + c.params.length;
    case 'raw':
      return SCTP_CHUNK_HEADER_LENGTH + c.value.length;
    default:
      return unreachable(c, 'SCTP chunk');
  }
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}


/** A checked view over the SCTP common header. */
export class SctpView {
  private b: Uint8Array = EMPTY_BYTES;
  private o = 0;

  /** Points the view at `bytes[offset, end)`. Throws WIRE_TRUNCATED when, before `end`, fewer than 12 bytes remain. */
  wrap(bytes: Uint8Array, offset = 0, end: number = bytes.length): this {
    need(bytes, offset, SCTP_COMMON_HEADER_LENGTH, 'sctp header', end);
    this.b = bytes;
    this.o = offset;
    return this;
  }

  get sport(): number {
    return getU16(this.b, this.o);
  }
  get dport(): number {
    return getU16(this.b, this.o + 2);
  }
  get vtag(): number {
    return getU32(this.b, this.o + 4);
  }
  get checksum(): number {
    return getU32Le(this.b, this.o + 8);
  }
  get chunksOffset(): number {
    return this.o + SCTP_COMMON_HEADER_LENGTH;
  }

  /** CRC32c of the packet up to `end` (exclusive) with the checksum field taken as zero. */
  computeChecksum(end: number): number {
    let c = crc32c(this.b, this.o, this.o + 8);
    c = crc32c(ZERO4, 0, 4, c);
    return crc32c(this.b, this.o + SCTP_COMMON_HEADER_LENGTH, end, c);
  }

  checksumOk(end: number): boolean {
    return this.computeChecksum(end) === this.checksum;
  }

  toHeader(): SctpHeader {
    return { sport: this.sport, dport: this.dport, vtag: this.vtag, checksum: this.checksum };
  }
}

const ZERO4 = new Uint8Array(4);

/**
 * Parses the chunks in `bytes[offset, end)`. Throws WIRE_MALFORMED for a chunk length below its
 * minimum and WIRE_TRUNCATED when a chunk runs past `end`. Padding after the last chunk may be
 * missing (it is not counted in the length field).
 */
export function parseSctpChunks(bytes: Uint8Array, offset: number, end: number): SctpChunk[] {
  const chunks: SctpChunk[] = [];
  let o = offset;
  while (o < end) {
    need(bytes, o, SCTP_CHUNK_HEADER_LENGTH, 'sctp chunk', end);
    const type = getU8(bytes, o);
    const flags = getU8(bytes, o + 1);
    const len = getU16(bytes, o + 2);
    if (len < SCTP_CHUNK_HEADER_LENGTH) throw WireError.malformed('sctp chunk', o, `chunk length ${len} is below 4`);
    need(bytes, o, len, 'sctp chunk', end);
    if (type === SCTP_CHUNK_TYPE.init) {
      if (len < SCTP_INIT_LENGTH) throw WireError.malformed('sctp init chunk', o, `INIT length ${len} is below 20`);
      chunks.push({
        kind: 'init',
        flags,
        initiateTag: getU32(bytes, o + 4),
        aRwnd: getU32(bytes, o + 8),
        outStreams: getU16(bytes, o + 12),
        inStreams: getU16(bytes, o + 14),
        initialTsn: getU32(bytes, o + 16),
        params: bytes.subarray(o + SCTP_INIT_LENGTH, o + len),
      });
    } else {
      chunks.push({ kind: 'raw', type, flags, value: bytes.subarray(o + SCTP_CHUNK_HEADER_LENGTH, o + len) });
    }
    o = Math.min(end, o + pad4(len));
  }
  return chunks;
}

/** Writes one chunk with zero padding at `offset`; returns the offset after the padding. */
export function writeSctpChunk(bytes: Uint8Array, offset: number, c: SctpChunk): number {
  const len = sctpChunkLength(c);
  switch (c.kind) {
    case 'init':
      bytes[offset] = SCTP_CHUNK_TYPE.init;
      bytes[offset + 1] = c.flags & 0xff;
      putU16(bytes, offset + 2, len);
      putU32(bytes, offset + 4, c.initiateTag);
      putU32(bytes, offset + 8, c.aRwnd);
      putU16(bytes, offset + 12, c.outStreams);
      putU16(bytes, offset + 14, c.inStreams);
      putU32(bytes, offset + 16, c.initialTsn);
      bytes.set(c.params, offset + SCTP_INIT_LENGTH);
      break;
    case 'raw':
      bytes[offset] = c.type & 0xff;
      bytes[offset + 1] = c.flags & 0xff;
      putU16(bytes, offset + 2, len);
      bytes.set(c.value, offset + SCTP_CHUNK_HEADER_LENGTH);
      break;
    default:
      return unreachable(c, 'SCTP chunk');
  }
  bytes.fill(0, offset + len, offset + pad4(len));
  return offset + pad4(len);
}

/** Writes the common header with a zero checksum; returns the offset of the first chunk. */
export function writeSctpHeader(bytes: Uint8Array, offset: number, sport: number, dport: number, vtag: number): number {
  putU16(bytes, offset, sport);
  putU16(bytes, offset + 2, dport);
  putU32(bytes, offset + 4, vtag);
  putU32(bytes, offset + 8, 0);
  return offset + SCTP_COMMON_HEADER_LENGTH;
}

/** Computes and stores the CRC32c of the SCTP packet in `bytes[offset, end)`; returns it. */
export function fillSctpChecksum(bytes: Uint8Array, offset: number, end: number): number {
  putU32(bytes, offset + 8, 0);
  const c = crc32c(bytes, offset, end);
  putU32Le(bytes, offset + 8, c);
  return c;
}
