import { parseCUint } from '../text/c-number.js';
import { badValue, parseError } from '../text/errors.js';
import type { OptionUse } from './module-types.js';

/**
 * The generic checks libxtables' option framework (xtopt) makes for most modules, with its
 * messages: an option at most once, `!` only where allowed, mandatory and exclusive options.
 */

/** `NAME: option "--x" can only be used once.` */
export function checkOnce(module: string, uses: readonly OptionUse[]): void {
  for (let i = 1; i < uses.length; i++) {
    const name = (uses[i] as OptionUse).name;
    for (let j = 0; j < i; j++) {
      if ((uses[j] as OptionUse).name === name) throw parseError(`${module}: option "--${name}" can only be used once.`);
    }
  }
}

/** For modules none of whose options may be inverted. */
export const NONE_INVERTIBLE: readonly string[] = [];

/** `NAME: option "--x" cannot be inverted.` for every inverted use whose name is not in `invertible`. */
export function checkInvert(module: string, uses: readonly OptionUse[], invertible: readonly string[]): void {
  for (const u of uses) {
    if (u.invert && !invertible.includes(u.name)) throw parseError(`${module}: option "--${u.name}" cannot be inverted.`);
  }
}

/** `NAME: option "--b" cannot be used together with "--a".` when both appear. */
export function checkExclusive(module: string, uses: readonly OptionUse[], group: readonly string[]): void {
  let first: OptionUse | undefined;
  for (const u of uses) {
    if (!group.includes(u.name)) continue;
    if (first !== undefined && first.name !== u.name) {
      throw parseError(`${module}: option "--${u.name}" cannot be used together with "--${first.name}".`);
    }
    first ??= u;
  }
}

/** `NAME: option "--x" must be specified` */
export function checkRequired(module: string, uses: readonly OptionUse[], name: string): void {
  if (!hasUse(uses, name)) throw parseError(`${module}: option "--${name}" must be specified`);
}

/** Whether an option was used. */
export function hasUse(uses: readonly OptionUse[], name: string): boolean {
  for (let i = 0; i < uses.length; i++) if ((uses[i] as OptionUse).name === name) return true;
  return false;
}

/** The last use of an option, if any. */
export function lastUse(uses: readonly OptionUse[], name: string): OptionUse | undefined {
  for (let i = uses.length - 1; i >= 0; i--) if ((uses[i] as OptionUse).name === name) return uses[i];
  return undefined;
}

/** The first argument of a use (the option framework guarantees it for options with arguments). */
export function arg0(u: OptionUse): string {
  return u.arg;
}

/** xtopt's uint32 parse: `NAME: bad value for option "--x", or out of range (min-max).` */
export function parseUint32Option(module: string, u: OptionUse, min = 0, max = 0xffffffff): number {
  const v = parseCUint(arg0(u), min, max);
  if (v < 0) throw badValue(`${module}: bad value for option "--${u.name}", or out of range (${min}-${max}).`);
  return v;
}

/**
 * xtopt's MARKMASK32 parse, `value[/mask]`, both C numbers up to 0xffffffff; the mask defaults to
 * 0xffffffff. `NAME: bad integer value for option "--x", or out of range.`
 */
export function parseMarkMask(module: string, u: OptionUse): { value: number; mask: number } {
  const text = arg0(u);
  const slash = text.indexOf('/');
  const value = parseCUint(slash < 0 ? text : text.slice(0, slash), 0, 0xffffffff);
  const mask = slash < 0 ? 0xffffffff : parseCUint(text.slice(slash + 1), 0, 0xffffffff);
  if (value < 0 || mask < 0) throw badValue(`${module}: bad integer value for option "--${u.name}", or out of range.`);
  return { value, mask };
}

/** `0x1f` as iptables prints marks and masks (%x). */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}
