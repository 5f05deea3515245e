import { describe, expect, it } from 'vitest';
import { KubeProxyNode } from '../../src/cluster/index.js';
import { type FlowCase, loadFixture, normaliseExpected, traceCase } from './flow-harness.js';

/**
 * kube-proxy's own packet-flow cases (TestTracePacket-style tables of proxier_test.go, reference
 * §4.4), run through the emulated node's real hook walk with conntrack: PREROUTING/OUTPUT nat,
 * routing, filter, POSTROUTING masquerade. Expected values are upstream's.
 */
const pod = '10.0.0.2';
const ext = '203.0.113.2';
const blk = '203.0.113.130';
const node = '192.168.0.2';
const both = '10.180.0.1:80, 10.180.2.1:80';

function run(fixture: string, cases: readonly FlowCase[], override = {}): void {
  const n = new KubeProxyNode(loadFixture(fixture, override), 'test-node');
  for (const c of cases) {
    it(`${c.name}: ${c.src} -> ${c.dst}:${c.dport}${c.proto !== undefined ? `/${c.proto}` : ''} gives ${JSON.stringify(c.output)}, masq ${c.masq}`, () => {
      const got = traceCase(n, c);
      expect({ output: got.output, masq: got.masq }).toEqual({ output: normaliseExpected(c.output), masq: c.masq });
    });
  }
}

describe('A. TestNoEndpointsReject', () => {
  run('kp-A-no-endpoints-reject.yaml', [
    { name: 'A1', src: pod, dst: '172.30.0.41', dport: 80, output: 'REJECT', masq: false },
    { name: 'A2', src: ext, dst: '192.168.99.11', dport: 80, output: 'REJECT', masq: false },
    { name: 'A3', src: pod, dst: node, dport: 3001, output: 'REJECT', masq: false },
    { name: 'A4', src: ext, dst: node, dport: 3001, output: 'REJECT', masq: false },
    { name: 'A5', src: pod, dst: '1.2.3.4', dport: 80, output: 'REJECT', masq: false },
    { name: 'A6', src: ext, dst: '1.2.3.4', dport: 80, output: 'REJECT', masq: false },
  ]);
});

describe('B. TestClusterIPGeneral', () => {
  const s = '10.180.0.2';
  run('kp-B-cluster-ip-general.yaml', [
    { name: 'B1', src: s, dst: '172.30.0.41', dport: 80, output: '10.180.0.1:80', masq: false },
    { name: 'B2 hairpin', src: '10.180.0.1', dst: '172.30.0.41', dport: 80, output: '10.180.0.1:80', masq: true },
    { name: 'B3', src: s, dst: '172.30.0.42', dport: 80, output: '10.180.0.1:80, 10.180.2.1:80', masq: false },
    { name: 'B4 targetPort', src: s, dst: '172.30.0.42', dport: 443, output: '10.180.0.1:8443, 10.180.2.1:8443', masq: false },
    { name: 'B5', src: s, dst: '172.30.0.42', dport: 53, proto: 'tcp', output: '10.180.0.1:5353, 10.180.2.1:5353', masq: false },
    { name: 'B6', src: s, dst: '172.30.0.42', dport: 53, proto: 'udp', output: '10.180.0.1:53, 10.180.2.1:53', masq: false },
    { name: 'B7', src: s, dst: '172.30.0.42', dport: 53, proto: 'sctp', output: '10.180.0.1:53, 10.180.2.1:53', masq: false },
    { name: 'B8', src: s, dst: '172.30.0.42', dport: 80, proto: 'udp', output: '', masq: false },
    { name: 'B9', src: s, dst: '172.30.0.41', dport: 443, output: '', masq: false },
  ]);
});

describe('C. TestLoadBalancer', () => {
  const one = '10.180.0.1:80';
  run('kp-C-load-balancer.yaml', [
    { name: 'C1', src: pod, dst: '172.30.0.41', dport: 80, output: one, masq: false },
    { name: 'C2', src: ext, dst: node, dport: 3001, output: one, masq: true },
    { name: 'C3 nodePort ignores source ranges', src: blk, dst: node, dport: 3001, output: one, masq: true },
    { name: 'C4', src: ext, dst: '1.2.3.4', dport: 80, output: one, masq: true },
    { name: 'C5', src: ext, dst: '5.6.7.8', dport: 80, output: one, masq: true },
    { name: 'C6', src: blk, dst: '1.2.3.4', dport: 80, output: 'DROP', masq: false },
    { name: 'C7', src: blk, dst: '5.6.7.8', dport: 80, output: 'DROP', masq: false },
    { name: 'C8', src: pod, dst: '1.2.3.4', dport: 80, output: 'DROP', masq: false },
    { name: 'C9', src: pod, dst: '5.6.7.8', dport: 80, output: 'DROP', masq: false },
    { name: 'C10', src: node, dst: '1.2.3.4', dport: 80, output: one, masq: true },
    { name: 'C11', src: node, dst: '5.6.7.8', dport: 80, output: one, masq: true },
    { name: 'C12 LB IP as source', src: '1.2.3.4', dst: '1.2.3.4', dport: 80, output: one, masq: true },
    { name: 'C13', src: '5.6.7.8', dst: '5.6.7.8', dport: 80, output: one, masq: true },
  ]);
});

