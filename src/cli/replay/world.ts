import { capturedFieldsOf, type NetNamespace, output, type Packet, PathResult, receive, receiveBridged } from '../../index.js';
import type { TraceWorld } from '../trace/world.js';

/** The MAC kpemu gives the unknown neighbour on the other end of a device (a locally administered one). */
const PEER_MAC = '02:00:00:00:00:fe';

/** Records the frame at a device of the node, for `--pcap`. */
function capture(ns: NetNamespace, dev: string, direction: 'in' | 'out', pkt: Packet): void {
  if (ns.trace === null) return;
  const own = ns.devices.get(dev)?.mac ?? PEER_MAC;
  const frame = { srcMac: direction === 'in' ? PEER_MAC : own, dstMac: direction === 'in' ? own : PEER_MAC, fields: capturedFieldsOf(pkt), encap: null };
  ns.trace.emit({ kind: 'capture', place: ns.place, dev, direction, frame });
}

/**
 * A frame from a pod to another address on the same bridge is bridged, not routed: with
 * br_netfilter, iptables sees it on the bridge without a routing decision.
 */
function isBridged(ns: NetNamespace, dev: string, pkt: Packet): boolean {
  if (ns.devices.get(dev)?.kind !== 'bridge' || ns.isLocal(pkt.dst)) return false;
  const route = ns.fib.lookup(pkt.dst);
  return route !== null && route.type === 'unicast' && route.dev === dev && route.gateway === 0;
}

/**
 * One real node rebuilt from its dumps. A packet starts in the node's own stack or arrives on one
 * of its devices, and ends delivered to a local socket, dropped, or transmitted out of a device
 * (to a pod, another node or the network: what happens there is outside the dumps).
 */
export function replayWorld(ns: NetNamespace): TraceWorld {
  const res = new PathResult();
  return {
    mode: 'replay',
    recordsOdds: ns.ipvsHooks === null,
    namespaces: () => [ns],
    send(start, pkt) {
      if (start.dev === '') output(ns, pkt, res);
      else {
        capture(ns, start.dev, 'in', pkt);
        if (isBridged(ns, start.dev, pkt)) receiveBridged(ns, pkt, start.dev, res);
        else receive(ns, pkt, start.dev, res);
      }
      const transmitted = res.outcome === 'transmitted';
      if (transmitted) capture(ns, res.outDev, 'out', pkt);
      return { outcome: res.outcome, netns: ns, reason: res.dropReason, rejectWith: res.rejectWith, decidedBy: res.decidedBy, crossings: 0, outDev: transmitted ? res.outDev : '', packet: pkt };
    },
    // A local process answers from the node; an answer to a transmitted packet comes back in where it left.
    replyStart(end) {
      switch (end.outcome) {
        case 'delivered':
          return { ns, dev: '' };
        case 'transmitted':
          return { ns, dev: end.outDev };
        case 'dropped':
        case 'rejected':
          return null;
        default: {
          const never: never = end.outcome;
          return never;
        }
      }
    },
  };
}
