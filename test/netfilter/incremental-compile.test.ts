/**
 * The compiled program a commit installs is built incrementally (chains copied from the previous
 * program, equal rules copied, buffers recycled, counters carried). After any sequence of
 * restores and commands it must equal a program compiled from scratch from the committed tables.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRule } from '../../src/netfilter/index.js';
import { compileTable } from '../../src/netfilter/engine/compile.js';
import { type CompiledTable, LONG_EXACT_RUN } from '../../src/netfilter/engine/compiled.js';
import type { Rule } from '../../src/netfilter/ast.js';
import { emptyNamespace } from '../support/emulated.js';

const CHAINS = ['C0', 'C1', 'C2', 'C3'];

/** A rule for chain index `from` (jumps only go to later chains, so most tables load). */
const ruleArb = (from: number) =>
  fc
    .record(
      {
        src: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        dst: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        port: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        nth: fc.boolean(),
        ct: fc.boolean(),
        iface: fc.boolean(),
        target: fc.constantFrom('ACCEPT', 'DROP', 'RETURN', ...CHAINS.slice(from + 1), 'C0'),
      },
      { noNullPrototype: true },
    )
    .map((r) => {
      const w: string[] = [];
      if (r.src !== undefined) w.push(`-s 10.0.0.${r.src}/32`);
      if (r.dst !== undefined) w.push(`-d 10.0.1.${r.dst}/32`);
      if (r.iface) w.push('-i eth+');
      if (r.port !== undefined) w.push(`-p tcp -m tcp --dport ${r.port}`);
      if (r.nth) w.push('-m statistic --mode nth --every 3 --packet 1');
      if (r.ct) w.push('-m conntrack --ctstate NEW');
      w.push(`-j ${r.target}`);
      return w.join(' ');
    });

const chainRulesArb = (c: number) => fc.array(ruleArb(c), { maxLength: 5 });

const restoreArb = fc
  .record(
    {
      noflush: fc.boolean(),
      declare: fc.subarray([0, 1, 2, 3]),
      rules: fc.tuple(chainRulesArb(0), chainRulesArb(1), chainRulesArb(2), chainRulesArb(3)),
      input: fc.array(ruleArb(-1), { maxLength: 3 }),
      // Declared (so flushed) chains deleted at the end, as kube-proxy deletes stale chains.
      remove: fc.subarray([0, 1, 2, 3], { maxLength: 2 }),
    },
    { noNullPrototype: true },
  )
  .map((r) => {
    const lines = ['*filter', ':INPUT ACCEPT [0:0]'];
    for (const c of r.declare) lines.push(`:${CHAINS[c]} - [0:0]`);
    for (const c of r.declare) for (const rule of r.rules[c] ?? []) if (!r.remove.includes(c)) lines.push(`-A ${CHAINS[c]} ${rule}`);
    for (const rule of r.input) lines.push(`-A INPUT ${rule}`);
    for (const c of r.remove) if (r.declare.includes(c)) lines.push(`-X ${CHAINS[c]}`);
    lines.push('COMMIT', '');
    return { kind: 'restore' as const, text: lines.join('\n'), noflush: r.noflush };
  });

/** A noflush restore rewriting one chain with a run of exact destinations long enough for a view (LONG_EXACT_RUN). */
const longChainArb = fc.record({ chain: fc.nat(3), n: fc.integer({ min: 28, max: 40 }), salt: fc.nat(3) }, { noNullPrototype: true }).map(({ chain, n, salt }) => {
  const name = CHAINS[chain] as string;
  const lines = ['*filter', `:${name} - [0:0]`];
  for (let k = 0; k < n; k++) lines.push(`-A ${name} -d 10.0.${2 + salt}.${k}/32 -j ${k % 5 === 4 ? 'DROP' : 'ACCEPT'}`);
  lines.push('COMMIT', '');
  return { kind: 'restore' as const, text: lines.join('\n'), noflush: true };
});

const commandArb = fc.oneof(
  fc.tuple(fc.nat(3), ruleArb(-1)).map(([c, rule]) => ({ kind: 'command' as const, argv: ['-I', CHAINS[c] as string, '1', ...rule.split(' ')] })),
  fc.tuple(fc.nat(3), ruleArb(-1)).map(([c, rule]) => ({ kind: 'command' as const, argv: ['-A', CHAINS[c] as string, ...rule.split(' ')] })),
  fc.nat(3).map((c) => ({ kind: 'command' as const, argv: ['-D', CHAINS[c] as string, '1'] })),
  fc.nat(3).map((c) => ({ kind: 'command' as const, argv: ['-F', CHAINS[c] as string] })),
  fc.nat(3).map((c) => ({ kind: 'command' as const, argv: ['-X', CHAINS[c] as string] })),
  fc.nat(3).map((c) => ({ kind: 'command' as const, argv: ['-N', CHAINS[c] as string] })),
  fc.nat(3).map((c) => ({ kind: 'command' as const, argv: ['-Z', CHAINS[c] as string] })),
);

