import { BUILTIN_CHAINS, type Policy, type Rule, type TableName } from '../ast.js';

/**
 * The small read-only view of a table that the renderers take (iptables-save, -L, -S). Counters
 * are numbers (the kernel's are uint64; exact here up to 2^53).
 */
/** One rule with its counters. */
export interface RuleView {
  readonly rule: Rule;
  readonly packets: number;
  readonly bytes: number;
}

/** One chain: name, policy (null for user chains), policy counters, rules. */
export interface ChainView {
  readonly name: string;
  /** The policy of a built-in chain; null for a user chain. */
  readonly policy: Policy | null;
  /** Policy counters (0 for user chains). */
  readonly packets: number;
  readonly bytes: number;
  readonly rules: readonly RuleView[];
}

/** One table's chains. */
export interface TableView {
  readonly table: TableName;
  /** In any order: renderers order them as iptables does (see {@link orderChains}). */
  readonly chains: readonly ChainView[];
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/**
 * strcmp order of chain names (UTF-8 bytes), which is how legacy libiptc keeps user chains: so
 * `KUBE-SEP-…` sorts before `KUBE-SERVICES` and upper case before lower case.
 */
export function compareChainNames(a: string, b: string): number {
  if (isAscii(a) && isAscii(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** True when `name` is a built-in chain of `table`. */
export function isBuiltinChain(table: TableName, name: string): boolean {
  return (BUILTIN_CHAINS[table] as readonly string[]).includes(name);
}

/**
 * Chains in iptables' order: the table's built-in chains in BUILTIN_CHAINS order, then user
 * chains sorted with {@link compareChainNames}.
 */
export function orderChains<C extends { readonly name: string }>(table: TableName, chains: readonly C[]): C[] {
  const builtins: C[] = [];
  for (const name of BUILTIN_CHAINS[table]) {
    const c = chains.find((x) => x.name === name);
    if (c !== undefined) builtins.push(c);
  }
  const users = chains.filter((c) => !isBuiltinChain(table, c.name)).sort((a, b) => compareChainNames(a.name, b.name));
  return [...builtins, ...users];
}
