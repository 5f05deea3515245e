import { createRequire } from 'node:module';
import type * as IpNum from 'ip-num';
import { KpemuError, type Ipv4, type Prefix, prefix, maskOfLength, lengthOfMask } from '../core/index.js';

/**
 * Address parsing at the edges. A hand-rolled fast path takes canonical dotted quads (most of a
 * 230,000-line restore payload); anything else goes to ip-num, which validates it and explains
 * what is wrong. Callers get uint32 numbers and never see ip-num's bigints.
 */

/**
 * ip-num, loaded on first use: only a non-canonical address needs it, and every CLI start would
 * otherwise pay for loading it. Its `main` is CommonJS, the module a static import gives too.
 */
let ipNum: typeof IpNum | null = null;
function validator(): typeof IpNum.Validator {
  ipNum ??= createRequire(import.meta.url)('ip-num') as typeof IpNum;
  return ipNum.Validator;
}

/** Parses canonical `a.b.c.d` (no leading zeros, each octet 0..255); returns -1 when not canonical. */
export function parseIpv4Fast(text: string): number {
  const n = text.length;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** Parses an IPv4 address in canonical dotted-quad form. Throws ADDRESS_INVALID. */
export function parseIpv4(text: string): Ipv4 {
  const fast = parseIpv4Fast(text);
  if (fast >= 0) return fast as Ipv4;
  const [ok, why] = validator().isValidIPv4String(text);
  const reason = ok ? 'leading zeros are ambiguous (octal or decimal); write the address without them' : (why[0] ?? 'not an IPv4 address');
  throw new KpemuError('ADDRESS_INVALID', `invalid IPv4 address "${text}": ${reason}`, { location: { text } });
}

/**
 * Parses like Go's `netutils.ParseIPSloppy`, which Kubernetes uses for object fields: leading
 * zeros are decimal (`10.180.00.001` is 10.180.0.1).
 */
export function parseIpv4Sloppy(text: string): Ipv4 {
  const fast = parseIpv4Fast(text);
  if (fast >= 0) return fast as Ipv4;
  const parts = text.split('.');
  if (parts.length === 4 && parts.every((p) => /^[0-9]{1,3}$/.test(p) && Number(p) <= 255)) {
    return parseIpv4(parts.map((p) => String(Number(p))).join('.'));
  }
  return parseIpv4(text);
}

/** True when `text` is an IPv4 address (any form parseIpv4Sloppy takes). */
export function isIpv4(text: string): boolean {
  try {
    parseIpv4Sloppy(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses `a.b.c.d`, `a.b.c.d/len` or `a.b.c.d/m.m.m.m` (iptables accepts a dotted mask).
 * The host bits are cleared, as iptables does. Throws ADDRESS_INVALID.
 */
export function parsePrefix(text: string, options: { sloppy?: boolean } = {}): Prefix {
  const parseAddr = options.sloppy === true ? parseIpv4Sloppy : parseIpv4;
  const slash = text.indexOf('/');
  if (slash < 0) return prefix(parseAddr(text), 32);
  const addr = parseAddr(text.slice(0, slash));
  const maskText = text.slice(slash + 1);
  if (/^[0-9]{1,2}$/.test(maskText)) {
    const len = Number(maskText);
    if (len <= 32) return prefix(addr, len);
  } else if (maskText.includes('.')) {
    const m = parseIpv4Fast(maskText);
    const len = m >= 0 ? lengthOfMask(m) : -1;
    if (len >= 0) return prefix(addr, len);
  }
  throw new KpemuError('ADDRESS_INVALID', `invalid prefix length or mask "/${maskText}" in "${text}"`, { location: { text } });
}

/** Parses a port number 0..65535. Throws VALUE_INVALID. */
export function parsePort(text: string): number {
  if (/^[0-9]{1,5}$/.test(text)) {
    const n = Number(text);
    if (n <= 65535) return n;
  }
  throw new KpemuError('VALUE_INVALID', `invalid port "${text}": expected a number from 0 to 65535`, { location: { text } });
}

export { maskOfLength };
