/**
 * Property: over many new connections from one client (the emulator's seeded random source making
 * every `-m statistic` draw, or IPVS's rr scheduler choosing), the endpoints are reached in the
 * proportions kube-proxy intends: a chi-square test at p = 1e-6 against the model's
 * probabilities, and no connection outside the allowed endpoints. Services with ClientIP affinity
 * are left to affinity.test.ts (a client sticks to one endpoint by design).
 */
import { it } from 'vitest';
import { formatIpv4 } from '../../src/core/index.js';
import { describeProbe } from '../arbitraries/traffic.js';
import { chiSquare } from './support/chi-square.js';
import { emulate, plan, sendFirst } from './support/emulated.js';
import fc from 'fast-check';
import { buildCluster, clusterShapeArb } from '../arbitraries/cluster.js';
import { trafficShapeArb } from '../arbitraries/traffic.js';
import { probesOf, seedArb } from './support/inputs.js';
import { expectFor } from './support/ipvs-model.js';
import { describeModes } from './support/modes.js';
import { describeExpectation } from './support/model.js';
import { check, propertyRuns, runClusterProperty } from './support/run.js';

const RUNS = propertyRuns(120);
const CONNECTIONS = 400;

/** Clusters without session affinity (a client sticking to one endpoint is affinity.test.ts's subject). */
const noAffinityInputArb = fc.record({
  gen: clusterShapeArb().map((shape) => buildCluster({ ...shape, services: shape.services.map((s) => ({ ...s, affinity: 0 })) })),
  seed: seedArb,
  traffic: fc.array(trafficShapeArb, { minLength: 1, maxLength: 10 }),
});

describeModes('endpoint distribution', (mode) => {
  it(`${CONNECTIONS} connections per Service spread as the probabilities say (chi-square, ${RUNS} clusters)`, () => {
    let tested = 0;
    runClusterProperty(
      `endpoint distribution (${mode})`,
      noAffinityInputArb,
      (input) => {
        const emu = emulate(input.gen, mode, input.seed);
        const probes = probesOf(input).filter((p) => {
          const e = expectFor(mode, input.gen, p).expectation;
          return e.kind === 'dnat' && e.choices.length >= 2 && e.affinitySeconds === 0;
        });
        for (const probe of probes.slice(0, 3)) {
          const exp = expectFor(mode, input.gen, probe).expectation;
          if (exp.kind !== 'dnat') continue;
          tested++;
          const counts = new Map<string, number>(exp.choices.map((c) => [c.endpoint, 0]));
          for (let i = 0; i < CONNECTIONS; i++) {
            const { end } = sendFirst(emu, plan(emu, probe, 1024 + ((probe.sport - 1024 + i) % 64000)));
            const ep = `${formatIpv4(end.packet.dst)}:${end.packet.dport}`;
            const n = counts.get(ep);
            check(end.outcome === 'delivered' && n !== undefined, () => `connection ${i} went to ${ep} (${end.outcome}), outside the allowed endpoints\n${describeProbe(probe)}\n  expected: ${describeExpectation(exp)}`, mode, probe);
            counts.set(ep, n + 1);
          }
          const observed = exp.choices.map((c) => counts.get(c.endpoint) ?? 0);
          const fit = chiSquare(observed, exp.choices.map((c) => c.probability));
          check(
            fit.ok,
            () => `endpoint counts ${exp.choices.map((c, i) => `${c.endpoint}=${observed[i]}`).join(' ')} do not fit ${exp.choices.map((c) => c.probability.toFixed(3)).join('/')} (chi² ${fit.statistic.toFixed(1)} > ${fit.critical.toFixed(1)}, df ${fit.df})\n${describeProbe(probe)}`,
            mode,
            probe,
            ['--count', String(CONNECTIONS)],
          );
        }
      },
      { runs: RUNS, file: 'test/properties/distribution.test.ts' },
    );
    console.log(`endpoint distribution [${mode}]: ${tested} Service addresses, ${tested * CONNECTIONS} connections`);
  });
});
