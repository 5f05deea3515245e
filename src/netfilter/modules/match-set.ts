import type { SetMatch } from '../ast.js';
import { badValue, parseError, unsupported } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0 } from './option-checks.js';

/**
 * `-m set [!] --match-set NAME DIRS`, libxt_set revision 4 without its counter options. DIRS is
 * `src`/`dst` separated by commas, at most six (IPSET_DIM_MAX). iptables asks the kernel whether the
 * set exists while parsing (`Set X doesn't exist.`); kpemu leaves that to the ipset-aware layer.
 */

const MAX_DIRS = 6;
/** IPSET_MAXNAMELEN - 1 */
const MAX_NAME = 31;

function parseDirections(text: string): ('src' | 'dst')[] {
  const dirs: ('src' | 'dst')[] = [];
  for (const item of text.split(',')) {
    if (dirs.length >= MAX_DIRS) throw badValue(`Can't be more src/dst options than ${MAX_DIRS}.`);
    if (item !== 'src' && item !== 'dst') throw badValue("You must spefify (the comma separated list of) 'src' or 'dst'.");
    dirs.push(item);
  }
  return dirs;
}

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseSetMatch(uses: readonly OptionUse[]): SetMatch {
  let found: SetMatch | undefined;
  for (const u of uses) {
    if (u.name !== 'match-set') throw unsupported(`set: --${u.name} is not supported by kpemu`);
    if (found !== undefined) throw parseError('--match-set can be specified only once');
    const name = arg0(u);
    if (name.length > MAX_NAME) throw badValue(`setname \`${name}' too long, max ${MAX_NAME} characters.`);
    found = { kind: 'set', name, directions: parseDirections(u.arg2), invert: u.invert };
  }
  if (found === undefined) throw parseError("You must specify `--match-set' with proper arguments");
  return found;
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveSetMatch(m: SetMatch): string {
  return `${m.invert ? ' !' : ''} --match-set ${m.name} ${m.directions.join(',')}`;
}

/** What `iptables -L -n` prints for the match. */
export function printSetMatch(m: SetMatch): string {
  return `${m.invert ? ' !' : ''} match-set ${m.name} ${m.directions.join(',')}`;
}

/** The module: its options, parse, save and print. */
export const setMatch: MatchModule<SetMatch> = {
  kind: 'set',
  name: 'set',
  options: [
    { names: ['match-set', 'set'], args: 2, missingSecond: '--match-set requires two args.' },
    { names: ['return-nomatch'], args: 0 },
    { names: ['update-counters'], args: 0 },
    { names: ['update-subcounters'], args: 0 },
    { names: ['packets-eq'], args: 1 },
    { names: ['packets-lt'], args: 1 },
    { names: ['packets-gt'], args: 1 },
    { names: ['bytes-eq'], args: 1 },
    { names: ['bytes-lt'], args: 1 },
    { names: ['bytes-gt'], args: 1 },
  ],
  parse: parseSetMatch,
  save: saveSetMatch,
  print: printSetMatch,
};
