/**
 * fast-check arbitraries for cluster-file text: fixture texts mangled by small edits (the kind of
 * damage a hand-edited YAML file suffers), random Kubernetes-shaped objects rendered as YAML or
 * JSON, and plain noise. Used to check that loading never fails with anything but a KpemuError.
 * Also: valid Services, for round-trip properties.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';

/** Fragments that are meaningful to a YAML parser or to our readers. */
const TOKENS = [
  ':',
  ': ',
  '- ',
  ' ',
  '  ',
  '\n',
  '\t',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  ',',
  '#',
  '|',
  '>',
  '&a ',
  '*a',
  '*b',
  '<<: *a',
  '---\n',
  '...\n',
  '%YAML 1.2\n---\n',
  '!!binary ',
  '!!str ',
  '!foo ',
  '? ',
  '~',
  'null',
  'yes',
  'on',
  '0',
  '-1',
  '99999',
  '1e400',
  '.nan',
  '0x1F',
  '010',
  '10.0.0.256',
  '1.2.3.4/33',
  ' 10.0.0.0/8',
  'fd00::1',
  'kind: List\nitems:\n',
  'apiVersion: v1\n',
  'kind: Service\n',
  'kind: EndpointSlice\n',
  'kind: ConfigMap\n',
  'net-conf.json: |\n  {"Network": ',
  '\u0000',
  '\uFEFF',
  '\\',
  '\r\n',
];

type Edit = (text: string) => string;

const position = (text: string, at: number): number => (text.length === 0 ? 0 : at % (text.length + 1));

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  // delete a range
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 30 })).map(([at, len]): Edit => (t) => {
    const p = position(t, at);
    return t.slice(0, p) + t.slice(p + len);
  }),
  // insert a token or a random string
  fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 }))).map(([at, tok]): Edit => (t) => {
    const p = position(t, at);
    return t.slice(0, p) + tok + t.slice(p);
  }),
  // replace the value after a key on some line
  fc.tuple(fc.nat(), fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 8 }))).map(([n, tok]): Edit => (t) => {
    const lines = t.split('\n');
    const i = lines.length === 0 ? 0 : n % lines.length;
    const line = lines[i] ?? '';
    const colon = line.indexOf(': ');
    lines[i] = colon < 0 ? line + tok : line.slice(0, colon + 2) + tok;
    return lines.join('\n');
  }),
  // duplicate, drop or swap lines
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('dup', 'drop', 'swap')).map(([a, b, op]): Edit => (t) => {
    const lines = t.split('\n');
    const i = a % lines.length;
    const j = b % lines.length;
    const li = lines[i] ?? '';
    const lj = lines[j] ?? '';
    if (op === 'dup') lines.splice(i, 0, li);
    else if (op === 'drop') lines.splice(i, 1);
    else {
      lines[i] = lj;
      lines[j] = li;
    }
    return lines.join('\n');
  }),
  // re-indent a line
  fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })).map(([n, d]): Edit => (t) => {
    const lines = t.split('\n');
    const i = n % lines.length;
    const line = lines[i] ?? '';
    lines[i] = d >= 0 ? ' '.repeat(d) + line : line.replace(new RegExp(`^ {0,${-d}}`), '');
    return lines.join('\n');
  }),
);

/** A base text damaged by 1-6 edits. */
export function mangledText(bases: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...bases), fc.array(editArb, { minLength: 1, maxLength: 6 })).map(([base, edits]) => edits.reduce((t, e) => e(t), base));
}

const KINDS: readonly [string, string][] = [
  ['v1', 'Service'],
  ['discovery.k8s.io/v1', 'EndpointSlice'],
  ['discovery.k8s.io/v1beta1', 'EndpointSlice'],
  ['v1', 'Node'],
  ['v1', 'Pod'],
  ['kubeproxy.config.k8s.io/v1alpha1', 'KubeProxyConfiguration'],
  ['v1', 'ConfigMap'],
  ['v1', 'List'],
  ['v1', 'ServiceList'],
  ['apps/v1', 'Deployment'],
  ['v1', 'constructor'],
  ['toString', '__proto__'],
];

/** Field names our readers look at, so random objects reach deep into them. */
const KEYS = [
  'metadata', 'name', 'namespace', 'labels', 'kubernetes.io/service-name', 'spec', 'status', 'type', 'clusterIP', 'clusterIPs',
  'ports', 'port', 'targetPort', 'nodePort', 'protocol', 'externalIPs', 'loadBalancerSourceRanges', 'externalTrafficPolicy',
  'internalTrafficPolicy', 'sessionAffinity', 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds', 'healthCheckNodePort',
  'loadBalancer', 'ingress', 'ip', 'ipMode', 'addressType', 'endpoints', 'addresses', 'conditions', 'ready', 'serving',
  'terminating', 'nodeName', 'zone', 'hints', 'forZones', 'topology', 'podCIDR', 'podCIDRs', 'hostNetwork', 'containers',
  'containerPort', 'podIP', 'podIPs', 'mode', 'iptables', 'ipvs', 'masqueradeBit', 'minSyncPeriod', 'syncPeriod', 'scheduler',
  'clusterCIDR', 'detectLocalMode', 'detectLocal', 'nodePortAddresses', 'conntrack', 'tcpBeLiberal', 'data', 'net-conf.json',
  'items', 'apiVersion', 'kind', '__proto__', 'constructor', 'toString',
];

