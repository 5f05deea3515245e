/**
 * Property: a new connection to a Service address and port is DNATed only to endpoints its
 * policies allow, reaching each with the probability kube-proxy intends; never to an unusable
 * endpoint when a usable one exists; and to none when there is none (REJECT without endpoints,
 * DROP when a Local policy or a source range excludes every one). Traffic no kube-proxy rule
 * names is never DNATed nor refused by kube-proxy. The expectation comes from model.ts, derived
 * from the objects without kpemu's proxier.
 */
import { it } from 'vitest';
import { describeProbe } from '../arbitraries/traffic.js';
import { emulate, explore, plan, podWhere } from './support/emulated.js';
import { probesOf, outcomeTable, trafficInputArb } from './support/inputs.js';
import { expectFor } from './support/ipvs-model.js';
import { describeModes } from './support/modes.js';
import { describeExpectation } from './support/model.js';
import { check, propertyRuns, runClusterProperty } from './support/run.js';

const RUNS = propertyRuns(150);
const KUBE_VERDICT = /^(filter\/KUBE-|ipvs\/)/;

describeModes('endpoint selection of new connections', (mode) => {
  it(`DNATs only to allowed endpoints with kube-proxy's probabilities, else REJECT/DROP as kube-proxy does (${RUNS} clusters)`, () => {
    const kinds = new Map<string, number>();
    runClusterProperty(
      `endpoint selection (${mode})`,
      trafficInputArb(),
      (input) => {
        const emu = emulate(input.gen, mode, input.seed);
        for (const probe of probesOf(input)) {
          const { expectation: exp } = expectFor(mode, input.gen, probe);
          kinds.set(exp.kind, (kinds.get(exp.kind) ?? 0) + 1);
          const outs = explore(emu, plan(emu, probe));
          const what = (): string => `${describeProbe(probe)}\n  expected: ${describeExpectation(exp)}\n  kpemu:\n${outcomeTable(outs)}`;
          const total = outs.reduce((s, o) => s + o.probability, 0);
          check(Math.abs(total - 1) < 1e-9, () => `outcome probabilities sum to ${total}\n${what()}`, mode, probe);
          switch (exp.kind) {
            case 'dnat': {
              for (const o of outs) {
                const choice = exp.choices.find((c) => c.endpoint === o.dst);
                check(o.dnatted && choice !== undefined, () => `a connection went to ${o.dst}, which its policies do not allow\n${what()}`, mode, probe);
                check(o.verdict === 'delivered' && o.where === podWhere(input.gen, choice.ip), () => `a connection to ${o.dst} did not reach that endpoint's pod\n${what()}`, mode, probe);
              }
              for (const c of exp.choices) {
                const p = outs.filter((o) => o.dst === c.endpoint).reduce((s, o) => s + o.probability, 0);
                check(Math.abs(p - c.probability) < 1e-6, () => `endpoint ${c.endpoint} is reached with probability ${p}, expected ${c.probability}\n${what()}`, mode, probe);
              }
              break;
            }
            case 'reject':
              for (const o of outs) check(o.verdict === 'rejected' && KUBE_VERDICT.test(o.decidedBy), () => `expected kube-proxy to REJECT\n${what()}`, mode, probe);
              break;
            case 'drop':
              for (const o of outs) check(o.verdict === 'dropped' && o.reason === 'netfilter-drop' && KUBE_VERDICT.test(o.decidedBy), () => `expected kube-proxy to DROP\n${what()}`, mode, probe);
              break;
            case 'pass':
              for (const o of outs) {
                check(!o.dnatted, () => `a packet no Service rule names was DNATed\n${what()}`, mode, probe);
                check(!KUBE_VERDICT.test(o.decidedBy), () => `kube-proxy refused a packet no Service rule names\n${what()}`, mode, probe);
              }
              break;
            default: {
              const never: never = exp;
              return never;
            }
          }
        }
      },
      { runs: RUNS, file: 'test/properties/endpoint-selection.test.ts' },
    );
    console.log(`endpoint selection [${mode}]: first packets checked by expected outcome: ${[...kinds].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
  });
});
