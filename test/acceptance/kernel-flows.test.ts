import { expect, it } from 'vitest';
import { parsePrefix } from '../../src/addr/index.js';
import { KubeProxyNode } from '../../src/cluster/index.js';
import { prefixContains } from '../../src/core/index.js';
import type { KubeProxyConfiguration } from '../../src/kube/index.js';
import { readConntrack, type ConntrackEntry } from '../support/kernel-lab.js';
import { describeKernel, linkVeth, type Netns, withNetns } from '../support/netns.js';
import { type FlowCase, loadFixture, traceCase } from './flow-harness.js';

/**
 * kube-proxy's rules for each fixture, taken from the emulated node's iptables-save, loaded into a
 * real kernel namespace that plays the node; the same first packets are sent there from a pod
 * namespace, an external namespace, and the node itself. The kernel's NAT (from conntrack) must be
 * one the emulator predicts with non-zero probability, and its masquerade decision the same.
 */
type KernelView = { readonly kind: 'dnat'; readonly target: string; readonly masq: boolean } | { readonly kind: 'plain' } | { readonly kind: 'none' };


function kernelView(entries: readonly ConntrackEntry[], c: FlowCase): KernelView {
  const e = entries.find((x) => x.orig.src === c.src && x.orig.dst === c.dst && x.orig.dport === c.dport);
  if (e === undefined) return { kind: 'none' };
  const dnatted = e.reply.src !== c.dst || e.reply.sport !== c.dport;
  if (!dnatted) return { kind: 'plain' };
  return { kind: 'dnat', target: `${e.reply.src}:${e.reply.sport}`, masq: e.reply.dst !== c.src };
}

function sendFrom(ns: Netns, c: FlowCase, sport: number): void {
  const kind = c.proto === 'udp' ? 'SOCK_DGRAM' : 'SOCK_STREAM';
  const script = [
    'import socket',
    `s=socket.socket(socket.AF_INET, socket.${kind})`,
    's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    `s.bind(("${c.src}", ${sport}))`,
    's.settimeout(0.3)',
    'try:',
    c.proto === 'udp' ? `  s.sendto(b"kpemu", ("${c.dst}", ${c.dport}))` : `  s.connect(("${c.dst}", ${c.dport}))`,
    'except Exception:',
    '  pass',
  ].join('\n');
  ns.exec(['python3', '-c', script], undefined, 5000);
}

interface Scenario {
  readonly fixture: string;
  readonly override?: Partial<KubeProxyConfiguration>;
  readonly cases: readonly FlowCase[];
}

