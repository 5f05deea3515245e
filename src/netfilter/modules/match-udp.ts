import type { PortMatch, UdpMatch } from '../ast.js';
import { badValue, parseError } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkOnce } from './option-checks.js';
import { printPortOption, savePortOption } from './ports.js';

/**
 * `-m udp`, libxt_udp. Unlike tcp it uses the xtopt framework, whose port ranges go through
 * getaddrinfo's service parsing: decimal only (`0x10` is refused, `010` is 10), the value taken
 * modulo 65536 (`65536` is 0), and no check that lo <= hi (`5:1` is accepted and never matches).
 * Like tcp, a full range is saved as nothing even when inverted.
 */

/** glibc getaddrinfo's numeric service: strtoul base 10 over the whole word, cut to 16 bits. */
function parseGaiPort(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)$/.exec(text);
  if (m === null) throw badValue(`Port "${text}" does not resolve to anything.`);
  const digits = m[2] ?? '';
  if (digits === '' && text !== '') throw badValue(`Port "${text}" does not resolve to anything.`);
  // Values past 2^64 saturate to ULONG_MAX, whose low 16 bits are 65535.
  const big = digits === '' ? 0n : BigInt(digits);
  let v = big >= 1n << 64n ? (1n << 64n) - 1n : big;
  if (m[1] === '-' && v !== 0n) v = (1n << 64n) - v;
  return Number(v & 0xffffn);
}

/** xtopt's PORTRC: `a`, `a:b`, `:b`, `a:`; an empty part is 0 (first) or 65535 (second). */
export function parseUdpPortRange(optionName: string, text: string): { lo: number; hi: number } {
  const parts = text.split(':');
  if (parts.length > 2) throw badValue(`udp: Too many components for option "--${optionName}" (max: 2)`);
  const values = parts.map((p, i) => (p === '' ? (i === 1 ? 65535 : 0) : parseGaiPort(p)));
  const lo = values[0] ?? 0;
  return { lo, hi: values.length === 2 ? (values[1] ?? 65535) : lo };
}

function portOption(u: OptionUse): PortMatch | undefined {
  const r = parseUdpPortRange(u.name, arg0(u));
  // A full range is "no port match" unless inverted (then it matches nothing, and -L shows it).
  return r.lo === 0 && r.hi === 65535 && !u.invert ? undefined : { ...r, invert: u.invert };
}

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseUdpMatch(uses: readonly OptionUse[]): UdpMatch {
  checkOnce('udp', uses);
  const m: { -readonly [K in keyof UdpMatch]: UdpMatch[K] } = { kind: 'udp' };
  for (const u of uses) {
    if (u.name === 'source-port') {
      const p = portOption(u);
      if (p !== undefined) m.sport = p;
    } else if (u.name === 'destination-port') {
      const p = portOption(u);
      if (p !== undefined) m.dport = p;
    } else throw parseError(`udp: unexpected option "--${u.name}"`);
  }
  return m;
}

function saved(p: PortMatch | undefined): p is PortMatch {
  return p !== undefined && (p.lo !== 0 || p.hi !== 65535);
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveUdpMatch(m: UdpMatch): string {
  let out = '';
  if (saved(m.sport)) out += savePortOption('sport', m.sport);
  if (saved(m.dport)) out += savePortOption('dport', m.dport);
  return out;
}

/** What `iptables -L -n` prints for the match. */
export function printUdpMatch(m: UdpMatch): string {
  let out = ' udp';
  if (m.sport !== undefined) out += printPortOption('spt', m.sport);
  if (m.dport !== undefined) out += printPortOption('dpt', m.dport);
  return out;
}

/** The module: its options, parse, save and print. */
export const udpMatch: MatchModule<UdpMatch> = {
  kind: 'udp',
  name: 'udp',
  options: [
    { names: ['source-port', 'sport'], args: 1 },
    { names: ['destination-port', 'dport'], args: 1 },
  ],
  parse: parseUdpMatch,
  save: saveUdpMatch,
  print: printUdpMatch,
};
