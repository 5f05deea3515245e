import { KpemuError } from '../core/index.js';
import { IPPROTO_ICMP, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, protoHasPorts } from './element.js';
import { icmpNameToTypeCode } from './icmp-names.js';
import { SET_TYPES, type SetTypeName } from './types.js';

/**
 * Parsing of element text the way the ipset tool (7.x, lib/parse.c) parses it before anything
 * reaches the kernel. Errors here are "userspace" errors: in `ipset restore` they abort the line
 * before its command is sent, so a batch of earlier adds waiting to be sent is lost with it.
 */

/** Netlink attributes an element carries (they size the restore batches, see netlink-size.ts). */
export const ATTR = {
  IP: 1 << 0,
  IP_TO: 1 << 1,
  CIDR: 1 << 2,
  PORT: 1 << 3,
  PORT_TO: 1 << 4,
  PROTO: 1 << 5,
  IP2: 1 << 6,
  CIDR2: 1 << 7,
} as const;

/** An element as the tool sends it: possibly a range of first addresses and of ports. */
export interface ParsedElement {
  /** The first address as written (a test uses it unmasked, as the kernel does). */
  readonly ip: number;
  /** First-dimension address range, inclusive, host order (from = to for a single address). */
  readonly ipFrom: number;
  readonly ipTo: number;
  readonly proto: number;
  /** Port range, inclusive (ICMP: type << 8 | code). */
  readonly portFrom: number;
  readonly portTo: number;
  readonly ip2: number;
  /**
   * Prefix length of the network dimension (hash:net: dimension 1, hash:ip,port,net: 3); 0 when
   * the text gave none (the kernel then takes a host, /32). May be 0 or out of the kernel's range:
   * the kernel, not the tool, rejects /0.
   */
  readonly cidr: number;
  /** Which netlink attributes the tool fills (ATTR bits). */
  readonly attrs: number;
}

function badEntry(message: string, text: string): KpemuError {
  return new KpemuError('IPSET_BAD_ENTRY', message, { location: { text } });
}

/**
 * An IPv4 address as glibc's inet_aton reads it (what getaddrinfo falls back to for numeric
 * hosts): 1 to 4 parts, each decimal, octal (leading 0) or hex (0x); the last part fills the
 * remaining bytes (`1.1.1` is 1.1.0.1). Returns -1 when it is not such an address.
 */
export function parseInetAton(text: string): number {
  if (text.length === 0 || text.length > 64) return -1;
  const parts = text.split('.');
  if (parts.length > 4) return -1;
  const values: number[] = [];
  for (const p of parts) {
    let v: number;
    if (/^0[xX][0-9a-fA-F]*$/.test(p)) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (/^0[0-7]*$/.test(p)) v = p.length === 1 ? 0 : parseInt(p.slice(1), 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = parseInt(p, 10);
    else return -1;
    if (!Number.isSafeInteger(v)) return -1;
    values.push(v);
  }
  const n = values.length;
  const last = values[n - 1] as number;
  const lastMax = n === 1 ? 0xffffffff : n === 2 ? 0xffffff : n === 3 ? 0xffff : 0xff;
  if (last > lastMax) return -1;
  let addr = 0;
  for (let i = 0; i < n - 1; i++) {
    const v = values[i] as number;
    if (v > 255) return -1;
    addr = addr * 256 + v;
  }
  return (addr * (lastMax + 1) + last) >>> 0;
}

function parseAddress(s: string, whole: string): number {
  const a = parseInetAton(s);
  if (a < 0) throw badEntry(`Syntax error: cannot parse ${s}: resolving to IPv4 address failed`, whole);
  return a;
}

function parseNumber(s: string, min: number, max: number, whole: string): number {
  if (!/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(s)) throw badEntry(`Syntax error: '${s}' is invalid as number`, whole);
  const v = /^0[xX]/.test(s) ? parseInt(s.slice(2), 16) : /^0[0-7]+$/.test(s) ? parseInt(s, 8) : parseInt(s, 10);
  if (!Number.isSafeInteger(v) || v < min || v > max) throw badEntry(`Syntax error: '${s}' is out of range ${min}-${max}`, whole);
  return v;
}

/** `a.b.c.d`, `a.b.c.d/len` or `a.b.c.d-e.f.g.h`: returns [from, to, cidr (0 if none), attrs]. */
function parseIpSpec(s: string, allowRange: boolean, whole: string): [number, number, number, number] {
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const addr = parseAddress(s.slice(0, slash), whole);
    const cidr = parseNumber(s.slice(slash + 1), 0, 32, whole);
    return [addr, addr, cidr, ATTR.IP | ATTR.CIDR];
  }
  const dash = s.indexOf('-');
  if (dash >= 0) {
    if (!allowRange) throw badEntry(`Syntax error: FROM-TO IP range is not supported here: ${s}`, whole);
    const from = parseAddress(s.slice(0, dash), whole);
    const to = parseAddress(s.slice(dash + 1), whole);
    return [Math.min(from, to), Math.max(from, to), 0, ATTR.IP | ATTR.IP_TO];
  }
  const addr = parseAddress(s, whole);
  return [addr, addr, 0, ATTR.IP];
}

