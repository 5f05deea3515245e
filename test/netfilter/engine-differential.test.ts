import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, prefix, ScriptedRng } from '../../src/core/index.js';
import {
  BUILTIN_CHAINS,
  formatRule,
  type HookName,
  type NetfilterEnv,
  RecentStore,
  referenceWalk,
  type Rule,
  type TableName,
  TableState,
  verdictName,
  WalkOutcome,
} from '../../src/netfilter/index.js';
import { compileTable } from '../../src/netfilter/engine/compile.js';
import { walkTable } from '../../src/netfilter/engine/walk.js';
import { ChainState } from '../../src/netfilter/state/chain.js';
import type { Packet } from '../../src/packet/index.js';
import { ruleArb } from '../arbitraries/rules.js';
import { ADDRESS_POOL, type PacketSpec, packetOf, packetSpecArb } from '../arbitraries/packets.js';

const RUNS = Number(process.env['KPEMU_PROPERTY_RUNS'] ?? 300);

/** A deterministic environment; every side effect is logged so two walks can be compared. */
function fakeEnv(draws: readonly number[]): NetfilterEnv & { log: string[] } {
  const log: string[] = [];
  let ctMark = 0;
  let d = 0;
  return {
    log,
    rng: new ScriptedRng([1]),
    clock: new ManualClock(5000),
    recent: new RecentStore(),
    chance: (p: number) => {
      const v = draws[d++ % draws.length] as number;
      log.push(`chance ${p}`);
      return (v & 0x7fffffff) < p;
    },
    addrType: (a: number) => 1 << (a % 7),
    addrTypeOnDevice: (a: number, dev: string) => 1 << ((a + dev.length) % 7),
    ctNatBits: (p: Packet) => (p.ctIndex === 7 ? 64 : p.ctIndex === 0 ? 32 : 0),
    ctStatusBits: (p: Packet) => (p.ctIndex < 0 ? 0 : 8 | 16),
    ctMark: () => ctMark,
    setCtMark: (_p: Packet, m: number) => {
      ctMark = m;
      log.push(`ctmark ${m}`);
    },
    notrack: (p: Packet) => {
      p.ctIndex = -1;
      log.push('notrack');
    },
    nfacctHit: (name: string) => log.push(`nfacct ${name}`),
    setTest: (m, p) => ((p.src ^ p.dst ^ m.name.length) & 1) === 1,
    dnat: (_p, to) => {
      log.push(`dnat ${JSON.stringify(to)}`);
      return to.addrLo % 5 !== 0;
    },
    snat: (_p, to) => {
      log.push(`snat ${JSON.stringify(to)}`);
      return true;
    },
    masquerade: () => {
      log.push('masquerade');
      return true;
    },
    trace: null,
    traceAllRules: false,
    place: { node: 'n', netns: 'host' },
    stats: { rulesEvaluated: 0, chainsEntered: 0 },
  };
}

/**
 * A table with user chains C0..C3 whose jumps only go "forward" (to a higher chain), so there
 * are no loops, and a built-in chain that may jump to any of them.
 */
function tableArb(table: TableName, hook: HookName): fc.Arbitrary<TableState> {
  // Rules whose addresses come from the packets' pool, so that address checks do match.
  const pooled = fc.tuple(ruleArb, fc.constantFrom(...ADDRESS_POOL), fc.constantFrom(...ADDRESS_POOL), fc.integer({ min: 0, max: 3 })).map(([r, a, b, how]) => {
    const out: { -readonly [K in keyof Rule]: Rule[K] } = { ...r };
    if ((how & 1) !== 0 && r.dst !== undefined) out.dst = { ...r.dst, prefix: prefix(a, r.dst.prefix.length === 0 ? 32 : r.dst.prefix.length) };
    if ((how & 2) !== 0 && r.src !== undefined) out.src = { ...r.src, prefix: prefix(b, r.src.prefix.length) };
    if (how === 3 && r.dst === undefined) out.dst = { prefix: prefix(a, 32), invert: false };
    return out as Rule;
  });
  const chainRules = fc.array(fc.oneof(ruleArb, pooled), { maxLength: 6 });
  return fc.tuple(chainRules, chainRules, chainRules, chainRules, chainRules, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 40, maxLength: 40 })).map(([b, c0, c1, c2, c3, picks]) => {
    const state = new TableState(table);
    const names = ['C0', 'C1', 'C2', 'C3'];
    let pick = 0;
    const fix = (rules: readonly Rule[], level: number): Rule[] =>
      rules.map((r) => {
        const t = r.target;
        if (t.kind !== 'jump' && t.kind !== 'goto') return r;
        const choices = names.slice(level + 1);
        if (choices.length === 0) return { ...r, target: { kind: 'return' } };
        const to = choices[(picks[pick++ % picks.length] as number) % choices.length] as string;
        return { ...r, target: { kind: t.kind, chain: to } };
      });
    [c0, c1, c2, c3].forEach((rules, k) => state.chains.set(names[k] as string, new ChainState(names[k] as string, false, null, fix(rules, k))));
    const builtin = state.chains.get(hook) as ChainState;
    for (const rule of fix(b, -1)) builtin.append(rule);
    builtin.policy = picks[0] === 0 ? 'DROP' : 'ACCEPT';
    return state;
  });
}

