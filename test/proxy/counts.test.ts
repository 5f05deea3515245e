import { describe, expect, it } from 'vitest';
import type { EndpointSlice, KubeProxyConfiguration, Service } from '../../src/kube/index.js';
import { makeFixture, syncWith } from './support/fixture.js';
import { makeService, makeSlice, type ServiceSpec } from './support/objects.js';

/**
 * Rule counts (reference §3.4). Upstream's TestNumberIptablesRules table comes from an older
 * kube-proxy; the [derived] expectations below are for the current rules:
 *  - base: nat 5 (3 KUBE-POSTROUTING, 1 KUBE-MARK-MASQ, 1 nodeports tail); filter 4 (3
 *    KUBE-FORWARD + the KUBE-FIREWALL guard), 3 without localhost NodePorts.
 *  - ClusterIP port, E ≥ 1 endpoints: nat + 3E + 2; E = 0: filter + 1.
 *  - LoadBalancer variant (externalIP + LB VIP + one source range + nodePort, eTP Cluster),
 *    E ≥ 1: nat + 3 KUBE-SERVICES + 2 KUBE-NODEPORTS (one is the localhost nfacct variant)
 *    + 1 masq + 2 KUBE-EXT + 2 KUBE-FW (range + "other traffic") + 3E, filter + 1 firewall DROP;
 *    E = 0: filter + 4 (clusterIP, externalIP, LB VIP, NodePort).
 */

function numtestObjects(kind: 'ClusterIP' | 'LoadBalancer', services: number, endpoints: number): [Service[], EndpointSlice[]] {
  const svcs: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < services; i++) {
    const spec: ServiceSpec =
      kind === 'ClusterIP'
        ? { clusterIP: `10.0.0.${i}`, ports: [{ name: '', port: 80 + i, targetPort: 8080 }] }
        : {
            type: 'LoadBalancer',
            clusterIP: `10.0.0.${i}`,
            ports: [{ name: '', port: 80 + i, targetPort: 8080, nodePort: 30000 + i }],
            externalIPs: ['1.2.3.4'],
            loadBalancerIngress: ['1.2.3.4'],
            loadBalancerSourceRanges: [' 1.2.3.4/28'],
            healthCheckNodePort: 32000,
          };
    svcs.push(makeService('ns', `svc${i}`, spec));
    if (endpoints > 0) {
      slices.push(
        makeSlice('ns', `svc${i}-x`, {
          service: `svc${i}`,
          ports: [{ name: '', port: 8080 }],
          endpoints: Array.from({ length: endpoints }, (_, j) => ({ ip: `172.16.${i}.${j + 1}` })),
        }),
      );
    }
  }
  return [svcs, slices];
}

function counts(kind: 'ClusterIP' | 'LoadBalancer', s: number, e: number, config: Partial<KubeProxyConfiguration> = {}): string {
  const f = makeFixture(config);
  const r = syncWith(f, ...numtestObjects(kind, s, e));
  expect(r.natRulesTotal).toBe(r.natRules);
  return `${r.filterRules}/${r.natRules}`;
}

const SHAPES: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 0],
  [1, 1],
  [1, 2],
  [1, 10],
  [10, 0],
  [10, 1],
  [10, 2],
  [10, 10],
];

describe('TestNumberIptablesRules shapes', () => {
  it('ClusterIP services, current rules [derived]', () => {
    const want = ['4/5', '5/5', '4/10', '4/13', '4/37', '14/5', '4/55', '4/85', '4/325'];
    expect(SHAPES.map(([s, e]) => counts('ClusterIP', s, e))).toEqual(want);
  });

  it('ClusterIP services without localhost NodePorts equal the old upstream table exactly', () => {
    const upstream = ['3/5', '4/5', '3/10', '3/13', '3/37', '13/5', '3/55', '3/85', '3/325'];
    expect(SHAPES.map(([s, e]) => counts('ClusterIP', s, e, { localhostNodePorts: false }))).toEqual(upstream);
  });

  it('LoadBalancer services, current rules [derived]', () => {
    const want = ['4/5', '8/5', '5/18', '5/21', '5/45', '44/5', '14/135', '14/165', '14/405'];
    expect(SHAPES.map(([s, e]) => counts('LoadBalancer', s, e))).toEqual(want);
  });

  it('LoadBalancer services without localhost NodePorts: the old table plus the trailing KUBE-FW rule per service', () => {
    const upstream = ['3/5', '7/5', '4/16', '4/19', '4/43', '43/5', '13/115', '13/145', '13/385'];
    const got = SHAPES.map(([s, e]) => counts('LoadBalancer', s, e, { localhostNodePorts: false }));
    const adjusted = SHAPES.map(([s, e], i) => {
      const [filter, nat] = (got[i] ?? '').split('/').map(Number);
      return `${filter}/${(nat ?? 0) - (e > 0 ? s : 0)}`;
    });
    expect(adjusted).toEqual(upstream);
  });
});

