/**
 * The cluster half of the kernel oracle: for one generated cluster, the first packets that node-1
 * decides about, sent from the lab namespace that plays their origin, and compared with the
 * emulator's prediction. Packets another node masquerades on their way (a pod elsewhere calling
 * node-1's NodePort) are left out: that node picks a random source port the lab cannot replay.
 */
import { formatIpv4 } from '../../../src/core/index.js';
import type { GenCluster } from '../../arbitraries/cluster.js';
import { describeProbe, type Probe, resolveProbe, type TrafficShape } from '../../arbitraries/traffic.js';
import { emulate, plan } from './emulated.js';
import { type NodeLab, loadNodeRules, nodeEntries } from './kernel-node-lab.js';
import { predictAtNode } from './kernel-predict.js';
import { type KernelProbe, sendBatch } from './kernel-sender.js';
import { kernelVerdict } from './kernel-verdict.js';
import { arrivalOf } from './model.js';

export interface OracleMismatch {
  readonly probe: Probe;
  readonly kernel: string;
  readonly emulator: ReadonlyMap<string, number>;
}

export interface ClusterOracleResult {
  readonly checked: number;
  readonly verdicts: ReadonlyMap<string, number>;
  readonly mismatches: readonly OracleMismatch[];
}

export function describeMismatch(m: OracleMismatch): string {
  const emu = [...m.emulator].map(([k, p]) => `${k} (p=${p.toFixed(3)})`).join(', ');
  return `${describeProbe(m.probe)}\n    kernel: ${m.kernel}\n    kpemu:  ${emu}`;
}

/** Runs one cluster through the lab; `firstSport` keeps tuples unique across clusters. */
export function checkClusterOnKernel(lab: NodeLab, gen: GenCluster, seed: number, traffic: readonly TrafficShape[], firstSport: number): ClusterOracleResult {
  const node = 'node-1';
  const emu = emulate(gen, 'iptables', seed);
  const seen = new Set<string>();
  const work: { probe: Probe; kp: KernelProbe; sender: 'pods' | 'node' | 'ext'; expected: Map<string, number> }[] = [];
  traffic.forEach((t, i) => {
    const probe = { ...resolveProbe(gen, t), sport: firstSport + i };
    const a = arrivalOf(gen, probe);
    if (a.node.name !== node || a.masqueradedBy !== null) return;
    const key = `${a.src}/${probe.dst}/${probe.dport}/${probe.proto}`;
    if (seen.has(key)) return;
    seen.add(key);
    const pl = plan(emu, probe);
    if (pl.src !== a.src) throw new Error(`the emulator sends ${describeProbe(probe)} from ${formatIpv4(pl.src)}, the model expected ${formatIpv4(a.src)}`);
    const kp: KernelProbe = { id: i, proto: probe.proto, src: formatIpv4(a.src), sport: probe.sport, dst: formatIpv4(probe.dst), dport: probe.dport };
    work.push({ probe, kp, sender: a.kind === 'pod' ? 'pods' : a.kind === 'local' ? 'node' : 'ext', expected: predictAtNode(emu, pl, node) });
  });
  emu.cluster.syncNode(node);
  const host = emu.cluster.topology.nodes.get(node)?.host;
  if (host === undefined) throw new Error('node-1 is missing');
  loadNodeRules(lab, host.iptables.save(), gen.objects.proxyConfig.localhostNodePorts);
  const batches = new Map((['pods', 'node', 'ext'] as const).map((s) => [s, sendBatch(lab[s], work.filter((w) => w.sender === s).map((w) => w.kp))]));
  const entries = nodeEntries(lab);
  const verdicts = new Map<string, number>();
  const mismatches: OracleMismatch[] = [];
  for (const w of work) {
    const k = kernelVerdict(w.kp, entries, batches.get(w.sender) as ReturnType<typeof sendBatch>);
    const kind = k.split(' ')[0] as string;
    verdicts.set(kind, (verdicts.get(kind) ?? 0) + 1);
    if (!w.expected.has(k)) mismatches.push({ probe: w.probe, kernel: k, emulator: w.expected });
  }
  return { checked: work.length, verdicts, mismatches };
}
