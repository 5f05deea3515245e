import { KpemuError } from '../../core/index.js';
import type { HookName, Match, Rule, TableName, Target } from '../ast.js';
import type { CompiledTable } from '../engine/compiled.js';
import { T } from '../engine/compiled.js';
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
      // ipt_REJECT registers for the filter table only (the real kernel refuses it in mangle too).
      return { tables: ['filter'], hooks: HOOK_BIT.INPUT | HOOK_BIT.FORWARD | HOOK_BIT.OUTPUT, what: 'REJECT' };
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

/**
 * The chain graph of a table, read from its compiled program (typed columns, no walk over rule
 * objects): for each chain the chains it jumps or goes to, and the rules that need a placement
 * check (targets restricted to tables or hooks, matches with constraints).
 */
interface ChainGraph {
  readonly names: readonly string[];
  /** Jump/goto targets of each chain (indexes, duplicates removed). */
  readonly edges: number[][];
  /**
   * Rules to check once hook masks are known: chain index, rule number (1-based), rule, and
   * whether a walk can reach it at all (see {@link buildGraph}).
   */
  readonly checks: { chain: number; ruleNumber: number; rule: Rule; reachable: boolean }[];
}

/** A rule with no conditions at all (no addresses, interfaces, protocol or matches). */
function unconditional(rule: Rule): boolean {
  return rule.src === undefined && rule.dst === undefined && rule.inIface === undefined && rule.outIface === undefined && rule.proto === undefined && rule.matches.length === 0;
}

/**
 * The kernel's mark_source_chains walks each chain from the top and stops at the first
 * unconditional ACCEPT, DROP or RETURN: rules after it are never reached, so their jumps do not
 * count for loops and their targets are checked as if no hook reached them.
 */
function buildGraph(ct: CompiledTable): ChainGraph {
  const n = ct.chainNames.length;
  const edges: number[][] = [];
  const checks: ChainGraph['checks'] = [];
  const seenBy = new Int32Array(n).fill(-1);
  for (let c = 0; c < n; c++) {
    const out: number[] = [];
    const end = ct.chainEnd[c] as number;
    let reachable = true;
    for (let i = ct.chainStart[c] as number; i < end; i++) {
      const tk = ct.targetKind[i] as number;
      if (reachable && (tk === T.JUMP || tk === T.GOTO)) {
        const to = ct.targetChain[i] as number;
        if (seenBy[to] !== c) {
          seenBy[to] = c;
          out.push(to);
        }
      }
      let check = tk === T.ACTION && targetPlacement(ct.targets[i] as Target) !== null;
      const extEnd = ct.extEnd[i] as number;
      for (let m = ct.extStart[i] as number; m < extEnd && !check; m++) {
        const kind = (ct.extMatches[m] as Match).kind;
        if (kind === 'addrtype' || kind === 'nfacct' || kind === 'set' || kind === 'recent' || kind === 'tcp' || kind === 'udp' || kind === 'sctp' || kind === 'icmp') check = true;
      }
      if (check) checks.push({ chain: c, ruleNumber: ct.ruleNumber[i] as number, rule: ct.rules[i] as Rule, reachable });
      if (reachable && (tk === T.ACCEPT || tk === T.DROP || tk === T.RETURN) && unconditional(ct.rules[i] as Rule)) reachable = false;
    }
    edges.push(out);
  }
  return { names: ct.chainNames, edges, checks };
}

/**
 * Finds a jump cycle reachable from a built-in chain (iteratively, so deep chain graphs cannot
 * overflow the stack). Like the kernel's mark_source_chains, which walks from each hook's entry
 * point, a loop among chains no built-in chain reaches is accepted.
 */
function findLoopIn(g: ChainGraph, roots: readonly number[]): string[] | null {
  const n = g.names.length;
  const state = new Uint8Array(n); // 0 new, 1 on stack, 2 done
  const edgePos = new Int32Array(n);
  const stack: number[] = [];
  for (const root of roots) {
    if (state[root] !== 0) continue;
    stack.push(root);
    state[root] = 1;
    while (stack.length > 0) {
      const v = stack[stack.length - 1] as number;
      const out = g.edges[v] as number[];
      const k = edgePos[v] as number;
      if (k >= out.length) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      edgePos[v] = k + 1;
      const w = out[k] as number;
      if (state[w] === 1) return [...stack.slice(stack.indexOf(w)), w].map((i) => g.names[i] as string);
      if (state[w] === 0) {
        state[w] = 1;
        stack.push(w);
      }
    }
  }
  return null;
}


