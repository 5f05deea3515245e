import { KpemuError } from '../../core/index.js';
import type { HookName, Match, Rule, TableName, Target } from '../ast.js';
import type { ChainState } from './chain.js';
import type { KernelObjects } from './kernel-objects.js';

const HOOK_BIT: Readonly<Record<HookName, number>> = { PREROUTING: 1, INPUT: 2, FORWARD: 4, OUTPUT: 8, POSTROUTING: 16 };

/** Where a target may be used: tables and hooks, as each kernel target's checkentry insists. */
interface Placement {
  readonly tables: readonly TableName[] | 'any';
  readonly hooks: number;
  readonly what: string;
}

const ALL_HOOKS = 31;

function targetPlacement(t: Target): Placement | null {
  switch (t.kind) {
    case 'dnat':
      return { tables: ['nat'], hooks: HOOK_BIT.PREROUTING | HOOK_BIT.OUTPUT, what: 'DNAT' };
    case 'snat':
      return { tables: ['nat'], hooks: HOOK_BIT.POSTROUTING | HOOK_BIT.INPUT, what: 'SNAT' };
    case 'masquerade':
      return { tables: ['nat'], hooks: HOOK_BIT.POSTROUTING, what: 'MASQUERADE' };
    case 'reject':
      return { tables: 'any', hooks: HOOK_BIT.INPUT | HOOK_BIT.FORWARD | HOOK_BIT.OUTPUT, what: 'REJECT' };
    case 'notrack':
      return { tables: ['raw'], hooks: ALL_HOOKS, what: 'CT' };
    case 'none':
    case 'accept':
    case 'drop':
    case 'return':
    case 'jump':
    case 'goto':
    case 'mark':
    case 'connmark':
    case 'log':
      return null;
    default: {
      const never: never = t;
      return never;
    }
  }
}

function tableAllowed(p: Placement, table: TableName): boolean {
  return p.tables === 'any' || p.tables.includes(table);
}

/** Result of reachability: for each chain, the hooks from which it can be reached. */
function computeHookMasks(chains: ReadonlyMap<string, ChainState>): Map<string, number> {
  const masks = new Map<string, number>();
  for (const chain of chains.values()) masks.set(chain.name, chain.builtin ? HOOK_BIT[chain.name as HookName] ?? 0 : 0);
  // Propagate until stable; the chain graph is a DAG once loops are rejected, so this ends.
  let changed = true;
  let rounds = 0;
  while (changed && rounds <= chains.size + 1) {
    changed = false;
    rounds++;
    for (const chain of chains.values()) {
      const m = masks.get(chain.name) ?? 0;
      if (m === 0) continue;
      for (const entry of chain.rules) {
        const t = entry.rule.target;
        if (t.kind !== 'jump' && t.kind !== 'goto') continue;
        const before = masks.get(t.chain) ?? 0;
        const after = before | m;
        if (after !== before) {
          masks.set(t.chain, after);
          changed = true;
        }
      }
    }
  }
  return masks;
}

/** Finds a jump cycle; returns the chain names on it, or null. */
export function findLoop(chains: ReadonlyMap<string, ChainState>): string[] | null {
  const state = new Map<string, 1 | 2>(); // 1 on stack, 2 done
  const stack: string[] = [];
  const visit = (name: string): string[] | null => {
    const s = state.get(name);
    if (s === 2) return null;
    if (s === 1) return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 1);
    stack.push(name);
    const chain = chains.get(name);
    if (chain !== undefined) {
      for (const entry of chain.rules) {
        const t = entry.rule.target;
        if (t.kind !== 'jump' && t.kind !== 'goto') continue;
        const loop = visit(t.chain);
        if (loop !== null) return loop;
      }
    }
    stack.pop();
    state.set(name, 2);
    return null;
  };
  for (const name of chains.keys()) {
    const loop = visit(name);
    if (loop !== null) return loop;
  }
  return null;
}

function checkMatch(m: Match, chain: string, mask: number, objects: KernelObjects): string | null {
  switch (m.kind) {
    case 'addrtype':
      if (m.limitIfaceIn && (mask & (HOOK_BIT.OUTPUT | HOOK_BIT.POSTROUTING)) !== 0) return `addrtype --limit-iface-in cannot be used in OUTPUT or POSTROUTING (chain ${chain})`;
      if (m.limitIfaceOut && (mask & (HOOK_BIT.PREROUTING | HOOK_BIT.INPUT)) !== 0) return `addrtype --limit-iface-out cannot be used in PREROUTING or INPUT (chain ${chain})`;
      return null;
    case 'nfacct':
      return objects.hasNfacct(m.name) ? null : `nfacct object "${m.name}" does not exist (create it with nfacct add)`;
    case 'set':
      return objects.hasSet(m.name) ? null : `ipset "${m.name}" does not exist`;
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'icmp':
    case 'multiport':
    case 'comment':
    case 'mark':
    case 'connmark':
    case 'conntrack':
    case 'state':
    case 'statistic':
    case 'recent':
      return null;
    default: {
      const never: never = m;
      return never;
    }
  }
}

/**
 * The checks the kernel makes when a table is replaced (translate_table, checkentry): no jump
 * loops, every target in a table and hook it supports (for user chains, every hook that reaches
 * them), matches' own constraints, and referenced nfacct objects and ipsets exist.
 * Throws KpemuError located at `commitLine` (the kernel refuses the whole table at COMMIT).
 */
export function validateTable(table: TableName, chains: ReadonlyMap<string, ChainState>, objects: KernelObjects, commitLine: number | undefined): void {
  const at = commitLine === undefined ? {} : { location: { line: commitLine, text: 'COMMIT' } };
  const loop = findLoop(chains);
  if (loop !== null) throw new KpemuError('IPTABLES_LOOP', `table ${table}: chains jump in a loop: ${loop.join(' -> ')}`, at);
  const masks = computeHookMasks(chains);
  for (const chain of chains.values()) {
    const mask = masks.get(chain.name) ?? 0;
    chain.rules.forEach((entry, i) => {
      const problem = checkRule(table, chain.name, mask, entry.rule, objects);
      if (problem !== null) throw new KpemuError('IPTABLES_BAD_CONTEXT', `table ${table}, chain ${chain.name}, rule ${i + 1}: ${problem}`, at);
    });
  }
}

function checkRule(table: TableName, chain: string, mask: number, rule: Rule, objects: KernelObjects): string | null {
  for (const m of rule.matches) {
    const p = checkMatch(m, chain, mask, objects);
    if (p !== null) return p;
  }
  const placement = targetPlacement(rule.target);
  if (placement === null) return null;
  if (!tableAllowed(placement, table)) return `${placement.what} is only valid in the ${placement.tables === 'any' ? '' : placement.tables.join('/')} table, not ${table}`;
  if ((mask & ~placement.hooks) !== 0) return `${placement.what} cannot be used in a chain reached from ${hooksOf(mask & ~placement.hooks).join(', ')}`;
  return null;
}

function hooksOf(mask: number): HookName[] {
  return (Object.keys(HOOK_BIT) as HookName[]).filter((h) => (mask & HOOK_BIT[h]) !== 0);
}
