/**
 * Property: ClientIP session affinity keeps a client on one endpoint within its timeout — even
 * when the random draw (statistic chain, or the rr/wrr choice while exploring) points at another
 * endpoint — and lets it move once the timeout has passed. Time is the cluster's injected clock.
 *
 * The draws are forced through the namespaces' chooser: "always take" lands on the first
 * endpoint of the cascade, "never take" on the last, so with two or more endpoints the two
 * forcings disagree and stickiness is visible without relying on luck.
 */
import { it } from 'vitest';
import { formatIpv4 } from '../../src/core/index.js';
import { describeProbe } from '../arbitraries/traffic.js';
import { type Emulated, emulate, plan, sendFirst, where } from './support/emulated.js';
import fc from 'fast-check';
import { buildCluster, clusterShapeArb } from '../arbitraries/cluster.js';
import { trafficShapeArb } from '../arbitraries/traffic.js';
import { probesOf, seedArb } from './support/inputs.js';
import { expectFor } from './support/ipvs-model.js';
import { describeModes } from './support/modes.js';
import { describeExpectation } from './support/model.js';
import type { Probe } from '../arbitraries/traffic.js';
import { check, propertyRuns, runClusterProperty } from './support/run.js';

const RUNS = propertyRuns(200);

/** Clusters whose every Service has ClientIP affinity (the generator's own timeouts, 10 s when it drew none). */
const affinityInputArb = fc.record({
  gen: clusterShapeArb().map((shape) => buildCluster({ ...shape, services: shape.services.map((s) => ({ ...s, affinity: s.affinity === 0 ? 10 : s.affinity })) })),
  seed: seedArb,
  traffic: fc.array(trafficShapeArb, { minLength: 1, maxLength: 10 }),
});
/** Beyond every conntrack and IPVS connection timeout of an unanswered first packet (IPVS keeps SCTP 900 s, UDP 300 s). */
const IDLE_EXTRA_SECONDS = 1000;

/** A new connection with every random decision forced one way. */
function connect(e: Emulated, probe: Probe, sport: number, take: boolean): { endpoint: string; text: string } {
  const all = e.cluster.topology.allNamespaces();
  const chooser = (): boolean => take;
  for (const ns of all) ns.chooser = chooser;
  try {
    const { end } = sendFirst(e, plan(e, probe, sport));
    const endpoint = `${formatIpv4(end.packet.dst)}:${end.packet.dport}`;
    return { endpoint, text: `${end.outcome} at ${where(end.netns)} → ${endpoint}` };
  } finally {
    for (const ns of all) ns.chooser = null;
  }
}

describeModes('session affinity', (mode) => {
  it(`ClientIP affinity holds within the timeout and lets go after it (${RUNS} clusters)`, () => {
    let tested = 0;
    runClusterProperty(
      `session affinity (${mode})`,
      affinityInputArb,
      (input) => {
        const emu = emulate(input.gen, mode, input.seed);
        const probes = probesOf(input).filter((p) => {
          const e = expectFor(mode, input.gen, p).expectation;
          return e.kind === 'dnat' && e.choices.length >= 2 && e.affinitySeconds > 0;
        });
        for (const probe of probes.slice(0, 2)) {
          const exp = expectFor(mode, input.gen, probe).expectation;
          if (exp.kind !== 'dnat') continue;
          tested++;
          const timeout = exp.affinitySeconds;
          // An earlier probe of this input may have been the same client of the same Service: let it go first.
          emu.clock.advanceSeconds(timeout + IDLE_EXTRA_SECONDS);
          let sport = 20000 + tested * 10;
          const ctx = (): string => `${describeProbe(probe)} (affinity ${timeout} s)\n  expected: ${describeExpectation(exp)}`;
          const first = connect(emu, probe, sport++, true);
          check(exp.choices.some((c) => c.endpoint === first.endpoint), () => `the first connection went to ${first.text}\n${ctx()}`, mode, probe);
          for (let i = 0; i < 3; i++) {
            emu.clock.advanceSeconds(Math.floor(timeout / 4));
            const again = connect(emu, probe, sport++, false);
            check(again.endpoint === first.endpoint, () => `within the timeout a new connection moved from ${first.endpoint} to ${again.text}\n${ctx()}`, mode, probe);
          }
          emu.clock.advanceSeconds(timeout + IDLE_EXTRA_SECONDS);
          const after = connect(emu, probe, sport++, false);
          check(after.endpoint !== first.endpoint, () => `after the timeout the client is still held on ${first.endpoint} (${after.text})\n${ctx()}`, mode, probe);
          check(exp.choices.some((c) => c.endpoint === after.endpoint), () => `after the timeout a connection went to ${after.text}\n${ctx()}`, mode, probe);
        }
      },
      { runs: RUNS, file: 'test/properties/affinity.test.ts' },
    );
    console.log(`session affinity [${mode}]: ${tested} Service addresses with ClientIP affinity checked`);
  });
});
