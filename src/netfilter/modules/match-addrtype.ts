import { ADDRTYPE_BITS, type AddrtypeMatch, type BitsMatch } from '../ast.js';
import { badValue, parseError } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkExclusive, checkInvert, checkOnce } from './option-checks.js';
import { parseBitList } from './name-list.js';

/**
 * `-m addrtype [!] --src-type LIST [!] --dst-type LIST [--limit-iface-in|--limit-iface-out]`,
 * libxt_addrtype revision 1. Type names in the kernel's RTN_* order, which is also the print order.
 * Which hooks allow the limit-iface options is the kernel's check (at COMMIT), not the parser's.
 */

const NAMES = Object.keys(ADDRTYPE_BITS) as (keyof typeof ADDRTYPE_BITS)[];

function parseTypes(arg: string): number {
  return parseBitList(
    arg,
    NAMES,
    NAMES.map((n) => ADDRTYPE_BITS[n]),
    (rest, last) => badValue(last ? `addrtype: bad type "${rest}"` : `addrtype: bad type \`${rest}'`),
  );
}

function formatTypes(bits: number): string {
  return NAMES.filter((n) => (bits & ADDRTYPE_BITS[n]) !== 0).join(',');
}

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseAddrtypeMatch(uses: readonly OptionUse[]): AddrtypeMatch {
  checkOnce('addrtype', uses);
  checkInvert('addrtype', uses, ['src-type', 'dst-type']);
  checkExclusive('addrtype', uses, ['limit-iface-in', 'limit-iface-out']);
  let srcType: BitsMatch | undefined;
  let dstType: BitsMatch | undefined;
  let limitIfaceIn = false;
  let limitIfaceOut = false;
  for (const u of uses) {
    if (u.name === 'src-type') srcType = { bits: parseTypes(arg0(u)), invert: u.invert };
    else if (u.name === 'dst-type') dstType = { bits: parseTypes(arg0(u)), invert: u.invert };
    else if (u.name === 'limit-iface-in') limitIfaceIn = true;
    else if (u.name === 'limit-iface-out') limitIfaceOut = true;
    else throw parseError(`addrtype: unexpected option "--${u.name}"`);
  }
  if (srcType === undefined && dstType === undefined) throw parseError('addrtype: you must specify --src-type or --dst-type');
  const m: { -readonly [K in keyof AddrtypeMatch]: AddrtypeMatch[K] } = { kind: 'addrtype', limitIfaceIn, limitIfaceOut };
  if (srcType !== undefined) m.srcType = srcType;
  if (dstType !== undefined) m.dstType = dstType;
  return m;
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveAddrtypeMatch(m: AddrtypeMatch): string {
  let out = '';
  if (m.srcType !== undefined) out += `${m.srcType.invert ? ' !' : ''} --src-type ${formatTypes(m.srcType.bits)}`;
  if (m.dstType !== undefined) out += `${m.dstType.invert ? ' !' : ''} --dst-type ${formatTypes(m.dstType.bits)}`;
  if (m.limitIfaceIn) out += ' --limit-iface-in';
  if (m.limitIfaceOut) out += ' --limit-iface-out';
  return out;
}

/** What `iptables -L -n` prints for the match. */
export function printAddrtypeMatch(m: AddrtypeMatch): string {
  let out = ' ADDRTYPE match';
  if (m.srcType !== undefined) out += ` src-type ${m.srcType.invert ? '!' : ''}${formatTypes(m.srcType.bits)}`;
  if (m.dstType !== undefined) out += ` dst-type ${m.dstType.invert ? '!' : ''}${formatTypes(m.dstType.bits)}`;
  if (m.limitIfaceIn) out += ' limit-in';
  if (m.limitIfaceOut) out += ' limit-out';
  return out;
}

/** The module: its options, parse, save and print. */
export const addrtypeMatch: MatchModule<AddrtypeMatch> = {
  kind: 'addrtype',
  name: 'addrtype',
  options: [
    { names: ['src-type'], args: 1 },
    { names: ['dst-type'], args: 1 },
    { names: ['limit-iface-in'], args: 0 },
    { names: ['limit-iface-out'], args: 0 },
  ],
  parse: parseAddrtypeMatch,
  save: saveAddrtypeMatch,
  print: printAddrtypeMatch,
};
