import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadClusterFiles, validateClusterFiles, type ClusterObjects, type Service } from '../../src/kube/index.js';
import { lineOf } from './helpers.js';

const DIR = 'fixtures/clusters';
const path = (name: string): string => `${DIR}/${name}`;

function service(objects: ClusterObjects, ns: string, name: string): Service {
  const s = objects.services.find((x) => x.metadata.namespace === ns && x.metadata.name === name);
  if (s === undefined) throw new Error(`no Service ${ns}/${name}`);
  return s;
}

function endpointsOf(objects: ClusterObjects, ns: string, name: string): { ip: string; node: string }[] {
  return objects.endpointSlices
    .filter((s) => s.metadata.namespace === ns && s.serviceName === name)
    .flatMap((s) => s.endpoints.flatMap((e) => e.addresses.map((ip) => ({ ip, node: e.nodeName }))));
}

describe('every fixture in fixtures/clusters', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

  it('includes the overall, demo, and one file per packet-flow group A-G plus H1-H4', () => {
    expect(files).toContain('kube-proxy-overall.yaml');
    expect(files).toContain('demo.yaml');
    for (const g of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H1', 'H2', 'H3', 'H4']) {
      expect(files.filter((f) => f.startsWith(`kp-${g}-`)), g).toHaveLength(1);
    }
  });

  it.each(files)('%s loads without errors', (file) => {
    const result = validateClusterFiles([path(file)]);
    expect(result.errors.map((e) => e.describe())).toEqual([]);
    expect(() => loadClusterFiles([path(file)])).not.toThrow();
  });

  it.each(files.filter((f) => f !== 'kube-proxy-overall.yaml'))('%s loads without warnings', (file) => {
    expect(validateClusterFiles([path(file)]).warnings.map((e) => e.describe())).toEqual([]);
  });
});

describe('kube-proxy-overall.yaml (TestOverallIPTablesRules)', () => {
  const result = validateClusterFiles([path('kube-proxy-overall.yaml')]);
  const o = result.objects;

  it('configures kube-proxy like NewFakeProxier', () => {
    expect(o.proxyConfig).toMatchObject({
      mode: 'iptables',
      clusterCIDR: '10.0.0.0/8',
      detectLocalMode: 'ClusterCIDR',
      masqueradeBit: 14,
      localhostNodePorts: true,
      nodePortAddresses: [],
      minSyncPeriodSeconds: 1,
      syncPeriodSeconds: 30,
    });
    const text = readFileSync(path('kube-proxy-overall.yaml'), 'utf8');
    expect(o.proxyConfig.source).toEqual({ file: path('kube-proxy-overall.yaml'), line: lineOf(text, 'apiVersion: kubeproxy') });
  });

  it('has test-node with the fixture node IPs (IPv6 ones skipped)', () => {
    expect(o.nodes).toHaveLength(1);
    expect(o.nodes[0]).toMatchObject({ metadata: { name: 'test-node' }, internalIPs: ['192.168.0.2', '192.168.1.2', '192.168.99.11'], podCIDR: '' });
  });

  it('has the six Services as upstream builds them', () => {
    expect(o.services.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual(['ns1/svc1', 'ns2/svc2', 'ns3/svc3', 'ns4/svc4', 'ns5/svc5', 'ns6/svc6']);
    expect(service(o, 'ns1', 'svc1').spec).toMatchObject({ type: 'ClusterIP', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, protocol: 'TCP', targetPort: 80, nodePort: 0 }] });
    const svc2 = service(o, 'ns2', 'svc2');
    expect(svc2.spec).toMatchObject({
      type: 'LoadBalancer',
      clusterIP: '172.30.0.42',
      externalIPs: ['192.168.99.22'],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 30000,
      ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
    });
    expect(svc2.status.loadBalancerIngress).toEqual([{ ip: '1.2.3.4', ipMode: 'VIP' }]);
    expect(service(o, 'ns3', 'svc3').spec).toMatchObject({ type: 'NodePort', clusterIP: '172.30.0.43', ports: [{ nodePort: 3003 }] });
    expect(service(o, 'ns4', 'svc4').spec).toMatchObject({ type: 'NodePort', externalIPs: ['192.168.99.33'], ports: [{ port: 80, targetPort: 80, nodePort: 0 }] });
    const svc5 = service(o, 'ns5', 'svc5');
    expect(svc5.spec).toMatchObject({
      type: 'LoadBalancer',
      clusterIP: '172.30.0.45',
      externalTrafficPolicy: 'Cluster',
      healthCheckNodePort: 0,
      loadBalancerSourceRanges: ['203.0.113.0/25'],
      sessionAffinity: 'ClientIP',
      sessionAffinityTimeoutSeconds: 10800,
      ports: [{ nodePort: 3002 }],
    });
    expect(svc5.status.loadBalancerIngress).toEqual([{ ip: '5.6.7.8', ipMode: 'VIP' }]);
    expect(service(o, 'ns6', 'svc6').spec.clusterIP).toBe('172.30.0.46');
  });

  it('has the endpoints, local only where upstream sets the node name', () => {
    expect(endpointsOf(o, 'ns1', 'svc1')).toEqual([{ ip: '10.180.0.1', node: '' }]);
    expect(endpointsOf(o, 'ns2', 'svc2')).toEqual([{ ip: '10.180.0.2', node: '' }]);
    expect(endpointsOf(o, 'ns3', 'svc3')).toEqual([{ ip: '10.180.0.3', node: '' }]);
    expect(endpointsOf(o, 'ns4', 'svc4')).toEqual([
      { ip: '10.180.0.4', node: '' },
      { ip: '10.180.0.5', node: 'test-node' },
    ]);
    expect(endpointsOf(o, 'ns5', 'svc5')).toEqual([{ ip: '10.180.0.3', node: '' }]);
    expect(endpointsOf(o, 'ns6', 'svc6')).toEqual([]);
    for (const s of o.endpointSlices) for (const e of s.endpoints) expect(e.conditions).toEqual({ ready: true, serving: true, terminating: false });
  });

  it('warns about the two fields only upstream Go code can set', () => {
    expect(result.warnings.map((w) => w.location?.field)).toEqual(['spec.ports[0].nodePort', 'spec.healthCheckNodePort']);
    expect(result.warnings.map((w) => w.location?.object)).toEqual(['Service ns4/svc4', 'Service ns5/svc5']);
  });
});