const pod = '10.0.0.2';
const ext = '203.0.113.2';
const node = '192.168.0.2';
const SCENARIOS: readonly Scenario[] = [
  {
    fixture: 'kube-proxy-overall.yaml',
    cases: [
      { name: 'svc1 from a pod', src: pod, dst: '172.30.0.41', dport: 80, output: '10.180.0.1:80', masq: false },
      { name: 'svc1 hairpin', src: '10.180.0.1', dst: '172.30.0.41', dport: 80, output: '10.180.0.1:80', masq: true },
      { name: 'svc1 from outside', src: ext, dst: '172.30.0.41', dport: 80, output: '10.180.0.1:80', masq: true },
      { name: 'svc2 external IP, eTP Local, no local endpoint', src: ext, dst: '192.168.99.22', dport: 80, output: 'DROP', masq: false },
      { name: 'svc2 NodePort from a pod', src: pod, dst: node, dport: 3001, output: '10.180.0.2:80', masq: false },
      { name: 'svc3 NodePort on the second node IP', src: ext, dst: '192.168.1.2', dport: 3003, output: '10.180.0.3:80', masq: true },
      { name: 'svc4 two endpoints', src: pod, dst: '172.30.0.44', dport: 80, output: '10.180.0.4:80, 10.180.0.5:80', masq: false },
      { name: 'svc5 LB allowed source', src: ext, dst: '5.6.7.8', dport: 80, output: '10.180.0.3:80', masq: true },
      { name: 'svc5 LB blocked source', src: '203.0.113.130', dst: '5.6.7.8', dport: 80, output: 'DROP', masq: false },
      { name: 'svc6 no endpoints', src: pod, dst: '172.30.0.46', dport: 80, output: 'REJECT', masq: false },
      { name: 'wrong port', src: pod, dst: '172.30.0.41', dport: 81, output: '', masq: false },
      { name: 'node to svc2 external IP', src: node, dst: '192.168.99.22', dport: 80, output: '10.180.0.2:80', masq: true },
      { name: 'localhost NodePort', src: '127.0.0.1', dst: '127.0.0.1', dport: 3001, output: '10.180.0.2:80', masq: true },
      { name: 'health check node port', src: ext, dst: node, dport: 30000, output: 'ACCEPT', masq: false },
    ],
  },
  {
    fixture: 'kp-B-cluster-ip-general.yaml',
    cases: [
      { name: 'B3', src: '10.180.0.2', dst: '172.30.0.42', dport: 80, output: '10.180.0.1:80, 10.180.2.1:80', masq: false },
      { name: 'B5', src: '10.180.0.2', dst: '172.30.0.42', dport: 53, proto: 'tcp', output: '10.180.0.1:5353, 10.180.2.1:5353', masq: false },
      { name: 'B6', src: '10.180.0.2', dst: '172.30.0.42', dport: 53, proto: 'udp', output: '10.180.0.1:53, 10.180.2.1:53', masq: false },
      { name: 'B8', src: '10.180.0.2', dst: '172.30.0.42', dport: 80, proto: 'udp', output: '', masq: false },
    ],
  },
  {
    fixture: 'kp-C-load-balancer.yaml',
    cases: [
      { name: 'C3', src: '203.0.113.130', dst: node, dport: 3001, output: '10.180.0.1:80', masq: true },
      { name: 'C4', src: ext, dst: '1.2.3.4', dport: 80, output: '10.180.0.1:80', masq: true },
      { name: 'C6', src: '203.0.113.130', dst: '1.2.3.4', dport: 80, output: 'DROP', masq: false },
      { name: 'C8', src: pod, dst: '1.2.3.4', dport: 80, output: 'DROP', masq: false },
      { name: 'C10', src: node, dst: '1.2.3.4', dport: 80, output: '10.180.0.1:80', masq: true },
    ],
  },
  {
    fixture: 'kp-F-external-traffic-policy-local.yaml',
    cases: [
      { name: 'F3', src: ext, dst: '192.168.99.11', dport: 80, output: '10.180.2.1:80', masq: false },
      { name: 'F6', src: pod, dst: node, dport: 3001, output: '10.180.0.1:80, 10.180.2.1:80', masq: false },
      { name: 'F7', src: ext, dst: node, dport: 3001, output: '10.180.2.1:80', masq: false },
    ],
  },
  {
    fixture: 'kp-D-node-ports.yaml',
    override: { localhostNodePorts: false },
    cases: [{ name: 'D5', src: '127.0.0.1', dst: '127.0.0.1', dport: 3001, output: '', masq: false }],
  },
];

/** What the emulator allows for a case, in the kernel oracle's terms. */
function allowed(n: KubeProxyNode, c: FlowCase): { kinds: Set<string>; targets: Set<string>; masq: boolean } {
  const got = traceCase(n, c);
  const kinds = new Set<string>();
  const targets = new Set<string>();
  for (const o of got.outcomes) {
    if (o.dnat !== null) {
      kinds.add('dnat');
      targets.add(o.dnat);
    } else if (o.verdict === 'delivered' || o.verdict === 'transmitted') kinds.add('plain');
    else kinds.add('none');
  }
  return { kinds, targets, masq: got.masq };
}

