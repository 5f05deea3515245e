import type { Target } from '../ast.js';
import { parseError } from '../text/errors.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { checkExclusive, checkInvert, checkOnce, hex, parseMarkMask, parseUint32Option, NONE_INVERTIBLE } from './option-checks.js';

type MarkTarget = Extract<Target, { kind: 'mark' }>;

/**
 * `-j MARK`, libxt_MARK revision 2. Every form becomes the kernel's (value, mask) with
 * `mark = (mark & ~mask) ^ value`:
 * --set-xmark v/m → (v, m); --set-mark v/m → (v, m | v); --and-mark v → (0, ~v);
 * --or-mark v → (v, v); --xor-mark v → (v, 0). Masks default to 0xffffffff.
 * iptables-save prints them all as `--set-xmark v/m`.
 */

const OPS = ['set-xmark', 'set-mark', 'and-mark', 'or-mark', 'xor-mark'];

/** Normalises one MARK-style operation to (value, mask); shared with CONNMARK's set forms. */
export function markOperation(module: string, u: OptionUse): { value: number; mask: number } {
  switch (u.name) {
    case 'set-xmark': {
      const { value, mask } = parseMarkMask(module, u);
      return { value, mask };
    }
    case 'set-mark': {
      const { value, mask } = parseMarkMask(module, u);
      return { value, mask: (mask | value) >>> 0 };
    }
    case 'and-mark':
      return { value: 0, mask: ~parseUint32Option(module, u) >>> 0 };
    case 'or-mark': {
      const v = parseUint32Option(module, u);
      return { value: v, mask: v };
    }
    case 'xor-mark':
      return { value: parseUint32Option(module, u), mask: 0 };
    default:
      throw parseError(`${module}: unexpected option "--${u.name}"`);
  }
}

/** Builds the typed target from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseMarkTarget(_name: string, uses: readonly OptionUse[]): MarkTarget {
  checkOnce('MARK', uses);
  checkInvert('MARK', uses, NONE_INVERTIBLE);
  checkExclusive('MARK', uses, OPS);
  const u = uses[0];
  if (u === undefined) throw parseError('MARK: One of the --set-xmark, --{and,or,xor,set}-mark options is required');
  return { kind: 'mark', ...markOperation('MARK', u) };
}

/** How iptables -L names a (value, mask) pair: and / or / xor / set / xset. */
export function describeXmark(value: number, mask: number): string {
  if (value === 0) return `and ${hex(~mask >>> 0)}`;
  if (value === mask) return `or ${hex(value)}`;
  if (mask === 0) return `xor ${hex(value)}`;
  if (mask >>> 0 === 0xffffffff) return `set ${hex(value)}`;
  return `xset ${hex(value)}/${hex(mask)}`;
}

/** The module: its options, parse, save and print. */
export const markTarget: TargetModule<MarkTarget> = {
  kind: 'mark',
  names: ['MARK'],
  options: OPS.map((n) => ({ names: [n], args: 1 as const })),
  parse: parseMarkTarget,
  save: (t) => ` -j MARK --set-xmark ${hex(t.value)}/${hex(t.mask)}`,
  listName: () => 'MARK',
  print: (t) => ` MARK ${describeXmark(t.value, t.mask)}`,
};
