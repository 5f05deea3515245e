/**
 * fast-check arbitraries for traffic into a generated cluster (./cluster.ts): first packets from a
 * pod, a node's own stack, localhost on a node, or an external client entering through a node,
 * towards a Service's ClusterIP, a NodePort on some node's IP (127.0.0.1 from localhost), an
 * external IP, a load-balancer IP, or a wrong port or protocol on one of those addresses.
 *
 * A traffic shape is a handful of indices, resolved against a cluster by `resolveProbe`, so that
 * cluster and traffic shrink independently. Every probe is also a `kpemu trace` command line.
 */
import fc from 'fast-check';
import type { Protocol } from '../../src/kube/index.js';
import { formatIpv4 } from '../../src/core/index.js';
import { parseIpv4 } from '../../src/addr/index.js';
import type { GenCluster, GenNode, GenPod } from './cluster.js';

export type SourceShape =
  | { readonly kind: 'pod'; readonly pod: number }
  | { readonly kind: 'node'; readonly node: number }
  | { readonly kind: 'localhost'; readonly node: number }
  | { readonly kind: 'external'; readonly client: number; readonly node: number };

export type DestKind = 'cluster-ip' | 'node-port' | 'external-ip' | 'lb' | 'wrong-port';

export interface TrafficShape {
  readonly from: SourceShape;
  readonly to: { readonly kind: DestKind; readonly svc: number; readonly port: number; readonly node: number; readonly alt: number };
  readonly sport: number;
}

export const sourceShapeArb: fc.Arbitrary<SourceShape> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pod' as const), pod: fc.nat({ max: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('node' as const), node: fc.nat({ max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('localhost' as const), node: fc.nat({ max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('external' as const), client: fc.nat({ max: 2 }), node: fc.nat({ max: 2 }) }) },
);

export const trafficShapeArb: fc.Arbitrary<TrafficShape> = fc.record({
  from: sourceShapeArb,
  to: fc.record({
    kind: fc.oneof(
      { weight: 4, arbitrary: fc.constant<DestKind>('cluster-ip') },
      { weight: 3, arbitrary: fc.constant<DestKind>('node-port') },
      { weight: 2, arbitrary: fc.constant<DestKind>('external-ip') },
      { weight: 2, arbitrary: fc.constant<DestKind>('lb') },
      { weight: 1, arbitrary: fc.constant<DestKind>('wrong-port') },
    ),
    svc: fc.nat({ max: 7 }),
    port: fc.nat({ max: 2 }),
    node: fc.nat({ max: 2 }),
    alt: fc.nat({ max: 3 }),
  }),
  sport: fc.integer({ min: 1024, max: 65000 }),
});

/** Where a probe starts. External clients are named by address and the node they enter. */
export type ProbeSource =
  | { readonly kind: 'pod'; readonly pod: GenPod }
  | { readonly kind: 'node'; readonly node: GenNode }
  | { readonly kind: 'localhost'; readonly node: GenNode }
  | { readonly kind: 'external'; readonly addr: number; readonly entry: GenNode };

/** One concrete first packet. */
export interface Probe {
  readonly from: ProbeSource;
  readonly dst: number;
  readonly dport: number;
  readonly proto: 'tcp' | 'udp' | 'sctp';
  readonly sport: number;
  /** What the generator aimed at (the expectation models never read it; it only labels reports). */
  readonly aim: string;
}

const PROTO_OF: Readonly<Record<Protocol, Probe['proto']>> = { TCP: 'tcp', UDP: 'udp', SCTP: 'sctp' };

/**
 * External client addresses: one per (client, entry node), so that an address always enters the
 * cluster through the same node (the emulator's client namespace routes via one gateway).
 * Client 0 lies inside 203.0.113.0/25, client 1 outside it, client 2 in 198.51.100.0/24.
 */
export function externalClientAddr(client: number, entryIndex: number): number {
  const bases = ['203.0.113.2', '203.0.113.130', '198.51.100.7'];
  return (parseIpv4(bases[client % bases.length] as string) + entryIndex) >>> 0;
}

export function resolveSource(c: GenCluster, s: SourceShape): ProbeSource {
  const node = (i: number): GenNode => c.nodes[i % c.nodes.length] as GenNode;
  switch (s.kind) {
    case 'pod':
      return { kind: 'pod', pod: c.pods[s.pod % c.pods.length] as GenPod };
    case 'node':
      return { kind: 'node', node: node(s.node) };
    case 'localhost':
      return { kind: 'localhost', node: node(s.node) };
    case 'external':
      return { kind: 'external', addr: externalClientAddr(s.client, s.node % c.nodes.length), entry: node(s.node) };
    default: {
      const never: never = s;
      return never;
    }
  }
}