describe('per-service formulas [derived]', () => {
  const base = { filter: 4, nat: 5 };
  const endpoints = (n: number, local = false) =>
    Array.from({ length: n }, (_, j) => ({ ip: `10.180.0.${j + 1}`, nodeName: local ? 'test-node' : 'other' }));

  it.each([
    // name, spec, endpoints, filter delta, nat delta
    ['ClusterIP, 3 endpoints', { clusterIP: '172.30.0.1' }, 3, 0, 3 * 3 + 2],
    ['ClusterIP, affinity, 3 endpoints', { clusterIP: '172.30.0.1', sessionAffinity: 'ClientIP' }, 3, 0, 3 * 3 + 2 + 3],
    ['ClusterIP, 0 endpoints', { clusterIP: '172.30.0.1' }, 0, 1, 0],
    ['two externalIPs', { clusterIP: '172.30.0.1', externalIPs: ['1.1.1.1', '2.2.2.2'] }, 2, 0, 3 * 2 + 2 + 2 + 2],
    ['NodePort', { type: 'NodePort', clusterIP: '172.30.0.1', nodePort: 30001 }, 1, 0, 3 + 2 + 2 + 2],
    ['LB, 2 VIPs, no ranges', { type: 'LoadBalancer', clusterIP: '172.30.0.1', loadBalancerIngress: ['1.1.1.1', '2.2.2.2'] }, 1, 0, 3 + 2 + 2 + 2],
    [
      'LB, 2 VIPs, 2 ranges, node IP inside one',
      { type: 'LoadBalancer', clusterIP: '172.30.0.1', loadBalancerIngress: ['1.1.1.1', '2.2.2.2'], loadBalancerSourceRanges: ['192.168.0.0/16', '203.0.113.0/24'] },
      1,
      2,
      3 + 2 + 2 + 2 + (2 + 2 + 1),
    ],
    ['LB, ipMode Proxy ingress ignored', { type: 'LoadBalancer', clusterIP: '172.30.0.1', loadBalancerIngress: [{ ip: '1.1.1.1', ipMode: 'Proxy' }] }, 1, 0, 3 + 2],
    ['LB, a /0 range means no firewall', { type: 'LoadBalancer', clusterIP: '172.30.0.1', loadBalancerIngress: ['1.1.1.1'], loadBalancerSourceRanges: ['10.0.0.0/8', '0.0.0.0/0'] }, 1, 0, 3 + 2 + 1 + 2],
  ] as const)('%s', (_name, spec, eps, filterDelta, natDelta) => {
    const { nodePort, ...rest } = spec as ServiceSpec & { nodePort?: number };
    const f = makeFixture();
    const r = syncWith(
      f,
      [makeService('ns', 'svc', { ...rest, ports: [{ name: 'p', port: 80, ...(nodePort === undefined ? {} : { nodePort }) }] } as ServiceSpec)],
      eps === 0 ? [] : [makeSlice('ns', 'svc', { ports: [{ name: 'p', port: 80 }], endpoints: endpoints(eps) })],
    );
    expect([r.filterRules - base.filter, r.natRules - base.nat]).toEqual([filterDelta, natDelta]);
  });

  it('eTP Local without local endpoints: EXT keeps its 3 short-circuits, filter DROPs', () => {
    const f = makeFixture();
    const r = syncWith(
      f,
      [
        makeService('ns', 'svc', {
          type: 'LoadBalancer',
          clusterIP: '172.30.0.1',
          ports: [{ name: 'p', port: 80, nodePort: 30001 }],
          loadBalancerIngress: ['1.1.1.1'],
          externalTrafficPolicy: 'Local',
          healthCheckNodePort: 32000,
        }),
      ],
      [makeSlice('ns', 'svc', { ports: [{ name: 'p', port: 80 }], endpoints: endpoints(2) })],
    );
    // nat: clusterIP + LB + 2 nodeport | masq + 3 EXT (no final jump) + 2 SVC + 4 SEP
    expect(r.natRules - base.nat).toBe(4 + 1 + 3 + 2 + 4);
    // filter: LB DROP + NodePort DROP + HCNP ACCEPT
    expect(r.filterRules - base.filter).toBe(3);
  });
});
