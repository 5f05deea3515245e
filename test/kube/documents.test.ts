import { describe, expect, it } from 'vitest';
import { loadClusterText } from '../../src/kube/index.js';
import { expectClean, expectOnlyError, expectWarning, FILE, lineOf, validate, yaml } from './helpers.js';

const svc = (name: string, ip: string, ns = 'ns1'): string =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: ${ns}\nspec:\n  clusterIP: ${ip}\n  ports:\n    - port: 80\n`;

describe('documents and lists', () => {
  it('reads multi-document YAML, skipping empty documents and comments', () => {
    const text = `# a cluster\n---\n${svc('a', '10.0.0.1')}---\n# nothing here\n---\n${svc('b', '10.0.0.2')}...\n`;
    const r = validate(text);
    expectClean(r);
    expect(r.objects.services.map((s) => [s.metadata.name, s.source.line])).toEqual([
      ['a', 3],
      ['b', lineOf(text, 'apiVersion', 'nothing here')],
    ]);
  });

  it('reads kind: List as kubectl get -o yaml prints it, nested lists too', () => {
    const text = yaml`
      apiVersion: v1
      kind: List
      metadata: {resourceVersion: ""}
      items:
        - apiVersion: v1
          kind: Service
          metadata: {name: a, namespace: ns1}
          spec: {clusterIP: 10.0.0.1, ports: [{port: 80}]}
        - apiVersion: v1
          kind: List
          items:
            - apiVersion: v1
              kind: Service
              metadata: {name: b, namespace: ns1}
              spec: {clusterIP: 10.0.0.2, ports: [{port: 80}]}
            - apiVersion: apps/v1
              kind: Deployment
              metadata: {name: web}
    `;
    const r = validate(text);
    expectClean(r);
    // An item's line is that of its first key (`- apiVersion: v1`, two lines above the name).
    expect(r.objects.services.map((s) => [s.metadata.name, s.source.line])).toEqual([
      ['a', lineOf(text, 'name: a') - 2],
      ['b', lineOf(text, 'name: b') - 2],
    ]);
    expect(r.objects.skipped).toEqual({ 'apps/v1/Deployment': 1 });
  });

  it('reads typed lists whose items carry no kind (ServiceList from the API)', () => {
    const text = yaml`
      apiVersion: v1
      kind: ServiceList
      items:
        - metadata: {name: a, namespace: ns1}
          spec: {clusterIP: 10.0.0.1, ports: [{port: 80}]}
        - metadata: {name: b, namespace: ns1}
          spec: {clusterIP: 10.0.0.2, ports: [{port: 80}]}
    `;
    expect(loadClusterText(text, FILE).services.map((s) => s.metadata.name)).toEqual(['a', 'b']);
  });

  it('reports errors inside a List at the item field line', () => {
    const text = yaml`
      apiVersion: v1
      kind: List
      items:
        - apiVersion: v1
          kind: Service
          metadata: {name: a, namespace: ns1}
          spec:
            clusterIP: 10.0.0.1
            ports:
              - port: 99999
    `;
    expectOnlyError(validate(text), { code: 'KUBE_INVALID', line: lineOf(text, '99999'), object: 'Service ns1/a', field: 'spec.ports[0].port' });
  });

  it('reads JSON (it is YAML), including a kubectl -o json List', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a', namespace: 'ns1' }, spec: { clusterIP: '10.0.0.1', ports: [{ port: 80, protocol: 'UDP' }] } },
        {
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name: 'a-1', namespace: 'ns1', labels: { 'kubernetes.io/service-name': 'a' } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['10.1.0.1'], conditions: { ready: true } }],
          ports: [{ port: 5353, protocol: 'UDP' }],
        },
      ],
    };
    const text = JSON.stringify(list, null, 2);
    const r = validate(text, 'cluster.json');
    expectClean(r);
    expect(r.objects.services[0]?.spec.ports[0]).toEqual({ name: '', protocol: 'UDP', port: 80, targetPort: 80, nodePort: 0 });
    expect(r.objects.endpointSlices[0]?.endpoints[0]?.addresses).toEqual(['10.1.0.1']);
    // Errors in JSON have lines too.
    const bad = text.replace('"10.0.0.1"', '"10.0.0.999"');
    expectOnlyError(validate(bad, 'cluster.json'), { file: 'cluster.json', code: 'KUBE_INVALID', line: lineOf(bad, '10.0.0.999'), field: 'spec.clusterIP' });
  });

  it('reads anchors, aliases and merge keys', () => {
    const text = yaml`
      apiVersion: v1
      kind: Service
      metadata: &meta {name: a, namespace: ns1, labels: &labels {app: web}}
      spec:
        clusterIP: 10.0.0.1
        selector: *labels
        ports:
          - &http {name: http, port: 80, protocol: TCP}
          - <<: *http
            name: alt
            port: 8080
    `;
    const r = validate(text);
    expectClean(r);
    expect(r.objects.services[0]?.spec.selector).toEqual({ app: 'web' });
    expect(r.objects.services[0]?.spec.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`)).toEqual(['http:80/TCP', 'alt:8080/TCP']);
  });

  it('counts skipped kinds by apiVersion/kind and warns about v1 Endpoints', () => {
    const text = yaml`
      apiVersion: v1
      kind: Namespace
      metadata: {name: ns1}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: a}
      ---
      apiVersion: apps/v1
      kind: Deployment
      metadata: {name: b}
      ---
      apiVersion: v1
      kind: Endpoints
      metadata: {name: svc1}
    `;
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    expect(r.objects.skipped).toEqual({ 'v1/Namespace': 1, 'apps/v1/Deployment': 2, 'v1/Endpoints': 1 });
    expectWarning(r, { code: 'KUBE_INVALID', line: lineOf(text, 'apiVersion: v1', 'name: b'), object: 'Endpoints', message: 'v1 Endpoints are not read' });
  });
});

describe('names that are also JavaScript property names', () => {
  it('are ordinary data', () => {
    const text = yaml`
      apiVersion: v1
      kind: constructor
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: a, namespace: ns1, labels: {__proto__: x1, constructor: y1}}
      spec: {clusterIP: 10.0.0.1, ports: [{port: 80}]}
      ---
      apiVersion: kubeproxy.config.k8s.io/v1alpha1
      kind: KubeProxyConfiguration
      iptables: {minSyncPeriod: 1constructor}
    `;
    const r = validate(text);
    expect(r.objects.skipped).toEqual({ 'v1/constructor': 1 });
    expect(Object.entries(r.objects.services[0]?.metadata.labels ?? {})).toEqual([
      ['__proto__', 'x1'],
      ['constructor', 'y1'],
    ]);
    expectOnlyError(r, { code: 'KUBE_INVALID', line: lineOf(text, '1constructor'), field: 'iptables.minSyncPeriod', message: 'unknown unit "constructor"' });
  });
});

describe('malformed input', () => {
  it('reports a YAML syntax error as KUBE_YAML with its line, and still reads the other documents', () => {
    const text = `${svc('a', '10.0.0.1')}---\napiVersion: v1\nkind: Service\nmetadata: {name: b\n---\n${svc('c', '10.0.0.3')}`;
    const r = validate(text);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'KUBE_YAML', location: { file: FILE } });
    expect(r.errors[0]?.location?.line).toBeGreaterThanOrEqual(lineOf(text, '{name: b'));
    expect(r.errors[0]?.location?.line).toBeLessThanOrEqual(lineOf(text, '{name: b') + 1);
    expect(r.objects.services.map((s) => s.metadata.name)).toEqual(['a', 'c']);
    expect(() => loadClusterText(text, FILE)).toThrow(/invalid YAML \(column \d+\)/);
  });

  it('reports bad indentation and tabs', () => {
    const tab = 'apiVersion: v1\nkind: Service\nmetadata:\n\tname: a\n';
    expectOnlyError(validate(tab), { code: 'KUBE_YAML', line: 4, message: 'Tabs are not allowed' });
  });

  it('reports duplicate keys as kubectl does', () => {
    const text = 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  clusterIP: 10.0.0.1\n  clusterIP: 10.0.0.2\n';
    expectOnlyError(validate(text), { code: 'KUBE_YAML', line: 6, message: 'Map keys must be unique' });
  });

  it('reports unknown and recursive aliases', () => {
    expectOnlyError(validate('a: *nope\n'), { code: 'KUBE_YAML', line: 1, message: 'unknown alias *nope' });
    expectOnlyError(validate('a: &x [1, *x]\n'), { code: 'KUBE_YAML', line: 1, message: 'refers to a value that contains it' });
  });

  it('refuses documents that are no objects, or lack kind or apiVersion', () => {
    expectOnlyError(validate('just text\n'), { code: 'KUBE_INVALID', line: 1, message: 'expected a Kubernetes object (a mapping with apiVersion and kind), got "just text"' });
    expectOnlyError(validate('- a\n- b\n'), { code: 'KUBE_INVALID', line: 1, message: 'got a list' });
    expectOnlyError(validate('apiVersion: v1\nmetadata: {name: a}\n'), { code: 'KUBE_INVALID', line: 1, field: 'kind', message: 'got no kind' });
    expectOnlyError(validate('kind: Service\nmetadata: {name: a}\n'), { code: 'KUBE_INVALID', line: 1, field: 'apiVersion', message: 'got no apiVersion' });
  });

  it('refuses a known kind in the wrong apiVersion', () => {
    expectOnlyError(validate('apiVersion: apps/v1\nkind: Service\nmetadata: {name: a}\n'), {
      code: 'KUBE_INVALID',
      line: 1,
      object: 'Service',
      field: 'apiVersion',
      message: 'expected apiVersion v1 for kind Service, got "apps/v1"',
    });
  });

  it('refuses a billion laughs of nested Lists with one error', () => {
    // Aliases make a million Pods out of a few lines; reading stops at 100,000 objects.
    const lines = ['s: &s {apiVersion: v1, kind: Pod, metadata: {name: p}}', `l0: &l0 {apiVersion: v1, kind: List, items: [${Array(10).fill('*s').join(', ')}]}`];
    for (let i = 1; i < 6; i++) lines.push(`l${i}: &l${i} {apiVersion: v1, kind: List, items: [${Array(10).fill(`*l${i - 1}`).join(', ')}]}`);
    lines.push('apiVersion: v1', 'kind: List', 'items: [*l5]');
    const r = validate(lines.join('\n'));
    expect(r.errors.map((e) => [e.code, e.location?.line, e.message])).toEqual([['KUBE_YAML', 1, 'more than 100000 objects in one file (nested lists or aliases?)']]);
    expect(r.objects.pods).toHaveLength(0);
  });

  it('reads alias-heavy documents in linear time (each anchor converted once)', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('apiVersion: v1', 'kind: List', 'items: *a11');
    const r = validate(lines.join('\n'));
    // 10^12 scalars if expanded; the ten items are lists, not objects.
    expect(r.errors.map((e) => e.message)).toEqual(Array(10).fill('expected a Kubernetes object (a mapping with apiVersion and kind), got a list'));
  });
});

describe('cross-object conflicts', () => {
  it('refuses a duplicate object (same kind, namespace and name) at its name', () => {
    const text = `${svc('a', '10.0.0.1')}---\n${svc('a', '10.0.0.2')}---\n${svc('a', '10.0.0.3', 'ns2')}`;
    const r = validate(text);
    expectOnlyError(r, {
      code: 'KUBE_CONFLICT',
      line: lineOf(text, 'name: a', '10.0.0.1'),
      object: 'Service ns1/a',
      field: 'metadata.name',
      message: 'duplicate Service: Service ns1/a is already defined at cluster.yaml:1',
    });
    expect(r.objects.services.map((s) => s.spec.clusterIP)).toEqual(['10.0.0.1', '10.0.0.3']);
  });

  it('refuses a cluster IP used twice', () => {
    const text = `${svc('a', '10.0.0.1')}---\n${svc('b', '10.0.00.01')}`;
    expectOnlyError(validate(text), { code: 'KUBE_CONFLICT', line: lineOf(text, '10.0.00.01'), object: 'Service ns1/b', field: 'spec.clusterIP', message: 'cluster IP 10.0.0.1 is already allocated to Service ns1/a' });
  });

  it('refuses a node port used by two Services, even for another protocol', () => {
    const np = (name: string, ip: string, proto: string): string =>
      `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: ns1}\nspec:\n  type: NodePort\n  clusterIP: ${ip}\n  ports:\n    - port: 80\n      protocol: ${proto}\n      nodePort: 30080\n`;
    const text = `${np('a', '10.0.0.1', 'TCP')}---\n${np('b', '10.0.0.2', 'UDP')}`;
    expectOnlyError(validate(text), {
      code: 'KUBE_CONFLICT',
      line: lineOf(text, 'nodePort', 'name: b'),
      object: 'Service ns1/b',
      field: 'spec.ports[0].nodePort',
      message: 'node port 30080 is already allocated to Service ns1/a',
    });
  });

  it('lets one Service use a node port for TCP and UDP', () => {
    const text = `apiVersion: v1\nkind: Service\nmetadata: {name: dns, namespace: ns1}\nspec:\n  type: NodePort\n  clusterIP: 10.0.0.10\n  ports:\n    - {name: udp, port: 53, protocol: UDP, nodePort: 30053}\n    - {name: tcp, port: 53, protocol: TCP, nodePort: 30053}\n`;
    expectClean(validate(text));
  });
});
