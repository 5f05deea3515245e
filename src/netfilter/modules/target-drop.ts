import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { noOptions } from './target-standard.js';

type DropTarget = Extract<Target, { kind: 'drop' }>;

/** Shared: the value has no fields, so every rule may hold the same one. */
const DROP_TARGET: DropTarget = Object.freeze({ kind: 'drop' });

/** `-j DROP`: the standard verdict. */
export function parseDropTarget(_name: string, uses: readonly OptionUse[]): DropTarget {
  noOptions(uses);
  return DROP_TARGET;
}

/** The module: its options, parse, save and print. */
export const dropTarget: TargetModule<DropTarget> = {
  kind: 'drop',
  names: ['DROP'],
  options: [],
  parse: parseDropTarget,
  save: () => ' -j DROP',
  listName: () => 'DROP',
  print: () => '',
};
