import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { noOptions } from './target-standard.js';

type DropTarget = Extract<Target, { kind: 'drop' }>;

/** `-j DROP`: the standard verdict. */
export function parseDropTarget(_name: string, uses: readonly OptionUse[]): DropTarget {
  noOptions(uses);
  return { kind: 'drop' };
}

export const dropTarget: TargetModule<DropTarget> = {
  kind: 'drop',
  names: ['DROP'],
  options: [],
  parse: parseDropTarget,
  save: () => ' -j DROP',
  listName: () => 'DROP',
  print: () => '',
};
