import { REJECT_WITH, type RejectWith, type Target } from '../ast.js';
import { badValue } from '../text/errors.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { arg0, checkInvert, checkOnce, NONE_INVERTIBLE } from './option-checks.js';

type RejectTarget = Extract<Target, { kind: 'reject' }>;

/**
 * `-j REJECT [--reject-with TYPE]`, libipt_REJECT. TYPE is matched case-insensitively as a prefix
 * of each name or alias in libipt_REJECT's table order (so `port` is icmp-port-unreachable and
 * `icmp-` is icmp-net-unreachable). The default, and what iptables-save always prints, is
 * icmp-port-unreachable. `tcp-reset` needs `-p tcp`: the kernel checks that at COMMIT.
 */

const TABLE: readonly (readonly [RejectWith, string])[] = [
  ['icmp-net-unreachable', 'net-unreach'],
  ['icmp-host-unreachable', 'host-unreach'],
  ['icmp-proto-unreachable', 'proto-unreach'],
  ['icmp-port-unreachable', 'port-unreach'],
  ['icmp-net-prohibited', 'net-prohib'],
  ['icmp-host-prohibited', 'host-prohib'],
  ['tcp-reset', 'tcp-rst'],
  ['icmp-admin-prohibited', 'admin-prohib'],
];

function abbreviates(word: string, name: string): boolean {
  return word.length <= name.length && name.slice(0, word.length).toLowerCase() === word.toLowerCase();
}

/** Resolves a `--reject-with` word. Throws IPTABLES_BAD_VALUE. */
export function parseRejectWith(word: string): RejectWith {
  for (const [name, alias] of TABLE) if (abbreviates(word, name) || abbreviates(word, alias)) return name;
  throw badValue(`unknown reject type "${word}"`);
}

/** Builds the typed target from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseRejectTarget(_name: string, uses: readonly OptionUse[]): RejectTarget {
  checkOnce('REJECT', uses);
  checkInvert('REJECT', uses, NONE_INVERTIBLE);
  const u = uses[0];
  return { kind: 'reject', with: u === undefined ? 'icmp-port-unreachable' : parseRejectWith(arg0(u)) };
}

/** The module: its options, parse, save and print. */
export const rejectTarget: TargetModule<RejectTarget> = {
  kind: 'reject',
  names: ['REJECT'],
  options: [{ names: ['reject-with'], args: 1 }],
  parse: parseRejectTarget,
  save: (t) => ` -j REJECT --reject-with ${t.with}`,
  listName: () => 'REJECT',
  print: (t) => ` reject-with ${t.with}`,
};

/** Every reject type, for callers that enumerate them. */
export const REJECT_TYPES: readonly RejectWith[] = REJECT_WITH;
