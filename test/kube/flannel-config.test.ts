import { describe, expect, it } from 'vitest';
import { loadClusterText } from '../../src/kube/index.js';
import { expectClean, expectOnlyError, expectWarning, FILE, lineOf, validate } from './helpers.js';

const OBJ = 'ConfigMap kube-flannel/kube-flannel-cfg';
const FIELD = 'data[net-conf.json]';

/** The ConfigMap with `json` as a literal block, each JSON line indented under the key. */
function cm(json: string): string {
  const body = json
    .trim()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-flannel-cfg\n  namespace: kube-flannel\ndata:\n  cni-conf.json: "{}"\n  net-conf.json: |\n${body}\n`;
}

describe('flannel net-conf.json defaults', () => {
  it('reads the shipped manifest as flanneld does', () => {
    const r = validate(cm('{\n  "Network": "10.244.0.0/16",\n  "EnableNFTables": false,\n  "Backend": {\n    "Type": "vxlan"\n  }\n}'));
    expectClean(r);
    expect(r.objects.flannel).toEqual({
      kind: 'FlannelNetConf',
      source: { file: FILE, line: 1 },
      network: '10.244.0.0/16',
      subnetLen: 24,
      subnetMin: '10.244.1.0',
      subnetMax: '10.244.255.0',
      enableIPv4: true,
      backend: { type: 'vxlan', vni: 1, port: 8472, directRouting: false, mtu: 0, gbp: false, learning: false },
    });
  });

  it.each([
    ['10.0.0.0/8', 24, '10.0.1.0', '10.255.255.0'],
    ['10.244.0.0/22', 24, '10.244.1.0', '10.244.3.0'],
    ['10.244.0.0/23', 25, '10.244.0.128', '10.244.1.128'],
    ['10.244.0.0/28', 30, '10.244.0.4', '10.244.0.12'],
  ])('Network %s: SubnetLen %i, SubnetMin %s, SubnetMax %s', (network, len, min, max) => {
    const o = loadClusterText(cm(`{"Network": "${network}", "Backend": {"Type": "vxlan"}}`), FILE);
    expect(o.flannel).toMatchObject({ network, subnetLen: len, subnetMin: min, subnetMax: max });
  });

  it('takes explicit values, keys in any case (Go encoding/json), Port 0 as 8472', () => {
    const o = loadClusterText(
      cm('{"network": "10.244.000.000/16", "subnetlen": 26, "SubnetMin": "10.244.8.0", "SubnetMax": "10.244.9.192",\n "backend": {"type": "VXLAN", "vni": 4096, "port": 0, "DirectRouting": true, "MTU": 9000, "GBP": true, "Learning": true}}'),
      FILE,
    );
    expect(o.flannel).toMatchObject({
      network: '10.244.0.0/16',
      subnetLen: 26,
      subnetMin: '10.244.8.0',
      subnetMax: '10.244.9.192',
      backend: { type: 'vxlan', vni: 4096, port: 8472, directRouting: true, mtu: 9000, gbp: true, learning: true },
    });
  });

  it('keeps an explicit port', () => {
    expect(loadClusterText(cm('{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan", "Port": 4789}}'), FILE).flannel?.backend.port).toBe(4789);
  });

  it('warns when Backend is missing and uses vxlan', () => {
    const text = cm('{"Network": "10.244.0.0/16"}');
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    expectWarning(r, { code: 'FLANNEL_CONFIG', line: lineOf(text, '"Network"'), object: OBJ, field: `${FIELD}.Backend`, message: 'Backend is not set' });
    expect(r.objects.flannel?.backend.type).toBe('vxlan');
  });

  it('skips other ConfigMaps, counting them', () => {
    const o = loadClusterText('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\ndata: {a: b}\n', FILE);
    expect(o.flannel).toBeNull();
    expect(o.skipped).toEqual({ 'v1/ConfigMap': 1 });
  });
});

describe('flannel validation (FLANNEL_CONFIG) points into the JSON', () => {
  const cases: { name: string; json: string; marker: string; field: string; message: string }[] = [
    {
      name: 'SubnetLen too short for the Network',
      json: '{\n  "Network": "10.244.0.0/16",\n  "SubnetLen": 17,\n  "Backend": {"Type": "vxlan"}\n}',
      marker: '"SubnetLen"',
      field: `${FIELD}.SubnetLen`,
      message: 'expected SubnetLen of at least 18 so that Network /16 holds four subnets, got 17',
    },
    {
      name: 'SubnetLen above 30',
      json: '{\n  "Network": "10.244.0.0/16",\n  "SubnetLen": 31,\n  "Backend": {"Type": "vxlan"}\n}',
      marker: '"SubnetLen"',
      field: `${FIELD}.SubnetLen`,
      message: 'expected SubnetLen at most 30',
    },
    {
      name: 'Network too small',
      json: '{\n  "Network": "10.244.0.0/29",\n  "Backend": {"Type": "vxlan"}\n}',
      marker: '"Network"',
      field: `${FIELD}.Network`,
      message: 'expected a Network of /28 or shorter',
    },
    {
      name: 'Network missing',
      json: '{\n  "Backend": {"Type": "vxlan"}\n}',
      marker: '{',
      field: `${FIELD}.Network`,
      message: 'expected Network, the overlay CIDR',
    },
    {
      name: 'unknown backend type',
      json: '{\n  "Network": "10.244.0.0/16",\n  "Backend": {\n    "Type": "vxlam"\n  }\n}',
      marker: '"Type"',
      field: `${FIELD}.Backend.Type`,
      message: 'expected Backend.Type "vxlan", got unknown backend type "vxlam"',
    },
    {
      name: 'a backend kpemu does not emulate',
      json: '{\n  "Network": "10.244.0.0/16",\n  "Backend": {"Type": "host-gw"}\n}',
      marker: '"Type"',
      field: `${FIELD}.Backend.Type`,
      message: '(a flannel backend kpemu does not emulate)',
    },
    {
      name: 'SubnetMin off the boundary',
      json: '{\n  "Network": "10.244.0.0/16",\n  "SubnetMin": "10.244.1.5",\n  "Backend": {"Type": "vxlan"}\n}',
      marker: '"SubnetMin"',
      field: `${FIELD}.SubnetMin`,
      message: 'expected an address on a /24 boundary',
    },
    {
      name: 'SubnetMax outside the Network',
      json: '{\n  "Network": "10.244.0.0/16",\n  "SubnetMax": "10.245.0.0",\n  "Backend": {"Type": "vxlan"}\n}',
      marker: '"SubnetMax"',
      field: `${FIELD}.SubnetMax`,
      message: 'expected an address inside Network 10.244.0.0/16',
    },
    {
      name: 'VNI out of range',
      json: '{\n  "Network": "10.244.0.0/16",\n  "Backend": {"Type": "vxlan", "VNI": 16777216}\n}',
      marker: '"VNI"',
      field: `${FIELD}.Backend.VNI`,
      message: 'expected a VNI 0-16777215, got 16777216',
    },
    {
      name: 'Port as a string',
      json: '{\n  "Network": "10.244.0.0/16",\n  "Backend": {"Type": "vxlan", "Port": "8472"}\n}',
      marker: '"Port"',
      field: `${FIELD}.Backend.Port`,
      message: 'got "8472"',
    },
    {
      name: 'IPv4 disabled',
      json: '{\n  "Network": "10.244.0.0/16",\n  "EnableIPv4": false,\n  "Backend": {"Type": "vxlan"}\n}',
      marker: '"EnableIPv4"',
      field: `${FIELD}.EnableIPv4`,
      message: 'kpemu emulates the IPv4 overlay only',
    },
    {
      name: 'invalid JSON (trailing comma)',
      json: '{\n  "Network": "10.244.0.0/16",\n  "Backend": {"Type": "vxlan"},\n}',
      marker: '}',
      field: FIELD,
      message: 'net-conf.json is not valid JSON: expected a quoted key, found character "}"',
    },
  ];

  it.each(cases)('$name', ({ json, marker, field, message }) => {
    const text = cm(json);
    // Markers are searched after the net-conf.json key so that "{" finds the JSON's first line.
    const line = marker === '}' ? text.split('\n').length - 1 : lineOf(text, marker, 'net-conf.json');
    const r = validate(text);
    expectOnlyError(r, { code: 'FLANNEL_CONFIG', line, object: OBJ, field, message });
    expect(r.objects.flannel).toBeNull();
  });

  it('points at the ConfigMap key when the JSON is a quoted string (JSON input)', () => {
    const text = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kube-flannel-cfg', namespace: 'kube-flannel' },
        data: { 'net-conf.json': '{\n  "Network": "10.244.0.0/16",\n  "SubnetLen": 8\n}' },
      },
      null,
      2,
    );
    const r = validate(text, 'cm.json');
    expectOnlyError(r, { file: 'cm.json', code: 'FLANNEL_CONFIG', line: lineOf(text, 'net-conf.json'), object: OBJ, field: `${FIELD}.SubnetLen`, message: 'got 8' });
  });

  it('says where in the JSON a syntax error is when lines cannot be mapped', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n  net-conf.json: "{\\n  \\"Network\\": 10.244.0.0/16\\n}"\n';
    const e = expectOnlyError(validate(text), { code: 'FLANNEL_CONFIG', line: 5, object: OBJ, field: FIELD });
    expect(e.message).toBe(`net-conf.json is not valid JSON: expected ',' or '}' after a value, found character "." (line 2, column 20 of the JSON)`);
  });

  it.each([
    ["single quotes", `{'Network': '10.244.0.0/16'}`, 'expected a quoted key'],
    ['a comment', '{"Network": "10.244.0.0/16"} // pods', 'after the top-level value'],
    ['a leading zero', '{"Network": "10.244.0.0/16", "SubnetLen": 024}', "expected ',' or '}'"],
    ['an unterminated string', '{"Network": "10.244.0.0/16}', 'unterminated string'],
    ['NaN', '{"Network": "10.244.0.0/16", "SubnetLen": NaN}', 'expected a JSON value'],
    ['a raw newline in a string', '{"Network": "10.244.\n0.0/16"}', 'control character in string'],
  ])('refuses JSON with %s, as Go encoding/json does', (_name, json, message) => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n  net-conf.json: ' + JSON.stringify(json) + '\n';
    const e = expectOnlyError(validate(text), { code: 'FLANNEL_CONFIG', line: 5, object: OBJ, field: FIELD, message: 'net-conf.json is not valid JSON' });
    expect(e.message).toContain(message);
  });

  it('refuses net-conf.json that is not a string', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n  net-conf.json:\n    Network: 10.244.0.0/16\n';
    expectOnlyError(validate(text), { code: 'KUBE_INVALID', line: 5, object: OBJ, field: FIELD, message: 'expected a string holding JSON, got a mapping' });
  });
});

describe('flannel and the nodes', () => {
  const flannel = cm('{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}');
  const node = (name: string, cidr: string | null): string =>
    `---\napiVersion: v1\nkind: Node\nmetadata:\n  name: ${name}\n${cidr === null ? '' : `spec:\n  podCIDR: ${cidr}\n`}`;

  it("refuses a node whose pod CIDR is outside flannel's Network (KUBE_CONFLICT)", () => {
    const text = flannel + node('node-1', '10.244.1.0/24') + node('node-2', '10.99.2.0/24');
    expectOnlyError(validate(text), {
      code: 'KUBE_CONFLICT',
      line: lineOf(text, '10.99.2.0/24'),
      object: 'Node node-2',
      field: 'spec.podCIDR',
      message: "expected a pod CIDR inside flannel's Network 10.244.0.0/16 (cluster.yaml:1), got 10.99.2.0/24",
    });
  });

  it('warns about a node without a pod CIDR', () => {
    const text = flannel + node('node-1', null);
    const r = validate(text);
    expect(r.errors).toHaveLength(0);
    // The field is absent, so the warning names the object's first line.
    expectWarning(r, { code: 'KUBE_CONFLICT', line: lineOf(text, 'kind: Node') - 1, object: 'Node node-1', field: 'spec.podCIDR', message: 'pod cidr not assigned' });
  });

  it('refuses a second flannel configuration', () => {
    const text = flannel + '---\n' + flannel.replace('kube-flannel-cfg', 'kube-flannel-cfg-2');
    expectOnlyError(validate(text), { code: 'KUBE_CONFLICT', line: lineOf(text, 'apiVersion', '---'), message: 'duplicate flannel net-conf.json ConfigMap' });
  });
});