const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('constructor', '__proto__', '1constructor', 'TCP', 'UDP', 'tcp', 'None', 'Local', 'Cluster', 'ClientIP', 'IPv4', 'FQDN', 'LoadBalancer', 'NodePort', 'ipvs', '1s', '-1s', '1x'),
  fc.constantFrom('10.0.0.1', '10.0.0.01', '300.1.1.1', '10.244.0.0/16', ' 10.0.0.0/8', '10.0.0.0/33', 'fd00::1', ''),
  fc.constantFrom('{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}', '{"Network": 1}', '{', '[]', '{"SubnetLen": 99}'),
  fc.integer({ min: -2, max: 70000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 12 }),
);

const valueArb: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalarArb,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A Kubernetes-shaped object with random content. */
export const kubeObjectArb: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(fc.constantFrom(...KINDS), fc.dictionary(fc.constantFrom(...KEYS), valueArb, { maxKeys: 8 }))
  .map(([[apiVersion, kind], rest]) => ({ ...rest, apiVersion, kind }));

/** Random objects rendered as a multi-document YAML stream or as JSON. */
export const kubeDocumentsArb: fc.Arbitrary<string> = fc
  .tuple(fc.array(kubeObjectArb, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([objects, asJson]) => (asJson ? JSON.stringify(objects.length === 1 ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects }, null, 2) : objects.map((o) => stringify(o)).join('---\n')));

/** Any of the above, or noise. */
export function kubeTextArb(bases: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 5, arbitrary: mangledText(bases) },
    { weight: 3, arbitrary: kubeDocumentsArb },
    { weight: 1, arbitrary: kubeDocumentsArb.chain((t) => mangledText([t])) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200, unit: 'binary' }) },
  );
}

// ---------------------------------------------------------------------------------------------
// Valid Services, for round trips
// ---------------------------------------------------------------------------------------------

export interface ValidServicePort {
  readonly name: string;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly port: number;
  readonly targetPort: number;
  readonly nodePort: number;
}

export interface ValidService {
  readonly name: string;
  readonly namespace: string;
  readonly type: 'ClusterIP' | 'NodePort';
  /** Octets, rendered with random leading zeros. */
  readonly clusterIP: readonly [number, number, number, number];
  readonly zeros: readonly [number, number, number, number];
  readonly ports: readonly ValidServicePort[];
}

const dns1035 = fc.stringMatching(/^[a-z]([a-z0-9-]{0,20}[a-z0-9])?$/);
const octet = fc.integer({ min: 0, max: 255 });

export const validServiceArb: fc.Arbitrary<ValidService> = fc
  .record({
    name: dns1035,
    namespace: dns1035,
    type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const),
    clusterIP: fc.tuple(fc.integer({ min: 1, max: 126 }), octet, octet, octet),
    zeros: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
    ports: fc.uniqueArray(
      fc.record({
        protocol: fc.constantFrom('TCP' as const, 'UDP' as const, 'SCTP' as const),
        port: fc.integer({ min: 1, max: 65535 }),
        targetPort: fc.integer({ min: 1, max: 65535 }),
        nodePort: fc.integer({ min: 30000, max: 32767 }),
      }),
      { minLength: 1, maxLength: 5, selector: (p) => `${p.port}/${p.protocol}` },
    ),
  })
  .filter((s) => new Set(s.ports.map((p) => p.nodePort)).size === s.ports.length)
  .map((s) => ({
    ...s,
    ports: s.ports.map((p, i) => ({ ...p, name: s.ports.length === 1 ? '' : `p${i}`, nodePort: s.type === 'NodePort' ? p.nodePort : 0 })),
  }));

/** Renders a valid Service as YAML, writing the cluster IP with leading zeros. */
export function renderService(s: ValidService): string {
  const ip = s.clusterIP.map((o, i) => String(o).padStart(String(o).length + (s.zeros[i] ?? 0), '0')).join('.');
  const ports = s.ports
    .map((p) => {
      const lines = [`    - port: ${p.port}`, `      protocol: ${p.protocol}`, `      targetPort: ${p.targetPort}`];
      if (p.name !== '') lines.push(`      name: ${p.name}`);
      if (p.nodePort !== 0) lines.push(`      nodePort: ${p.nodePort}`);
      return lines.join('\n');
    })
    .join('\n');
  return `apiVersion: v1\nkind: Service\nmetadata:\n  name: "${s.name}"\n  namespace: "${s.namespace}"\nspec:\n  type: ${s.type}\n  clusterIP: "${ip}"\n  ports:\n${ports}\n`;
}
