import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { noOptions } from './target-standard.js';

type AcceptTarget = Extract<Target, { kind: 'accept' }>;

/** `-j ACCEPT`: the standard verdict; iptables prints nothing after the target column. */
export function parseAcceptTarget(_name: string, uses: readonly OptionUse[]): AcceptTarget {
  noOptions(uses);
  return { kind: 'accept' };
}

export const acceptTarget: TargetModule<AcceptTarget> = {
  kind: 'accept',
  names: ['ACCEPT'],
  options: [],
  parse: parseAcceptTarget,
  save: () => ' -j ACCEPT',
  listName: () => 'ACCEPT',
  print: () => '',
};
