/**
 * Property: iptables mode and IPVS mode, given the same cluster and the same first packet, reach
 * the same endpoints with the same source address at the endpoint (so the same masquerade
 * decision), or refuse it the same way — except where a named difference (ipvs-model.ts, each
 * from reference/kube-proxy-ipvs.md) applies. Where one does, each mode must still do what its
 * own model says. The tally of named differences met is printed.
 */
import { describe, it } from 'vitest';
import type { ProxyMode } from '../../src/kube/index.js';
import { describeProbe } from '../arbitraries/traffic.js';
import { type Emulated, emulate, explore, plan } from './support/emulated.js';
import { outcomeTable, probesOf, trafficInputArb } from './support/inputs.js';
import { expectFor } from './support/ipvs-model.js';
import { ipvsAvailability } from './support/modes.js';
import { describeExpectation, type Expectation } from './support/model.js';
import { check, propertyRuns, runClusterProperty } from './support/run.js';
import { formatIpv4 } from '../../src/core/index.js';

const RUNS = propertyRuns(150);

/** What a mode did with a first packet, over all its outcomes. */
function viewOf(e: Emulated, probe: Parameters<typeof plan>[1]): { text: string; endpoints: string; table: string } {
  const outs = explore(e, plan(e, probe));
  const table = outcomeTable(outs);
  if (outs.every((o) => o.verdict === 'delivered' && o.dnatted)) {
    const eps = [...new Set(outs.map((o) => `${o.dst}<-${o.src}`))].sort();
    return { text: `dnat ${eps.join(' ')}`, endpoints: `dnat ${[...new Set(outs.map((o) => o.dst))].sort().join(' ')}`, table };
  }
  if (outs.every((o) => o.verdict === 'rejected')) return { text: 'reject', endpoints: 'reject', table };
  if (outs.every((o) => o.verdict === 'dropped' && o.reason === 'netfilter-drop')) return { text: 'drop', endpoints: 'drop', table };
  const other = outs.some((o) => o.dnatted) ? 'mixed' : 'untouched';
  return { text: other, endpoints: other, table };
}

/** The same view of a model's expectation ('pass' has no fixed end, so it is "untouched"). */
function modelView(x: Expectation): string {
  if (x.kind === 'dnat') return `dnat ${x.choices.map((c) => `${c.endpoint}<-${formatIpv4(c.finalSrc)}`).sort().join(' ')}`;
  return x.kind === 'pass' ? 'untouched' : x.kind;
}

const avail = ipvsAvailability();
if (!avail.ok) console.warn(`\n*** PROPERTY SKIPPED (iptables and IPVS modes agree): ${avail.reason} ***\n`);

describe.skipIf(!avail.ok)('iptables and IPVS modes agree on random clusters', () => {
  it(`same endpoints and masquerading in both modes, named differences only (${RUNS} clusters)`, () => {
    const met = new Map<string, number>();
    let compared = 0;
    runClusterProperty(
      'iptables and IPVS modes agree',
      trafficInputArb(),
      (input) => {
        const modes: readonly ProxyMode[] = ['iptables', 'ipvs'];
        const emus = modes.map((m) => emulate(input.gen, m, input.seed));
        for (const probe of probesOf(input)) {
          const [ipt, ipvs] = modes.map((m) => expectFor(m, input.gen, probe)) as [ReturnType<typeof expectFor>, ReturnType<typeof expectFor>];
          const [a, b] = emus.map((e) => viewOf(e, probe)) as [ReturnType<typeof viewOf>, ReturnType<typeof viewOf>];
          const names = ipvs.exceptions;
          const ctx = (): string =>
            `${describeProbe(probe)}\n  iptables model: ${describeExpectation(ipt.expectation)}\n  IPVS model: ${describeExpectation(ipvs.expectation)}\n  iptables:\n${a.table}\n  IPVS:\n${b.table}`;
          compared++;
          const ownIpt = modelView(ipt.expectation);
          const ownIpvs = modelView(ipvs.expectation);
          if (ownIpt === ownIpvs) {
            check(a.text === b.text, () => `the modes disagree (${a.text} vs ${b.text}) where kube-proxy's modes agree\n${ctx()}`, 'ipvs', probe);
            continue;
          }
          check(names.length > 0, () => `the two models differ without a named difference\n${ctx()}`, 'ipvs', probe);
          for (const n of names) met.set(n, (met.get(n) ?? 0) + 1);
          if (ownIpt !== 'untouched') check(a.text === ownIpt, () => `iptables mode did ${a.text}, its model says ${ownIpt} (named differences: ${names.join(', ')})\n${ctx()}`, 'iptables', probe);
          if (ownIpvs !== 'untouched') check(b.text === ownIpvs, () => `IPVS mode did ${b.text}, its model says ${ownIpvs} (named differences: ${names.join(', ')})\n${ctx()}`, 'ipvs', probe);
        }
      },
      { runs: RUNS, file: 'test/properties/mode-agreement.test.ts' },
    );
    const tally = [...met].sort().map(([n, k]) => `${n} ×${k}`).join(', ');
    console.log(`modes agree: ${compared} first packets compared; named differences met: ${tally === '' ? 'none' : tally}`);
  });
});