const LOCALHOST = 0x7f000001;

/** Resolves a traffic shape against a cluster (falling back to the ClusterIP when the aim does not exist). */
export function resolveProbe(c: GenCluster, t: TrafficShape): Probe {
  const from = resolveSource(c, t.from);
  const services = c.objects.services.filter((s) => s.spec.clusterIP !== '' && s.spec.clusterIP !== 'None' && s.spec.ports.length > 0);
  const node = c.nodes[t.to.node % c.nodes.length] as GenNode;
  const base = { from, sport: t.sport };
  const svc = services[t.to.svc % Math.max(1, services.length)];
  if (svc === undefined) return { ...base, dst: from.kind === 'localhost' ? LOCALHOST : node.ip, dport: 31999, proto: 'tcp', aim: 'no Service: a closed node port' };
  const port = svc.spec.ports[t.to.port % svc.spec.ports.length] as (typeof svc.spec.ports)[number];
  const proto = PROTO_OF[port.protocol];
  const name = `${svc.metadata.name}:${port.port}/${port.protocol}`;
  const clusterIP = { ...base, dst: parseIpv4(svc.spec.clusterIP), dport: port.port, proto, aim: `${name} ClusterIP` };
  // localhost only ever talks to 127.0.0.1: a NodePort there, or a closed port.
  if (from.kind === 'localhost') {
    if (port.nodePort !== 0 && t.to.kind !== 'wrong-port') return { ...base, dst: LOCALHOST, dport: port.nodePort, proto, aim: `${name} NodePort on 127.0.0.1` };
    return { ...base, dst: LOCALHOST, dport: 31999, proto, aim: 'a closed port on 127.0.0.1' };
  }
  switch (t.to.kind) {
    case 'cluster-ip':
      return clusterIP;
    case 'node-port':
      return port.nodePort === 0 ? clusterIP : { ...base, dst: node.ip, dport: port.nodePort, proto, aim: `${name} NodePort on ${node.name}` };
    case 'external-ip': {
      const ip = svc.spec.externalIPs[t.to.alt % Math.max(1, svc.spec.externalIPs.length)];
      return ip === undefined ? clusterIP : { ...base, dst: parseIpv4(ip), dport: port.port, proto, aim: `${name} external IP` };
    }
    case 'lb': {
      const ing = svc.status.loadBalancerIngress[0];
      return ing === undefined ? clusterIP : { ...base, dst: parseIpv4(ing.ip), dport: port.port, proto, aim: `${name} load-balancer IP (${ing.ipMode})` };
    }
    case 'wrong-port': {
      const other: Probe['proto'] = proto === 'tcp' ? 'udp' : 'tcp';
      switch (t.to.alt) {
        case 0:
          return { ...clusterIP, dport: 9999, aim: `${name} ClusterIP, a port the Service does not have` };
        case 1:
          return svc.spec.ports.some((p) => p.port === port.port && PROTO_OF[p.protocol] === other) ? { ...clusterIP, dport: 9999 } : { ...clusterIP, proto: other, aim: `${name} ClusterIP over ${other}` };
        case 2:
          return { ...base, dst: node.ip, dport: 31999, proto, aim: `a closed port on ${node.name}` };
        default: {
          const ip = svc.spec.externalIPs[0] ?? svc.status.loadBalancerIngress[0]?.ip;
          return ip === undefined ? { ...clusterIP, dport: 9999 } : { ...base, dst: parseIpv4(ip), dport: 9999, proto, aim: `${name}: a wrong port on ${ip}` };
        }
      }
    }
    default: {
      const never: never = t.to.kind;
      return never;
    }
  }
}

/** `kpemu trace` words for a probe's source (`--from X [--node N]`). */
export function sourceArgs(s: ProbeSource): string[] {
  switch (s.kind) {
    case 'pod':
      return ['--from', `pod/${s.pod.namespace}/${s.pod.name}`];
    case 'node':
      return ['--from', `node/${s.node.name}`];
    case 'localhost':
      return ['--from', '127.0.0.1', '--node', s.node.name];
    case 'external':
      return ['--from', formatIpv4(s.addr), '--node', s.entry.name];
    default: {
      const never: never = s;
      return never;
    }
  }
}

/** `kpemu trace` words for a probe (after the cluster file). */
export function probeArgs(p: Probe): string[] {
  return [...sourceArgs(p.from), '--to', `${formatIpv4(p.dst)}:${p.dport}`, '--proto', p.proto, '--sport', String(p.sport)];
}

export function describeProbe(p: Probe): string {
  return `${sourceArgs(p.from).join(' ')} --to ${formatIpv4(p.dst)}:${p.dport}/${p.proto} sport ${p.sport} (${p.aim})`;
}
