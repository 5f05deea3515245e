import { formatIpv4, lengthOfMask, maskOfLength, prefix, type Prefix } from '../../core/index.js';
import { parseIpv4Fast } from '../../addr/index.js';
import type { IfaceMatch } from '../ast.js';
import { inetAton, parseCUint } from './c-number.js';
import { badValue, unsupported } from './errors.js';

/**
 * Addresses, masks and interface names as iptables reads and prints them. Canonical dotted quads
 * take the hand-written fast path of src/addr; the rest follows libxtables' own rules (which are
 * not inet_pton's: `10.1.2` means 10.1.2.0, octets may be octal or hex), so that kpemu accepts and
 * refuses exactly the words iptables does. Host names are not resolved.
 */

/** IFNAMSIZ - 1: the longest interface name the kernel stores. */
export const IFACE_MAX = 15;

/**
 * libxtables' `xtables_numeric_to_ipaddr` (and `_ipmask` when `isMask`): up to four parts, each
 * a C number 0..255; an address with fewer parts is completed with zeros (a mask is not).
 * Returns the uint32 address or -1.
 */
function xtNumericToIpaddr(text: string, isMask: boolean): number {
  // iptables copies the word into a 20-byte buffer first; longer words are cut there.
  const s = text.length > 19 ? text.slice(0, 19) : text;
  let addr = 0;
  let p = 0;
  for (let i = 0; i < 3; i++) {
    const q = s.indexOf('.', p);
    if (q < 0) {
      if (isMask) return -1;
      const b = parseCUint(s.slice(p), 0, 255);
      if (b < 0) return -1;
      addr = addr * 256 + b;
      for (let k = i + 1; k < 4; k++) addr *= 256;
      return addr;
    }
    const b = parseCUint(s.slice(p, q), 0, 255);
    if (b < 0) return -1;
    addr = addr * 256 + b;
    p = q + 1;
  }
  const b = parseCUint(s.slice(p), 0, 255);
  if (b < 0) return -1;
  return addr * 256 + b;
}

/**
 * An address as `-s`/`-d` take it: numeric forms first, then what getaddrinfo accepts for a
 * numeric host (inet_aton). Throws IPTABLES_BAD_VALUE ("host/network ... not found").
 */
export function parseHostAddress(text: string): number {
  const fast = parseIpv4Fast(text);
  if (fast >= 0) return fast;
  let a = xtNumericToIpaddr(text, false);
  if (a < 0) a = inetAton(text);
  if (a < 0) throw badValue(`host/network \`${text}' not found`);
  return a;
}

/** A mask after `/`: dotted (`255.255.0.0`) or a bit count read as a C number 0..32. */
function parseMaskLength(text: string): number {
  const c0 = text.length === 1 || text.length === 2 ? text.charCodeAt(0) : 0;
  if (c0 >= 49 && c0 <= 57) {
    // Fast path for "8", "24", "32".
    const v = text.length === 1 ? c0 - 48 : (c0 - 48) * 10 + (text.charCodeAt(1) - 48);
    if (text.length === 1 || (text.charCodeAt(1) >= 48 && text.charCodeAt(1) <= 57)) {
      if (v <= 32) return v;
    }
  }
  const dotted = xtNumericToIpaddr(text, true);
  if (dotted >= 0) {
    const len = lengthOfMask(dotted);
    if (len < 0) throw unsupported(`non-contiguous mask \`${text}' is not supported by kpemu`);
    return len;
  }
  const bits = parseCUint(text, 0, 32);
  if (bits < 0) throw badValue(`invalid mask \`${text}' specified`);
  return bits;
}

/**
 * `-s`/`-d` argument: `addr`, `addr/len` or `addr/dotted-mask`; host bits are cleared as iptables
 * does. Lists (`a,b`) make iptables add several rules, which one Rule cannot hold: refused.
 */
export function parseAddressArg(text: string): Prefix {
  if (text.indexOf(',') >= 0) throw unsupported(`several addresses in one rule ("${text}") are not supported by kpemu; write one rule per address`);
  const slash = text.lastIndexOf('/');
  if (slash < 0) return prefix(parseHostAddress(text), 32);
  const len = parseMaskLength(text.slice(slash + 1));
  return prefix(parseHostAddress(text.slice(0, slash)), len);
}

/** `a.b.c.d/len` as iptables-save prints an address (always with the length). */
export function formatPrefixSave(p: Prefix): string {
  return `${formatIpv4(p.network)}/${p.length}`;
}

/** An address as `iptables -L -n` prints it: no `/32`, otherwise `/len`. */
export function formatPrefixList(p: Prefix): string {
  return p.length === 32 ? formatIpv4(p.network) : `${formatIpv4(p.network)}/${p.length}`;
}

/**
 * `-i`/`-o` argument. A trailing `+` matches every name with that prefix; `+` alone matches every
 * interface (the kernel keeps the word, so it is kept here too). Throws IPTABLES_BAD_VALUE.
 */
export function parseIface(text: string, invert: boolean): IfaceMatch {
  if (text.length > IFACE_MAX) throw badValue(`interface name \`${text}' must be shorter than IFNAMSIZ (${IFACE_MAX})`);
  if (text.length === 0) throw badValue('Empty interface is likely to be undesired');
  if (text.charCodeAt(text.length - 1) === 43) return { name: text.slice(0, -1), wildcard: true, invert };
  return { name: text, wildcard: false, invert };
}

/** Interface as written on the command line and printed by iptables -L (`eth0`, `veth+`). */
export function formatIface(i: IfaceMatch): string {
  return i.wildcard ? `${i.name}+` : i.name;
}

/** A uint32 mask in dotted form, as `-m recent --mask` prints. */
export function formatDotted(mask: number): string {
  return formatIpv4(mask >>> 0);
}

/** Parses a dotted mask word the way getaddrinfo does for `-m recent --mask` (inet_aton). */
export function parseInetAtonMask(text: string): number {
  const a = inetAton(text);
  if (a < 0) throw badValue('getaddrinfo: Name or service not known');
  return a;
}

export { maskOfLength };
