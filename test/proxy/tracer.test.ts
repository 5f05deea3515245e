import { describe, expect, it } from 'vitest';
import type { KubeProxyConfiguration, Protocol } from '../../src/kube/index.js';
import { LOCAL_IPS, NODE_NAME, makeFixture, syncWith, type Fixture } from './support/fixture.js';
import { makeService, makeSlice, type EndpointSpec } from './support/objects.js';
import { overallCluster } from './support/overall-cluster.js';
import { tracePacket } from './support/tracer.js';

/**
 * Upstream's packet-flow expectations (reference §4.4 cases A–H and the derived §4.5 rows), run
 * through the port of upstream's rule-text tracer over what the fake kernel holds after a sync.
 * A quick sanity check only; the real acceptance runs through the emulated kernel.
 */

const POD = '10.0.0.2';
const EXT = '203.0.113.2';
const BLK = '203.0.113.130';
const NODE = '192.168.0.2';

type Row = readonly [name: string, src: string, dst: string, port: number, output: string, masq: boolean, proto?: Protocol];

function expectFlows(f: Fixture, rows: readonly Row[]): void {
  const got = rows.map(([name, src, dst, port, , , proto]) => {
    const r = tracePacket(f.iptables, src, (proto ?? 'TCP').toLowerCase(), dst, port, LOCAL_IPS);
    return `${name}: ${r.output} / ${r.masq}`;
  });
  expect(got).toEqual(rows.map(([name, , , , output, masq]) => `${name}: ${output} / ${masq}`));
}

function fixtureWith(config: Partial<KubeProxyConfiguration> = {}): Fixture {
  return makeFixture(config);
}

describe('A. TestNoEndpointsReject', () => {
  it('rejects every destination of a Service without endpoints', () => {
    const f = fixtureWith();
    syncWith(
      f,
      [
        makeService('ns1', 'svc1', {
          type: 'LoadBalancer',
          clusterIP: '172.30.0.41',
          ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
          externalIPs: ['192.168.99.11'],
          loadBalancerIngress: ['1.2.3.4'],
        }),
      ],
      [],
    );
    expectFlows(f, [
      ['A1', POD, '172.30.0.41', 80, 'REJECT', false],
      ['A2', EXT, '192.168.99.11', 80, 'REJECT', false],
      ['A3', POD, NODE, 3001, 'REJECT', false],
      ['A4', EXT, NODE, 3001, 'REJECT', false],
      ['A5', POD, '1.2.3.4', 80, 'REJECT', false],
      ['A6', EXT, '1.2.3.4', 80, 'REJECT', false],
    ]);
  });
});

