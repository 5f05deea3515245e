/**
 * The inputs the cluster properties draw: a generated cluster, the emulator's seed, and a few
 * first packets into it. Kept small (1–3 nodes, ≤ 4 Services, ≤ 6 packets) so a run costs tens of
 * milliseconds.
 */
import fc from 'fast-check';
import { type ClusterArbOptions, clusterArb, type GenCluster } from '../../arbitraries/cluster.js';
import { type Probe, resolveProbe, type TrafficShape, trafficShapeArb } from '../../arbitraries/traffic.js';
import type { ClusterInput } from './run.js';

export interface TrafficInput extends ClusterInput {
  readonly traffic: readonly TrafficShape[];
}

export const seedArb = fc.integer({ min: 1, max: 0x7fffffff });

export function trafficInputArb(o: ClusterArbOptions & { readonly maxProbes?: number } = {}): fc.Arbitrary<TrafficInput> {
  return fc.record({ gen: clusterArb(o), seed: seedArb, traffic: fc.array(trafficShapeArb, { minLength: 1, maxLength: o.maxProbes ?? 6 }) });
}

export function probesOf(input: { readonly gen: GenCluster; readonly traffic: readonly TrafficShape[] }): Probe[] {
  return input.traffic.map((t) => resolveProbe(input.gen, t));
}

/** A table of explored outcomes for messages. */
export function outcomeTable(outs: readonly { probability: number; verdict: string; where: string; dst: string; src: string; reason: string; decidedBy: string }[]): string {
  return outs.map((o) => `    p=${o.probability.toFixed(4)} ${o.verdict} at ${o.where} dst ${o.dst} src ${o.src}${o.reason !== 'none' ? ` (${o.reason}${o.decidedBy !== '' ? `, ${o.decidedBy}` : ''})` : ''}`).join('\n');
}

