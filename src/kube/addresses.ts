import { formatIpv4, formatPrefix, isKpemuError, type Prefix } from '../core/index.js';
import { parseIpv4Fast, parseIpv4Sloppy, parsePrefix } from '../addr/index.js';

/**
 * Addresses in Kubernetes objects, read like Go's `netutils.ParseIPSloppy` / `ParseCIDRSloppy`:
 * leading zeros are decimal (`10.180.00.001` is 10.180.0.1, `203.0.113.000/025` is
 * 203.0.113.0/25), the result is canonical text, a CIDR's host bits are cleared (Go returns the
 * masked network). kpemu emulates IPv4 only, so IPv6 is recognised, reported as such, and left
 * to the caller to skip or refuse.
 */

export type IpRead =
  | { readonly kind: 'ipv4'; readonly text: string; readonly value: number }
  | { readonly kind: 'ipv6' }
  | { readonly kind: 'invalid'; readonly reason: string };

export type CidrRead =
  | { readonly kind: 'ipv4'; readonly text: string; readonly prefix: Prefix }
  | { readonly kind: 'ipv6' }
  | { readonly kind: 'invalid'; readonly reason: string };

/** A shape check for IPv6 text; kpemu only needs to tell it apart from garbage. */
function looksLikeIpv6(text: string): boolean {
  return text.includes(':') && /^[0-9A-Fa-f:.]+(%[0-9A-Za-z._-]+)?$/.test(text) && text.length <= 45;
}

/** Reads an IP address (no surrounding whitespace allowed, as in Go). */
export function readIp(text: string): IpRead {
  return readCanonicalIpv4(text) ?? readIpGeneral(text);
}

/**
 * The common case, cheaply: `a.b.c.d` in canonical form (decimal 0-255 without leading zeros), whose
 * canonical text is itself. Null for anything else, which {@link readIpGeneral} then reads.
 */
export function readCanonicalIpv4(text: string): IpRead | null {
  const value = parseIpv4Fast(text);
  return value < 0 ? null : { kind: 'ipv4', text, value };
}

/** {@link readIp} for any text: IPv6 recognised, Go's sloppy leading zeros, errors explained. */
export function readIpGeneral(text: string): IpRead {
  if (looksLikeIpv6(text)) return { kind: 'ipv6' };
  if (text.trim() !== text) return { kind: 'invalid', reason: 'surrounding whitespace is not allowed' };
  // Go's sloppy parser takes any number of leading zeros ("0100" is 100); parseIpv4Sloppy takes up
  // to three digits, so strip them first.
  const parts = text.split('.');
  const normalised =
    parts.length === 4 && parts.every((p) => /^[0-9]+$/.test(p) && Number(p) <= 255) ? parts.map((p) => String(Number(p))).join('.') : text;
  try {
    const value = parseIpv4Sloppy(normalised);
    return { kind: 'ipv4', text: formatIpv4(value), value };
  } catch (e) {
    if (isKpemuError(e)) return { kind: 'invalid', reason: 'not an IPv4 address' };
    throw e;
  }
}

/** Reads `a.b.c.d/len` (Go's CIDR form: a prefix length, never a dotted mask). */
export function readCidr(text: string): CidrRead {
  const slash = text.indexOf('/');
  if (slash < 0) return { kind: 'invalid', reason: 'a CIDR needs a prefix length, e.g. 10.0.0.0/8' };
  const addr = text.slice(0, slash);
  const len = text.slice(slash + 1);
  if (looksLikeIpv6(addr) && /^[0-9]{1,3}$/.test(len)) {
    return Number(len) <= 128 ? { kind: 'ipv6' } : { kind: 'invalid', reason: 'prefix length must be 0-128' };
  }
  if (text.trim() !== text) return { kind: 'invalid', reason: 'surrounding whitespace is not allowed' };
  // Go's dtoi accepts leading zeros in the length ("/025"); parsePrefix wants at most two digits.
  if (!/^[0-9]+$/.test(len) || Number(len) > 32) return { kind: 'invalid', reason: 'prefix length must be 0-32' };
  const ip = readIp(addr);
  if (ip.kind !== 'ipv4') return { kind: 'invalid', reason: `"${addr}" is not an IPv4 address` };
  const prefix = parsePrefix(`${ip.text}/${Number(len)}`);
  return { kind: 'ipv4', text: formatPrefix(prefix), prefix };
}

/** True when two prefixes share any address. */
export function prefixesOverlap(a: Prefix, b: Prefix): boolean {
  const mask = a.length < b.length ? a.mask : b.mask;
  return ((a.network & mask) >>> 0) === ((b.network & mask) >>> 0);
}

/** The last address of a prefix, as uint32. */
export function prefixLast(p: Prefix): number {
  return (p.network | (~p.mask >>> 0)) >>> 0;
}
