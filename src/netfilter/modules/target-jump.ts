import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { checkChainTargetName, noOptions } from './target-standard.js';

type JumpTarget = Extract<Target, { kind: 'jump' }>;

/**
 * `-j CHAIN` for a word that is not a target extension. Whether the chain exists is decided when
 * the rule is applied (iptables-restore: "Couldn't load target" at that line).
 */
export function parseJumpTarget(name: string, uses: readonly OptionUse[]): JumpTarget {
  noOptions(uses);
  checkChainTargetName(name);
  return { kind: 'jump', chain: name };
}

/** The module: its options, parse, save and print. */
export const jumpTarget: TargetModule<JumpTarget> = {
  kind: 'jump',
  names: [],
  options: [],
  parse: parseJumpTarget,
  save: (t) => ` -j ${t.chain}`,
  listName: (t) => t.chain,
  print: () => '',
};
