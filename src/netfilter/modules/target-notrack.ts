import type { Target } from '../ast.js';
import { parseError, unknownOption, unsupported } from '../text/errors.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { checkInvert, checkOnce, NONE_INVERTIBLE } from './option-checks.js';

type NotrackTarget = Extract<Target, { kind: 'notrack' }>;

/**
 * `-j NOTRACK` and `-j CT --notrack` (libxt_CT), raw table only (kernel check at COMMIT). Both are
 * the kernel's CT target with the notrack flag; iptables-save prints each the way it was written
 * (NOTRACK sets an alias flag), so the spelling is kept in `alias`. `iptables -L` shows the
 * target as CT either way. Other CT options (zones, helpers, timeouts) are not modelled.
 */

const CT_OPTIONS = ['notrack', 'helper', 'ctevents', 'expevents', 'zone', 'zone-orig', 'zone-reply', 'timeout'];

/** Builds the typed target from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseNotrackTarget(name: string, uses: readonly OptionUse[]): NotrackTarget {
  checkOnce('CT', uses);
  checkInvert('CT', uses, NONE_INVERTIBLE);
  if (name === 'NOTRACK') {
    // NOTRACK is a separate, option-less extension name in iptables.
    const u = uses[0];
    if (u !== undefined) throw unknownOption(`unknown option "--${u.name}"`);
    return { kind: 'notrack', alias: 'NOTRACK' };
  }
  for (const u of uses) if (u.name !== 'notrack') throw unsupported(`CT: --${u.name} is not supported by kpemu`);
  if (uses.length === 0) throw unsupported('CT without --notrack is not supported by kpemu');
  if (uses[0]?.name !== 'notrack') throw parseError('CT: --notrack expected');
  return { kind: 'notrack' };
}

/** The module: its options, parse, save and print. */
export const notrackTarget: TargetModule<NotrackTarget> = {
  kind: 'notrack',
  names: ['NOTRACK', 'CT'],
  options: CT_OPTIONS.map((n) => ({ names: [n], args: (n === 'notrack' ? 0 : 1) as 0 | 1 })),
  parse: parseNotrackTarget,
  save: (t) => (t.alias === 'NOTRACK' ? ' -j NOTRACK' : ' -j CT --notrack'),
  listName: () => 'CT',
  print: (t) => (t.alias === 'NOTRACK' ? ' NOTRACK' : ' CT notrack'),
};
