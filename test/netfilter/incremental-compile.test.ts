/**
 * The compiled program a commit installs is built incrementally (chains copied from the previous
 * program, equal rules copied, buffers recycled, counters carried). After any sequence of
 * restores and commands it must equal a program compiled from scratch from the committed tables.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRule } from '../../src/netfilter/index.js';
import { compileTable } from '../../src/netfilter/engine/compile.js';
import type { CompiledTable } from '../../src/netfilter/engine/compiled.js';
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
      w.push(`-j ${r.target}`);
      return w.join(' ');
    });

const chainRulesArb = (c: number) => fc.array(ruleArb(c), { maxLength: 5 });

const restoreArb = fc
  .record({ noflush: fc.boolean(), declare: fc.subarray([0, 1, 2, 3]), rules: fc.tuple(chainRulesArb(0), chainRulesArb(1), chainRulesArb(2), chainRulesArb(3)), input: fc.array(ruleArb(-1), { maxLength: 3 }) }, { noNullPrototype: true })
  .map((r) => {
    const lines = ['*filter', ':INPUT ACCEPT [0:0]'];
    for (const c of r.declare) lines.push(`:${CHAINS[c]} - [0:0]`);
    for (const c of r.declare) for (const rule of r.rules[c] ?? []) lines.push(`-A ${CHAINS[c]} ${rule}`);
    for (const rule of r.input) lines.push(`-A INPUT ${rule}`);
    lines.push('COMMIT', '');
    return { kind: 'restore' as const, text: lines.join('\n'), noflush: r.noflush };
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

const stepArb = fc.tuple(fc.oneof(restoreArb, commandArb), fc.array(fc.nat(40), { maxLength: 4 }));

/** Every column and table-level fact that decides a walk or a listing. */
function snapshot(ct: CompiledTable): unknown {
  const n = ct.ruleCount;
  const cols = (a: ArrayLike<number>, len = n) => Array.from({ length: len }, (_, i) => a[i]);
  const ext: unknown[] = [];
  for (let i = 0; i < n; i++) ext.push(ct.extMatches.slice(ct.extStart[i], ct.extEnd[i]));
  const nth: unknown[] = [];
  for (let m = 0; m < ct.extMatches.length; m++) nth.push((ct.extNthSlot[m] as number) >= 0 ? ct.nthCounters[ct.extNthSlot[m] as number] : -1);
  const c = ct.chainNames.length;
  return {
    chains: ct.chainNames,
    chainStart: cols(ct.chainStart, c),
    chainEnd: cols(ct.chainEnd, c),
    chainPolicy: cols(ct.chainPolicy, c),
    chainPackets: cols(ct.chainPackets, c),
    hookChain: ct.hookChain,
    columns: [ct.flags, ct.srcNet, ct.srcMask, ct.dstNet, ct.dstMask, ct.dstExact, ct.exactRunEnd, ct.proto, ct.sportLo, ct.sportHi, ct.dportLo, ct.dportHi, ct.inIface, ct.outIface, ct.targetKind, ct.targetChain, ct.ruleChain, ct.ruleNumber, ct.packets, ct.bytes].map((a) => cols(a)),
    targets: ct.targets.slice(0, n),
    rules: ct.rules.slice(0, n).map((r) => formatRule(r)),
    ext,
    nth,
    conntrackUsers: ct.conntrackUsers,
  };
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
            const i = b % live.ruleCount;
            live.packets[i] = (live.packets[i] as number) + 1;
            live.bytes[i] = (live.bytes[i] as number) + 60;
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});
