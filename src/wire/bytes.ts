/**
 * Big-endian (network order) reads and writes on a Uint8Array. Callers check the length once
 * (see {@link need}); after that these accessors are infallible and allocation-free.
 */
import { WireError } from './errors.js';

/** Reads a big-endian uint16 at `o`. Precondition: `o + 2 <= b.length`. */
export function getU16(b: Uint8Array, o: number): number {
  return ((b[o] as number) << 8) | (b[o + 1] as number);
}

/** Reads a big-endian uint32 at `o` as an unsigned number. Precondition: `o + 4 <= b.length`. */
export function getU32(b: Uint8Array, o: number): number {
  return (((b[o] as number) << 24) | ((b[o + 1] as number) << 16) | ((b[o + 2] as number) << 8) | (b[o + 3] as number)) >>> 0;
}

/** Reads a little-endian uint32 (SCTP's CRC32c is stored least significant byte first). */
export function getU32Le(b: Uint8Array, o: number): number {
  return ((b[o] as number) | ((b[o + 1] as number) << 8) | ((b[o + 2] as number) << 16) | ((b[o + 3] as number) << 24)) >>> 0;
}

export function getU8(b: Uint8Array, o: number): number {
  return b[o] as number;
}

/** Writes the low 16 bits of `v` big-endian at `o`. */
export function putU16(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
}

/** Writes `v` (taken as uint32) big-endian at `o`. */
export function putU32(b: Uint8Array, o: number, v: number): void {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/** Writes `v` (taken as uint32) little-endian at `o`. */
export function putU32Le(b: Uint8Array, o: number, v: number): void {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
}

/**
 * Throws WIRE_TRUNCATED unless `len` bytes are available from `offset` within `end`
 * (an exclusive bound, defaulting to the buffer's length). `what` names the layer for the message.
 */
export function need(b: Uint8Array, offset: number, len: number, what: string, end: number = b.length): void {
  if (offset + len > end) throw WireError.truncated(what, offset, len, Math.max(0, end - offset));
}

/** An empty buffer shared by views that are not yet pointed at bytes. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);
