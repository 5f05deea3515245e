import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { checkChainTargetName, noOptions } from './target-standard.js';

type GotoTarget = Extract<Target, { kind: 'goto' }>;

/**
 * `-g CHAIN`: continue in CHAIN without returning here. The word must name a chain; a target
 * extension name is refused by the rule parser ("goto 'X' is not a chain").
 */
export function parseGotoTarget(name: string, uses: readonly OptionUse[]): GotoTarget {
  noOptions(uses);
  checkChainTargetName(name);
  return { kind: 'goto', chain: name };
}

/** The module: its options, parse, save and print. */
export const gotoTarget: TargetModule<GotoTarget> = {
  kind: 'goto',
  names: [],
  options: [],
  parse: parseGotoTarget,
  save: (t) => ` -g ${t.chain}`,
  listName: (t) => t.chain,
  // iptables -L marks a goto after the addresses, before the matches; the listing renderer places it.
  print: () => '',
};