const packetsArb = fc.array(packetSpecArb, { minLength: 1, maxLength: 4 });
const drawsArb = fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 8 });

/**
 * Walks the packets through the compiled table and the reference walk, each with its own
 * environment fed the same draws: the verdicts, deciding rules, packet changes, side effects and
 * rule counts must agree.
 */
function walksAgree(state: TableState, hook: HookName, specs: readonly PacketSpec[], draws: readonly number[]): void {
  const program = compileTable(state, formatRule);
  const envA = fakeEnv(draws);
  const envB = fakeEnv(draws);
  const nth = new Map<object, Int32Array>();
  const out = new WalkOutcome();
  for (const spec of specs) {
    const a = packetOf(spec);
    const b = packetOf(spec);
    walkTable(program, hook, a, envA, out);
    const ref = referenceWalk(state, hook, b, envB, nth);
    const got = {
      verdict: verdictName(out.verdict),
      chain: out.decidingRule >= 0 ? program.chainNames[program.ruleChain[out.decidingRule] as number] : hook,
      rule: out.decidingRule >= 0 ? program.ruleNumber[out.decidingRule] : 0,
      mark: a.mark,
      ctIndex: a.ctIndex,
    };
    expect(got).toEqual({ verdict: verdictName(ref.verdict), chain: ref.chain, rule: ref.ruleNumber, mark: b.mark, ctIndex: b.ctIndex });
  }
  expect(envA.log).toEqual(envB.log);
  expect(envA.stats.rulesEvaluated).toBe(envB.stats.rulesEvaluated);
}

describe('the compiled engine agrees with the reference walk', () => {
  for (const table of ['filter', 'nat', 'mangle', 'raw'] as const) {
    const hook = BUILTIN_CHAINS[table][0] as HookName;
    it(`on random ${table} tables and packets (${RUNS} runs)`, () => {
      fc.assert(
        fc.property(tableArb(table, hook), packetsArb, drawsArb, (state, specs, draws) => walksAgree(state, hook, specs, draws)),
        { numRuns: RUNS },
      );
    });
  }
});

/**
 * A built-in chain shaped like KUBE-SERVICES: long runs of `-d A/32` rules (the walk scans runs of
 * LONG_EXACT_RUN or more natively) with the odd rule that has no exact destination splitting them,
 * jumping to chains that may RETURN, so the walk also re-enters a run in its middle.
 */
function longRunTableArb(table: TableName, hook: HookName): fc.Arbitrary<TableState> {
  const exact = fc.tuple(ruleArb, fc.constantFrom(...ADDRESS_POOL), fc.integer({ min: 0, max: 9 })).map(([r, a, how]) => {
    const out: { -readonly [K in keyof Rule]: Rule[K] } = { ...r };
    if (how !== 0) out.dst = { prefix: prefix(a, 32), invert: false };
    if (how >= 3 && (r.target.kind === 'jump' || r.target.kind === 'goto')) out.target = { kind: 'jump', chain: how % 2 === 0 ? 'C0' : 'C1' };
    else if (r.target.kind === 'jump' || r.target.kind === 'goto') out.target = { kind: 'return' };
    return out as Rule;
  });
  const inner = fc.array(ruleArb.map((r) => (r.target.kind === 'jump' || r.target.kind === 'goto' ? { ...r, target: { kind: 'return' } as const } : r)), { maxLength: 4 });
  return fc.tuple(fc.array(exact, { minLength: 30, maxLength: 140 }), inner, inner).map(([b, c0, c1]) => {
    const state = new TableState(table);
    state.chains.set('C0', new ChainState('C0', false, null, c0));
    state.chains.set('C1', new ChainState('C1', false, null, c1));
    const builtin = state.chains.get(hook) as ChainState;
    for (const rule of b) builtin.append(rule);
    return state;
  });
}

describe('the compiled engine agrees with the reference walk on long runs of exact destinations', () => {
  for (const table of ['filter', 'nat'] as const) {
    const hook = BUILTIN_CHAINS[table][0] as HookName;
    it(`on ${table} chains of 30 to 140 rules (${RUNS} runs)`, () => {
      fc.assert(
        fc.property(longRunTableArb(table, hook), packetsArb, drawsArb, (state, specs, draws) => walksAgree(state, hook, specs, draws)),
        { numRuns: RUNS },
      );
    });
  }
});
