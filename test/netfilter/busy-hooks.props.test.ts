import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CHAINS, HOOK_NAMES, Netfilter, TABLE_NAMES, type TableName, VERDICT } from '../../src/netfilter/index.js';
import { CollectingSink } from '../../src/trace/index.js';
import { emptyNamespace } from '../support/emulated.js';
import { ip } from '../support/addr.js';
import { Packet, TCP_FLAGS } from '../../src/packet/index.js';

/** What a built-in chain holds: nothing, a rule (that never matches the probe packet, or does), or only a DROP policy. */
type ChainShape = 'empty' | 'miss' | 'hit' | 'drop-policy';
const shapeArb = fc.constantFrom<ChainShape>('empty', 'empty', 'miss', 'hit', 'drop-policy');

/** One ruleset: a shape for every built-in chain of every table. */
const rulesetArb = fc.record(Object.fromEntries(TABLE_NAMES.map((t) => [t, fc.array(shapeArb, { minLength: 5, maxLength: 5 })])) as Record<TableName, fc.Arbitrary<ChainShape[]>>);

function restoreText(ruleset: Record<TableName, ChainShape[]>): string {
  const out: string[] = [];
  for (const table of TABLE_NAMES) {
    out.push(`*${table}`);
    const chains = BUILTIN_CHAINS[table];
    const rules: string[] = [];
    for (const chain of chains) {
      const shape = ruleset[table][HOOK_NAMES.indexOf(chain)] ?? 'empty';
      // nat chains take no DROP policy: iptables refuses it, so an empty chain stands in.
      out.push(`:${chain} ${shape === 'drop-policy' && table !== 'nat' ? 'DROP' : 'ACCEPT'} [0:0]`);
      if (shape === 'miss') rules.push(`-A ${chain} -s 203.0.113.9/32 -j ACCEPT`);
      if (shape === 'hit') rules.push(`-A ${chain} -p tcp -j ACCEPT`);
    }
    out.push(...rules, 'COMMIT');
  }
  return `${out.join('\n')}\n`;
}

describe('Netfilter.busyHooks', () => {
  it('clears a hook bit exactly when walking that hook has no effect at all (no verdict, counter, statistic or trace)', () => {
    fc.assert(
      fc.property(fc.array(rulesetArb, { minLength: 1, maxLength: 3 }), (rulesets) => {
        const ns = emptyNamespace('node');
        const sink = new CollectingSink();
        ns.trace = sink;
        // Several commits in a row: the cached bits must follow each one.
        for (const ruleset of rulesets) {
          ns.iptables.restoreText(restoreText(ruleset), { noflush: false, counters: false });
          const busy = ns.netfilter.busyHooks();
          for (const table of TABLE_NAMES) {
            for (const hook of HOOK_NAMES) {
              const pkt = new Packet();
              pkt.src = ip('10.0.0.1');
              pkt.dst = ip('10.0.0.2');
              pkt.proto = 6;
              pkt.tcpFlags = TCP_FLAGS.SYN;
              sink.events.length = 0;
              const before = { ...ns.stats };
              const out = ns.netfilter.run(table, hook, pkt, ns);
              const noEffect = out.verdict === VERDICT.ACCEPT && out.decidingRule === -1 && out.policyChain === -1 && sink.events.length === 0 && ns.stats.rulesEvaluated === before.rulesEvaluated && ns.stats.chainsEntered === before.chainsEntered;
              expect({ table, hook, busy: (busy & Netfilter.hookBit(table, hook)) !== 0 }).toEqual({ table, hook, busy: !noEffect });
            }
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives every (table, hook) pair its own bit', () => {
    const bits = TABLE_NAMES.flatMap((t) => HOOK_NAMES.map((h) => Netfilter.hookBit(t, h)));
    expect(new Set(bits).size).toBe(20);
    expect(bits.reduce((a, b) => a | b, 0)).toBe((1 << 20) - 1);
  });
});