describe('packet-flow group fixtures', () => {
  const load = (file: string): ClusterObjects => loadClusterFiles([path(file)]);

  it('A: a LoadBalancer without endpoints', () => {
    const o = load('kp-A-no-endpoints-reject.yaml');
    expect(o.endpointSlices).toHaveLength(0);
    expect(service(o, 'ns1', 'svc1').spec).toMatchObject({ type: 'LoadBalancer', externalIPs: ['192.168.99.11'], externalTrafficPolicy: 'Cluster', ports: [{ nodePort: 3001 }] });
  });

  it('B: named ports with target ports and three protocols', () => {
    const o = load('kp-B-cluster-ip-general.yaml');
    expect(service(o, 'ns2', 'svc2').spec.ports.map((p) => `${p.name} ${p.port}/${p.protocol}->${p.targetPort}`)).toEqual([
      'http 80/TCP->80',
      'https 443/TCP->8443',
      'dns-udp 53/UDP->53',
      'dns-tcp 53/TCP->5353',
      'dns-sctp 53/SCTP->53',
    ]);
    expect(endpointsOf(o, 'ns2', 'svc2')).toEqual([
      { ip: '10.180.0.1', node: 'test-node' },
      { ip: '10.180.2.1', node: 'node2' },
    ]);
  });

  it('C: source ranges trimmed and two LB IPs', () => {
    const o = load('kp-C-load-balancer.yaml');
    const svc = service(o, 'ns1', 'svc1');
    expect(svc.spec.loadBalancerSourceRanges).toEqual(['192.168.0.0/24', '203.0.113.0/25']);
    expect(svc.status.loadBalancerIngress.map((i) => i.ip)).toEqual(['1.2.3.4', '5.6.7.8']);
  });

  it('D: NodePort with one remote and one local endpoint', () => {
    const o = load('kp-D-node-ports.yaml');
    expect(service(o, 'ns1', 'svc1').spec).toMatchObject({ type: 'NodePort', ports: [{ nodePort: 3001 }] });
    expect(endpointsOf(o, 'ns1', 'svc1')).toEqual([
      { ip: '10.180.0.1', node: '' },
      { ip: '10.180.2.1', node: 'test-node' },
    ]);
  });

  it('E: NodePorts on localhost only, a health check node port', () => {
    const o = load('kp-E-health-check-node-port.yaml');
    expect(o.proxyConfig.nodePortAddresses).toEqual(['127.0.0.0/8']);
    expect(service(o, 'ns1', 'svc1').spec).toMatchObject({ externalTrafficPolicy: 'Local', healthCheckNodePort: 30000, ports: [{ name: '', nodePort: 3001 }] });
  });

  it('F and G differ in the external traffic policy only', () => {
    const f = service(load('kp-F-external-traffic-policy-local.yaml'), 'ns1', 'svc1');
    const g = service(load('kp-G-external-traffic-policy-cluster.yaml'), 'ns1', 'svc1');
    expect(f.spec).toMatchObject({ externalTrafficPolicy: 'Local', healthCheckNodePort: 30000 });
    expect(g.spec).toMatchObject({ externalTrafficPolicy: 'Cluster', healthCheckNodePort: 0 });
    expect({ ...f.spec, externalTrafficPolicy: 'Cluster', healthCheckNodePort: 0 }).toEqual(g.spec);
  });

  it.each([
    ['kp-H1-internal-traffic-policy-cluster.yaml', 'Cluster', ['test-node', 'node1', 'node2']],
    ['kp-H2-internal-traffic-policy-local.yaml', 'Local', ['test-node', 'node1', 'node2']],
    ['kp-H3-internal-traffic-policy-local-two-local.yaml', 'Local', ['test-node', 'test-node', 'node2']],
    ['kp-H4-internal-traffic-policy-local-none-local.yaml', 'Local', ['node0', 'node1', 'node2']],
  ] as const)('H: %s', (file, policy, nodes) => {
    const o = load(file);
    expect(service(o, 'ns1', 'svc1').spec).toMatchObject({ clusterIP: '172.30.1.1', internalTrafficPolicy: policy, ports: [{ name: '', port: 80 }] });
    expect(endpointsOf(o, 'ns1', 'svc1')).toEqual([
      { ip: '10.0.1.1', node: nodes[0] },
      { ip: '10.0.1.2', node: nodes[1] },
      { ip: '10.0.1.3', node: nodes[2] },
    ]);
  });
});

