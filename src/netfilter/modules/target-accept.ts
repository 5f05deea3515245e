import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { noOptions } from './target-standard.js';

type AcceptTarget = Extract<Target, { kind: 'accept' }>;

/** `-j ACCEPT`: the standard verdict; iptables prints nothing after the target column. */
/** Shared: the value has no fields, so every rule may hold the same one. */
const ACCEPT_TARGET: AcceptTarget = { kind: 'accept' };

export function parseAcceptTarget(_name: string, uses: readonly OptionUse[]): AcceptTarget {
  noOptions(uses);
  return ACCEPT_TARGET;
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
