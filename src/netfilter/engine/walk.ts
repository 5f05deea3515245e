import type { Packet } from '../../packet/index.js';
import type { HookName, Match, Target } from '../ast.js';
import type { NetfilterEnv } from '../env.js';
import { type CompiledTable, F, LONG_EXACT_RUN, T } from './compiled.js';
import { evalMatch } from './match-eval.js';
import { applyActionTarget } from './target-apply.js';
import { CONTINUE, VERDICT, type Verdict, verdictName } from './verdict.js';

/** Where a table walk ended. Reused between packets: the walker fills it in. */
export class WalkOutcome {
  verdict: Verdict = VERDICT.ACCEPT;
  /** Index (in the compiled table) of the rule that decided, or -1 for a chain policy. */
  decidingRule = -1;
  /** Chain whose policy decided, when decidingRule is -1. */
  policyChain = -1;
  reset(): this {
    this.verdict = VERDICT.ACCEPT;
    this.decidingRule = -1;
    this.policyChain = -1;
    return this;
  }
}

function ifaceMatches(name: string, dev: string, wildcard: boolean): boolean {
  return wildcard ? dev.startsWith(name) : dev === name;
}

function traceRule(ct: CompiledTable, i: number, matched: boolean, env: NetfilterEnv): void {
  env.trace?.emit({
    kind: 'rule',
    place: env.place,
    table: ct.table,
    chain: ct.chainNames[ct.ruleChain[i] as number] as string,
    ruleNumber: ct.ruleNumber[i] as number,
    ruleText: ct.ruleText(i),
    matched,
  });
}

/**
 * The built-in chain of `hook`. A switch over the five names, not `hookChain[hook]`: a lookup by
 * a variable string key is a megamorphic keyed load, paid on every hook of every packet.
 */
function hookChainOf(ct: CompiledTable, hook: HookName): number {
  const h = ct.hookChain;
  switch (hook) {
    case 'PREROUTING':
      return h.PREROUTING;
    case 'INPUT':
      return h.INPUT;
    case 'FORWARD':
      return h.FORWARD;
    case 'OUTPUT':
      return h.OUTPUT;
    case 'POSTROUTING':
      return h.POSTROUTING;
    default: {
      const never: never = hook;
      return never;
    }
  }
}

// Return stack shared by all walks: a walk never re-enters itself (targets do not re-run tables).
let stack = new Int32Array(64);

/**
 * Walks the table's built-in chain for `hook`, rule by rule in order like the kernel's
 * ipt_do_table, and fills `out`. A table without that hook accepts.
 */