describe('demo.yaml', () => {
  const o = loadClusterFiles([path('demo.yaml')]);

  it('has three nodes with their pod CIDRs and flannel vxlan over 10.244.0.0/16', () => {
    expect(o.nodes.map((n) => [n.metadata.name, n.internalIPs, n.podCIDR])).toEqual([
      ['node-1', ['192.168.56.11'], '10.244.1.0/24'],
      ['node-2', ['192.168.56.12'], '10.244.2.0/24'],
      ['node-3', ['192.168.56.13'], '10.244.3.0/24'],
    ]);
    expect(o.flannel).toMatchObject({
      network: '10.244.0.0/16',
      subnetLen: 24,
      subnetMin: '10.244.1.0',
      subnetMax: '10.244.255.0',
      backend: { type: 'vxlan', vni: 1, port: 8472, directRouting: false, mtu: 0 },
    });
    expect(o.proxyConfig).toMatchObject({ mode: 'iptables', clusterCIDR: '10.244.0.0/16' });
  });

  it('has pods on every node, one of them on the host network', () => {
    expect(new Set(o.pods.map((p) => p.nodeName))).toEqual(new Set(['node-1', 'node-2', 'node-3']));
    const host = o.pods.filter((p) => p.hostNetwork);
    expect(host.map((p) => [p.metadata.name, p.podIP])).toEqual([['node-exporter-node-2', '192.168.56.12']]);
  });

  it('has one Service of each type and policy', () => {
    const s = (name: string, ns = 'default'): Service => service(o, ns, name);
    const dns = s('kube-dns', 'kube-system');
    expect(dns.spec.ports.map((p) => p.protocol)).toEqual(['UDP', 'TCP']);
    expect(s('web').spec).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ targetPort: 'http', nodePort: 30080 }] });
    expect(s('echo-local').spec).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Local' });
    expect(s('api').spec).toMatchObject({ type: 'LoadBalancer', sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600, loadBalancerSourceRanges: ['192.168.56.0/24', '203.0.113.0/25'] });
    expect(s('legacy-gw').spec.externalIPs).toEqual(['192.168.56.100']);
    expect(s('log-agent').spec.internalTrafficPolicy).toBe('Local');
    expect(s('web-headless').spec.clusterIP).toBe('None');
    expect(s('search').spec).toMatchObject({ type: 'ExternalName', externalName: 'www.example.com', clusterIP: '', ports: [] });
    expect(endpointsOf(o, 'default', 'orphan')).toEqual([]);
  });

  it('mixes ready and terminating endpoints', () => {
    const web = o.endpointSlices.find((x) => x.serviceName === 'web');
    expect(web?.endpoints.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ['10.244.1.10', { ready: true, serving: true, terminating: false }],
      ['10.244.2.10', { ready: true, serving: true, terminating: false }],
      ['10.244.3.10', { ready: false, serving: true, terminating: true }],
    ]);
  });
});

describe('several files together', () => {
  it('reports a duplicate across files with both places', () => {
    const result = validateClusterFiles([path('kp-A-no-endpoints-reject.yaml'), path('kp-D-node-ports.yaml')]);
    const messages = result.errors.map((e) => `${e.code} ${e.location?.file}:${e.location?.line} ${e.location?.object} ${e.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/^KUBE_CONFLICT fixtures\/clusters\/kp-D-node-ports\.yaml:\d+ KubeProxyConfiguration duplicate KubeProxyConfiguration/),
      expect.stringMatching(/^KUBE_CONFLICT fixtures\/clusters\/kp-D-node-ports\.yaml:\d+ Node test-node duplicate Node: Node test-node is already defined at fixtures\/clusters\/kp-A/),
      expect.stringMatching(/^KUBE_CONFLICT fixtures\/clusters\/kp-D-node-ports\.yaml:\d+ Service ns1\/svc1 duplicate Service/),
    ]);
  });

  it('reports an unreadable file as IO', () => {
    const result = validateClusterFiles([path('does-not-exist.yaml')]);
    expect(result.errors.map((e) => e.code)).toEqual(['IO']);
    expect(() => loadClusterFiles([path('does-not-exist.yaml')])).toThrow(/cannot read cluster file/);
  });
});
