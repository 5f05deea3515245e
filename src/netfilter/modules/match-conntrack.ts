import { CT_STATE_BITS, CT_STATUS_BITS, type BitsMatch, type ConntrackMatch } from '../ast.js';
import { badValue, parseError, unsupported } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkInvert, checkOnce } from './option-checks.js';
import { parseBitList } from './name-list.js';

/**
 * `-m conntrack` (libxt_conntrack revision 3) with the options kube-proxy and flannel use:
 * `--ctstate`, `--ctstatus`, `--ctdir`. The other options are recognised (so abbreviations and
 * error messages behave as in iptables) but refused as unsupported.
 *
 * `--ctstatus NONE` is the kernel's empty status mask: `(status & 0) != 0` never holds, so the
 * match never matches (or always, inverted). It is kept as the NONE bit alone; NONE next to other
 * names adds nothing, as in iptables.
 */

/** Names in libxt_conntrack's parse order (which decides abbreviations). */
const STATE_PARSE: readonly (keyof typeof CT_STATE_BITS)[] = ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED', 'SNAT', 'DNAT'];
/** Names in the order iptables prints them. */
const STATE_PRINT: readonly (keyof typeof CT_STATE_BITS)[] = ['INVALID', 'NEW', 'RELATED', 'ESTABLISHED', 'UNTRACKED', 'SNAT', 'DNAT'];
const STATUS_PARSE: readonly (keyof typeof CT_STATUS_BITS)[] = ['NONE', 'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'];
const STATUS_PRINT: readonly (keyof typeof CT_STATUS_BITS)[] = ['EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'];

const UNSUPPORTED_OPTIONS = ['ctproto', 'ctorigsrc', 'ctorigdst', 'ctreplsrc', 'ctrepldst', 'ctorigsrcport', 'ctorigdstport', 'ctreplsrcport', 'ctrepldstport', 'ctexpire'];

/** Parses a `--ctstate` list into CT_STATE_BITS. */
export function parseCtStates(arg: string): number {
  return parseBitList(
    arg,
    STATE_PARSE,
    STATE_PARSE.map((n) => CT_STATE_BITS[n]),
    (rest) => badValue(`Bad ctstate "${rest}"`),
  );
}

/** CT_STATE_BITS → `RELATED,ESTABLISHED` in iptables' order. */
export function formatCtStates(bits: number): string {
  return STATE_PRINT.filter((n) => (bits & CT_STATE_BITS[n]) !== 0).join(',');
}

function parseCtStatus(arg: string): number {
  const bits = parseBitList(
    arg,
    STATUS_PARSE,
    STATUS_PARSE.map((n) => (n === 'NONE' ? 0 : CT_STATUS_BITS[n])),
    (rest) => badValue(`Bad ctstatus "${rest}"`),
  );
  return bits === 0 ? CT_STATUS_BITS.NONE : bits;
}

function formatCtStatus(bits: number): string {
  const names = STATUS_PRINT.filter((n) => (bits & CT_STATUS_BITS[n]) !== 0);
  return names.length === 0 ? 'NONE' : names.join(',');
}

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseConntrackMatch(uses: readonly OptionUse[]): ConntrackMatch {
  checkOnce('conntrack', uses);
  // Everything but --ctdir may be inverted (REPLY is itself stored as an inversion in the kernel).
  checkInvert('conntrack', uses, ['ctstate', 'ctstatus', ...UNSUPPORTED_OPTIONS]);
  if (uses.length === 0) throw parseError('conntrack: At least one option is required');
  const m: { -readonly [K in keyof ConntrackMatch]: ConntrackMatch[K] } = { kind: 'conntrack' };
  for (const u of uses) {
    if (u.name === 'ctstate') m.ctstate = { bits: parseCtStates(arg0(u)), invert: u.invert };
    else if (u.name === 'ctstatus') m.ctstatus = { bits: parseCtStatus(arg0(u)), invert: u.invert };
    else if (u.name === 'ctdir') {
      const v = arg0(u).toUpperCase();
      if (v !== 'ORIGINAL' && v !== 'REPLY') throw badValue(`conntrack: Bad value for "--ctdir" option: "${arg0(u)}"`);
      m.ctdir = v;
    } else throw unsupported(`conntrack: --${u.name} is not supported by kpemu`);
  }
  return m;
}

function inv(b: BitsMatch): string {
  return b.invert ? ' !' : '';
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveConntrackMatch(m: ConntrackMatch): string {
  let out = '';
  if (m.ctstate !== undefined) out += `${inv(m.ctstate)} --ctstate ${formatCtStates(m.ctstate.bits)}`;
  if (m.ctstatus !== undefined) out += `${inv(m.ctstatus)} --ctstatus ${formatCtStatus(m.ctstatus.bits)}`;
  if (m.ctdir !== undefined) out += ` --ctdir ${m.ctdir}`;
  return out;
}

/** What `iptables -L -n` prints for the match. */
export function printConntrackMatch(m: ConntrackMatch): string {
  let out = '';
  if (m.ctstate !== undefined) out += `${inv(m.ctstate)} ctstate ${formatCtStates(m.ctstate.bits)}`;
  if (m.ctstatus !== undefined) out += `${inv(m.ctstatus)} ctstatus ${formatCtStatus(m.ctstatus.bits)}`;
  if (m.ctdir !== undefined) out += ` ctdir ${m.ctdir}`;
  return out;
}

/** The module: its options, parse, save and print. */
export const conntrackMatch: MatchModule<ConntrackMatch> = {
  kind: 'conntrack',
  name: 'conntrack',
  options: [
    { names: ['ctstate'], args: 1 },
    { names: ['ctstatus'], args: 1 },
    { names: ['ctdir'], args: 1 },
    ...UNSUPPORTED_OPTIONS.map((n) => ({ names: [n], args: 1 as const })),
  ],
  parse: parseConntrackMatch,
  save: saveConntrackMatch,
  print: printConntrackMatch,
};
