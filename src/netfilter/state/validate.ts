import { KpemuError } from '../../core/index.js';
import type { HookName, Match, Rule, TableName, Target } from '../ast.js';
import type { CompiledTable } from '../engine/compiled.js';
import { F, T } from '../engine/compiled.js';
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
 * The chain graph of a table, read from its compiled program's typed columns: for each chain the
 * chains it jumps or goes to (compressed rows), and for each rule whether a walk can reach it.
 */
interface ChainGraph {
  readonly names: readonly string[];
  /** Jump/goto targets of chain c are edgeList[edgeStart[c] .. edgeStart[c + 1]), without duplicates. */
  readonly edgeStart: Int32Array;
  readonly edgeList: Int32Array;
}

/**
 * The kernel's mark_source_chains walks each chain from the top and stops at the first
 * unconditional ACCEPT, DROP or RETURN: rules after it are never reached, so their jumps do not
 * count for loops and their targets are checked as if no hook reached them.
 */
function buildGraph(ct: CompiledTable): ChainGraph {
  const n = ct.chainNames.length;
  const edgeStart = new Int32Array(n + 1);
  let edgeList = new Int32Array(Math.max(16, n));
  let edges = 0;
  const seenBy = new Int32Array(n).fill(-1);
  const targetKind = ct.targetKind;
  const targetChain = ct.targetChain;
  const flags = ct.flags;
  for (let c = 0; c < n; c++) {
    edgeStart[c] = edges;
    const end = ct.chainEnd[c] as number;
    for (let i = ct.chainStart[c] as number; i < end; i++) {
      const tk = targetKind[i] as number;
      if (tk === T.JUMP || tk === T.GOTO) {
        const to = targetChain[i] as number;
        if (seenBy[to] !== c) {
          seenBy[to] = c;
          if (edges === edgeList.length) {
            const grown = new Int32Array(edges * 2);
            grown.set(edgeList);
            edgeList = grown;
          }
          edgeList[edges++] = to;
        }
      } else if ((tk === T.ACCEPT || tk === T.DROP || tk === T.RETURN) && ((flags[i] as number) & F.UNCOND) !== 0) {
        break;
      }
    }
  }
  edgeStart[n] = edges;
  return { names: ct.chainNames, edgeStart, edgeList };
}

/** Index of the first rule of chain `c` that no walk reaches (after an unconditional verdict), or its end. */
function reachableEnd(ct: CompiledTable, c: number): number {
  const end = ct.chainEnd[c] as number;
  for (let i = ct.chainStart[c] as number; i < end; i++) {
    const tk = ct.targetKind[i] as number;
    if ((tk === T.ACCEPT || tk === T.DROP || tk === T.RETURN) && ((ct.flags[i] as number) & F.UNCOND) !== 0) return i + 1;
  }
  return end;
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
  const { edgeStart, edgeList } = g;
  for (const root of roots) {
    if (state[root] !== 0) continue;
    stack.push(root);
    state[root] = 1;
    while (stack.length > 0) {
      const v = stack[stack.length - 1] as number;
      const k = edgePos[v] as number;
      if (k >= (edgeStart[v + 1] as number) - (edgeStart[v] as number)) {
        state[v] = 2;
        stack.pop();
        continue;
      }
      edgePos[v] = k + 1;
      const w = edgeList[(edgeStart[v] as number) + k] as number;
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
  const { edgeStart, edgeList } = g;
  while (work.length > 0) {
    const v = work.pop() as number;
    const m = masks[v] as number;
    const stop = edgeStart[v + 1] as number;
    for (let e = edgeStart[v] as number; e < stop; e++) {
      const w = edgeList[e] as number;
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
  const flags = ct.flags;
  for (let c = 0; c < g.names.length; c++) {
    const chain = ct.chainStates[c] as ChainState;
    const mask = masks[c] as number;
    // Checked before under at least these hooks, and nothing in it names a kernel object that
    // could have gone since: it passes again.
    if (chain.validatedMask >= 0 && (mask & ~chain.validatedMask) === 0) continue;
    const name = g.names[c] as string;
    const start = ct.chainStart[c] as number;
    const end = ct.chainEnd[c] as number;
    const reached = reachableEnd(ct, c);
    let objectRefs = false;
    for (let i = start; i < end; i++) {
      const f = flags[i] as number;
      if ((f & F.CHECK) === 0) continue;
      if ((f & F.OBJREF) !== 0) objectRefs = true;
      const problem = checkRule(table, name, i < reached ? mask : 0, ct.rules[i] as Rule, objects);
      if (problem !== null) throw new KpemuError('IPTABLES_BAD_CONTEXT', `table ${table}, chain ${name}, rule ${(ct.ruleNumber[i] as number)}: ${problem}`, at);
    }
    if (!objectRefs) chain.validatedMask = chain.validatedMask >= 0 ? chain.validatedMask | mask : mask;
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
