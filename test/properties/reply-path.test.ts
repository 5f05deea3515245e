/**
 * Property: once a new connection reached an endpoint (DNATed) or any other receiver, the answer
 * sent back from there reaches the client's own namespace with the original tuple swapped — across
 * nodes, through VXLAN, through every NAT on the way — and later packets of the connection take
 * the conntrack path: same endpoint, same translated tuple, and not one nat-table rule evaluated.
 * Connections accumulate in one cluster per input, as on a real node.
 */
import { it } from 'vitest';
import { formatIpv4 } from '../../src/core/index.js';
import { describeProbe, type Probe } from '../arbitraries/traffic.js';
import { emulate, plan, sendLater, sendReply, traceFirst, tupleText, where } from './support/emulated.js';
import { probesOf, trafficInputArb } from './support/inputs.js';
import { expectFor } from './support/ipvs-model.js';
import { describeModes } from './support/modes.js';
import { describeExpectation } from './support/model.js';
import { check, propertyRuns, runClusterProperty } from './support/run.js';

const RUNS = propertyRuns(120);

/** Distinct source ports per input, so two probes never share a tuple by accident. */
function withDistinctPorts(probes: readonly Probe[]): Probe[] {
  return probes.map((p, i) => ({ ...p, sport: 1024 + ((p.sport - 1024 + i * 997) % 64000) }));
}

describeModes('replies and later packets', (mode) => {
  it(`replies come back with the tuple swapped; later packets skip the nat table (${RUNS} clusters)`, () => {
    runClusterProperty(
      `reply path (${mode})`,
      trafficInputArb(),
      (input) => {
        const emu = emulate(input.gen, mode, input.seed);
        for (const probe of withDistinctPorts(probesOf(input))) {
          const { expectation: exp, exceptions } = expectFor(mode, input.gen, probe);
          const pl = plan(emu, probe);
          const first = traceFirst(emu, pl);
          const end = first.end;
          const ctx = (): string => `${describeProbe(probe)}\n  expected: ${describeExpectation(exp)}\n  first packet: ${end.outcome} at ${where(end.netns)} as ${tupleText(end.packet)}`;
          if (exp.kind === 'dnat') check(end.outcome === 'delivered' && exp.choices.some((c) => c.endpoint === `${formatIpv4(end.packet.dst)}:${end.packet.dport}`), () => `the first packet did not reach an allowed endpoint\n${ctx()}`, mode, probe);
          if (end.outcome !== 'delivered') continue;
          // A pod that reached itself without being masqueraded answers itself directly (IPVS mode,
          // endpoint without nodeName: the named difference ipvs-hairpin-unnamed-endpoint).
          if (end.packet.dst === end.packet.src && exceptions.includes('ipvs-hairpin-unnamed-endpoint')) continue;
          check(first.events.some((e) => e.kind === 'rule' && e.table === 'nat'), () => `the first packet walked no nat rule at all\n${ctx()}`, mode, probe);

          const back = sendReply(emu, end);
          const b = back.packet;
          const swapped = b.src === pl.dst && b.sport === pl.dport && b.dst === pl.src && b.dport === pl.sport && b.proto === pl.proto;
          check(back.outcome === 'delivered' && back.netns === pl.sender, () => `the reply ended ${back.outcome} at ${where(back.netns)} (${back.reason} ${back.decidedBy}), not in the client's namespace ${where(pl.sender)}\n${ctx()}`, mode, probe);
          check(swapped, () => `the reply arrived as ${tupleText(b)}, not as the original tuple swapped (${formatIpv4(pl.dst)}:${pl.dport} → ${formatIpv4(pl.src)}:${pl.sport})\n${ctx()}`, mode, probe);

          const later = sendLater(emu, pl);
          const l = later.end;
          const same = l.packet.src === end.packet.src && l.packet.sport === end.packet.sport && l.packet.dst === end.packet.dst && l.packet.dport === end.packet.dport;
          check(l.outcome === 'delivered' && l.netns === end.netns && same, () => `a later packet ended ${l.outcome} at ${where(l.netns)} as ${tupleText(l.packet)} (${l.reason} ${l.decidedBy})\n${ctx()}`, mode, probe);
          const natRules = later.events.filter((e) => e.kind === 'rule' && e.table === 'nat');
          check(natRules.length === 0, () => `a later packet walked ${natRules.length} nat rule(s), e.g. ${JSON.stringify(natRules[0])}\n${ctx()}`, mode, probe);
        }
      },
      { runs: RUNS, file: 'test/properties/reply-path.test.ts' },
    );
  });
});
