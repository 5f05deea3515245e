import type { AddrMatch, IfaceMatch, Match, Rule, Target } from '../ast.js';

/**
 * The Rule object both rule parsers (the general getopt one and the restore fast path) build, so
 * that equal rules have equal shapes. The table keeps every rule for as long as it lives, so each
 * is one object literal holding only the fields given, all in the object itself: adding fields to
 * an object after it is made would put them in a second, out-of-line property store. Field order
 * is the one iptables-save prints the common part in.
 */

/** The match list of every rule without matches: one frozen array instead of one per rule. */
export const NO_MATCHES: readonly Match[] = Object.freeze([]);

type Proto = Rule['proto'];

export function makeRule(
  matches: readonly Match[],
  target: Target,
  src: AddrMatch | undefined,
  dst: AddrMatch | undefined,
  inIface: IfaceMatch | undefined,
  outIface: IfaceMatch | undefined,
  proto: Proto,
): Rule {
  if (inIface === undefined && outIface === undefined) {
    // The shapes kube-proxy writes, each as one literal.
    if (src === undefined) {
      if (dst === undefined) return proto === undefined ? { matches, target } : { matches, target, proto };
      return proto === undefined ? { matches, target, dst } : { matches, target, dst, proto };
    }
    if (dst === undefined) return proto === undefined ? { matches, target, src } : { matches, target, src, proto };
    return proto === undefined ? { matches, target, src, dst } : { matches, target, src, dst, proto };
  }
  // Interface matches (flannel, hand-written rules) are rare: fields are added one by one.
  const rule: { -readonly [K in keyof Rule]: Rule[K] } = { matches, target };
  if (src !== undefined) rule.src = src;
  if (dst !== undefined) rule.dst = dst;
  if (inIface !== undefined) rule.inIface = inIface;
  if (outIface !== undefined) rule.outIface = outIface;
  if (proto !== undefined) rule.proto = proto;
  return rule;
}

/** Shared `{ num, invert }` protocol values: rules hold them read-only, so one per protocol is enough. */
const PROTO_VALUES: { num: number; invert: boolean }[][] = [[], []];

export function protoValue(num: number, invert: boolean): { num: number; invert: boolean } {
  const row = PROTO_VALUES[invert ? 1 : 0] as { num: number; invert: boolean }[];
  let v = row[num];
  if (v === undefined) {
    v = Object.freeze({ num, invert });
    row[num] = v;
  }
  return v;
}