describeKernel('kube-proxy rules in a real kernel make the NAT kpemu predicts', ['iptables-legacy-restore', 'conntrack', 'python3', 'nfacct'], () => {
  for (const sc of SCENARIOS) {
    it(`${sc.fixture}${sc.override !== undefined ? ' ' + JSON.stringify(sc.override) : ''}: ${sc.cases.length} first packets`, async () => {
      const emu = new KubeProxyNode(loadFixture(sc.fixture, sc.override), 'test-node');
      const rules = emu.ns.iptables.save();
      const podNet = parsePrefix(emu.objects.proxyConfig.clusterCIDR || '10.0.0.0/8');
      const nodeIPs = emu.objects.nodes[0]?.internalIPs ?? [];
      const podSources = [...new Set(sc.cases.map((c) => c.src).filter((s) => prefixContains(podNet, parsePrefix(s).network)))];
      await withNetns(['node', 'pods', 'ext'], async ([nodeNs, pods, outside]) => {
        if (nodeNs === undefined || pods === undefined || outside === undefined) throw new Error('namespaces missing');
        nodeNs.execOk(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
        nodeNs.execOk(['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1']);
        linkVeth(nodeNs, 'eth0', `${nodeIPs[0]}/24`, outside, 'eth0', '192.168.0.200/24');
        for (const extra of nodeIPs.slice(1)) nodeNs.execOk(['ip', 'addr', 'add', `${extra}/32`, 'dev', 'eth0']);
        nodeNs.execOk(['ip', 'addr', 'add', '203.0.113.1/24', 'dev', 'eth0']);
        // The outside namespace owns the external sources (never an address the cases send to).
        const destinations = new Set(sc.cases.map((c) => c.dst));
        const extSources = new Set(sc.cases.map((c) => c.src).filter((s) => !destinations.has(s) && !prefixContains(podNet, parsePrefix(s).network) && !nodeIPs.includes(s) && s !== '127.0.0.1'));
        for (const s of extSources) outside.execOk(['ip', 'addr', 'add', `${s}/32`, 'dev', 'eth0']);
        outside.execOk(['ip', 'route', 'add', 'default', 'via', nodeIPs[0] as string]);
        nodeNs.execOk(['ip', 'route', 'add', 'default', 'via', '192.168.0.200']);
        linkVeth(nodeNs, 'cni0', `${(podNet.network >>> 24)}.0.0.1/${podNet.length}`, pods, 'eth0', `${podSources[0] ?? '10.0.0.2'}/${podNet.length}`);
        for (const s of podSources.slice(1)) pods.execOk(['ip', 'addr', 'add', `${s}/32`, 'dev', 'eth0']);
        pods.execOk(['ip', 'route', 'add', 'default', 'via', `${podNet.network >>> 24}.0.0.1`]);
        // Endpoints never answer: a reset as the only reply makes the kernel forget the connection.
        pods.execOk(['iptables-legacy', '-A', 'INPUT', '-p', 'tcp', '-j', 'DROP']);
        outside.execOk(['iptables-legacy', '-A', 'INPUT', '-p', 'tcp', '-j', 'DROP']);
        // Nothing listens on the node either; its resets would make conntrack forget local connections.
        nodeNs.execOk(['iptables-legacy', '-t', 'raw', '-A', 'OUTPUT', '-p', 'tcp', '--tcp-flags', 'RST', 'RST', '-j', 'DROP']);
        for (const counter of ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts']) nodeNs.execOk(['nfacct', 'add', counter]);
        nodeNs.execOk(['iptables-legacy-restore', '--noflush'], rules);
        let sport = 42000;
        for (const c of sc.cases) {
          nodeNs.exec(['conntrack', '-F']);
          const from = nodeNs.exec(['ip', 'route', 'get', c.src, 'from', c.src]).stdout.includes('local') || c.src === '127.0.0.1' ? nodeNs : prefixContains(podNet, parsePrefix(c.src).network) ? pods : outside;
          sendFrom(from, c, sport);
          const view = kernelView(readConntrack(nodeNs), { ...c, src: c.src });
          const emuView = allowed(emu, c);
          const label = `${c.name}: kernel ${JSON.stringify(view)} vs kpemu ${JSON.stringify({ kinds: [...emuView.kinds], targets: [...emuView.targets], masq: emuView.masq })}`;
          expect(emuView.kinds.has(view.kind), label).toBe(true);
          if (view.kind === 'dnat') {
            expect(emuView.targets.has(view.target), label).toBe(true);
            expect(view.masq, label).toBe(emuView.masq);
          }
          sport++;
        }
      });
    });
  }
});