export function walkTable(ct: CompiledTable, hook: HookName, pkt: Packet, env: NetfilterEnv, out: WalkOutcome): WalkOutcome {
  out.reset();
  const base = hookChainOf(ct, hook);
  if (base < 0) return out;
  // An empty built-in chain with an ACCEPT policy decides nothing worth a trace line.
  if (ct.chainStart[base] === ct.chainEnd[base] && ct.chainPolicy[base] === 1) return out;
  if (stack.length < ct.maxDepth) stack = new Int32Array(ct.maxDepth * 2);
  const tracing = env.trace !== null;
  const stats = env.stats;
  // The walk reads the program's columns through locals: one rule check is a few typed-array
  // loads and integer compares. The packet's addresses, protocol and ports cannot change while
  // a table is walked (targets that rewrite them end the walk), so they are read once.
  const flags = ct.flags;
  const dstMask = ct.dstMask;
  const dstNet = ct.dstNet;
  const srcMask = ct.srcMask;
  const srcNet = ct.srcNet;
  const protoCol = ct.proto;
  const dportLo = ct.dportLo;
  const dportHi = ct.dportHi;
  const sportLo = ct.sportLo;
  const sportHi = ct.sportHi;
  const chainStart = ct.chainStart;
  const chainEnd = ct.chainEnd;
  const ruleChain = ct.ruleChain;
  const targetKind = ct.targetKind;
  const dst = pkt.dst | 0;
  const src = pkt.src | 0;
  const proto = pkt.proto;
  const dport = pkt.dport;
  const sport = pkt.sport;
  // Flag bits as locals: the optimiser keeps them in registers.
  const fDst = F.DST;
  const fDstInv = F.DST_INV;
  const dstExact = ct.dstExact;
  const exactRunEnd = ct.exactRunEnd;
  const exactRunViews = ct.exactRunViews;
  const skipFast = !(tracing && env.traceAllRules);
  let evaluated = 0;
  let entered = 1;
  let sp = 0;
  let chain = base;
  let i = chainStart[chain] as number;
  let end = chainEnd[chain] as number;
  for (;;) {
    if (i >= end) {
      // Fell off the end of a chain: back to the caller, or the built-in chain's policy.
      if (sp === 0) break;
      i = stack[--sp] as number;
      chain = ruleChain[i - 1] as number;
      end = chainEnd[chain] as number;
      continue;
    }
    if (skipFast) {
      // Most rules of a kube-proxy chain differ by destination: skip runs of them in a tight
      // loop that keeps only a handful of values live (still rule by rule, in order).
      const runEnd = exactRunEnd[i] as number;
      if (runEnd > i) {
        const from = i;
        i = skipByDestination(dstExact, exactRunViews, dst, i, runEnd);
        evaluated += i - from;
        if (i >= end) continue;
      }
    }
    evaluated++;
    const f = flags[i] as number;
    if (f !== 0) {
      if ((f & fDst) !== 0 && ((dst & (dstMask[i] as number)) === dstNet[i]) === ((f & fDstInv) !== 0)) {
        if (tracing && env.traceAllRules) traceRule(ct, i, false, env);
        i++;
        continue;
      }
      if (
        ((f & F.SRC) !== 0 && ((src & (srcMask[i] as number)) === srcNet[i]) === ((f & F.SRC_INV) !== 0)) ||
        ((f & F.PROTO) !== 0 && (proto === protoCol[i]) === ((f & F.PROTO_INV) !== 0)) ||
        ((f & F.DPORT) !== 0 && (dport >= (dportLo[i] as number) && dport <= (dportHi[i] as number)) === ((f & F.DPORT_INV) !== 0)) ||
        ((f & F.SPORT) !== 0 && (sport >= (sportLo[i] as number) && sport <= (sportHi[i] as number)) === ((f & F.SPORT_INV) !== 0)) ||
        ((f & SLOW_FIELDS) !== 0 && !slowFieldsMatch(ct, i, f, pkt, env))
      ) {
        if (tracing && env.traceAllRules) traceRule(ct, i, false, env);
        i++;
        continue;
      }
    }
    ct.packets[i] = (ct.packets[i] as number) + 1;
    ct.bytes[i] = (ct.bytes[i] as number) + pkt.length;
    if (tracing) traceRule(ct, i, true, env);
    const tk = targetKind[i];
    if (tk === T.NONE) {
      i++;
      continue;
    }
    if (tk === T.JUMP || tk === T.GOTO) {
      // A jump is a goto that remembers where to come back.
      if (tk === T.JUMP) stack[sp++] = i + 1;
      chain = ct.targetChain[i] as number;
      entered++;
      i = chainStart[chain] as number;
      end = chainEnd[chain] as number;
      continue;
    }
    if (tk === T.RETURN) {
      if (sp === 0) break;
      i = stack[--sp] as number;
      chain = ruleChain[i - 1] as number;
      end = chainEnd[chain] as number;
      continue;
    }
    stats.rulesEvaluated += evaluated;
    stats.chainsEntered += entered;
    if (tk === T.ACCEPT) return finishRule(ct, i, VERDICT.ACCEPT, env, out);
    if (tk === T.DROP) return finishRule(ct, i, VERDICT.DROP, env, out);
    const r = applyActionTarget(ct.targets[i] as Target, pkt, env);
    if (r === CONTINUE) {
      // The target let the walk go on (MARK, CONNMARK, LOG, NOTRACK): keep counting from here.
      evaluated = 0;
      entered = 0;
      i++;
      continue;
    }
    return finishRule(ct, i, r as Verdict, env, out);
  }
  stats.rulesEvaluated += evaluated;
  stats.chainsEntered += entered;
  return finishPolicy(ct, base, pkt, env, out);
}

