import { it } from 'vitest';
import { Cluster, planTrace, parseSource, parseDest, firstPacket, traceJourney } from '../../src/cluster/index.js';
import { loadClusterFiles } from '../../src/kube/index.js';
import { ManualClock, formatIpv4 } from '../../src/core/index.js';
import { renderTraceText } from '../../src/trace/index.js';
it('debug', () => {
  const clock = new ManualClock(1_000_000);
  const c = Cluster.build(loadClusterFiles(['/tmp/kpemu-properties/session-affinity-iptables-1593961533.yaml']), { mode: 'iptables', seed: 1, clock });
  const go = (sport: number, take: boolean | null, show = false) => {
    const all = c.topology.allNamespaces();
    if (take !== null) for (const ns of all) ns.chooser = () => take;
    const plan = planTrace(c, { from: parseSource('127.0.0.1'), to: parseDest('127.0.0.1:30000'), proto: 'tcp', sport, node: 'node-1' });
    const j = traceJourney(c, plan.sender, firstPacket(plan), { allRules: false, title: 'x' });
    for (const ns of all) ns.chooser = null;
    console.log(clock.nowMs(), sport, take, j.end.outcome, formatIpv4(j.end.packet.src), formatIpv4(j.end.packet.dst));
    if (show) console.log(renderTraceText(j.events, { color: false, verbose: false }).split('\n').filter(l => /nat|recent|statistic|SEP|SVC/.test(l)).join('\n'));
  };
  go(20000, true, true);
  for (let i = 0; i < 3; i++) { clock.advanceSeconds(15); go(20001 + i, false); }
  clock.advanceSeconds(60 + 1000);
  go(20010, false, true);
});