const stepArb = fc.tuple(fc.oneof(restoreArb, commandArb, longChainArb), fc.array(fc.nat(200), { maxLength: 4 }));

/**
 * Every column and table-level fact that decides a walk or a listing, chain by chain in table
 * order and independent of where the rules sit in the columns: a patched program keeps chains
 * where they were and leaves unused slots and empty placeholder chains (name '') behind.
 */
function snapshot(ct: CompiledTable): unknown {
  const name = (c: number): string => (c < 0 ? '-' : (ct.chainNames[c] as string));
  const chains: unknown[] = [];
  for (let c = 0; c < ct.chainNames.length; c++) {
    const start = ct.chainStart[c] as number;
    const end = ct.chainEnd[c] as number;
    if (ct.chainNames[c] === '') {
      // A deleted chain's placeholder: no rules, and nothing may jump to it.
      expect(end - start).toBe(0);
      continue;
    }
    const rules: unknown[] = [];
    for (let i = start; i < end; i++) {
      const runLength = (ct.exactRunEnd[i] as number) - i;
      const runStart = i === start || ct.exactRunEnd[i - 1] !== ct.exactRunEnd[i];
      const view = ct.exactRunViews.get(ct.exactRunEnd[i] as number);
      rules.push({
        fields: [ct.flags, ct.srcNet, ct.srcMask, ct.dstNet, ct.dstMask, ct.dstExact, ct.proto, ct.sportLo, ct.sportHi, ct.dportLo, ct.dportHi, ct.inIface, ct.outIface, ct.targetKind, ct.ruleNumber, ct.packets, ct.bytes].map((a) => a[i]),
        runLength,
        // A long run's view must be the run itself, in this program's dstExact.
        longRunView: runStart && runLength >= LONG_EXACT_RUN ? view !== undefined && view.buffer === ct.dstExact.buffer && view.byteOffset === i * 4 && view.length === runLength : null,
        target: name(ct.targetChain[i] as number),
        chain: name(ct.ruleChain[i] as number),
        rule: formatRule(ct.rules[i] as Rule),
        targetObject: ct.targets[i],
        ext: ct.extMatches.slice(ct.extStart[i], ct.extEnd[i]),
        nth: Array.from({ length: (ct.extEnd[i] as number) - (ct.extStart[i] as number) }, (_, k) => {
          const slot = ct.extNthSlot[(ct.extStart[i] as number) + k] as number;
          return slot >= 0 ? ct.nthCounters[slot] : -1;
        }),
      });
    }
    chains.push({ name: name(c), policy: ct.chainPolicy[c], packets: ct.chainPackets[c], bytes: ct.chainBytes[c], state: ct.chainStates[c]?.name, rules });
  }
  const hooks = Object.fromEntries(Object.entries(ct.hookChain).map(([h, c]) => [h, name(c)]));
  return { chains, hooks, ruleCount: ct.ruleCount, conntrackUsers: ct.conntrackUsers, depthEnough: ct.maxDepth > chains.length };
}

