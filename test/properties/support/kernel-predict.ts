/**
 * The emulator's prediction for the kernel oracle: every outcome of a probe's first packet (over
 * the random draws, each from a fresh connection state) as the deciding node's connection table
 * shows it, with its probability.
 */
import { exploreOutcomes, firstPacket, type TracePlan } from '../../../src/cluster/index.js';
import type { Emulated } from './emulated.js';
import { emulatedVerdict } from './kernel-verdict.js';

export function predictAtNode(e: Emulated, pl: TracePlan, node: string): Map<string, number> {
  const host = e.cluster.topology.nodes.get(node)?.host;
  if (host === undefined) throw new Error(`no node ${node}`);
  const outs = exploreOutcomes(e.cluster.topology.allNamespaces(), () => {
    const pkt = firstPacket(pl);
    const end = e.cluster.forwarder.send(pl.sender, pkt);
    const key = emulatedVerdict(host, { src: pl.src, dst: pl.dst, sport: pl.sport, dport: pl.dport, proto: pl.proto }, end.outcome, end.rejectWith);
    return { verdict: 'delivered', where: key, dnat: null, snat: null, reason: '', rejectWith: '', decidedBy: '' };
  });
  const out = new Map<string, number>();
  for (const o of outs) out.set(o.where, (out.get(o.where) ?? 0) + o.probability);
  return out;
}
