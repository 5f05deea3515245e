import type { Packet } from '../../packet/index.js';
import type { AddrMatch, HookName, IfaceMatch, Rule } from '../ast.js';
import type { NetfilterEnv } from '../env.js';
import type { TableState } from '../state/table.js';
import { evalMatch } from './match-eval.js';
import { applyActionTarget } from './target-apply.js';
import { CONTINUE, VERDICT, type Verdict } from './verdict.js';

/**
 * A plain recursive interpreter over the rule model, written for obviousness rather than speed.
 * The compiled walk must agree with it on every ruleset and packet (a property test checks this).
 * Returns the verdict and the chain/rule that decided ("POLICY" for a policy); counts every rule
 * it tries in `env.stats.rulesEvaluated`, as the kernel would go through them.
 */
export interface ReferenceOutcome {
  readonly verdict: Verdict;
  readonly chain: string;
  /** 1-based; 0 when a policy decided. */
  readonly ruleNumber: number;
}

function addrOk(m: AddrMatch | undefined, addr: number): boolean {
  if (m === undefined) return true;
  const inside = ((addr & m.prefix.mask) >>> 0) === ((m.prefix.network & m.prefix.mask) >>> 0);
  return inside !== m.invert;
}

function ifaceOk(m: IfaceMatch | undefined, dev: string): boolean {
  if (m === undefined) return true;
  const hit = m.wildcard ? dev.startsWith(m.name) : dev === m.name;
  return hit !== m.invert;
}

function matches(rule: Rule, pkt: Packet, env: NetfilterEnv, nth: Map<object, Int32Array>): boolean {
  if (!addrOk(rule.src, pkt.src) || !addrOk(rule.dst, pkt.dst)) return false;
  if (rule.proto !== undefined && (pkt.proto === rule.proto.num) === rule.proto.invert) return false;
  if (!ifaceOk(rule.inIface, pkt.inDev) || !ifaceOk(rule.outIface, pkt.outDev)) return false;
  for (const m of rule.matches) {
    let counter = nth.get(m);
    if (counter === undefined) {
      counter = Int32Array.of(m.kind === 'statistic' && m.mode === 'nth' ? m.packet : 0);
      nth.set(m, counter);
    }
    if (!evalMatch(m, pkt, env, counter, 0)) return false;
  }
  return true;
}

type Step = { readonly kind: 'verdict'; readonly outcome: ReferenceOutcome } | { readonly kind: 'return' };

function runChain(table: TableState, name: string, pkt: Packet, env: NetfilterEnv, nth: Map<object, Int32Array>, depth: number): Step {
  if (depth > 1024) throw new Error('reference walk: nesting too deep');
  const chain = table.chains.get(name);
  if (chain === undefined) throw new Error(`reference walk: no chain ${name}`);
  for (let i = 0; i < chain.rules.length; i++) {
    const rule = chain.rules[i] as Rule;
    env.stats.rulesEvaluated++;
    if (!matches(rule, pkt, env, nth)) continue;
    const t = rule.target;
    const here = (verdict: Verdict): Step => ({ kind: 'verdict', outcome: { verdict, chain: name, ruleNumber: i + 1 } });
    switch (t.kind) {
      case 'none':
        continue;
      case 'accept':
        return here(VERDICT.ACCEPT);
      case 'drop':
        return here(VERDICT.DROP);
      case 'return':
        return { kind: 'return' };
      case 'jump': {
        const r = runChain(table, t.chain, pkt, env, nth, depth + 1);
        if (r.kind === 'verdict') return r;
        continue;
      }
      case 'goto':
        return runChain(table, t.chain, pkt, env, nth, depth + 1);
      default: {
        const r = applyActionTarget(t, pkt, env);
        if (r === CONTINUE) continue;
        return here(r as Verdict);
      }
    }
  }
  return { kind: 'return' };
}

/** Walks `hook`'s built-in chain of `table`. `nth` keeps `--mode nth` counters between calls. */
export function referenceWalk(table: TableState, hook: HookName, pkt: Packet, env: NetfilterEnv, nth: Map<object, Int32Array> = new Map()): ReferenceOutcome {
  const chain = table.chains.get(hook);
  if (chain === undefined) return { verdict: VERDICT.ACCEPT, chain: hook, ruleNumber: 0 };
  const r = runChain(table, hook, pkt, env, nth, 0);
  if (r.kind === 'verdict') return r.outcome;
  return { verdict: chain.policy === 'DROP' ? VERDICT.DROP : VERDICT.ACCEPT, chain: hook, ruleNumber: 0 };
}
