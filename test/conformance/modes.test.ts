import { describe, expect, it } from 'vitest';
import { Cluster, exploreOutcomes, firstPacket, planTrace, summarise } from '../../src/cluster/index.js';
import { parseIpv4 } from '../../src/addr/index.js';
import { loadClusterFiles, type ProxyMode } from '../../src/kube/index.js';

/**
 * One conformance suite for both proxy modes: the same cluster, the same first packet, and the
 * two modes must reach the same set of endpoints with the same masquerade decision. Where the
 * real kube-proxy modes differ by design, the case names the difference and why.
 */
type View = { kind: 'dnat'; targets: string[]; masq: boolean } | { kind: 'rejected' } | { kind: 'dropped' } | { kind: 'untouched' };

interface Case {
  readonly fixture: string;
  readonly name: string;
  readonly src: string;
  readonly dst: string;
  readonly dport: number;
  readonly proto?: 'tcp' | 'udp' | 'sctp';
  /** A difference between the real modes: what each gives, and why. */
  readonly differs?: { readonly iptables: View; readonly ipvs: View; readonly why: string };
}

function view(cluster: Cluster, c: Case): View {
  const namespaces = cluster.topology.allNamespaces();
  const req = { from: { kind: 'ip' as const, addr: parseIpv4(c.src) }, to: { kind: 'ip' as const, addr: parseIpv4(c.dst), port: c.dport }, proto: c.proto ?? 'tcp' };
  const outcomes = exploreOutcomes(namespaces, () => {
    const plan = planTrace(cluster, req);
    const pkt = firstPacket(plan);
    const end = cluster.forwarder.send(plan.sender, pkt);
    return summarise(plan, end.packet, end.outcome, end.netns.place.netns, { reason: end.reason, rejectWith: end.rejectWith, decidedBy: end.decidedBy });
  });
  const dnats = outcomes.filter((o) => o.dnat !== null);
  if (dnats.length > 0) return { kind: 'dnat', targets: [...new Set(dnats.map((o) => o.dnat as string))].sort(), masq: dnats.some((o) => o.snat !== null) };
  if (outcomes.every((o) => o.verdict === 'rejected')) return { kind: 'rejected' };
  // Dropped by a rule; a packet no rule touched that dies later (no route, no neighbour) is "untouched".
  if (outcomes.every((o) => o.verdict === 'dropped' && (o.reason === 'netfilter-drop' || o.reason === 'policy-drop'))) return { kind: 'dropped' };
  return { kind: 'untouched' };
}