/**
 * Within a run [i, end) of rules that all check an exact destination (`-d A/32` without `!`),
 * the first whose address is `dst` (int32), or `end`: every rule before it fails on its first
 * check. Long runs (a KUBE-SERVICES of thousands of ClusterIPs) are scanned by the native
 * `indexOf` over the run's view, still every rule in order but some three times faster than a
 * JavaScript loop; short ones by a loop that reads one column, four rules per step.
 */
function skipByDestination(dstExact: Int32Array, views: Map<number, Int32Array>, dst: number, i: number, end: number): number {
  if (end - i >= LONG_EXACT_RUN) {
    const view = views.get(end) as Int32Array;
    const base = end - view.length;
    const found = view.indexOf(dst, i - base);
    return found < 0 ? end : base + found;
  }
  const end4 = end - 3;
  while (i < end4) {
    if (dstExact[i] === dst || dstExact[i + 1] === dst || dstExact[i + 2] === dst || dstExact[i + 3] === dst) break;
    i += 4;
  }
  while (i < end) {
    if (dstExact[i] === dst) return i;
    i++;
  }
  return i;
}

/** Fields checked less often: interfaces and extension matches. */
const SLOW_FIELDS = F.IN | F.OUT | F.EXT;

function slowFieldsMatch(ct: CompiledTable, i: number, f: number, pkt: Packet, env: NetfilterEnv): boolean {
  if ((f & F.IN) !== 0 && ifaceMatches(ct.ifaceName(ct.inIface[i] as number), pkt.inDev, (f & F.IN_WILD) !== 0) === ((f & F.IN_INV) !== 0)) return false;
  if ((f & F.OUT) !== 0 && ifaceMatches(ct.ifaceName(ct.outIface[i] as number), pkt.outDev, (f & F.OUT_WILD) !== 0) === ((f & F.OUT_INV) !== 0)) return false;
  if ((f & F.EXT) !== 0) {
    const stop = ct.extEnd[i] as number;
    for (let m = ct.extStart[i] as number; m < stop; m++) {
      if (!evalMatch(ct.extMatches[m] as Match, pkt, env, ct.nthCounters, ct.extNthSlot[m] as number)) return false;
    }
  }
  return true;
}

function finishRule(ct: CompiledTable, i: number, v: Verdict, env: NetfilterEnv, out: WalkOutcome): WalkOutcome {
  out.verdict = v;
  out.decidingRule = i;
  if (env.trace !== null) {
    env.trace.emit({
      kind: 'verdict',
      place: env.place,
      table: ct.table,
      chain: ct.chainNames[ct.ruleChain[i] as number] as string,
      ruleNumber: ct.ruleNumber[i] as number,
      verdict: verdictName(v),
    });
  }
  return out;
}

function finishPolicy(ct: CompiledTable, base: number, pkt: Packet, env: NetfilterEnv, out: WalkOutcome): WalkOutcome {
  const v: Verdict = ct.chainPolicy[base] === 0 ? VERDICT.DROP : VERDICT.ACCEPT;
  ct.chainPackets[base] = (ct.chainPackets[base] as number) + 1;
  ct.chainBytes[base] = (ct.chainBytes[base] as number) + pkt.length;
  out.verdict = v;
  out.decidingRule = -1;
  out.policyChain = base;
  if (env.trace !== null) {
    env.trace.emit({ kind: 'verdict', place: env.place, table: ct.table, chain: ct.chainNames[base] as string, ruleNumber: 0, verdict: `${verdictName(v)} (policy)` });
  }
  return out;
}
