/**
 * The Internet checksum (RFC 1071) with incremental update (RFC 1624), the IPv4 pseudo-header
 * used by TCP and UDP, and CRC32c (Castagnoli) for SCTP (RFC 9260 appendix A).
 *
 * Sums are kept "unfolded" (plain non-negative numbers that may exceed 16 bits) while being
 * accumulated, because JavaScript numbers hold 53 bits exactly: folding once at the end is both
 * simpler and faster than folding per word.
 */

/**
 * Adds the bytes `[start, end)` as big-endian 16-bit words to `initial` and returns the unfolded
 * sum. An odd trailing byte is padded with a zero byte, as RFC 1071 prescribes.
 * Precondition: `start` is at an even distance from where the checksummed data begins.
 */
export function sum16(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let s = initial;
  let i = start;
  for (; i + 1 < end; i += 2) s += ((bytes[i] as number) << 8) | (bytes[i + 1] as number);
  if (i < end) s += (bytes[i] as number) << 8;
  return s;
}

/** Folds an unfolded sum into 16 bits with end-around carry (not complemented). */
export function foldSum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/** The checksum field value for data whose unfolded sum is `sum`: `~fold(sum)` as uint16. */
export function checksumOfSum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

/**
 * The Internet checksum of `bytes[start, end)`, starting from an unfolded `initial` sum (for
 * example a pseudo-header sum). Write the result into a zeroed checksum field.
 */
export function internetChecksum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  return checksumOfSum(sum16(bytes, start, end, initial));
}

/**
 * True when data that already contains its checksum field sums to 0xffff, the RFC 1071 check.
 * `initial` is the pseudo-header sum for TCP/UDP, 0 for IPv4 and ICMP.
 */
export function verifyInternetChecksum(bytes: Uint8Array, start: number, end: number, initial = 0): boolean {
  return foldSum(sum16(bytes, start, end, initial)) === 0xffff;
}

/**
 * Unfolded sum of the IPv4 pseudo-header (RFC 793 / RFC 768): source and destination address
 * (uint32, host order), zero, protocol number, and the TCP/UDP length in bytes (header + data).
 */
export function pseudoHeaderSum(src: number, dst: number, proto: number, l4Length: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + (proto & 0xff) + (l4Length & 0xffff);
}

/**
 * RFC 1624 eqn. 3 incremental update: the new checksum after one 16-bit word covered by
 * `checksum` changed from `oldWord` to `newWord`. NAT uses this instead of re-summing the packet.
 */
export function checksumReplace16(checksum: number, oldWord: number, newWord: number): number {
  return checksumOfSum((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff));
}

/** {@link checksumReplace16} for a 32-bit value (an address) seen as two words. */
export function checksumReplace32(checksum: number, oldValue: number, newValue: number): number {
  const s = (~checksum & 0xffff) + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff) + (newValue >>> 16) + (newValue & 0xffff);
  return checksumOfSum(s);
}

/** The reflected Castagnoli polynomial 0x1EDC6F41. */
const CRC32C_POLY_REFLECTED = 0x82f63b78;

const CRC32C_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ CRC32C_POLY_REFLECTED : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * CRC32c of `bytes[start, end)` as a uint32 (the value whose standard check is
 * crc32c("123456789") = 0xE3069283). Pass a previous result as `previous` to continue a CRC over
 * more data. SCTP stores this value least significant byte first.
 */
export function crc32c(bytes: Uint8Array, start = 0, end: number = bytes.length, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = start; i < end; i++) c = (CRC32C_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
