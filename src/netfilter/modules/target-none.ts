import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { noOptions } from './target-standard.js';

type NoneTarget = Extract<Target, { kind: 'none' }>;

/** Shared: the value has no fields, so every rule may hold the same one. */
const NONE_TARGET: NoneTarget = Object.freeze({ kind: 'none' });

/** A rule without `-j`/`-g`: it only counts packets; iptables-save prints no target. */
export function parseNoneTarget(_name: string, uses: readonly OptionUse[]): NoneTarget {
  noOptions(uses);
  return NONE_TARGET;
}

/** The module: its options, parse, save and print. */
export const noneTarget: TargetModule<NoneTarget> = {
  kind: 'none',
  names: [],
  options: [],
  parse: parseNoneTarget,
  save: () => '',
  listName: () => '',
  print: () => '',
};