const pod = '10.0.0.2';
const ext = '203.0.113.2';
const CASES: readonly Case[] = [
  { fixture: 'kube-proxy-overall.yaml', name: 'ClusterIP from a pod', src: pod, dst: '172.30.0.41', dport: 80 },
  { fixture: 'kube-proxy-overall.yaml', name: 'ClusterIP from outside', src: ext, dst: '172.30.0.41', dport: 80 },
  {
    fixture: 'kube-proxy-overall.yaml',
    name: 'hairpin of an endpoint kube-proxy believes remote',
    src: '10.180.0.1',
    dst: '172.30.0.41',
    dport: 80,
    differs: {
      iptables: { kind: 'dnat', targets: ['10.180.0.1:80'], masq: true },
      ipvs: { kind: 'dnat', targets: ['10.180.0.1:80'], masq: false },
      why: "iptables mode masquerades any endpoint reaching itself (the KUBE-SEP `-s <endpoint>` rule); IPVS mode's KUBE-LOOP-BACK set holds only this node's endpoints, and this endpoint has no nodeName",
    },
  },
  { fixture: 'kube-proxy-overall.yaml', name: 'two endpoints', src: pod, dst: '172.30.0.44', dport: 80 },
  { fixture: 'kube-proxy-overall.yaml', name: 'external IP from outside', src: ext, dst: '192.168.99.33', dport: 80 },
  { fixture: 'kube-proxy-overall.yaml', name: 'NodePort on the second node IP', src: ext, dst: '192.168.1.2', dport: 3003 },
  { fixture: 'kube-proxy-overall.yaml', name: 'LB IP from an allowed source', src: ext, dst: '5.6.7.8', dport: 80 },
  { fixture: 'kube-proxy-overall.yaml', name: 'LB IP from a blocked source', src: '203.0.113.130', dst: '5.6.7.8', dport: 80 },
  { fixture: 'kube-proxy-overall.yaml', name: 'service without endpoints', src: pod, dst: '172.30.0.46', dport: 80 },
  {
    fixture: 'kube-proxy-overall.yaml',
    name: 'eTP Local external IP without a local endpoint',
    src: ext,
    dst: '192.168.99.22',
    dport: 80,
    differs: {
      iptables: { kind: 'dropped' },
      ipvs: { kind: 'dnat', targets: ['10.180.0.2:80'], masq: false },
      why: 'IPVS mode gives a Local virtual server without local endpoints the cluster endpoints (kubernetes/kubernetes#97081); iptables mode drops',
    },
  },
  {
    fixture: 'kube-proxy-overall.yaml',
    name: 'wrong port on a ClusterIP',
    src: pod,
    dst: '172.30.0.41',
    dport: 81,
    differs: {
      iptables: { kind: 'untouched' },
      ipvs: { kind: 'rejected' },
      why: 'IPVS mode binds ClusterIPs to kube-ipvs0 and KUBE-IPVS-FILTER rejects new connections to ports that are not services (kubernetes/kubernetes#72236); iptables mode leaves the packet to routing',
    },
  },
  { fixture: 'kp-B-cluster-ip-general.yaml', name: 'UDP service port', src: '10.180.0.2', dst: '172.30.0.42', dport: 53, proto: 'udp' },
  { fixture: 'kp-B-cluster-ip-general.yaml', name: 'SCTP service port', src: '10.180.0.2', dst: '172.30.0.42', dport: 53, proto: 'sctp' },
  { fixture: 'kp-B-cluster-ip-general.yaml', name: 'targetPort differs from port', src: '10.180.0.2', dst: '172.30.0.42', dport: 443 },
  { fixture: 'kp-G-external-traffic-policy-cluster.yaml', name: 'NodePort eTP Cluster from outside', src: ext, dst: '192.168.0.2', dport: 3001 },
  { fixture: 'kp-F-external-traffic-policy-local.yaml', name: 'NodePort eTP Local from outside', src: ext, dst: '192.168.0.2', dport: 3001 },
  {
    fixture: 'kp-F-external-traffic-policy-local.yaml',
    name: 'NodePort eTP Local from a pod',
    src: pod,
    dst: '192.168.0.2',
    dport: 3001,
    differs: {
      iptables: { kind: 'dnat', targets: ['10.180.0.1:80', '10.180.2.1:80'], masq: false },
      ipvs: { kind: 'dnat', targets: ['10.180.2.1:80'], masq: false },
      why: "iptables mode's KUBE-EXT chain short-circuits pod traffic to all cluster endpoints; IPVS mode's NodePort virtual server for eTP Local holds only the local real servers",
    },
  },
  { fixture: 'kp-H2-internal-traffic-policy-local.yaml', name: 'iTP Local with a local endpoint', src: pod, dst: '172.30.1.1', dport: 80 },
  {
    fixture: 'kp-H4-internal-traffic-policy-local-none-local.yaml',
    name: 'iTP Local without a local endpoint',
    src: pod,
    dst: '172.30.1.1',
    dport: 80,
    differs: {
      iptables: { kind: 'dropped' },
      ipvs: { kind: 'rejected' },
      why: 'iptables mode DROPs in filter KUBE-SERVICES; the IPVS virtual server has no real servers, and IPVS answers a new connection with ICMP port unreachable',
    },
  },
];

const MODES: readonly ProxyMode[] = ['iptables', 'ipvs'];

describe('iptables and IPVS modes agree', () => {
  const clusters = new Map<string, Cluster>();
  const cluster = (fixture: string, mode: ProxyMode): Cluster => {
    const key = `${fixture}/${mode}`;
    let c = clusters.get(key);
    if (c === undefined) {
      c = Cluster.build(loadClusterFiles([new URL(`../../fixtures/clusters/${fixture}`, import.meta.url).pathname]), { mode, seed: 5 });
      clusters.set(key, c);
    }
    return c;
  };
  for (const c of CASES) {
    it(`${c.fixture}: ${c.name} (${c.src} -> ${c.dst}:${c.dport}/${c.proto ?? 'tcp'})${c.differs !== undefined ? ' — a named difference' : ''}`, () => {
      const got = Object.fromEntries(MODES.map((m) => [m, view(cluster(c.fixture, m), c)]));
      if (c.differs === undefined) {
        expect(got['ipvs']).toEqual(got['iptables']);
        expect(got['iptables']?.kind).not.toBe('untouched');
      } else {
        expect(got).toEqual({ iptables: c.differs.iptables, ipvs: c.differs.ipvs });
      }
    });
  }
});
