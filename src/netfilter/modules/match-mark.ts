import type { MarkMatch } from '../ast.js';
import { parseError } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { checkOnce, checkRequired, hex, parseMarkMask } from './option-checks.js';

/**
 * `-m mark [!] --mark VALUE[/MASK]`, libxt_mark revision 1: matches `(skb->mark & mask) == value`.
 * The value is kept as written (iptables does not mask it), the mask defaults to 0xffffffff.
 */

export function parseMarkMatch(uses: readonly OptionUse[]): MarkMatch {
  checkOnce('mark', uses);
  checkRequired('mark', uses, 'mark');
  const u = uses[0] as OptionUse;
  if (u.name !== 'mark') throw parseError(`mark: unexpected option "--${u.name}"`);
  const { value, mask } = parseMarkMask('mark', u);
  return { kind: 'mark', value, mask, invert: u.invert };
}

/** ` 0x10` or ` 0x10/0xff`, as libxt_mark prints a value and mask. */
export function formatMarkMask(value: number, mask: number): string {
  return mask >>> 0 === 0xffffffff ? ` ${hex(value)}` : ` ${hex(value)}/${hex(mask)}`;
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveMarkMatch(m: MarkMatch): string {
  return `${m.invert ? ' !' : ''} --mark${formatMarkMask(m.value, m.mask)}`;
}

/** What `iptables -L -n` prints for the match. */
export function printMarkMatch(m: MarkMatch): string {
  return ` mark match${m.invert ? ' !' : ''}${formatMarkMask(m.value, m.mask)}`;
}

/** The module: its options, parse, save and print. */
export const markMatch: MatchModule<MarkMatch> = {
  kind: 'mark',
  name: 'mark',
  options: [{ names: ['mark'], args: 1 }],
  parse: parseMarkMatch,
  save: saveMarkMatch,
  print: printMarkMatch,
};