const PROTO_NAMES: Readonly<Record<string, number>> = {
  tcp: IPPROTO_TCP,
  TCP: IPPROTO_TCP,
  udp: IPPROTO_UDP,
  UDP: IPPROTO_UDP,
  sctp: IPPROTO_SCTP,
  SCTP: IPPROTO_SCTP,
  udplite: IPPROTO_UDPLITE,
  'UDP-Lite': IPPROTO_UDPLITE,
  icmp: IPPROTO_ICMP,
  ICMP: IPPROTO_ICMP,
};

/** A port or `from-to` port range for a protocol with ports. */
function parsePorts(s: string, whole: string): [number, number, boolean] {
  const dash = s.indexOf('-');
  if (dash > 0) {
    const a = parseServicePort(s.slice(0, dash), whole);
    const b = parseServicePort(s.slice(dash + 1), whole);
    return [Math.min(a, b), Math.max(a, b), true];
  }
  const p = parseServicePort(s, whole);
  return [p, p, false];
}

function parseServicePort(s: string, whole: string): number {
  if (/^[0-9]+$/.test(s)) return parseNumber(s, 0, 65535, whole);
  throw badEntry(`Syntax error: cannot parse '${s}' as a port: kpemu accepts port numbers only, not service names`, whole);
}

/** `[proto:]port[-port]` or `icmp:name|type/code`: returns [proto, portFrom, portTo, attrs]. */
function parseProtoPort(s: string, whole: string): [number, number, number, number] {
  const colon = s.indexOf(':');
  let proto = IPPROTO_TCP;
  let rest = s;
  if (colon >= 0) {
    const name = s.slice(0, colon);
    rest = s.slice(colon + 1);
    const p = PROTO_NAMES[name];
    if (p === undefined) {
      throw badEntry(
        /^[0-9]+$/.test(name) || /^[a-zA-Z][a-zA-Z0-9-]*$/.test(name)
          ? `Syntax error: kpemu supports the protocols tcp, udp, sctp, udplite and icmp, not '${name}'`
          : `Syntax error: cannot parse '${name}' as a protocol`,
        whole,
      );
    }
    proto = p;
  }
  if (proto === IPPROTO_ICMP) {
    const slash = rest.indexOf('/');
    if (slash >= 0) {
      const type = parseNumber(rest.slice(0, slash), 0, 255, whole);
      const code = parseNumber(rest.slice(slash + 1), 0, 255, whole);
      return [proto, (type << 8) | code, (type << 8) | code, ATTR.PORT | ATTR.PROTO];
    }
    const tc = icmpNameToTypeCode(rest);
    if (tc < 0) throw badEntry(`Syntax error: cannot parse ${rest} as an ICMP type/code.`, whole);
    return [proto, tc, tc, ATTR.PORT | ATTR.PROTO];
  }
  const [from, to, range] = parsePorts(rest, whole);
  return [proto, from, to, ATTR.PORT | ATTR.PROTO | (range ? ATTR.PORT_TO : 0)];
}

/** Splits `a,b,c` into the type's dimensions; the last dimension takes the rest, as the tool does. */
function splitDims(text: string, dims: number): string[] {
  const out: string[] = [];
  let rest = text;
  for (let d = 1; d < dims; d++) {
    const comma = rest.indexOf(',');
    if (comma < 0) {
      const which = d === 1 ? 'Second' : 'Third';
      throw badEntry(`Syntax error: ${which} element is missing from ${text}.`, text);
    }
    out.push(rest.slice(0, comma));
    rest = rest.slice(comma + 1);
  }
  out.push(rest);
  return out;
}