describe('D. TestNodePorts (IPv4)', () => {
  run('kp-D-node-ports.yaml', [
    { name: 'D1', src: pod, dst: '172.30.0.41', dport: 80, output: both, masq: false },
    { name: 'D2', src: ext, dst: node, dport: 3001, output: both, masq: true },
    { name: 'D3', src: node, dst: node, dport: 3001, output: both, masq: true },
    { name: 'D4 localhost NodePort', src: '127.0.0.1', dst: '127.0.0.1', dport: 3001, output: both, masq: true },
    { name: 'D6 nodePortAddresses unset', src: ext, dst: '192.168.1.2', dport: 3001, output: both, masq: true },
  ]);
  describe('with localhostNodePorts false', () => {
    run('kp-D-node-ports.yaml', [{ name: 'D5', src: '127.0.0.1', dst: '127.0.0.1', dport: 3001, output: '', masq: false }], { localhostNodePorts: false });
  });
  describe('with nodePortAddresses 192.168.0.0/24, 127.0.0.1/32', () => {
    run('kp-D-node-ports.yaml', [{ name: 'D7', src: ext, dst: '192.168.1.2', dport: 3001, output: '', masq: false }], {
      localhostNodePorts: false,
      nodePortAddresses: ['192.168.0.0/24', '127.0.0.1/32'],
    });
  });
});

describe('E. TestHealthCheckNodePort', () => {
  run('kp-E-health-check-node-port.yaml', [{ name: 'E1', src: '1.2.3.4', dst: node, dport: 30000, output: 'ACCEPT', masq: false }]);
  it('E2: after the service is deleted, nothing matches', () => {
    const n = new KubeProxyNode(loadFixture('kp-E-health-check-node-port.yaml'), 'test-node');
    n.proxier.onServiceDelete('ns1', 'svc1');
    expect(n.proxier.sync().ok).toBe(true);
    expect(traceCase(n, { name: 'E2', src: '1.2.3.4', dst: node, dport: 30000, output: '', masq: false })).toMatchObject({ output: '', masq: false });
  });
});

describe('F. TestExternalTrafficPolicyLocal', () => {
  run('kp-F-external-traffic-policy-local.yaml', [
    { name: 'F1', src: pod, dst: '172.30.0.41', dport: 80, output: both, masq: false },
    { name: 'F2', src: pod, dst: '192.168.99.11', dport: 80, output: both, masq: false },
    { name: 'F3', src: ext, dst: '192.168.99.11', dport: 80, output: '10.180.2.1:80', masq: false },
    { name: 'F4', src: pod, dst: '1.2.3.4', dport: 80, output: both, masq: false },
    { name: 'F5', src: ext, dst: '1.2.3.4', dport: 80, output: '10.180.2.1:80', masq: false },
    { name: 'F6', src: pod, dst: node, dport: 3001, output: both, masq: false },
    { name: 'F7', src: ext, dst: node, dport: 3001, output: '10.180.2.1:80', masq: false },
  ]);
});

describe('G. TestExternalTrafficPolicyCluster', () => {
  run('kp-G-external-traffic-policy-cluster.yaml', [
    { name: 'G1', src: pod, dst: '172.30.0.41', dport: 80, output: both, masq: false },
    { name: 'G2', src: pod, dst: '192.168.99.11', dport: 80, output: both, masq: true },
    { name: 'G3', src: ext, dst: '192.168.99.11', dport: 80, output: both, masq: true },
    { name: 'G4', src: pod, dst: '1.2.3.4', dport: 80, output: both, masq: true },
    { name: 'G5', src: ext, dst: '1.2.3.4', dport: 80, output: both, masq: true },
    { name: 'G6', src: pod, dst: node, dport: 3001, output: both, masq: true },
    { name: 'G7', src: ext, dst: node, dport: 3001, output: both, masq: true },
  ]);
});

describe('H. TestInternalTrafficPolicy', () => {
  const h = (name: string, fixture: string, output: string) => describe(name, () => run(fixture, [{ name, src: pod, dst: '172.30.1.1', dport: 80, output, masq: false }]));
  h('H1', 'kp-H1-internal-traffic-policy-cluster.yaml', '10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80');
  h('H2', 'kp-H2-internal-traffic-policy-local.yaml', '10.0.1.1:80');
  h('H3', 'kp-H3-internal-traffic-policy-local-two-local.yaml', '10.0.1.1:80, 10.0.1.2:80');
  h('H4', 'kp-H4-internal-traffic-policy-local-none-local.yaml', 'DROP');
  it('H5: after the slice is deleted, REJECT', () => {
    const n = new KubeProxyNode(loadFixture('kp-H1-internal-traffic-policy-cluster.yaml'), 'test-node');
    const slice = n.objects.endpointSlices[0];
    if (slice === undefined) throw new Error('fixture has no slice');
    n.proxier.onEndpointSliceDelete(slice.metadata.namespace, slice.metadata.name);
    expect(n.proxier.sync().ok).toBe(true);
    expect(traceCase(n, { name: 'H5', src: pod, dst: '172.30.1.1', dport: 80, output: 'REJECT', masq: false })).toMatchObject({ output: 'REJECT', masq: false });
  });
});
