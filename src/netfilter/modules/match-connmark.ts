import type { ConnmarkMatch } from '../ast.js';
import { parseError } from '../text/errors.js';
import { formatMarkMask } from './match-mark.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { checkOnce, checkRequired, parseMarkMask } from './option-checks.js';

/**
 * `-m connmark [!] --mark VALUE[/MASK]`, libxt_connmark revision 1: matches the connection's mark
 * like `-m mark` matches the packet's.
 */

export function parseConnmarkMatch(uses: readonly OptionUse[]): ConnmarkMatch {
  checkOnce('connmark', uses);
  checkRequired('connmark', uses, 'mark');
  const u = uses[0] as OptionUse;
  if (u.name !== 'mark') throw parseError(`connmark: unexpected option "--${u.name}"`);
  const { value, mask } = parseMarkMask('connmark', u);
  return { kind: 'connmark', value, mask, invert: u.invert };
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveConnmarkMatch(m: ConnmarkMatch): string {
  return `${m.invert ? ' !' : ''} --mark${formatMarkMask(m.value, m.mask)}`;
}

/** What `iptables -L -n` prints for the match. */
export function printConnmarkMatch(m: ConnmarkMatch): string {
  // "connmark match " then "!" then the mark with its own leading space: a double space when not inverted.
  return ` connmark match ${m.invert ? '!' : ''}${formatMarkMask(m.value, m.mask)}`;
}

/** The module: its options, parse, save and print. */
export const connmarkMatch: MatchModule<ConnmarkMatch> = {
  kind: 'connmark',
  name: 'connmark',
  options: [{ names: ['mark'], args: 1 }],
  parse: parseConnmarkMatch,
  save: saveConnmarkMatch,
  print: printConnmarkMatch,
};
