import type { NfacctMatch } from '../ast.js';
import { badValue, parseError } from '../text/errors.js';
import { saveString } from '../text/save-string.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkInvert, checkOnce, checkRequired, NONE_INVERTIBLE } from './option-checks.js';

/**
 * `-m nfacct --nfacct-name NAME`, libxt_nfacct. The object must exist (`nfacct add NAME`); the
 * kernel checks that at COMMIT, not the parser. iptables prints `--nfacct-name` followed by
 * xtables_save_string's own leading space, hence two spaces before the name.
 */

export function parseNfacctMatch(uses: readonly OptionUse[]): NfacctMatch {
  checkOnce('nfacct', uses);
  checkInvert('nfacct', uses, NONE_INVERTIBLE);
  checkRequired('nfacct', uses, 'nfacct-name');
  const u = uses[0] as OptionUse;
  if (u.name !== 'nfacct-name') throw parseError(`nfacct: unexpected option "--${u.name}"`);
  const name = arg0(u);
  if (name.length === 0) throw badValue('Argument must have a minimum length of 1 characters');
  return { kind: 'nfacct', name };
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveNfacctMatch(m: NfacctMatch): string {
  return ` --nfacct-name ${saveString(m.name)}`;
}

/** What `iptables -L -n` prints for the match. */
export function printNfacctMatch(m: NfacctMatch): string {
  return ` nfacct-name ${saveString(m.name)}`;
}

/** The module: its options, parse, save and print. */
export const nfacctMatch: MatchModule<NfacctMatch> = {
  kind: 'nfacct',
  name: 'nfacct',
  options: [{ names: ['nfacct-name'], args: 1 }],
  parse: parseNfacctMatch,
  save: saveNfacctMatch,
  print: printNfacctMatch,
};
