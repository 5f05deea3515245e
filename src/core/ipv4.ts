/**
 * IPv4 addresses as uint32 numbers in host order (10.0.0.1 is 0x0a000001).
 * Parsing of user text lives in `src/addr` (ip-num at the edge); this file only has the
 * arithmetic the hot path needs.
 */
export type Ipv4 = number & { readonly __ipv4: unique symbol };

/** Normalises any number to a uint32 address. */
export function ipv4(n: number): Ipv4 {
  return (n >>> 0) as Ipv4;
}

export function ipv4FromOctets(a: number, b: number, c: number, d: number): Ipv4 {
  return (((a << 24) | (b << 16) | (c << 8) | d) >>> 0) as Ipv4;
}

export function formatIpv4(addr: number): string {
  return `${addr >>> 24}.${(addr >>> 16) & 255}.${(addr >>> 8) & 255}.${addr & 255}`;
}

/** Netmask for a prefix length 0..32 as uint32; /0 is special-cased because `x << 32` is `x`. */
export function maskOfLength(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Prefix length of a contiguous mask, or -1 when the mask is not contiguous. */
export function lengthOfMask(mask: number): number {
  const m = mask >>> 0;
  let len = 0;
  while (len < 32 && ((m >>> (31 - len)) & 1) === 1) len++;
  return maskOfLength(len) === m ? len : -1;
}

/** An address prefix; `network` is already masked. */
export interface Prefix {
  readonly network: Ipv4;
  readonly length: number;
  readonly mask: number;
}

export function prefix(addr: number, length: number): Prefix {
  const mask = maskOfLength(length);
  return { network: ((addr & mask) >>> 0) as Ipv4, length, mask };
}

/** True when `addr` lies inside `p`. Compared in the int32 domain on both sides. */
export function prefixContains(p: Prefix, addr: number): boolean {
  return (addr & p.mask) === (p.network & p.mask);
}

export function formatPrefix(p: Prefix): string {
  return `${formatIpv4(p.network)}/${p.length}`;
}

export const LOOPBACK_PREFIX: Prefix = prefix(0x7f000000, 8);