/** Parses an element of `type` as `ipset add/del/test` do. Throws IPSET_BAD_ENTRY. */
export function parseElement(type: SetTypeName, text: string): ParsedElement {
  const dims = splitDims(text, SET_TYPES[type].dimension);
  const d1 = dims[0] ?? '';
  switch (type) {
    case 'hash:ip': {
      const [from, to, cidr, attrs] = parseIpSpec(d1, true, text);
      if (attrs & ATTR.CIDR) {
        const [lo, hi] = cidrRange(from, cidr);
        return { ip: from, ipFrom: lo, ipTo: hi, proto: 0, portFrom: 0, portTo: 0, ip2: 0, cidr: 0, attrs };
      }
      return { ip: from, ipFrom: from, ipTo: to, proto: 0, portFrom: 0, portTo: 0, ip2: 0, cidr: 0, attrs };
    }
    case 'hash:net': {
      if (d1.includes('-')) throw badEntry(`Syntax error: kpemu does not expand FROM-TO ranges into networks: ${d1}`, text);
      const [addr, , cidr, attrs] = parseIpSpec(d1, false, text);
      return { ip: addr, ipFrom: addr, ipTo: addr, proto: 0, portFrom: 0, portTo: 0, ip2: 0, cidr: attrs & ATTR.CIDR ? cidr : 32, attrs };
    }
    case 'hash:ip,port':
    case 'hash:ip,port,ip':
    case 'hash:ip,port,net': {
      const [from, to, cidr, ipAttrs] = parseIpSpec(d1, true, text);
      const [lo, hi] = ipAttrs & ATTR.CIDR ? cidrRange(from, cidr) : [from, to];
      const [proto, portFrom, portTo, portAttrs] = parseProtoPort(dims[1] ?? '', text);
      if (type === 'hash:ip,port') {
        return { ip: from, ipFrom: lo, ipTo: hi, proto, portFrom, portTo, ip2: 0, cidr: 0, attrs: ipAttrs | portAttrs };
      }
      const d3 = dims[2] ?? '';
      if (type === 'hash:ip,port,ip') {
        if (d3.includes('/') || d3.includes('-')) throw badEntry(`Syntax error: a plain IP address is expected as third element: ${d3}`, text);
        const ip2 = parseAddress(d3, text);
        return { ip: from, ipFrom: lo, ipTo: hi, proto, portFrom, portTo, ip2, cidr: 0, attrs: ipAttrs | portAttrs | ATTR.IP2 };
      }
      if (d3.includes('-')) throw badEntry(`Syntax error: kpemu does not expand FROM-TO ranges into networks: ${d3}`, text);
      const [ip2, , cidr2, a3] = parseIpSpec(d3, false, text);
      const attrs = ipAttrs | portAttrs | ATTR.IP2 | (a3 & ATTR.CIDR ? ATTR.CIDR2 : 0);
      return { ip: from, ipFrom: lo, ipTo: hi, proto, portFrom, portTo, ip2, cidr: a3 & ATTR.CIDR ? cidr2 : 32, attrs };
    }
    case 'bitmap:port': {
      const colon = d1.indexOf(':');
      let portText = d1;
      if (colon >= 0) {
        const proto = PROTO_NAMES[d1.slice(0, colon)];
        if (proto === undefined || !protoHasPorts(proto)) throw badEntry(`Syntax error: cannot parse '${d1.slice(0, colon)}' as a TCP/UDP protocol`, text);
        portText = d1.slice(colon + 1);
      }
      const dash = portText.indexOf('-');
      if (dash > 0) {
        const a = parseNumber(portText.slice(0, dash), 0, 65535, text);
        const b = parseNumber(portText.slice(dash + 1), 0, 65535, text);
        return { ip: 0, ipFrom: 0, ipTo: 0, proto: 0, portFrom: Math.min(a, b), portTo: Math.max(a, b), ip2: 0, cidr: 0, attrs: ATTR.PORT | ATTR.PORT_TO };
      }
      const p = parseNumber(portText, 0, 65535, text);
      return { ip: 0, ipFrom: 0, ipTo: 0, proto: 0, portFrom: p, portTo: p, ip2: 0, cidr: 0, attrs: ATTR.PORT };
    }
    default: {
      const never: never = type;
      return never;
    }
  }
}

/** The address range a prefix covers (ip_set_mask_from_to). `cidr` 0 covers everything. */
function cidrRange(addr: number, cidr: number): [number, number] {
  if (cidr === 0) return [0, 0xffffffff];
  const mask = cidr === 32 ? 0xffffffff : (0xffffffff << (32 - cidr)) >>> 0;
  const lo = (addr & mask) >>> 0;
  return [lo, (lo | (~mask >>> 0)) >>> 0];
}

/** Number of elements a parsed element expands to. */
export function expansionSize(e: ParsedElement): number {
  return (e.ipTo - e.ipFrom + 1) * (e.portTo - e.portFrom + 1);
}