/** For each chain, the hooks from which it can be reached (propagated along the loop-free graph). */
function hookMasks(g: ChainGraph, ct: CompiledTable): Int32Array {
  const masks = new Int32Array(g.names.length);
  const work: number[] = [];
  for (const hook of Object.keys(HOOK_BIT) as HookName[]) {
    const c = ct.hookChain[hook];
    if (c < 0) continue;
    masks[c] = HOOK_BIT[hook];
    work.push(c);
  }
  while (work.length > 0) {
    const v = work.pop() as number;
    const m = masks[v] as number;
    for (const w of g.edges[v] as number[]) {
      const before = masks[w] as number;
      if ((before | m) !== before) {
        masks[w] = before | m;
        work.push(w);
      }
    }
  }
  return masks;
}

const PROTO_OF_MATCH = { tcp: 6, udp: 17, sctp: 132, icmp: 1 } as const;

/** xt_check_match: a protocol match needs the rule's `-p` to name that protocol, not inverted. */
function protocolMismatch(rule: Rule, kind: keyof typeof PROTO_OF_MATCH): string | null {
  const want = PROTO_OF_MATCH[kind];
  if (rule.proto === undefined || rule.proto.invert || rule.proto.num !== want) return `-m ${kind} needs "-p ${kind}" (not inverted) in the same rule`;
  return null;
}

/** xt_recent's checkentry. */
function recentProblem(m: Extract<Match, { kind: 'recent' }>): string | null {
  if ((m.command === 'set' || m.command === 'remove') && (m.seconds !== 0 || m.hitcount !== 0 || m.reap || m.rttl)) {
    return `recent --${m.command} cannot be combined with --seconds, --hitcount, --reap or --rttl`;
  }
  if (m.name === '' || m.name.includes('/') || m.name.length > 200) return `recent --name "${m.name}" is not a valid list name`;
  if (m.hitcount > 255 && m.hitcount >= 0xffffffff) return `recent --hitcount ${m.hitcount} is too large`;
  return null;
}

function checkMatch(m: Match, rule: Rule, chain: string, mask: number, objects: KernelObjects): string | null {
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
      return protocolMismatch(rule, m.kind);
    case 'recent':
      return recentProblem(m);
    case 'multiport':
    case 'comment':
    case 'mark':
    case 'connmark':
    case 'conntrack':
    case 'state':
    case 'statistic':
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
export function validateProgram(ct: CompiledTable, objects: KernelObjects, commitLine: number | undefined): void {
  const table = ct.table;
  const at = commitLine === undefined ? {} : { location: { line: commitLine, text: 'COMMIT' } };
  const g = buildGraph(ct);
  const roots = Object.values(ct.hookChain).filter((c) => c >= 0);
  const loop = findLoopIn(g, roots);
  if (loop !== null) throw new KpemuError('IPTABLES_LOOP', `table ${table}: chains jump in a loop: ${loop.join(' -> ')}`, at);
  const masks = hookMasks(g, ct);
  for (const c of g.checks) {
    const name = g.names[c.chain] as string;
    const problem = checkRule(table, name, c.reachable ? (masks[c.chain] as number) : 0, c.rule, objects);
    if (problem !== null) throw new KpemuError('IPTABLES_BAD_CONTEXT', `table ${table}, chain ${name}, rule ${c.ruleNumber}: ${problem}`, at);
  }
}

function checkRule(table: TableName, chain: string, mask: number, rule: Rule, objects: KernelObjects): string | null {
  for (const m of rule.matches) {
    const p = checkMatch(m, rule, chain, mask, objects);
    if (p !== null) return p;
  }
  const t = rule.target;
  if (t.kind === 'reject' && t.with === 'tcp-reset' && (rule.proto === undefined || rule.proto.invert || rule.proto.num !== 6)) return 'REJECT --reject-with tcp-reset needs "-p tcp"';
  const placement = targetPlacement(t);
  if (placement === null) return null;
  if (!tableAllowed(placement, table)) return `${placement.what} is only valid in the ${placement.tables === 'any' ? '' : placement.tables.join('/')} table, not ${table}`;
  if ((mask & ~placement.hooks) !== 0) return `${placement.what} cannot be used in a chain reached from ${hooksOf(mask & ~placement.hooks).join(', ')}`;
  return null;
}

function hooksOf(mask: number): HookName[] {
  return (Object.keys(HOOK_BIT) as HookName[]).filter((h) => (mask & HOOK_BIT[h]) !== 0);
}
