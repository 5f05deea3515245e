import { describe, expect, it } from 'vitest';
import { loadClusterText } from '../../src/kube/index.js';
import { expectClean, expectOnlyError, expectWarning, FILE, lineOf, validate, yaml } from './helpers.js';

const SERVICE = yaml`
  apiVersion: v1
  kind: Service
  metadata: {name: svc1, namespace: ns1}
  spec:
    clusterIP: 172.30.0.41
    ports: [{name: http, port: 80}]
  ---
`;
const OBJ = 'EndpointSlice ns1/svc1-abc';

describe('EndpointSlice reading', () => {
  it('reads conditions as kube-proxy does: unset ready/serving are true, unset terminating is false', () => {
    const text = SERVICE + yaml`
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata:
        name: svc1-abc
        namespace: ns1
        labels: {kubernetes.io/service-name: svc1}
      addressType: IPv4
      endpoints:
        - addresses: [10.180.00.001]
        - addresses: [10.180.0.2]
          conditions: {ready: false}
        - addresses: [10.180.0.3]
          conditions: {ready: false, serving: true, terminating: true}
          nodeName: node-3
          zone: zone-b
          hints: {forZones: [{name: zone-b}]}
      ports:
        - {name: http, port: 8080}
    `;
    const r = validate(text);
    expectClean(r);
    const slice = r.objects.endpointSlices[0]!;
    expect(slice).toMatchObject({ kind: 'EndpointSlice', serviceName: 'svc1', addressType: 'IPv4', ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] });
    expect(slice.source).toEqual({ file: FILE, line: lineOf(text, 'apiVersion: discovery') });
    expect(slice.endpoints).toEqual([
      { addresses: ['10.180.0.1'], conditions: { ready: true, serving: true, terminating: false }, nodeName: '', zone: '', hintsForZones: [] },
      { addresses: ['10.180.0.2'], conditions: { ready: false, serving: true, terminating: false }, nodeName: '', zone: '', hintsForZones: [] },
      { addresses: ['10.180.0.3'], conditions: { ready: false, serving: true, terminating: true }, nodeName: 'node-3', zone: 'zone-b', hintsForZones: ['zone-b'] },
    ]);
  });

  it('reads v1beta1 topology for the node name and zone', () => {
    const o = loadClusterText(
      SERVICE +
        yaml`
          apiVersion: discovery.k8s.io/v1beta1
          kind: EndpointSlice
          metadata: {name: svc1-abc, namespace: ns1, labels: {kubernetes.io/service-name: svc1}}
          addressType: IPv4
          endpoints:
            - addresses: [10.180.0.1]
              topology: {kubernetes.io/hostname: node-1, topology.kubernetes.io/zone: zone-a}
          ports: [{name: http, port: 80}]
        `,
      FILE,
    );
    expect(o.endpointSlices[0]?.endpoints[0]).toMatchObject({ nodeName: 'node-1', zone: 'zone-a' });
  });

  it('leaves an unset port at 0 and keeps an empty slice', () => {
    const o = loadClusterText(
      SERVICE + 'apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: svc1-abc, namespace: ns1, labels: {kubernetes.io/service-name: svc1}}\naddressType: IPv4\nendpoints: []\nports: [{name: http}]\n',
      FILE,
    );
    expect(o.endpointSlices[0]).toMatchObject({ endpoints: [], ports: [{ name: 'http', protocol: 'TCP', port: 0 }] });
  });
});

describe('EndpointSlice validation', () => {
  function slice(body: string, labels = '    kubernetes.io/service-name: svc1\n'): string {
    return SERVICE + `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc1-abc\n  namespace: ns1\n  labels:\n${labels}${body}`;
  }

  it('refuses a slice without the service-name label', () => {
    const text = slice('addressType: IPv4\nendpoints: [{addresses: [10.1.1.1]}]\n', '    app: web\n');
    const r = validate(text);
    expectOnlyError(r, {
      code: 'KUBE_INVALID',
      line: lineOf(text, 'labels:'),
      object: OBJ,
      field: 'metadata.labels[kubernetes.io/service-name]',
      message: 'expected the label kubernetes.io/service-name',
    });
    expect(r.objects.endpointSlices).toHaveLength(0);
  });

  it('refuses a bad address with the line of the address', () => {
    const text = slice('addressType: IPv4\nendpoints:\n  - addresses:\n      - 10.1.1.1\n      - 10.1.1.256\n');
    expectOnlyError(validate(text), {
      code: 'KUBE_INVALID',
      line: lineOf(text, '10.1.1.256'),
      object: OBJ,
      field: 'endpoints[0].addresses[1]',
      message: 'expected an IPv4 address (addressType is IPv4), got "10.1.1.256"',
    });
  });

  it('refuses an endpoint without addresses', () => {
    const text = slice('addressType: IPv4\nendpoints:\n  - nodeName: node-1\n');
    expectOnlyError(validate(text), { code: 'KUBE_INVALID', line: lineOf(text, 'nodeName'), field: 'endpoints[0].addresses', message: 'expected at least one address' });
  });

  it('refuses an unknown addressType', () => {
    const text = slice('addressType: ipv4\nendpoints: []\n');
    expectOnlyError(validate(text), { code: 'KUBE_INVALID', line: lineOf(text, 'addressType'), field: 'addressType', message: 'expected IPv4, IPv6 or FQDN, got "ipv4"' });
  });

  it('refuses a condition that is not a boolean', () => {
    const text = slice('addressType: IPv4\nendpoints:\n  - addresses: [10.1.1.1]\n    conditions:\n      ready: "true"\n');
    expectOnlyError(validate(text), { code: 'KUBE_INVALID', line: lineOf(text, 'ready:'), field: 'endpoints[0].conditions.ready', message: 'expected true or false, got "true"' });
  });

  it('refuses duplicate port names and out-of-range ports', () => {
    const text = slice('addressType: IPv4\nendpoints: []\nports:\n  - {name: http, port: 80}\n  - {name: http, port: 0}\n');
    const r = validate(text);
    expect(r.errors.map((e) => [e.location?.line, e.location?.field, e.message])).toEqual([
      [lineOf(text, 'port: 0'), 'ports[1].name', 'duplicate port name "http" (ports[0] has it too)'],
      [lineOf(text, 'port: 0'), 'ports[1].port', 'expected a port number 1-65535, got 0'],
    ]);
  });

  it('warns (does not refuse) when the Service does not exist, as kube-proxy logs and waits', () => {
    const text = `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: svc1-abc\n  namespace: ns1\n  labels:\n    kubernetes.io/service-name: svc1\naddressType: IPv4\nendpoints: []\n`;
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    expectWarning(r, { code: 'KUBE_CONFLICT', line: 7, object: OBJ, field: 'metadata.labels[kubernetes.io/service-name]', message: 'Service ns1/svc1 is not defined' });
    expect(r.objects.endpointSlices).toHaveLength(1);
  });

  it('warns when a slice port matches no Service port', () => {
    const text = slice('addressType: IPv4\nendpoints: []\nports:\n  - {name: htp, port: 8080}\n');
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    expectWarning(r, { code: 'KUBE_CONFLICT', line: lineOf(text, 'name: htp'), field: 'ports[0].name', message: 'port "htp"/TCP matches no port of Service ns1/svc1 ("http"/TCP)' });
  });
});
