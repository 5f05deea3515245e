/**
 * The kernel's jhash2 (Bob Jenkins' lookup3 over 32-bit words, include/linux/jhash.h), which
 * ipset hash types use to pick a bucket: `jhash2(elem words, n, initval) & (2^bits - 1)`.
 * Reproducing it bit for bit lets the emulator place every element in the same bucket and slot
 * as the kernel, so `ipset save` lists elements in the kernel's order and the table resizes when
 * the kernel's does.
 */

const JHASH_INITVAL = 0xdeadbeef;

function rol32(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * jhash2 over `length` words of `k` starting at `offset`. Words are the element's bytes as the
 * kernel stores them (network order fields) read as little-endian u32, i.e. what an x86 kernel
 * sees. Returns a uint32. Allocation-free.
 */
export function jhash2(k: ArrayLike<number>, offset: number, length: number, initval: number): number {
  return jhash2Masked(k, offset, length, initval, -1) >>> 0;
}

/**
 * jhash2 already masked to a bucket index (`mask` = 2^bits - 1). The hot path uses this form:
 * the result stays a small integer, which V8 returns without boxing a heap number.
 */
export function jhash2Masked(k: ArrayLike<number>, offset: number, length: number, initval: number, mask: number): number {
  let a = (JHASH_INITVAL + (length << 2) + initval) | 0;
  let b = a;
  let c = a;
  let i = offset;
  let n = length;
  while (n > 3) {
    a = (a + (k[i] as number)) | 0;
    b = (b + (k[i + 1] as number)) | 0;
    c = (c + (k[i + 2] as number)) | 0;
    // __jhash_mix
    a = (a - c) | 0; a ^= rol32(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rol32(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rol32(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rol32(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rol32(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rol32(b, 4); b = (b + a) | 0;
    n -= 3;
    i += 3;
  }
  if (n === 0) return c & mask;
  if (n === 3) c = (c + (k[i + 2] as number)) | 0;
  if (n >= 2) b = (b + (k[i + 1] as number)) | 0;
  a = (a + (k[i] as number)) | 0;
  // __jhash_final
  c ^= b; c = (c - rol32(b, 14)) | 0;
  a ^= c; a = (a - rol32(c, 11)) | 0;
  b ^= a; b = (b - rol32(a, 25)) | 0;
  c ^= b; c = (c - rol32(b, 16)) | 0;
  a ^= c; a = (a - rol32(c, 4)) | 0;
  b ^= a; b = (b - rol32(a, 14)) | 0;
  c ^= b; c = (c - rol32(b, 24)) | 0;
  return c & mask;
}

/**
 * An IPv4 address (host order uint32) as the kernel's element word: the address is stored in
 * network order and read back little-endian, which is a byte swap.
 */
export function ipWord(addr: number): number {
  return (((addr & 0xff) << 24) | ((addr & 0xff00) << 8) | ((addr >>> 8) & 0xff00) | (addr >>> 24)) >>> 0;
}

/** Inverse of {@link ipWord}. */
export function wordIp(word: number): number {
  return ipWord(word);
}

/** A port (host order) in the low 16 bits of an element word: network order read little-endian. */
export function portBits(port: number): number {
  return ((port >>> 8) & 0xff) | ((port & 0xff) << 8);
}

/** Inverse of {@link portBits} on the low 16 bits of `word`. */
export function bitsPort(word: number): number {
  return ((word & 0xff) << 8) | ((word >>> 8) & 0xff);
}
