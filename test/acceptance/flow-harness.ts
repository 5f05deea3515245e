import { parsePrefix } from '../../src/addr/index.js';
import { exploreOutcomes, KubeProxyNode, type Outcome, summarise } from '../../src/cluster/index.js';
import { prefixContains } from '../../src/core/index.js';
import type { ClusterObjects, KubeProxyConfiguration } from '../../src/kube/index.js';
import { loadClusterFiles } from '../../src/kube/index.js';
import { output, PathResult, receive } from '../../src/node/index.js';
import { Packet, TCP_FLAGS } from '../../src/packet/index.js';
import { CollectingSink } from '../../src/trace/index.js';

export type Proto = 'tcp' | 'udp' | 'sctp';

/** One row of an upstream packet-flow table. */
export interface FlowCase {
  readonly name: string;
  readonly src: string;
  readonly dst: string;
  readonly dport: number;
  readonly proto?: Proto;
  /** Upstream's `output`: DNAT targets joined by ", ", or REJECT / DROP / ACCEPT / "". */
  readonly output: string;
  readonly masq: boolean;
}

export function loadFixture(name: string, override: Partial<KubeProxyConfiguration> = {}): ClusterObjects {
  const objects = loadClusterFiles([new URL(`../../fixtures/clusters/${name}`, import.meta.url).pathname]);
  return { ...objects, proxyConfig: { ...objects.proxyConfig, ...override } };
}

const FRONT_CHAINS = new Set(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL']);

/**
 * Sends the case's first packet through the node's real hook walk, over every random outcome,
 * and reduces the outcomes to upstream's (output, masq) view: the DNAT targets reached, or the
 * filter verdict of kube-proxy's front chains, and whether any path was masqueraded.
 */
export function traceCase(node: KubeProxyNode, c: FlowCase): { output: string; masq: boolean; outcomes: Outcome[] } {
  const ns = node.ns;
  const clusterCIDR = parsePrefix(node.objects.proxyConfig.clusterCIDR || '10.0.0.0/8');
  const src = parsePrefix(c.src).network;
  const dst = parsePrefix(c.dst).network;
  const protoNum = c.proto === 'udp' ? 17 : c.proto === 'sctp' ? 132 : 6;
  const res = new PathResult();
  let acceptedByKube = false;
  const outcomes = exploreOutcomes([ns], () => {
    const p = new Packet();
    p.src = src;
    p.dst = dst;
    p.proto = protoNum;
    p.sport = 43210;
    p.dport = c.dport;
    p.tcpFlags = TCP_FLAGS.SYN;
    const before = { src: p.src, dst: p.dst, sport: p.sport, dport: p.dport };
    const sink = new CollectingSink();
    ns.trace = sink;
    try {
      if (ns.isLocal(src)) output(ns, p, res);
      else receive(ns, p, prefixContains(clusterCIDR, src) ? 'cni0' : 'eth0', res);
    } finally {
      ns.trace = null;
    }
    if (sink.events.some((e) => e.kind === 'verdict' && e.table === 'filter' && e.ruleNumber > 0 && e.verdict === 'ACCEPT' && FRONT_CHAINS.has(e.chain))) acceptedByKube = true;
    return summarise(before, p, res.outcome, ns.place.node, { reason: res.dropReason, rejectWith: res.rejectWith, decidedBy: res.decidedBy });
  });
  const dnats = [...new Set(outcomes.filter((o) => o.dnat !== null).map((o) => o.dnat as string))].sort();
  const masq = outcomes.some((o) => o.snat !== null);
  let out: string;
  if (dnats.length > 0) out = dnats.join(', ');
  else if (outcomes.every((o) => o.verdict === 'rejected')) out = 'REJECT';
  else if (outcomes.every((o) => o.verdict === 'dropped' && o.reason === 'netfilter-drop')) out = 'DROP';
  else if (acceptedByKube) out = 'ACCEPT';
  else out = '';
  return { output: out, masq, outcomes };
}

/** Upstream's expected output with its DNAT targets sorted (kpemu reports them as a set). */
export function normaliseExpected(output: string): string {
  return output.includes(':') ? output.split(', ').sort().join(', ') : output;
}
