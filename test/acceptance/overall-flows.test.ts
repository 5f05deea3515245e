import { describe } from 'vitest';
import { it, expect } from 'vitest';
import { KubeProxyNode } from '../../src/cluster/index.js';
import { type FlowCase, loadFixture, normaliseExpected, traceCase } from './flow-harness.js';

/**
 * The TestOverallIPTablesRules cluster (reference §4.5) with the reference's derived traces.
 * These rows are the reference author's derivation, not upstream assertions; they agree with
 * the kernel semantics kpemu walks.
 */
const CASES: readonly FlowCase[] = [
  { name: 'pod to svc1', src: '10.0.0.2', dst: '172.30.0.41', dport: 80, output: '10.180.0.1:80', masq: false },
  { name: 'hairpin svc1', src: '10.180.0.1', dst: '172.30.0.41', dport: 80, output: '10.180.0.1:80', masq: true },
  { name: 'external to svc1 cluster IP', src: '203.0.113.2', dst: '172.30.0.41', dport: 80, output: '10.180.0.1:80', masq: true },
  { name: 'pod to svc2 external IP', src: '10.0.0.2', dst: '192.168.99.22', dport: 80, output: '10.180.0.2:80', masq: false },
  { name: 'external to svc2 external IP (eTP Local, no local endpoint)', src: '203.0.113.2', dst: '192.168.99.22', dport: 80, output: 'DROP', masq: false },
  { name: 'node to svc2 external IP', src: '192.168.0.2', dst: '192.168.99.22', dport: 80, output: '10.180.0.2:80', masq: true },
  { name: 'external to svc2 LB IP', src: '203.0.113.2', dst: '1.2.3.4', dport: 80, output: 'DROP', masq: false },
  { name: 'external to svc2 NodePort', src: '203.0.113.2', dst: '192.168.0.2', dport: 3001, output: 'DROP', masq: false },
  { name: 'pod to svc2 NodePort', src: '10.0.0.2', dst: '192.168.0.2', dport: 3001, output: '10.180.0.2:80', masq: false },
  { name: 'localhost NodePort', src: '127.0.0.1', dst: '127.0.0.1', dport: 3001, output: '10.180.0.2:80', masq: true },
  { name: 'health check node port', src: '203.0.113.2', dst: '192.168.0.2', dport: 30000, output: 'ACCEPT', masq: false },
  { name: 'svc3 NodePort on the alternate node IP', src: '203.0.113.2', dst: '192.168.1.2', dport: 3003, output: '10.180.0.3:80', masq: true },
  { name: 'pod to svc4', src: '10.0.0.2', dst: '172.30.0.44', dport: 80, output: '10.180.0.4:80, 10.180.0.5:80', masq: false },
  { name: 'external to svc4 external IP', src: '203.0.113.2', dst: '192.168.99.33', dport: 80, output: '10.180.0.4:80, 10.180.0.5:80', masq: true },
  { name: 'pod to svc5', src: '10.0.0.2', dst: '172.30.0.45', dport: 80, output: '10.180.0.3:80', masq: false },
  { name: 'allowed source to svc5 LB IP', src: '203.0.113.2', dst: '5.6.7.8', dport: 80, output: '10.180.0.3:80', masq: true },
  { name: 'blocked source to svc5 LB IP', src: '203.0.113.130', dst: '5.6.7.8', dport: 80, output: 'DROP', masq: false },
  { name: 'node IP outside the source ranges', src: '192.168.0.2', dst: '5.6.7.8', dport: 80, output: 'DROP', masq: false },
  { name: 'NodePort bypasses source ranges', src: '203.0.113.130', dst: '192.168.0.2', dport: 3002, output: '10.180.0.3:80', masq: true },
  { name: 'svc6 has no endpoints', src: '10.0.0.2', dst: '172.30.0.46', dport: 80, output: 'REJECT', masq: false },
  { name: 'wrong port', src: '10.0.0.2', dst: '172.30.0.41', dport: 81, output: '', masq: false },
  { name: 'wrong protocol', src: '10.0.0.2', dst: '172.30.0.41', dport: 80, proto: 'udp', output: '', masq: false },
];

describe('TestOverallIPTablesRules cluster, traced', () => {
  const node = new KubeProxyNode(loadFixture('kube-proxy-overall.yaml'), 'test-node');
  for (const c of CASES) {
    it(`${c.name}: ${c.src} -> ${c.dst}:${c.dport} gives ${JSON.stringify(c.output)}, masq ${c.masq}`, () => {
      const got = traceCase(node, c);
      expect({ output: got.output, masq: got.masq }).toEqual({ output: normaliseExpected(c.output), masq: c.masq });
    });
  }
});
