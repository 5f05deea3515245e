import type { Packet } from '../../packet/index.js';
import type { HookName, Target } from '../ast.js';
import type { NetfilterEnv } from '../env.js';
import { type CompiledTable, F, T } from './compiled.js';
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

/** True when rule `i`'s common fields and extension matches all match the packet. */
function ruleMatches(ct: CompiledTable, i: number, pkt: Packet, env: NetfilterEnv): boolean {
  const f = ct.flags[i] as number;
  if (f === 0) return true;
  if ((f & F.DST) !== 0 && ((pkt.dst & (ct.dstMask[i] as number)) === ct.dstNet[i]) === ((f & F.DST_INV) !== 0)) return false;
  if ((f & F.SRC) !== 0 && ((pkt.src & (ct.srcMask[i] as number)) === ct.srcNet[i]) === ((f & F.SRC_INV) !== 0)) return false;
  if ((f & F.PROTO) !== 0 && (pkt.proto === ct.proto[i]) === ((f & F.PROTO_INV) !== 0)) return false;
  if ((f & F.DPORT) !== 0 && (pkt.dport >= (ct.dportLo[i] as number) && pkt.dport <= (ct.dportHi[i] as number)) === ((f & F.DPORT_INV) !== 0)) return false;
  if ((f & F.SPORT) !== 0 && (pkt.sport >= (ct.sportLo[i] as number) && pkt.sport <= (ct.sportHi[i] as number)) === ((f & F.SPORT_INV) !== 0)) return false;
  if ((f & F.IN) !== 0 && ifaceMatches(ct.inName[i] as string, pkt.inDev, (f & F.IN_WILD) !== 0) === ((f & F.IN_INV) !== 0)) return false;
  if ((f & F.OUT) !== 0 && ifaceMatches(ct.outName[i] as string, pkt.outDev, (f & F.OUT_WILD) !== 0) === ((f & F.OUT_INV) !== 0)) return false;
  if ((f & F.EXT) !== 0) {
    const end = ct.extEnd[i] as number;
    for (let m = ct.extStart[i] as number; m < end; m++) {
      if (!evalMatch(ct.extMatches[m] as never, pkt, env, ct.nthCounters, ct.extNthSlot[m] as number)) return false;
    }
  }
  return true;
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

// Return stack shared by all walks: a walk never re-enters itself (targets do not re-run tables).
let stack = new Int32Array(64);

/**
 * Walks the table's built-in chain for `hook`, rule by rule in order like the kernel's
 * ipt_do_table, and fills `out`. A table without that hook accepts.
 */
export function walkTable(ct: CompiledTable, hook: HookName, pkt: Packet, env: NetfilterEnv, out: WalkOutcome): WalkOutcome {
  out.reset();
  const base = ct.hookChain[hook];
  if (base < 0) return out;
  // An empty built-in chain with an ACCEPT policy decides nothing worth a trace line.
  if (ct.chainStart[base] === ct.chainEnd[base] && ct.chainPolicy[base] === 1) return out;
  if (stack.length < ct.maxDepth) stack = new Int32Array(ct.maxDepth * 2);
  const tracing = env.trace !== null;
  const stats = env.stats;
  let sp = 0;
  let chain = base;
  let i = ct.chainStart[chain] as number;
  let end = ct.chainEnd[chain] as number;
  stats.chainsEntered++;
  for (;;) {
    if (i >= end) {
      // Fell off the end of a chain: back to the caller, or the built-in chain's policy.
      if (sp === 0) return finishPolicy(ct, base, pkt, env, out);
      i = stack[--sp] as number;
      chain = ct.ruleChain[i - 1] as number;
      end = ct.chainEnd[chain] as number;
      continue;
    }
    stats.rulesEvaluated++;
    if (!ruleMatches(ct, i, pkt, env)) {
      if (tracing && env.traceAllRules) traceRule(ct, i, false, env);
      i++;
      continue;
    }
    ct.packets[i] = (ct.packets[i] as number) + 1;
    ct.bytes[i] = (ct.bytes[i] as number) + pkt.length;
    if (tracing) traceRule(ct, i, true, env);
    switch (ct.targetKind[i]) {
      case T.NONE:
        i++;
        continue;
      case T.ACCEPT:
        return finishRule(ct, i, VERDICT.ACCEPT, env, out);
      case T.DROP:
        return finishRule(ct, i, VERDICT.DROP, env, out);
      case T.RETURN:
        if (sp === 0) return finishPolicy(ct, base, pkt, env, out);
        i = stack[--sp] as number;
        chain = ct.ruleChain[i - 1] as number;
        end = ct.chainEnd[chain] as number;
        continue;
      case T.JUMP:
      case T.GOTO:
        // A jump is a goto that remembers where to come back.
        if (ct.targetKind[i] === T.JUMP) stack[sp++] = i + 1;
        chain = ct.targetChain[i] as number;
        stats.chainsEntered++;
        i = ct.chainStart[chain] as number;
        end = ct.chainEnd[chain] as number;
        continue;
      default: {
        const r = applyActionTarget(ct.targets[i] as Target, pkt, env);
        if (r === CONTINUE) {
          i++;
          continue;
        }
        return finishRule(ct, i, r as Verdict, env, out);
      }
    }
  }
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
