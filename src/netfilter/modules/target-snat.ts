import type { Target } from '../ast.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { formatNatRange, parseNatRange } from './nat-range.js';
import { checkInvert, checkOnce, checkRequired, lastUse, NONE_INVERTIBLE, hasUse } from './option-checks.js';

type SnatTarget = Extract<Target, { kind: 'snat' }>;

/**
 * `-j SNAT --to-source RANGE [--random] [--random-fully] [--persistent]`, libxt_SNAT. Only valid
 * in the nat table's POSTROUTING and INPUT paths (kernel check at COMMIT).
 */
export function parseSnatTarget(_name: string, uses: readonly OptionUse[]): SnatTarget {
  checkOnce('SNAT', uses);
  checkInvert('SNAT', uses, NONE_INVERTIBLE);
  checkRequired('SNAT', uses, 'to-source');
  const to = lastUse(uses, 'to-source') as OptionUse;
  return {
    kind: 'snat',
    to: parseNatRange(to),
    random: hasUse(uses, 'random'),
    randomFully: hasUse(uses, 'random-fully'),
    persistent: hasUse(uses, 'persistent'),
  };
}

function flags(t: SnatTarget, dashes: string): string {
  return `${t.random ? ` ${dashes}random` : ''}${t.randomFully ? ` ${dashes}random-fully` : ''}${t.persistent ? ` ${dashes}persistent` : ''}`;
}

/** The module: its options, parse, save and print. */
export const snatTarget: TargetModule<SnatTarget> = {
  kind: 'snat',
  names: ['SNAT'],
  options: [
    { names: ['to-source'], args: 1 },
    { names: ['random'], args: 0 },
    { names: ['random-fully'], args: 0 },
    { names: ['persistent'], args: 0 },
  ],
  parse: parseSnatTarget,
  save: (t) => ` -j SNAT --to-source ${formatNatRange(t.to)}${flags(t, '--')}`,
  listName: () => 'SNAT',
  print: (t) => ` to:${formatNatRange(t.to)}${flags(t, '')}`,
};
