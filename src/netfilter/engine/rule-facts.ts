import type { Match, Rule, Target } from '../ast.js';
import { T } from './compiled.js';

/**
 * Facts about one parsed rule that the compiler records in a program's columns: which matches
 * fold into the common fields, which rules the table-replace checks must look at, which take a
 * reference on conntrack, and the target's code.
 */

/**
 * The protocol match that a rule's `-p` already implies and that only checks ports can be folded
 * into the common columns; everything else stays an extension match. Comments are dropped: they
 * never affect a decision.
 */
export function foldablePortMatch(rule: Rule, m: Match, sideEffectsBefore: boolean): boolean {
  if (m.kind !== 'tcp' && m.kind !== 'udp' && m.kind !== 'sctp') return false;
  if (m.kind === 'tcp' && m.flags !== undefined) return false;
  const want = m.kind === 'tcp' ? 6 : m.kind === 'udp' ? 17 : 132;
  if (rule.proto === undefined || rule.proto.invert || rule.proto.num !== want) return false;
  // Checking the ports early must not skip an earlier match's side effect (the kernel runs
  // matches in order): then only a port-less protocol match, which always passes, may go.
  return !sideEffectsBefore || (m.sport === undefined && m.dport === undefined);
}

const PROTOCOL_OF_MATCH = { tcp: 6, udp: 17, sctp: 132, icmp: 1 } as const;

/**
 * Matches the table-replace checks look at (validate.ts checkMatch). A protocol match under the
 * rule's own `-p` cannot fail its check, so it needs none (most kube-proxy rules are like that).
 */
export function matchNeedsCheck(m: Match, rule: Rule): boolean {
  switch (m.kind) {
    case 'addrtype':
    case 'nfacct':
    case 'set':
    case 'recent':
      return true;
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'icmp':
      return rule.proto === undefined || rule.proto.invert || rule.proto.num !== PROTOCOL_OF_MATCH[m.kind];
    default:
      return false;
  }
}

/** Targets restricted to some tables or hooks, or with their own checks (validate.ts). */
export function targetNeedsCheck(t: Target): boolean {
  switch (t.kind) {
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'reject':
    case 'notrack':
      return true;
    default:
      return false;
  }
}

/** Targets whose kernel modules take a reference on conntrack (nf_ct_netns_get; matches: see compileRule). */
export function targetUsesConntrack(t: Target): boolean {
  return t.kind === 'dnat' || t.kind === 'snat' || t.kind === 'masquerade' || t.kind === 'connmark';
}

/** The target as the walk dispatches on it (compiled.ts T): verdicts, jumps, or an action module. */
export function targetCode(t: Target): number {
  switch (t.kind) {
    case 'none':
      return T.NONE;
    case 'accept':
      return T.ACCEPT;
    case 'drop':
      return T.DROP;
    case 'return':
      return T.RETURN;
    case 'jump':
      return T.JUMP;
    case 'goto':
      return T.GOTO;
    default:
      return T.ACTION;
  }
}
