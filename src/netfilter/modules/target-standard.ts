import { badValue, unknownOption } from '../text/errors.js';
import type { OptionUse } from './module-types.js';

/** Shared checks of the option-less targets (standard verdicts, jumps). */

/** XT_EXTENSION_MAXNAMELEN - 1: the longest chain or target name iptables accepts. */
export const CHAIN_NAME_MAX = 28;

/** Targets without options never receive uses; the parser reports unknown options itself. */
export function noOptions(uses: readonly OptionUse[]): void {
  const u = uses[0];
  if (u !== undefined) throw unknownOption(`unknown option "--${u.name}"`);
}

/** iptables' `xt_parse_target` checks on a `-j`/`-g` word. */
export function checkChainTargetName(name: string): void {
  if (name.length < 1) throw badValue('Invalid target name (too short)');
  if (name.length > CHAIN_NAME_MAX) throw badValue(`Invalid target name \`${name}' (${CHAIN_NAME_MAX} chars max)`);
}
