import { CollectingSink, type Packet, type TraceEvent, type TracePlace } from '../../index.js';
import type { JourneyStart, TraceWorld, WorldEnd } from './world.js';

/** The packet's fields as it was first sent (after the sender chose its source address). */
export interface SentPacket {
  readonly proto: number;
  readonly src: number;
  readonly dst: number;
  readonly sport: number;
  readonly dport: number;
}

/** One journey: what was sent, how it ended, and the trace events when it was traced. */
export interface Journey {
  readonly sent: SentPacket;
  readonly end: WorldEnd;
  /** Empty for untraced runs. */
  readonly events: readonly TraceEvent[];
}

export interface TraceRunFlags {
  /** Record every rule evaluated, not only the ones that matched (`-v`). */
  readonly allRules: boolean;
  /** The first line of the trace. */
  readonly title: string;
}

/** ICMP has no ports: both are 0 (the echo id is not a port, even though NAT may rewrite it like one). */
function sentOf(pkt: Packet): SentPacket {
  const ports = pkt.proto !== 1;
  return { proto: pkt.proto, src: pkt.src, dst: pkt.dst, sport: ports ? pkt.sport : 0, dport: ports ? pkt.dport : 0 };
}

/** Sends `pkt` with a trace sink on every namespace of the world, then detaches it. */
export function tracedJourney(world: TraceWorld, start: JourneyStart, pkt: Packet, flags: TraceRunFlags): Journey {
  const sink = new CollectingSink();
  const all = world.namespaces();
  for (const ns of all) {
    ns.trace = sink;
    ns.traceAllRules = flags.allRules;
  }
  sink.emit({ kind: 'packet', place: start.ns.place, description: flags.title, proto: pkt.proto, src: { addr: pkt.src, port: pkt.sport }, dst: { addr: pkt.dst, port: pkt.dport } });
  const sent = sentOf(pkt);
  try {
    return { sent, end: world.send(start, pkt), events: sink.events };
  } finally {
    for (const ns of all) {
      ns.trace = null;
      ns.traceAllRules = false;
    }
  }
}

/** Sends `pkt` without tracing (for `--count` and for outcome probabilities): the fast path. */
export function quietJourney(world: TraceWorld, start: JourneyStart, pkt: Packet): Journey {
  const sent = sentOf(pkt);
  return { sent, end: world.send(start, pkt), events: [] };
}

/** `node/netns` of a place, the stable text form used in keys. */
export function placeKey(p: TracePlace): string {
  return `${p.node}/${p.netns}`;
}