describe('incremental compile', () => {
  it('installs the program a fresh compile of the committed tables gives, counters included', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 12 }), (steps) => {
        const ns = emptyNamespace();
        for (const name of CHAINS) ns.iptables.command(['-N', name]);
        for (const [step, bumps] of steps) {
          // The table state takes the live counters now; a step must carry them (or reset them)
          // exactly as a fresh compile of the resulting state says, without another sync.
          ns.netfilter.syncCounters();
          try {
            if (step.kind === 'restore') ns.iptables.restoreAll(step.text, { noflush: step.noflush, counters: false });
            else ns.iptables.command(step.argv);
          } catch {
            // Refused inputs change nothing; the comparison below still holds.
          }
          const live = ns.netfilter.program('filter');
          expect(snapshot(live)).toEqual(snapshot(compileTable(ns.netfilter.table('filter'), formatRule)));
          // Traffic between commits: bump some live counters, as the walk does.
          for (const b of bumps) {
            if (live.ruleCount === 0) break;
            const i = b % live.slotCount;
            live.packets[i] = (live.packets[i] as number) + 1;
            live.bytes[i] = (live.bytes[i] as number) + 60;
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('patched programs', () => {
  /** A filter table of `n` user chains, all but the last reached from INPUT through DISPATCH, each with a few rules. */
  function loaded(n: number) {
    const ns = emptyNamespace();
    const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':DISPATCH - [0:0]'];
    for (let c = 0; c < n; c++) lines.push(`:U${c} - [0:0]`);
    lines.push('-A INPUT -j DISPATCH');
    // The last chain is reached by nothing (it can be deleted).
    for (let c = 0; c < n - 1; c++) lines.push(`-A DISPATCH -d 10.1.0.${c}/32 -j U${c}`);
    for (let c = 0; c < n; c++) lines.push(`-A U${c} -s 10.2.0.0/16 -j DROP`, `-A U${c} -m statistic --mode nth --every 2 --packet 1 -j ACCEPT`);
    lines.push('COMMIT', '');
    ns.iptables.restoreAll(lines.join('\n'), { noflush: false, counters: false });
    return ns;
  }

  it('patches the running program for a partial restore and equals a fresh compile', () => {
    const ns = loaded(50);
    const before = ns.netfilter.program('filter');
    before.packets.fill(7);
    before.nthCounters.fill(0);
    // The fresh compile below reads counters from the table state.
    ns.netfilter.syncCounters();
    // DISPATCH re-declared with the same rules (kept in place), one chain rewritten, one
    // deleted, one added and reached.
    const lines = ['*filter', ':DISPATCH - [0:0]', ':U3 - [0:0]', ':U49 - [0:0]', ':NEW - [0:0]'];
    for (let c = 0; c < 49; c++) lines.push(`-A DISPATCH -d 10.1.0.${c}/32 -j U${c}`);
    lines.push('-A INPUT -j NEW', '-A U3 -s 10.3.0.0/16 -j DROP', '-A NEW -j U3', '-X U49', 'COMMIT', '');
    ns.iptables.restoreAll(lines.join('\n'), { noflush: true, counters: false });
    const after = ns.netfilter.program('filter');
    expect(after).not.toBe(before);
    expect(after.arena).toBe(before.arena);
    expect(after.slotCount).toBeGreaterThan(after.ruleCount);
    expect(snapshot(after)).toEqual(snapshot(compileTable(ns.netfilter.table('filter'), formatRule)));
  });

  it('leaves the running program untouched when the patched one is refused', () => {
    const ns = loaded(10);
    const before = ns.netfilter.program('filter');
    before.packets.fill(3);
    const saved = ns.iptables.save('filter', { counters: true });
    // U1 re-declared with the same rules (its slots are kept, counters pending) then a loop.
    const text = ['*filter', ':U1 - [0:0]', ':U2 - [0:0]', '-A U1 -s 10.2.0.0/16 -j DROP', '-A U1 -m statistic --mode nth --every 2 --packet 1 -j ACCEPT', '-A U2 -j U2', 'COMMIT', ''].join('\n');
    expect(() => ns.iptables.restoreAll(text, { noflush: true, counters: false })).toThrow();
    expect(ns.netfilter.program('filter')).toBe(before);
    expect(ns.iptables.save('filter', { counters: true })).toBe(saved);
    ns.iptables.command(['-A', 'U4', '-j', 'RETURN']);
    expect(snapshot(ns.netfilter.program('filter'))).toEqual(snapshot(compileTable(ns.netfilter.table('filter'), formatRule)));
  });

  it('packs the columns again with a full compile once most slots are unused', () => {
    const ns = loaded(20);
    const first = ns.netfilter.program('filter');
    let packed = false;
    for (let k = 0; k < 40 && !packed; k++) {
      const lines = ['*filter', ':DISPATCH - [0:0]'];
      for (let c = 0; c < 19; c++) lines.push(`-A DISPATCH -d 10.1.${k % 2}.${c}/32 -j U${c}`);
      lines.push('COMMIT', '');
      ns.iptables.restoreAll(lines.join('\n'), { noflush: true, counters: false });
      const live = ns.netfilter.program('filter');
      packed = live.arena !== first.arena;
      expect(snapshot(live)).toEqual(snapshot(compileTable(ns.netfilter.table('filter'), formatRule)));
    }
    expect(packed).toBe(true);
  });
});
