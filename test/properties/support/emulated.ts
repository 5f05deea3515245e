/**
 * Driving the emulated cluster for the properties: build it in a mode with a seed and a manual
 * clock, plan a probe exactly as `kpemu trace` plans its --from/--to words (so a printed command
 * replays the same journey), send first packets, replies and later packets, and enumerate every
 * outcome with its exact probability.
 */
import { Cluster, exploreOutcomes, firstPacket, type JourneyEnd, parseDest, parseSource, planTrace, replyPacket, type TracePlan, traceJourney, type TracedJourney } from '../../../src/cluster/index.js';
import { formatIpv4, ManualClock } from '../../../src/core/index.js';
import type { ProxyMode } from '../../../src/kube/index.js';
import type { NetNamespace } from '../../../src/node/index.js';
import { TCP_FLAGS, type Packet } from '../../../src/packet/index.js';
import type { GenCluster } from '../../arbitraries/cluster.js';
import { type Probe, sourceArgs } from '../../arbitraries/traffic.js';

export interface Emulated {
  readonly cluster: Cluster;
  readonly clock: ManualClock;
  readonly mode: ProxyMode;
  readonly seed: number;
}

export function emulate(gen: GenCluster, mode: ProxyMode, seed: number): Emulated {
  const clock = new ManualClock(1_000_000);
  return { cluster: Cluster.build(gen.objects, { mode, seed, clock }), clock, mode, seed };
}

/** Plans a probe through the same parsing `kpemu trace --from … --to … --proto … --sport … [--node …]` uses. */
export function plan(e: Emulated, p: Probe, sport = p.sport): TracePlan {
  const words = sourceArgs(p.from);
  const node = words[2] === '--node' ? words[3] : undefined;
  return planTrace(e.cluster, {
    from: parseSource(words[1] as string),
    to: parseDest(`${formatIpv4(p.dst)}:${p.dport}`),
    proto: p.proto,
    sport,
    ...(node === undefined ? {} : { node }),
  });
}

/** `node/netns` of a namespace. */
export function where(ns: NetNamespace): string {
  return `${ns.place.node}/${ns.place.netns}`;
}

/** The namespace of the pod owning `ip` (`node/pod/NS/NAME`), or undefined. */
export function podWhere(gen: GenCluster, ip: number): string | undefined {
  const pod = gen.pods.find((p) => p.ip === ip);
  return pod === undefined ? undefined : `${pod.node}/pod/${pod.namespace}/${pod.name}`;
}

/** One outcome of a first packet, reduced to what the properties compare. */
export interface Seen {
  readonly verdict: JourneyEnd['outcome'];
  readonly where: string;
  /** Destination `ip:port` at the end (the endpoint when DNATed). */
  readonly dst: string;
  readonly dnatted: boolean;
  /** Source address at the end (its port may be randomised by masquerading). */
  readonly src: string;
  readonly reason: string;
  readonly decidedBy: string;
}

function seenOf(pl: TracePlan, end: JourneyEnd): Seen {
  const p = end.packet;
  return {
    verdict: end.outcome,
    where: where(end.netns),
    dst: `${formatIpv4(p.dst)}:${p.dport}`,
    dnatted: p.dst !== pl.dst || p.dport !== pl.dport,
    src: formatIpv4(p.src),
    reason: end.reason,
    decidedBy: end.decidedBy,
  };
}

/** Every outcome of a probe's first packet with its exact probability, from a fresh connection state. */
export function explore(e: Emulated, pl: TracePlan): (Seen & { probability: number })[] {
  const all = e.cluster.topology.allNamespaces();
  const out: (Seen & { probability: number })[] = [];
  const keyed = exploreOutcomes(all, () => {
    const s = seenOf(pl, e.cluster.forwarder.send(pl.sender, firstPacket(pl)));
    return { verdict: s.verdict, where: s.where, dnat: s.dst, snat: s.src, reason: s.reason, rejectWith: '', decidedBy: s.decidedBy };
  });
  for (const k of keyed) {
    out.push({ verdict: k.verdict as Seen['verdict'], where: k.where, dst: k.dnat ?? '', dnatted: k.dnat !== `${formatIpv4(pl.dst)}:${pl.dport}`, src: k.snat ?? '', reason: k.reason, decidedBy: k.decidedBy, probability: k.probability });
  }
  return out;
}

/** Sends a first packet with the emulator's own seeded randomness (state is kept). */
export function sendFirst(e: Emulated, pl: TracePlan): { end: JourneyEnd; seen: Seen } {
  const end = e.cluster.forwarder.send(pl.sender, firstPacket(pl));
  return { end, seen: seenOf(pl, end) };
}

/** The answer to a delivered packet, sent from where it arrived. */
export function sendReply(e: Emulated, arrived: JourneyEnd): JourneyEnd {
  return e.cluster.forwarder.send(arrived.netns, replyPacket(arrived.packet));
}

/** A later packet of the same connection (TCP: an ACK), traced with every rule evaluated. */
export function sendLater(e: Emulated, pl: TracePlan): TracedJourney {
  const pkt = firstPacket(pl);
  if (pkt.proto === 6) pkt.tcpFlags = TCP_FLAGS.ACK;
  return traceJourney(e.cluster, pl.sender, pkt, { allRules: true, title: 'later packet' });
}

/** A traced first packet (for checks that need the rule events). */
export function traceFirst(e: Emulated, pl: TracePlan): TracedJourney {
  return traceJourney(e.cluster, pl.sender, firstPacket(pl), { allRules: true, title: 'first packet' });
}

export function tupleText(p: Pick<Packet, 'src' | 'dst' | 'sport' | 'dport' | 'proto'>): string {
  return `${formatIpv4(p.src)}:${p.sport} → ${formatIpv4(p.dst)}:${p.dport}/${p.proto}`;
}
