import type { PortMatch, PortRange } from '../ast.js';
import { parseCUint } from '../text/c-number.js';
import { badValue } from '../text/errors.js';

/**
 * Port words as libxtables reads them (`xtables_parse_port`): a C number 0..65535 (so `0x50` and
 * `010` are 80 and 8). Service names (`http`) need /etc/services and are refused here.
 */
export function parsePort(text: string): number {
  const v = parseCUint(text, 0, 65535);
  if (v < 0) throw badValue(`invalid port/service \`${text}' specified`);
  return v;
}

/**
 * `--sport`/`--dport` of tcp, udp and sctp: `p`, `lo:hi`, `:hi` (from 0) or `lo:` (to 65535).
 * Throws IPTABLES_BAD_VALUE.
 */
export function parseColonRange(text: string): PortRange {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text);
    return { lo: p, hi: p };
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const lo = a.length > 0 ? parsePort(a) : 0;
  const hi = b.length > 0 ? parsePort(b) : 65535;
  if (lo > hi) throw badValue('invalid portrange (min > max)');
  return { lo, hi };
}

/** parseColonRange with the `!` attached: the PortMatch tcp and sctp store. */
export function portMatch(text: string, invert: boolean): PortMatch {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text);
    return { lo: p, hi: p, invert };
  }
  const r = parseColonRange(text);
  return { lo: r.lo, hi: r.hi, invert };
}

/** A port match as tcp/udp save it: `[!] --NAME p` or `[!] --NAME lo:hi`. */
export function savePortOption(name: string, p: PortMatch): string {
  const inv = p.invert ? ' !' : '';
  return p.lo === p.hi ? `${inv} --${name} ${p.lo}` : `${inv} --${name} ${p.lo}:${p.hi}`;
}

/** tcp/udp/sctp's -L form: ` spt:80`, ` dpts:!1:2`. */
export function printPortOption(name: string, p: PortMatch): string {
  const inv = p.invert ? '!' : '';
  return p.lo === p.hi ? ` ${name}:${inv}${p.lo}` : ` ${name}s:${inv}${p.lo}:${p.hi}`;
}

/** True when a port match is the full range and not inverted: iptables stores nothing for it. */
export function isFullRange(p: PortMatch): boolean {
  return p.lo === 0 && p.hi === 65535 && !p.invert;
}
