import type { Rule } from '../ast.js';

/**
 * Structural equality of two rules, as `iptables -D/-C RULE` compares entries: every common field,
 * every match with its options in order, and the target. Comments count (the kernel compares the
 * match data too). Parsed rules share many sub-objects, so identity is tried first at every level.
 */
export function rulesEqual(a: Rule, b: Rule): boolean {
  if (a === b) return true;
  return (
    deepEqual(a.src, b.src) &&
    deepEqual(a.dst, b.dst) &&
    deepEqual(a.proto, b.proto) &&
    deepEqual(a.inIface, b.inIface) &&
    deepEqual(a.outIface, b.outIface) &&
    deepEqual(a.matches, b.matches) &&
    deepEqual(a.target, b.target)
  );
}

/** Plain-data equality (objects, arrays, primitives); a property holding `undefined` counts as absent. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const aArray = Array.isArray(a);
  if (aArray !== Array.isArray(b)) return false;
  if (aArray) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let na = 0;
  for (const k in ra) {
    const v = ra[k];
    if (v === undefined) continue;
    na++;
    if (!deepEqual(v, rb[k])) return false;
  }
  let nb = 0;
  for (const k in rb) if (rb[k] !== undefined) nb++;
  return na === nb;
}
