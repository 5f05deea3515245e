import type { StatisticMatch } from '../ast.js';
import { formatU31Fraction11, parseCDouble } from '../text/c-format.js';
import { badValue, parseError } from '../text/errors.js';
import type { MatchModule, OptionUse } from './module-types.js';
import { arg0, checkInvert, checkOnce, checkRequired, hasUse, lastUse, parseUint32Option } from './option-checks.js';

/**
 * `-m statistic`, libxt_statistic.
 * - random: `--probability p` (0..1, C strtod syntax) becomes the kernel's fixed point
 *   `lround(p * 2^31)`; the match holds when `(random_u32 & 0x7fffffff) < probabilityU31`. Saved
 *   back with `%.11f`, so 0.5000000000 comes back as 0.50000000000.
 * - nth: `--every n --packet p` (both required), 0 <= p <= n-1.
 */

/** The kernel's fixed-point probability for `p` (0..1), as libxt_statistic computes it. */
export function probabilityToU31(p: number): number {
  return Number.isNaN(p) ? 0 : Math.round(p * 2 ** 31);
}

/** `0.50000000000`, as iptables prints a stored probability. */
export function formatProbability(u31: number): string {
  return formatU31Fraction11(u31);
}

function parseProbability(u: OptionUse): number {
  const p = parseCDouble(arg0(u));
  // NaN passes iptables' range check (comparisons with NaN are false) and stores 0.
  if (p === undefined || p < 0 || p > 1) throw badValue('statistic: bad value for option "--probability", or out of range (0-1).');
  return probabilityToU31(p);
}

const INVERTIBLE: readonly string[] = ['probability', 'every'];

/** Builds the typed match from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseStatisticMatch(uses: readonly OptionUse[]): StatisticMatch {
  checkOnce('statistic', uses);
  checkInvert('statistic', uses, INVERTIBLE);
  checkRequired('statistic', uses, 'mode');
  const has = (name: string): boolean => hasUse(uses, name);
  if (has('probability') && has('every')) throw parseError('statistic: option "--probability" cannot be used together with "--every".');
  if (has('probability') && has('packet')) throw parseError('statistic: option "--probability" cannot be used together with "--packet".');
  if (has('every') && !has('packet')) throw parseError('statistic: option "--every" also requires "--packet".');
  if (has('packet') && !has('every')) throw parseError('statistic: option "--packet" also requires "--every".');
  const modeUse = lastUse(uses, 'mode') as OptionUse;
  const mode = arg0(modeUse);
  if (mode !== 'random' && mode !== 'nth') throw badValue(`Bad mode "${mode}"`);
  if (mode === 'random') {
    const p = lastUse(uses, 'probability');
    if (p === undefined) throw parseError('--probability must be specified when using random mode');
    return { kind: 'statistic', mode: 'random', probabilityU31: parseProbability(p), invert: p.invert };
  }
  const everyUse = lastUse(uses, 'every');
  const packetUse = lastUse(uses, 'packet');
  if (everyUse === undefined || packetUse === undefined) throw parseError('--every and --packet must be specified when using nth mode');
  const every = parseUint32Option('statistic', everyUse, 1, 0xffffffff);
  const packet = parseUint32Option('statistic', packetUse, 0, 0xffffffff);
  if (packet > every - 1) throw badValue('the --packet p must be 0 <= p <= n-1');
  return { kind: 'statistic', mode: 'nth', every, packet, invert: everyUse.invert };
}

/** The words iptables-save prints after ` -m NAME` (each preceded by a space; may be empty). */
export function saveStatisticMatch(m: StatisticMatch): string {
  const inv = m.invert ? ' !' : '';
  if (m.mode === 'random') return ` --mode random${inv} --probability ${formatProbability(m.probabilityU31)}`;
  return ` --mode nth${inv} --every ${m.every} --packet ${m.packet}`;
}

/** What `iptables -L -n` prints for the match. */
export function printStatisticMatch(m: StatisticMatch): string {
  const inv = m.invert ? ' !' : '';
  if (m.mode === 'random') return ` statistic mode random${inv} probability ${formatProbability(m.probabilityU31)}`;
  return ` statistic mode nth${inv} every ${m.every}${m.packet !== 0 ? ` packet ${m.packet}` : ''}`;
}

/** The module: its options, parse, save and print. */
export const statisticMatch: MatchModule<StatisticMatch> = {
  kind: 'statistic',
  name: 'statistic',
  options: [
    { names: ['mode'], args: 1 },
    { names: ['probability'], args: 1 },
    { names: ['every'], args: 1 },
    { names: ['packet'], args: 1 },
  ],
  parse: parseStatisticMatch,
  save: saveStatisticMatch,
  print: printStatisticMatch,
};
