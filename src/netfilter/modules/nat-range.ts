import { formatIpv4 } from '../../core/index.js';
import { parseIpv4Fast } from '../../addr/index.js';
import type { NatRange, PortRange } from '../ast.js';
import { parseCUint } from '../text/c-number.js';
import { badValue, parseError, unsupported } from '../text/errors.js';
import type { OptionUse } from './module-types.js';

/**
 * NAT ranges of DNAT, SNAT and MASQUERADE as libxt_DNAT (iptables 1.8.9) reads and prints them:
 * `[addr[-addr]][:port[-port]]`. Addresses must be canonical dotted quads (inet_pton); a range
 * may run backwards (iptables keeps it). Ports are C numbers; `lo-hi` needs lo <= hi; a port needs
 * the rule's `-p` to be tcp, udp, sctp, dccp or icmp when the option is read (a `!` before -p
 * does not matter). The `/base` port offset of DNAT is not modelled.
 */

const PORT_PROTOS: readonly number[] = [6, 17, 132, 33, 1];

/** Whether the rule's protocol so far allows a port in a NAT range. */
export function natPortsAllowed(u: OptionUse): boolean {
  return PORT_PROTOS.includes(u.proto);
}

function addr(text: string): number {
  const a = parseIpv4Fast(text);
  if (a < 0) throw badValue(`Bad IP address "${text}"`);
  return a;
}

/** strtoui with an end index: the number at the start of `text` and where it stops, or null. */
function leadingNumber(text: string): { value: number; end: number } | null {
  // Fast path: decimal digits up to a non-digit.
  let k = 0;
  let v = 0;
  while (k < text.length && k < 6) {
    const c = text.charCodeAt(k);
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    k++;
  }
  if (k > 0 && text.charCodeAt(0) !== 48 && v <= 65535 && (k === text.length || !isDigit(text.charCodeAt(k)))) return { value: v, end: k };
  const m = /^[ \t\n\v\f\r]*\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(text);
  if (m === null) return null;
  const value = parseCUint(m[0], 0, 65535);
  return value < 0 ? null : { value, end: m[0].length };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `p` or `lo-hi` after the colon (MASQUERADE's --to-ports uses the same parser). */
export function parseNatPorts(text: string): PortRange {
  const first = leadingNumber(text);
  if (first === null) throw badValue(`Port \`${text}' not valid`);
  const rest = text.slice(first.end);
  if (rest === '') return { lo: first.value, hi: first.value };
  if (rest[0] === ':') throw badValue('Invalid port:port syntax - use dash');
  if (rest[0] !== '-') throw badValue(`Garbage after port value: \`${rest}'`);
  const maxText = rest.slice(1);
  const second = leadingNumber(maxText);
  if (second === null) throw badValue(`Port \`${maxText}' not valid`);
  if (second.value < first.value) throw badValue(`Port range \`${maxText}' funky`);
  const tail = maxText.slice(second.end);
  if (tail === '') return { lo: first.value, hi: second.value };
  if (tail[0] === '/') throw unsupported('a NAT port range with a /base offset is not supported by kpemu');
  throw badValue(`Garbage after port range: \`${tail}'`);
}

/** Parses `--to-destination`/`--to-source`. Throws KpemuError. */
export function parseNatRange(u: OptionUse): NatRange {
  const text = u.arg;
  if (text.indexOf('[') >= 0) throw badValue(`Bad IP address "${text}"`);
  let colon = text.indexOf(':');
  // Two colons mean an IPv6 address without a port in iptables' eyes: a bad IPv4 address here.
  if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) colon = -1;
  let ports: PortRange | undefined;
  if (colon >= 0) {
    if (!natPortsAllowed(u)) throw parseError('Need TCP, UDP, SCTP or DCCP with port specification');
    ports = parseNatPorts(text.slice(colon + 1));
  }
  const addrText = colon >= 0 ? text.slice(0, colon) : text;
  const portPart = ports === undefined ? { hasPorts: false, portLo: 0, portHi: 0 } : { hasPorts: true, portLo: ports.lo, portHi: ports.hi };
  if (colon === 0) return { hasAddr: false, addrLo: 0, addrHi: 0, ...portPart };
  const dash = addrText.indexOf('-');
  const lo = addr(dash < 0 ? addrText : addrText.slice(0, dash));
  const hi = dash < 0 ? lo : addr(addrText.slice(dash + 1));
  return { hasAddr: true, addrLo: lo, addrHi: hi, ...portPart };
}

/** `1.2.3.4-1.2.3.9:80-90` as iptables prints a range. */
export function formatNatRange(r: NatRange): string {
  let out = '';
  if (r.hasAddr) {
    out += formatIpv4(r.addrLo);
    if (r.addrHi !== r.addrLo) out += `-${formatIpv4(r.addrHi)}`;
  }
  if (r.hasPorts) {
    out += `:${r.portLo}`;
    if (r.portHi !== r.portLo) out += `-${r.portHi}`;
  }
  return out;
}

/**
 * {@link parseNatRange} for the form kube-proxy writes, `A.B.C.D:PORT` (canonical dotted quad,
 * plain decimal port) or `A.B.C.D`, read in place from `text[from, to)`; null for every other
 * form, which then goes through parseNatRange. `proto` is the rule's `-p` when the option was read.
 */
export function parsePlainNatRange(text: string, from: number, to: number, proto: number): NatRange | null {
  let addr = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  let i = from;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return null;
      addr = addr * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return null; // a leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return null;
      digits++;
    } else break;
  }
  if (dots !== 3 || digits === 0) return null;
  addr = addr * 256 + octet;
  if (i === to) return { hasAddr: true, addrLo: addr, addrHi: addr, hasPorts: false, portLo: 0, portHi: 0 };
  if (text.charCodeAt(i) !== 58 || !PORT_PROTOS.includes(proto)) return null;
  let port = 0;
  const p0 = ++i;
  for (; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    port = port * 10 + (c - 48);
    if (port > 65535) return null;
  }
  if (i === p0 || (text.charCodeAt(p0) === 48 && i - p0 > 1)) return null;
  return { hasAddr: true, addrLo: addr, addrHi: addr, hasPorts: true, portLo: port, portHi: port };
}
