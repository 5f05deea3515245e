import { CT_STATE_BITS, type StateMatch } from '../ast.js';
import { badValue, parseError } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { formatCtStates } from './match-conntrack.js';
import { arg0, checkOnce, checkRequired } from './option-checks.js';
import { parseBitList } from './name-list.js';

/**
 * `-m state [!] --state LIST` (libxt_state, the older face of conntrack's state test). Only the
 * five classic states; SNAT and DNAT need `-m conntrack --ctstate`.
 */

const STATE_NAMES: readonly (keyof typeof CT_STATE_BITS)[] = ['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED'];

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseStateMatch(uses: readonly OptionUse[]): StateMatch {
  checkOnce('state', uses);
  checkRequired('state', uses, 'state');
  const u = uses[0] as OptionUse;
  if (u.name !== 'state') throw parseError(`state: unexpected option "--${u.name}"`);
  const bits = parseBitList(
    arg0(u),
    STATE_NAMES,
    STATE_NAMES.map((n) => CT_STATE_BITS[n]),
    (rest, last) =>
      last && rest === '' ? badValue('"--state" requires a list of states with no spaces, e.g. ESTABLISHED,RELATED') : badValue(`Bad state "${rest}"`),
  );
  return { kind: 'state', state: { bits, invert: u.invert } };
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveStateMatch(m: StateMatch): string {
  return `${m.state.invert ? ' !' : ''} --state ${formatCtStates(m.state.bits)}`;
}

/** What `iptables -L -n` prints for the match. */
export function printStateMatch(m: StateMatch): string {
  return `${m.state.invert ? ' !' : ''} state ${formatCtStates(m.state.bits)}`;
}

/** The module: its options, parse, save and print. */
export const stateMatch: MatchModule<StateMatch> = {
  kind: 'state',
  name: 'state',
  options: [{ names: ['state'], args: 1 }],
  parse: parseStateMatch,
  save: saveStateMatch,
  print: printStateMatch,
};
