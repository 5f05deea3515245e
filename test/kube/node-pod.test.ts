import { describe, expect, it } from 'vitest';
import { expectClean, expectError, expectOnlyError, expectWarning, FILE, lineOf, validate, yaml } from './helpers.js';

function node(name: string, podCIDR: string, ip: string): string {
  return yaml`
    apiVersion: v1
    kind: Node
    metadata: {name: ${name}}
    spec:
      podCIDR: ${podCIDR}
    status:
      addresses:
        - {type: InternalIP, address: ${ip}}
        - {type: ExternalIP, address: 203.0.113.${ip.split('.')[3]}}
        - {type: InternalIP, address: "fd00::${ip.split('.')[3]}"}
        - {type: Hostname, address: ${name}}
  `;
}

function pod(name: string, nodeName: string, ip: string, extra = ''): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  nodeName: ${nodeName}\n${extra}  containers:\n    - name: c\n      ports:\n        - {name: http, containerPort: 8080}\nstatus:\n  podIP: ${ip}\n`;
}

describe('Node', () => {
  it('reads IPv4 addresses by type and the pod CIDR, canonical', () => {
    const r = validate(node('node-1', '10.244.001.000/024', '192.168.56.11'));
    expectClean(r);
    expect(r.objects.nodes[0]).toEqual({
      kind: 'Node',
      metadata: { name: 'node-1', namespace: '', labels: {}, annotations: {} },
      source: { file: FILE, line: 1 },
      internalIPs: ['192.168.56.11'],
      externalIPs: ['203.0.113.11'],
      podCIDR: '10.244.1.0/24',
      podCIDRs: ['10.244.1.0/24'],
    });
  });

  it('takes podCIDR from podCIDRs and skips the IPv6 one', () => {
    const r = validate('apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec:\n  podCIDRs: [10.244.1.0/24, "fd00:1::/64"]\n');
    expectClean(r);
    expect(r.objects.nodes[0]).toMatchObject({ podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] });
  });

  it('refuses a bad podCIDR', () => {
    const text = node('node-1', '10.244.1.0/40', '192.168.56.11');
    expectOnlyError(validate(text), { code: 'KUBE_INVALID', line: lineOf(text, 'podCIDR'), object: 'Node node-1', field: 'spec.podCIDR', message: 'expected a CIDR' });
  });

  it('refuses a bad address', () => {
    const text = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  addresses:\n    - type: InternalIP\n      address: 192.168.56\n';
    expectOnlyError(validate(text), { code: 'KUBE_INVALID', line: 7, object: 'Node n1', field: 'status.addresses[0].address', message: 'expected an IP address for InternalIP, got "192.168.56"' });
  });

  it('refuses a second node with the same pod CIDR (KUBE_CONFLICT) and keeps the first', () => {
    const text = node('node-1', '10.244.1.0/24', '192.168.56.11') + '---\n' + node('node-2', '10.244.1.0/24', '192.168.56.12');
    const r = validate(text);
    expectOnlyError(r, {
      code: 'KUBE_CONFLICT',
      line: lineOf(text, 'podCIDR', 'name: node-2'),
      object: 'Node node-2',
      field: 'spec.podCIDR',
      message: "pod CIDR 10.244.1.0/24 overlaps Node node-1's 10.244.1.0/24 (cluster.yaml:1)",
    });
    expect(r.objects.nodes.map((n) => n.metadata.name)).toEqual(['node-1']);
  });

  it('refuses overlapping pod CIDRs of different sizes', () => {
    const text = node('node-1', '10.244.0.0/16', '192.168.56.11') + '---\n' + node('node-2', '10.244.7.0/24', '192.168.56.12');
    expectOnlyError(validate(text), { code: 'KUBE_CONFLICT', line: lineOf(text, 'podCIDR', 'name: node-2'), field: 'spec.podCIDR', message: 'overlaps' });
  });
});

describe('Pod', () => {
  const nodes = node('node-1', '10.244.1.0/24', '192.168.56.11') + '---\n' + node('node-2', '10.244.2.0/24', '192.168.56.12') + '---\n';

  it('reads where it runs, its IP and named ports', () => {
    const r = validate(nodes + pod('web-1', 'node-1', '10.244.1.010'));
    expectClean(r);
    expect(r.objects.pods[0]).toMatchObject({
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default' },
      nodeName: 'node-1',
      hostNetwork: false,
      podIP: '10.244.1.10',
      containerPorts: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    });
  });

  it('refuses a pod IP outside its node pod CIDR (KUBE_CONFLICT)', () => {
    const text = nodes + pod('web-1', 'node-1', '10.244.2.7');
    const r = validate(text);
    expectOnlyError(r, {
      code: 'KUBE_CONFLICT',
      line: lineOf(text, 'podIP'),
      object: 'Pod default/web-1',
      field: 'status.podIP',
      message: "expected an IP inside Node node-1's pod CIDR 10.244.1.0/24 (cluster.yaml:1), got 10.244.2.7",
    });
    expect(r.objects.pods).toHaveLength(0);
  });

  it('accepts a hostNetwork pod with its node address and refuses one with another', () => {
    expectClean(validate(nodes + pod('exporter', 'node-2', '192.168.56.12', '  hostNetwork: true\n')));
    const text = nodes + pod('exporter', 'node-2', '192.168.56.11', '  hostNetwork: true\n');
    expectOnlyError(validate(text), { code: 'KUBE_CONFLICT', line: lineOf(text, 'podIP'), field: 'status.podIP', message: "one of Node node-2's addresses" });
  });

  it('reads hostNetwork: yes as true, as kubectl (YAML 1.1) does', () => {
    const r = validate(nodes + pod('exporter', 'node-2', '192.168.56.12', '  hostNetwork: yes\n'));
    expectClean(r);
    expect(r.objects.pods[0]?.hostNetwork).toBe(true);
  });

  it('refuses two pods with one IP', () => {
    const text = nodes + pod('a', 'node-1', '10.244.1.5') + '---\n' + pod('b', 'node-1', '10.244.1.5');
    expectOnlyError(validate(text), { code: 'KUBE_CONFLICT', line: lineOf(text, 'podIP', 'name: b'), object: 'Pod default/b', field: 'status.podIP', message: 'already used by Pod default/a' });
  });

  it('warns about a pod on an unknown node', () => {
    const text = nodes + pod('web-1', 'node-9', '10.9.9.9');
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    expectWarning(r, { code: 'KUBE_CONFLICT', line: lineOf(text, 'nodeName: node-9'), field: 'spec.nodeName', message: 'Node "node-9" is not defined' });
  });

  it('refuses a bad container port and duplicate port names', () => {
    const text = nodes + pod('web-1', 'node-1', '10.244.1.10').replace('        - {name: http, containerPort: 8080}\n', '        - {name: http, containerPort: 0}\n        - {name: http, containerPort: 81}\n');
    const r = validate(text);
    expectError(r, { code: 'KUBE_INVALID', line: lineOf(text, 'containerPort: 0'), field: 'spec.containers[0].ports[0].containerPort', message: 'expected a port number 1-65535, got 0' });
    expectError(r, { code: 'KUBE_INVALID', line: lineOf(text, 'containerPort: 81'), field: 'spec.containers[0].ports[1].name', message: 'duplicate container port name "http"' });
  });
});
