import type { Cluster } from '../../index.js';
import type { TraceWorld } from './world.js';

/** A whole emulated cluster: packets move between its namespaces until delivered or dropped. */
export function clusterWorld(cluster: Cluster): TraceWorld {
  return {
    mode: cluster.mode,
    recordsOdds: cluster.mode === 'iptables',
    namespaces: () => cluster.topology.allNamespaces(),
    send(start, pkt) {
      const end = start.dev === '' ? cluster.forwarder.send(start.ns, pkt) : cluster.forwarder.inject(start.ns, start.dev, pkt);
      return { outcome: end.outcome, netns: end.netns, reason: end.reason, rejectWith: end.rejectWith, decidedBy: end.decidedBy, crossings: end.hops, outDev: '', packet: end.packet };
    },
    // The process that received the packet answers from where it is.
    replyStart: (end) => (end.outcome === 'delivered' ? { ns: end.netns, dev: '' } : null),
  };
}
