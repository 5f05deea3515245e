import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { formatNatRange, parseNatRange } from './nat-range.js';
import { checkInvert, checkOnce, checkRequired, lastUse, NONE_INVERTIBLE, hasUse } from './option-checks.js';

type DnatTarget = Extract<Target, { kind: 'dnat' }>;

/**
 * `-j DNAT --to-destination RANGE [--random] [--persistent]`, libxt_DNAT revision 2. Only valid in
 * the nat table's PREROUTING and OUTPUT paths: the kernel checks that at COMMIT.
 */
export function parseDnatTarget(_name: string, uses: readonly OptionUse[]): DnatTarget {
  checkOnce('DNAT', uses);
  checkInvert('DNAT', uses, NONE_INVERTIBLE);
  checkRequired('DNAT', uses, 'to-destination');
  const to = lastUse(uses, 'to-destination') as OptionUse;
  return {
    kind: 'dnat',
    to: parseNatRange(to),
    random: hasUse(uses, 'random'),
    persistent: hasUse(uses, 'persistent'),
  };
}

function flags(t: DnatTarget, dashes: string): string {
  return `${t.random ? ` ${dashes}random` : ''}${t.persistent ? ` ${dashes}persistent` : ''}`;
}

/** The module: its options, parse, save and print. */
export const dnatTarget: TargetModule<DnatTarget> = {
  kind: 'dnat',
  names: ['DNAT'],
  options: [
    { names: ['to-destination'], args: 1 },
    { names: ['random'], args: 0 },
    { names: ['persistent'], args: 0 },
  ],
  parse: parseDnatTarget,
  save: (t) => ` -j DNAT --to-destination ${formatNatRange(t.to)}${flags(t, '--')}`,
  listName: () => 'DNAT',
  print: (t) => ` to:${formatNatRange(t.to)}${flags(t, '')}`,
};
