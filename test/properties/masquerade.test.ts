/**
 * Properties of source NAT:
 * - masquerading happens exactly where kube-proxy and flannel intend it: the source an endpoint
 *   sees is the client's (or what the sender's node made of it), or the deciding node's address
 *   towards the endpoint when kube-proxy marked the packet (external traffic with eTP Cluster,
 *   traffic from outside the pod network to a ClusterIP, hairpin, the node's own and localhost
 *   traffic for eTP Local, masqueradeAll) or flannel's FLANNEL-POSTRTG rules masquerade it;
 * - many clients using one source port towards one Service address, behind the same masquerade,
 *   never share a tuple: every conntrack table keeps distinct original and reply tuples, no two
 *   connections look the same to an endpoint, and every reply finds its own client.
 */
import fc from 'fast-check';
import { it } from 'vitest';
import { formatIpv4 } from '../../src/core/index.js';
import type { NetNamespace } from '../../src/node/index.js';
import { clusterArb, type GenCluster } from '../arbitraries/cluster.js';
import { describeProbe, externalClientAddr, type Probe, type ProbeSource, resolveProbe, trafficShapeArb } from '../arbitraries/traffic.js';
import { emulate, explore, plan, sendFirst, sendReply, tupleText, where } from './support/emulated.js';
import { outcomeTable, probesOf, seedArb, trafficInputArb } from './support/inputs.js';
import { expectFor } from './support/ipvs-model.js';
import { describeModes } from './support/modes.js';
import { describeExpectation } from './support/model.js';
import { check, propertyRuns, runClusterProperty } from './support/run.js';

const RUNS = propertyRuns(150);
const CROWD_RUNS = propertyRuns(60);

/** Every client that can send to `probe`'s destination with the same source port. */
function crowd(gen: GenCluster, probe: Probe): Probe[] {
  const sources: ProbeSource[] = [
    ...gen.pods.map((pod): ProbeSource => ({ kind: 'pod', pod })),
    ...gen.nodes.map((node): ProbeSource => ({ kind: 'node', node })),
    ...gen.nodes.flatMap((entry, i) => [0, 1, 2].map((client): ProbeSource => ({ kind: 'external', addr: externalClientAddr(client, i), entry }))),
  ];
  return sources.map((from) => ({ ...probe, from }));
}

/** Live connections of a namespace as (original, reply) tuple texts. */
function connections(ns: NetNamespace): { orig: string; reply: string }[] {
  const t = ns.conntrack.table;
  return t.liveIndexes().map((i) => ({
    orig: `${formatIpv4(t.oSrc[i] as number)}:${t.oSport[i]}>${formatIpv4(t.oDst[i] as number)}:${t.oDport[i]}/${t.proto[i]}`,
    reply: `${formatIpv4(t.rSrc[i] as number)}:${t.rSport[i]}>${formatIpv4(t.rDst[i] as number)}:${t.rDport[i]}/${t.proto[i]}`,
  }));
}

function duplicates(items: readonly string[]): string[] {
  const seen = new Set<string>();
  return items.filter((x) => (seen.has(x) ? true : (seen.add(x), false)));
}

describeModes('masquerading', (mode) => {
  it(`the source an endpoint sees is the one kube-proxy and flannel intend (${RUNS} clusters)`, () => {
    runClusterProperty(
      `masquerade where intended (${mode})`,
      trafficInputArb(),
      (input) => {
        const emu = emulate(input.gen, mode, input.seed);
        for (const probe of probesOf(input)) {
          const { expectation: exp } = expectFor(mode, input.gen, probe);
          if (exp.kind !== 'dnat') continue;
          const outs = explore(emu, plan(emu, probe));
          for (const o of outs) {
            const choice = exp.choices.find((c) => c.endpoint === o.dst);
            if (choice === undefined) continue; // endpoint-selection's business
            check(
              o.src === formatIpv4(choice.finalSrc),
              () => `${o.dst} saw source ${o.src}, expected ${formatIpv4(choice.finalSrc)} (${choice.masq === null ? 'no masquerade' : `masqueraded by ${choice.masq}`})\n${describeProbe(probe)}\n  expected: ${describeExpectation(exp)}\n  kpemu:\n${outcomeTable(outs)}`,
              mode,
              probe,
            );
          }
        }
      },
      { runs: RUNS, file: 'test/properties/masquerade.test.ts' },
    );
  });

  it(`clients with one source port behind one masquerade never share a tuple (${CROWD_RUNS} clusters)`, () => {
    const arb = fc.record({ gen: clusterArb(), seed: seedArb, target: trafficShapeArb, sport: fc.constantFrom(1024, 40000, 65000) });
    runClusterProperty(
      `unique tuples after SNAT (${mode})`,
      arb,
      (input) => {
        const emu = emulate(input.gen, mode, input.seed);
        const aim = resolveProbe(input.gen, { ...input.target, from: input.target.from.kind === 'localhost' ? { kind: 'pod', pod: 0 } : input.target.from, sport: input.sport });
        const sent = crowd(input.gen, aim).map((probe) => {
          const pl = plan(emu, probe);
          return { probe, pl, end: sendFirst(emu, pl).end };
        });
        const all = emu.cluster.topology.allNamespaces();
        for (const ns of all) {
          const conns = connections(ns);
          const dupReply = duplicates(conns.map((c) => c.reply));
          const dupOrig = duplicates(conns.map((c) => c.orig));
          check(dupReply.length === 0 && dupOrig.length === 0, () => `${where(ns)} holds two connections with one tuple: ${[...dupReply, ...dupOrig].join(', ')}`, mode, aim);
        }
        const delivered = sent.filter((s) => s.end.outcome === 'delivered');
        const seen = delivered.map((s) => `${where(s.end.netns)} ${tupleText(s.end.packet)}`);
        const same = duplicates(seen);
        check(same.length === 0, () => `two connections arrive as one: ${same.join(', ')}`, mode, aim);
        for (const s of delivered) {
          // A pod answering itself directly is the named IPVS hairpin difference, not a NAT question.
          if (s.end.packet.src === s.end.packet.dst) continue;
          const back = sendReply(emu, s.end);
          const ok = back.outcome === 'delivered' && back.netns === s.pl.sender && back.packet.dst === s.pl.src && back.packet.dport === s.pl.sport && back.packet.src === s.pl.dst && back.packet.sport === s.pl.dport;
          check(ok, () => `the reply to ${describeProbe(s.probe)} ended ${back.outcome} at ${where(back.netns)} as ${tupleText(back.packet)}`, mode, s.probe);
        }
      },
      { runs: CROWD_RUNS, file: 'test/properties/masquerade.test.ts' },
    );
  });
});
