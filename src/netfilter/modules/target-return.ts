import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { noOptions } from './target-standard.js';

type ReturnTarget = Extract<Target, { kind: 'return' }>;

/** Shared: the value has no fields, so every rule may hold the same one. */
const RETURN_TARGET: ReturnTarget = Object.freeze({ kind: 'return' });

/** `-j RETURN`: back to the calling chain (or the built-in chain's policy). */
export function parseReturnTarget(_name: string, uses: readonly OptionUse[]): ReturnTarget {
  noOptions(uses);
  return RETURN_TARGET;
}

/** The module: its options, parse, save and print. */
export const returnTarget: TargetModule<ReturnTarget> = {
  kind: 'return',
  names: ['RETURN'],
  options: [],
  parse: parseReturnTarget,
  save: () => ' -j RETURN',
  listName: () => 'RETURN',
  print: () => '',
};
