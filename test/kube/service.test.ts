import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { loadClusterText } from '../../src/kube/index.js';
import { expectClean, expectOnlyError, expectWarning, FILE, lineOf, validate, yaml } from './helpers.js';

/** A Service ns1/svc1 whose spec is `spec` (indented by the caller as under `spec:`). */
function svc(spec: string, extra = ''): string {
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: svc1\n  namespace: ns1\nspec:\n${spec}${extra}`;
}
const OBJ = 'Service ns1/svc1';
/** Indents a block written at column 0 to sit under `spec:`. */
const under = (text: string): string => text.trimEnd().replace(/^/gm, '  ') + '\n';

describe('Service defaults', () => {
  it('fills in what the API server defaults', () => {
    const o = loadClusterText(svc('  clusterIP: 172.30.0.41\n  ports:\n    - port: 80\n'), FILE);
    const s = o.services[0]!;
    expect(s.metadata).toEqual({ name: 'svc1', namespace: 'ns1', labels: {}, annotations: {} });
    expect(s.source).toEqual({ file: FILE, line: 1 });
    expect(s.spec).toEqual({
      type: 'ClusterIP',
      clusterIP: '172.30.0.41',
      ports: [{ name: '', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 0 }],
      selector: {},
      externalIPs: [],
      loadBalancerSourceRanges: [],
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      sessionAffinityTimeoutSeconds: 0,
      healthCheckNodePort: 0,
      externalName: '',
    });
    expect(s.status.loadBalancerIngress).toEqual([]);
  });

  it('puts a Service without a namespace in default', () => {
    const o = loadClusterText('apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {clusterIP: 10.0.0.1, ports: [{port: 1}]}\n', FILE);
    expect(o.services[0]?.metadata.namespace).toBe('default');
  });

  it('defaults ClientIP affinity to 10800 s and keeps an explicit timeout', () => {
    const d = loadClusterText(svc('  clusterIP: 10.0.0.1\n  sessionAffinity: ClientIP\n  ports: [{port: 80}]\n'), FILE);
    expect(d.services[0]?.spec.sessionAffinityTimeoutSeconds).toBe(10800);
    const e = loadClusterText(svc('  clusterIP: 10.0.0.1\n  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n  ports: [{port: 80}]\n'), FILE);
    expect(e.services[0]?.spec.sessionAffinityTimeoutSeconds).toBe(60);
  });

  it('reads targetPort as the port when 0 or empty, a number, or a port name', () => {
    const o = loadClusterText(
      svc(
        under(yaml`
          clusterIP: 10.0.0.1
          ports:
            - {name: a, port: 80, targetPort: 0}
            - {name: b, port: 81, targetPort: ""}
            - {name: c, port: 82, targetPort: 8082}
            - {name: d, port: 83, targetPort: http-alt}
        `),
      ),
      FILE,
    );
    expect(o.services[0]?.spec.ports.map((p) => p.targetPort)).toEqual([80, 81, 8082, 'http-alt']);
  });

  it('canonicalises addresses like ParseIPSloppy and trims source ranges', () => {
    const o = loadClusterText(
      svc(
        under(yaml`
          type: LoadBalancer
          clusterIP: 172.30.0.041
          externalIPs: [192.168.099.011]
          loadBalancerSourceRanges: [" 203.0.113.000/025", "10.1.2.3/8 "]
          ports: [{port: 80, nodePort: 30080}]
        `),
        'status: {loadBalancer: {ingress: [{ip: 1.2.3.004}, {hostname: lb.example.com}, {ip: 5.6.7.8, ipMode: Proxy}]}}\n',
      ),
      FILE,
    );
    const s = o.services[0]!;
    expect(s.spec.clusterIP).toBe('172.30.0.41');
    expect(s.spec.externalIPs).toEqual(['192.168.99.11']);
    expect(s.spec.loadBalancerSourceRanges).toEqual(['203.0.113.0/25', '10.0.0.0/8']);
    expect(s.status.loadBalancerIngress).toEqual([
      { ip: '1.2.3.4', ipMode: 'VIP' },
      { ip: '5.6.7.8', ipMode: 'Proxy' },
    ]);
  });

  it('takes the cluster IP from clusterIPs when clusterIP is absent, skipping a second IPv6 one', () => {
    const o = loadClusterText(svc('  clusterIPs: [10.96.0.10, "fd00::10"]\n  ports: [{port: 53}]\n'), FILE);
    expect(o.services[0]?.spec.clusterIP).toBe('10.96.0.10');
  });

  it('keeps headless and ExternalName Services without ports', () => {
    const o = loadClusterText(svc('  clusterIP: None\n') + '\n---\n' + svc('  type: ExternalName\n  externalName: db.example.com.\n').replace('svc1', 'svc2'), FILE);
    expect(o.services.map((s) => [s.spec.type, s.spec.clusterIP, s.spec.externalName])).toEqual([
      ['ClusterIP', 'None', ''],
      ['ExternalName', '', 'db.example.com.'],
    ]);
  });

  it('warns about a missing cluster IP and keeps the Service (kube-proxy skips it)', () => {
    const r = validate(svc('  ports: [{port: 80}]\n'));
    expect(r.errors).toHaveLength(0);
    expectWarning(r, { code: 'KUBE_INVALID', line: 6, object: OBJ, field: 'spec.clusterIP', message: 'not set' });
    expect(r.objects.services[0]?.spec.clusterIP).toBe('');
  });

  it('warns about unknown fields (typos) without refusing the object', () => {
    const text = svc('  clusterIP: 10.0.0.1\n  extrenalTrafficPolicy: Local\n  ports: [{port: 80}]\n');
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    expectWarning(r, { code: 'KUBE_INVALID', line: lineOf(text, 'extrenal'), object: OBJ, field: 'spec.extrenalTrafficPolicy', message: 'unknown field' });
  });
});

describe('Service validation errors name file, line, object and field', () => {
  const cases: { name: string; spec: string; marker: string; after?: string; field: string; message: string }[] = [
    {
      name: 'port out of range',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - name: a\n      port: 70000\n',
      marker: '70000',
      field: 'spec.ports[0].port',
      message: 'expected a port number 1-65535, got 70000',
    },
    {
      name: 'port given as a name',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - name: a\n      port: http\n',
      marker: 'port: http',
      field: 'spec.ports[0].port',
      message: 'expected a port number 1-65535, got "http"',
    },
    {
      name: 'port missing',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - name: a\n      targetPort: 80\n',
      marker: '- name: a',
      field: 'spec.ports[0].port',
      message: 'expected a port number 1-65535, got nothing',
    },
    {
      name: 'duplicate port names',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - name: http\n      port: 80\n    - name: http\n      port: 81\n',
      marker: 'name: http',
      after: 'port: 80',
      field: 'spec.ports[1].name',
      message: 'duplicate port name "http" (spec.ports[0] has it too)',
    },
    {
      name: 'unnamed port in a multi-port Service',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - name: http\n      port: 80\n    - port: 443\n',
      marker: 'port: 443',
      field: 'spec.ports[1].name',
      message: 'every port of a multi-port Service must be named',
    },
    {
      name: 'unknown protocol (case matters)',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - port: 80\n      protocol: tcp\n',
      marker: 'protocol: tcp',
      field: 'spec.ports[0].protocol',
      message: 'expected TCP, UDP or SCTP, got "tcp"',
    },
    {
      name: 'duplicate port and protocol',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - {name: a, port: 53, protocol: UDP}\n    - {name: b, port: 53, protocol: UDP}\n',
      marker: 'name: b',
      field: 'spec.ports[1].port',
      message: 'duplicate port 53/UDP',
    },
    {
      name: 'clusterIP not an IP',
      spec: '  clusterIP: 172.30.0.300\n  ports: [{port: 80}]\n',
      marker: 'clusterIP',
      field: 'spec.clusterIP',
      message: 'expected an IPv4 address or "None", got "172.30.0.300"',
    },
    {
      name: 'IPv6 clusterIP',
      spec: '  clusterIP: "fd00::1"\n  ports: [{port: 80}]\n',
      marker: 'clusterIP',
      field: 'spec.clusterIP',
      message: 'kpemu emulates IPv4 only',
    },
    {
      name: 'clusterIPs[0] disagreeing with clusterIP',
      spec: '  clusterIP: 10.0.0.1\n  clusterIPs:\n    - 10.0.0.2\n  ports: [{port: 80}]\n',
      marker: '- 10.0.0.2',
      field: 'spec.clusterIPs[0]',
      message: 'expected spec.clusterIPs[0] to equal spec.clusterIP',
    },
    {
      name: 'nodePort on a ClusterIP Service',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - port: 80\n      nodePort: 30080\n',
      marker: 'nodePort',
      field: 'spec.ports[0].nodePort',
      message: 'expected no nodePort for a ClusterIP Service',
    },
    {
      name: 'nodePort out of range',
      spec: '  type: NodePort\n  clusterIP: 10.0.0.1\n  ports:\n    - port: 80\n      nodePort: 65536\n',
      marker: 'nodePort',
      field: 'spec.ports[0].nodePort',
      message: 'got 65536',
    },
    {
      name: 'duplicate nodePort within a Service',
      spec: '  type: NodePort\n  clusterIP: 10.0.0.1\n  ports:\n    - {name: a, port: 80, nodePort: 30001}\n    - {name: b, port: 81, nodePort: 30001}\n',
      marker: 'name: b',
      field: 'spec.ports[1].nodePort',
      message: 'duplicate nodePort 30001/TCP',
    },
    {
      name: 'bad CIDR in loadBalancerSourceRanges',
      spec: '  type: LoadBalancer\n  clusterIP: 10.0.0.1\n  loadBalancerSourceRanges:\n    - 10.0.0.0/8\n    - 203.0.113.0/33\n  ports: [{port: 80, nodePort: 30080}]\n',
      marker: '/33',
      field: 'spec.loadBalancerSourceRanges[1]',
      message: 'expected a CIDR such as 10.0.0.0/8, got "203.0.113.0/33"',
    },
    {
      name: 'a plain address where a CIDR belongs',
      spec: '  type: LoadBalancer\n  clusterIP: 10.0.0.1\n  loadBalancerSourceRanges: [203.0.113.7]\n  ports: [{port: 80, nodePort: 30080}]\n',
      marker: 'loadBalancerSourceRanges',
      field: 'spec.loadBalancerSourceRanges[0]',
      message: 'needs a prefix length',
    },
    {
      name: 'source ranges on a NodePort Service',
      spec: '  type: NodePort\n  clusterIP: 10.0.0.1\n  loadBalancerSourceRanges: [10.0.0.0/8]\n  ports: [{port: 80, nodePort: 30080}]\n',
      marker: 'loadBalancerSourceRanges',
      field: 'spec.loadBalancerSourceRanges',
      message: 'apply to type LoadBalancer only',
    },
    {
      name: 'unknown Service type',
      spec: '  type: Nodeport\n  clusterIP: 10.0.0.1\n  ports: [{port: 80}]\n',
      marker: 'type',
      field: 'spec.type',
      message: 'expected ClusterIP, NodePort, LoadBalancer or ExternalName, got "Nodeport"',
    },
    {
      name: 'no ports',
      spec: '  clusterIP: 10.0.0.1\n  ports: []\n',
      marker: 'ports',
      field: 'spec.ports',
      message: 'expected at least one port',
    },
    {
      name: 'a numeric string as targetPort',
      spec: '  clusterIP: 10.0.0.1\n  ports:\n    - port: 80\n      targetPort: "8080"\n',
      marker: 'targetPort',
      field: 'spec.ports[0].targetPort',
      message: 'or a port name (IANA_SVC_NAME',
    },
    {
      name: 'headless NodePort',
      spec: '  type: NodePort\n  clusterIP: None\n  ports: [{port: 80, nodePort: 30080}]\n',
      marker: 'clusterIP',
      field: 'spec.clusterIP',
      message: 'cannot be headless',
    },
    {
      name: 'external IP that is loopback',
      spec: '  clusterIP: 10.0.0.1\n  externalIPs:\n    - 127.0.0.1\n  ports: [{port: 80}]\n',
      marker: '127.0.0.1',
      field: 'spec.externalIPs[0]',
      message: 'got loopback "127.0.0.1"',
    },
    {
      name: 'invalid externalTrafficPolicy',
      spec: '  type: NodePort\n  clusterIP: 10.0.0.1\n  externalTrafficPolicy: Global\n  ports: [{port: 80, nodePort: 30080}]\n',
      marker: 'externalTrafficPolicy',
      field: 'spec.externalTrafficPolicy',
      message: 'expected Cluster or Local, got "Global"',
    },
    {
      name: 'invalid internalTrafficPolicy',
      spec: '  clusterIP: 10.0.0.1\n  internalTrafficPolicy: local\n  ports: [{port: 80}]\n',
      marker: 'internalTrafficPolicy',
      field: 'spec.internalTrafficPolicy',
      message: 'expected Cluster or Local, got "local"',
    },
    {
      name: 'affinity timeout out of range',
      spec: '  clusterIP: 10.0.0.1\n  sessionAffinity: ClientIP\n  sessionAffinityConfig:\n    clientIP:\n      timeoutSeconds: 86401\n  ports: [{port: 80}]\n',
      marker: 'timeoutSeconds',
      field: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
      message: 'expected a number of seconds 1-86400, got 86401',
    },
    {
      name: 'unknown session affinity',
      spec: '  clusterIP: 10.0.0.1\n  sessionAffinity: Sticky\n  ports: [{port: 80}]\n',
      marker: 'sessionAffinity',
      field: 'spec.sessionAffinity',
      message: 'expected None or ClientIP, got "Sticky"',
    },
    {
      name: 'ExternalName without a name',
      spec: '  type: ExternalName\n',
      marker: 'spec:',
      field: 'spec.externalName',
      message: 'expected a DNS name',
    },
    {
      name: 'bad ipMode',
      spec: '  type: LoadBalancer\n  clusterIP: 10.0.0.1\n  ports: [{port: 80, nodePort: 30080}]\nstatus:\n  loadBalancer:\n    ingress:\n      - ip: 1.2.3.4\n        ipMode: Direct\n',
      marker: 'ipMode',
      field: 'status.loadBalancer.ingress[0].ipMode',
      message: 'expected VIP or Proxy, got "Direct"',
    },
    {
      name: 'a name that is no DNS-1035 label',
      spec: '  clusterIP: 10.0.0.1\n  ports: [{port: 80}]\n',
      marker: 'name: svc1',
      field: 'metadata.name',
      message: 'expected a DNS-1035 label',
    },
  ];

  it.each(cases)('$name', ({ name, spec, marker, after, field, message }) => {
    const renamed = name === 'a name that is no DNS-1035 label';
    const text = renamed ? svc(spec).replace('name: svc1', 'name: 1svc') : svc(spec);
    const object = renamed ? 'Service ns1/1svc' : OBJ;
    const r = validate(text);
    const line = lineOf(text, renamed ? 'name: 1svc' : marker, after);
    const e = expectOnlyError(r, { code: 'KUBE_INVALID', line, object, field, message });
    expect(e.describe()).toBe(`${FILE}:${line}: ${object} ${field}: ${e.message}`);
    expect(r.objects.services).toHaveLength(0);
  });

  it('throws the first error from loadClusterText', () => {
    const text = svc('  clusterIP: 10.0.0.1\n  ports:\n    - name: a\n      port: 0\n    - name: b\n      port: 70000\n');
    let caught: unknown;
    try {
      loadClusterText(text, FILE);
    } catch (e) {
      caught = e;
    }
    expect(isKpemuError(caught)).toBe(true);
    if (!isKpemuError(caught)) return;
    expect(caught.code).toBe('KUBE_INVALID');
    expect(caught.location).toMatchObject({ file: FILE, line: lineOf(text, 'port: 0'), object: OBJ, field: 'spec.ports[0].port' });
    expect(validate(text).errors.map((e) => e.location?.field)).toEqual(['spec.ports[0].port', 'spec.ports[1].port']);
  });

  it('reports a wrongly typed value with the text as written', () => {
    const text = svc('  clusterIP: 10.0.0.1\n  ports:\n    - port: 80\n      name: yes\n');
    const e = expectOnlyError(validate(text), { code: 'KUBE_INVALID', line: lineOf(text, 'name: yes'), field: 'spec.ports[0].name' });
    // YAML 1.1 (what kubectl reads): an unquoted yes is a boolean, not the string "yes".
    expect(e.message).toBe('expected a string, got yes (read as boolean true)');
  });
});

describe('Service warnings: what kube-proxy ignores', () => {
  it('ignores healthCheckNodePort unless LoadBalancer with policy Local', () => {
    const text = svc('  type: LoadBalancer\n  clusterIP: 10.0.0.1\n  healthCheckNodePort: 30000\n  ports: [{port: 80, nodePort: 30080}]\n');
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    expectWarning(r, { code: 'KUBE_INVALID', line: lineOf(text, 'healthCheck'), field: 'spec.healthCheckNodePort', message: 'ignored' });
    expect(r.objects.services[0]?.spec.healthCheckNodePort).toBe(0);
  });

  it('ignores externalTrafficPolicy on a ClusterIP Service without external IPs', () => {
    const text = svc('  clusterIP: 10.0.0.1\n  externalTrafficPolicy: Local\n  ports: [{port: 80}]\n');
    const r = validate(text);
    expectWarning(r, { code: 'KUBE_INVALID', line: lineOf(text, 'externalTraffic'), field: 'spec.externalTrafficPolicy' });
    expect(r.objects.services[0]?.spec.externalTrafficPolicy).toBe('Cluster');
  });

  it('keeps externalTrafficPolicy on a ClusterIP Service with external IPs', () => {
    const r = validate(svc('  clusterIP: 10.0.0.1\n  externalIPs: [192.168.1.1]\n  externalTrafficPolicy: Local\n  ports: [{port: 80}]\n'));
    expectClean(r);
    expect(r.objects.services[0]?.spec.externalTrafficPolicy).toBe('Local');
  });

  it('ignores load-balancer ingress on other types', () => {
    const text = svc('  type: NodePort\n  clusterIP: 10.0.0.1\n  ports: [{port: 80, nodePort: 30080}]\n', 'status:\n  loadBalancer:\n    ingress: [{ip: 1.2.3.4}]\n');
    const r = validate(text);
    expectWarning(r, { code: 'KUBE_INVALID', line: lineOf(text, 'ingress'), field: 'status.loadBalancer.ingress' });
    expect(r.objects.services[0]?.status.loadBalancerIngress).toEqual([]);
  });

  it('does not warn about a missing nodePort when allocateLoadBalancerNodePorts is false', () => {
    expectClean(validate(svc('  type: LoadBalancer\n  allocateLoadBalancerNodePorts: false\n  clusterIP: 10.0.0.1\n  ports: [{port: 80}]\n')));
  });
});