describe('B. TestClusterIPGeneral', () => {
  it('DNATs per port and protocol, hairpins, and ignores unknown ports', () => {
    const f = fixtureWith();
    syncWith(
      f,
      [
        makeService('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'http', port: 80 }] }),
        makeService('ns2', 'svc2', {
          clusterIP: '172.30.0.42',
          ports: [
            { name: 'http', port: 80 },
            { name: 'https', port: 443, targetPort: 8443 },
            { name: 'dns-udp', port: 53, protocol: 'UDP' },
            { name: 'dns-tcp', port: 53, targetPort: 5353 },
            { name: 'dns-sctp', port: 53, protocol: 'SCTP' },
          ],
        }),
      ],
      [
        makeSlice('ns1', 'svc1', { ports: [{ name: 'http', port: 80 }], endpoints: [{ ip: '10.180.0.1', nodeName: NODE_NAME }] }),
        makeSlice('ns2', 'svc2', {
          ports: [
            { name: 'http', port: 80 },
            { name: 'https', port: 8443 },
            { name: 'dns-udp', port: 53, protocol: 'UDP' },
            { name: 'dns-tcp', port: 5353 },
            { name: 'dns-sctp', port: 53, protocol: 'SCTP' },
          ],
          endpoints: [{ ip: '10.180.0.1', nodeName: NODE_NAME }, { ip: '10.180.2.1', nodeName: 'host2' }],
        }),
      ],
    );
    expectFlows(f, [
      ['B1', '10.180.0.2', '172.30.0.41', 80, '10.180.0.1:80', false],
      ['B2 hairpin', '10.180.0.1', '172.30.0.41', 80, '10.180.0.1:80', true],
      ['B3', '10.180.0.2', '172.30.0.42', 80, '10.180.0.1:80, 10.180.2.1:80', false],
      ['B4', '10.180.0.2', '172.30.0.42', 443, '10.180.0.1:8443, 10.180.2.1:8443', false],
      ['B5', '10.180.0.2', '172.30.0.42', 53, '10.180.0.1:5353, 10.180.2.1:5353', false],
      ['B6', '10.180.0.2', '172.30.0.42', 53, '10.180.0.1:53, 10.180.2.1:53', false, 'UDP'],
      ['B7', '10.180.0.2', '172.30.0.42', 53, '10.180.0.1:53, 10.180.2.1:53', false, 'SCTP'],
      ['B8', '10.180.0.2', '172.30.0.42', 80, '', false, 'UDP'],
      ['B9', '10.180.0.2', '172.30.0.41', 443, '', false],
    ]);
  });
});

describe('C. TestLoadBalancer', () => {
  it('applies loadBalancerSourceRanges to LB IPs but not to the NodePort', () => {
    const f = fixtureWith();
    syncWith(
      f,
      [
        makeService('ns1', 'svc1', {
          type: 'LoadBalancer',
          clusterIP: '172.30.0.41',
          ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
          loadBalancerIngress: ['1.2.3.4', '5.6.7.8'],
          loadBalancerSourceRanges: ['192.168.0.0/24', ' 203.0.113.0/25'],
        }),
      ],
      [makeSlice('ns1', 'svc1', { ports: [{ name: 'p80', port: 80 }], endpoints: [{ ip: '10.180.0.1' }] })],
    );
    const ep = '10.180.0.1:80';
    expectFlows(f, [
      ['C1', POD, '172.30.0.41', 80, ep, false],
      ['C2', EXT, NODE, 3001, ep, true],
      ['C3', BLK, NODE, 3001, ep, true],
      ['C4', EXT, '1.2.3.4', 80, ep, true],
      ['C5', EXT, '5.6.7.8', 80, ep, true],
      ['C6', BLK, '1.2.3.4', 80, 'DROP', false],
      ['C7', BLK, '5.6.7.8', 80, 'DROP', false],
      ['C8', POD, '1.2.3.4', 80, 'DROP', false],
      ['C9', POD, '5.6.7.8', 80, 'DROP', false],
      ['C10', NODE, '1.2.3.4', 80, ep, true],
      ['C11', NODE, '5.6.7.8', 80, ep, true],
      ['C12', '1.2.3.4', '1.2.3.4', 80, ep, true],
      ['C13', '5.6.7.8', '5.6.7.8', 80, ep, true],
    ]);
  });
});

describe('D. TestNodePorts', () => {
  const both = '10.180.0.1:80, 10.180.2.1:80';
  const objects = () =>
    [
      [makeService('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] })],
      [makeSlice('ns1', 'svc1', { ports: [{ name: 'p80', port: 80 }], endpoints: [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', nodeName: NODE_NAME }] })],
    ] as const;

  it('serves NodePorts on every local address, localhost included', () => {
    const f = fixtureWith();
    syncWith(f, ...objects());
    expectFlows(f, [
      ['D1', POD, '172.30.0.41', 80, both, false],
      ['D2', EXT, NODE, 3001, both, true],
      ['D3', NODE, NODE, 3001, both, true],
      ['D4', '127.0.0.1', '127.0.0.1', 3001, both, true],
      ['D6', EXT, '192.168.1.2', 3001, both, true],
    ]);
    expect(f.iptables.rules('filter', 'KUBE-FIREWALL')).toHaveLength(1);
  });

  it('does not serve localhost NodePorts when localhostNodePorts is off', () => {
    const f = fixtureWith({ localhostNodePorts: false });
    syncWith(f, ...objects());
    expectFlows(f, [
      ['D1', POD, '172.30.0.41', 80, both, false],
      ['D2', EXT, NODE, 3001, both, true],
      ['D5', '127.0.0.1', '127.0.0.1', 3001, '', false],
      ['D6', EXT, '192.168.1.2', 3001, both, true],
    ]);
    expect(f.iptables.hasChain('filter', 'KUBE-FIREWALL')).toBe(true); // created by the jump, but empty
    expect(f.iptables.rules('filter', 'KUBE-FIREWALL')).toEqual([]);
  });

  it('only serves NodePorts on addresses inside nodePortAddresses', () => {
    const f = fixtureWith({ localhostNodePorts: false, nodePortAddresses: ['192.168.0.0/24', '127.0.0.1/32'] });
    syncWith(f, ...objects());
    expectFlows(f, [
      ['D2', EXT, NODE, 3001, both, true],
      ['D5', '127.0.0.1', '127.0.0.1', 3001, '', false],
      ['D7', EXT, '192.168.1.2', 3001, '', false],
    ]);
  });
});

describe('E. TestHealthCheckNodePort', () => {
  it('accepts the health-check port even without endpoints, until the Service goes', () => {
    const f = fixtureWith({ nodePortAddresses: ['127.0.0.0/8'] });
    const service = makeService('ns1', 'svc1', {
      type: 'LoadBalancer',
      clusterIP: '172.30.0.42',
      ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 30000,
    });
    syncWith(f, [service], []);
    expectFlows(f, [['E1', '1.2.3.4', NODE, 30000, 'ACCEPT', false]]);
    syncWith(f, [], []);
    expectFlows(f, [['E2', '1.2.3.4', NODE, 30000, '', false]]);
  });
});

describe('F/G. external traffic policy', () => {
  const objects = (policy: 'Local' | 'Cluster') =>
    [
      [
        makeService('ns1', 'svc1', {
          type: 'LoadBalancer',
          clusterIP: '172.30.0.41',
          ports: [{ name: 'p80', port: 80, targetPort: 80, nodePort: 3001 }],
          externalIPs: ['192.168.99.11'],
          loadBalancerIngress: ['1.2.3.4'],
          externalTrafficPolicy: policy,
          healthCheckNodePort: policy === 'Local' ? 30000 : 0,
        }),
      ],
      [makeSlice('ns1', 'svc1', { ports: [{ name: 'p80', port: 80 }], endpoints: [{ ip: '10.180.0.1' }, { ip: '10.180.2.1', nodeName: NODE_NAME }] })],
    ] as const;
  const both = '10.180.0.1:80, 10.180.2.1:80';

  it('F. Local: outside clients reach only local endpoints and keep their source', () => {
    const f = fixtureWith();
    syncWith(f, ...objects('Local'));
    expectFlows(f, [
      ['F1', POD, '172.30.0.41', 80, both, false],
      ['F2', POD, '192.168.99.11', 80, both, false],
      ['F3', EXT, '192.168.99.11', 80, '10.180.2.1:80', false],
      ['F4', POD, '1.2.3.4', 80, both, false],
      ['F5', EXT, '1.2.3.4', 80, '10.180.2.1:80', false],
      ['F6', POD, NODE, 3001, both, false],
      ['F7', EXT, NODE, 3001, '10.180.2.1:80', false],
    ]);
  });

  it('G. Cluster: every external destination is masqueraded', () => {
    const f = fixtureWith();
    syncWith(f, ...objects('Cluster'));
    expectFlows(f, [
      ['G1', POD, '172.30.0.41', 80, both, false],
      ['G2', POD, '192.168.99.11', 80, both, true],
      ['G3', EXT, '192.168.99.11', 80, both, true],
      ['G4', POD, '1.2.3.4', 80, both, true],
      ['G5', EXT, '1.2.3.4', 80, both, true],
      ['G6', POD, NODE, 3001, both, true],
      ['G7', EXT, NODE, 3001, both, true],
    ]);
  });
});

describe('H. TestInternalTrafficPolicy', () => {
  const service = (policy: 'Local' | 'Cluster') => makeService('ns1', 'svc1', { clusterIP: '172.30.1.1', ports: [{ port: 80 }], internalTrafficPolicy: policy });
  const slice = (nodes: readonly string[]) =>
    makeSlice('ns1', 'svc1', { ports: [{ port: 80 }], endpoints: nodes.map((nodeName, i): EndpointSpec => ({ ip: `10.0.1.${i + 1}`, nodeName })) });
  const cases: readonly [string, 'Local' | 'Cluster', readonly string[], string][] = [
    ['H1', 'Cluster', [NODE_NAME, 'host1', 'host2'], '10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80'],
    ['H2', 'Local', [NODE_NAME, 'host1', 'host2'], '10.0.1.1:80'],
    ['H3', 'Local', [NODE_NAME, NODE_NAME, 'host2'], '10.0.1.1:80, 10.0.1.2:80'],
    ['H4', 'Local', ['host0', 'host1', 'host2'], 'DROP'],
  ];
  it.each(cases)('%s iTP %s', (name, policy, nodes, output) => {
    const f = fixtureWith();
    syncWith(f, [service(policy)], [slice(nodes)]);
    expectFlows(f, [[name, POD, '172.30.1.1', 80, output, false]]);
    syncWith(f, [service(policy)], []);
    expectFlows(f, [['H5', POD, '172.30.1.1', 80, 'REJECT', false]]);
  });
});

describe('TestOverallIPTablesRules traces (reference §4.5, derived)', () => {
  it('matches every derived row', () => {
    const f = fixtureWith();
    const { services, slices } = overallCluster();
    syncWith(f, services, slices);
    expectFlows(f, [
      ['svc1 pod', POD, '172.30.0.41', 80, '10.180.0.1:80', false],
      ['svc1 hairpin', '10.180.0.1', '172.30.0.41', 80, '10.180.0.1:80', true],
      ['svc1 outside', EXT, '172.30.0.41', 80, '10.180.0.1:80', true],
      ['svc2 ext IP pod', POD, '192.168.99.22', 80, '10.180.0.2:80', false],
      ['svc2 ext IP outside', EXT, '192.168.99.22', 80, 'DROP', false],
      ['svc2 ext IP node', NODE, '192.168.99.22', 80, '10.180.0.2:80', true],
      ['svc2 LB outside', EXT, '1.2.3.4', 80, 'DROP', false],
      ['svc2 NodePort outside', EXT, NODE, 3001, 'DROP', false],
      ['svc2 NodePort pod', POD, NODE, 3001, '10.180.0.2:80', false],
      ['svc2 NodePort localhost', '127.0.0.1', '127.0.0.1', 3001, '10.180.0.2:80', true],
      ['svc2 HCNP', EXT, NODE, 30000, 'ACCEPT', false],
      ['svc3 NodePort alt IP', EXT, '192.168.1.2', 3003, '10.180.0.3:80', true],
      ['svc4 pod', POD, '172.30.0.44', 80, '10.180.0.4:80, 10.180.0.5:80', false],
      ['svc4 ext IP', EXT, '192.168.99.33', 80, '10.180.0.4:80, 10.180.0.5:80', true],
      ['svc5 pod', POD, '172.30.0.45', 80, '10.180.0.3:80', false],
      ['svc5 LB allowed', EXT, '5.6.7.8', 80, '10.180.0.3:80', true],
      ['svc5 LB blocked', BLK, '5.6.7.8', 80, 'DROP', false],
      ['svc5 LB node not in range', NODE, '5.6.7.8', 80, 'DROP', false],
      ['svc5 NodePort blocked client', BLK, NODE, 3002, '10.180.0.3:80', true],
      ['svc6', POD, '172.30.0.46', 80, 'REJECT', false],
      ['wrong port', POD, '172.30.0.41', 81, '', false],
      ['wrong protocol', POD, '172.30.0.41', 80, '', false, 'UDP'],
    ]);
  });
});
