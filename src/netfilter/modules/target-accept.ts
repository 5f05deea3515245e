import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { noOptions } from './target-standard.js';

type AcceptTarget = Extract<Target, { kind: 'accept' }>;

/** Shared: the value has no fields, so every rule may hold the same one. */
const ACCEPT_TARGET: AcceptTarget = Object.freeze({ kind: 'accept' });

/** `-j ACCEPT`: the standard verdict; iptables prints nothing after the target column. */
export function parseAcceptTarget(_name: string, uses: readonly OptionUse[]): AcceptTarget {
  noOptions(uses);
  return ACCEPT_TARGET;
}

/** The module: its options, parse, save and print. */
export const acceptTarget: TargetModule<AcceptTarget> = {
  kind: 'accept',
  names: ['ACCEPT'],
  options: [],
  parse: parseAcceptTarget,
  save: () => ' -j ACCEPT',
  listName: () => 'ACCEPT',
  print: () => '',
};
