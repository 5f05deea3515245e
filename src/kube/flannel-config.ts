import { formatIpv4, formatPrefix, prefixContains, type Prefix } from '../core/index.js';
import type { FlannelBackend, FlannelNetConf } from './types.js';
import { readCidr, readIp, prefixLast } from './addresses.js';
import { finish, type Parsed } from './fields.js';
import { parseJsonSource } from './json-source.js';
import { readMeta } from './meta.js';
import { bool, child, expectMap, fail, int, isSet, mapEntries, rootField, Scope, str, warn, type Field } from './reader.js';

/**
 * flannel's `kube-flannel-cfg` ConfigMap: the `net-conf.json` key holds JSON that flanneld reads
 * with Go's encoding/json (case-insensitive keys) and checks with `CheckNetworkConfig`; the
 * VXLAN options are read by the vxlan backend. Errors inside the JSON point at its own line when
 * it is a YAML block scalar (`net-conf.json: |`), else at the ConfigMap key.
 */

export const NET_CONF_KEY = 'net-conf.json';
/** The Linux kernel's VXLAN port, which flannel gets by leaving Port at 0. */
export const DEFAULT_VXLAN_PORT = 8472;
export const DEFAULT_VNI = 1;
/** VNIs are 24-bit. */
const MAX_VNI = 0xffffff;
/** The VXLAN device MTU (MTU − 50) must still carry a minimal IPv4 packet (68 bytes). */
const MIN_MTU = 118;

/** flannel backends that exist; kpemu emulates vxlan only, so the others get a precise error. */
const OTHER_BACKENDS = ['host-gw', 'udp', 'ipip', 'wireguard', 'ipsec', 'alloc', 'extension', 'gce', 'aws-vpc', 'ali-vpc', 'tencent-vpc'];

/** True for the ConfigMap that carries flannel's network configuration. */
export function isFlannelConfigMap(root: Field): boolean {
  const data = child(child(root, 'data'), NET_CONF_KEY);
  return isSet(data);
}

/**
 * Reads the ConfigMap's metadata and its `net-conf.json`. For a YAML literal block scalar
 * (`net-conf.json: |`) the JSON's line n is file line header + n; for any other scalar style the
 * lines cannot be mapped and errors name the key's line.
 */
export function readFlannelConfigMap(root: Field): Parsed<FlannelNetConf> | null {
  const scope = root.scope;
  const before = scope.errorCount;
  readMeta(root, { kind: 'ConfigMap', namespaced: true, nameRule: 'dns1123-subdomain' });
  const data = child(root, 'data');
  expectMap(data);
  // Walk the entries so that the key's path is `data[net-conf.json]`.
  const entry = mapEntries(data).find((e) => e.key === NET_CONF_KEY);
  if (entry === undefined) return null;
  const text = str(entry.field, 'a string holding JSON');
  if (text === undefined) return null;

  const keyLine = entry.field.line;
  const node = entry.field.node;
  const blockHeaderLine = node?.kind === 'scalar' ? (node.literalHeaderLine ?? null) : null;
  const toFileLine = blockHeaderLine === null ? () => keyLine : (jsonLine: number) => blockHeaderLine + jsonLine;
  const parsed = parseJsonSource(text, toFileLine);
  const jsonScope = new Scope(scope.file, scope.object, scope.issues, 'FLANNEL_CONFIG', 'go-json');
  if (!parsed.ok) {
    const where = blockHeaderLine === null ? ` (line ${parsed.line}, column ${parsed.column} of the JSON)` : '';
    fail({ ...entry.field, scope: jsonScope, line: toFileLine(parsed.line) }, `${NET_CONF_KEY} is not valid JSON: ${parsed.message}${where}`);
    return null;
  }
  const conf = rootField(jsonScope, parsed.node, entry.field.path);
  const value = readNetConf(conf, { file: scope.file, line: root.line });
  for (const [path, line] of jsonScope.lines) scope.lines.set(path, line);
  if (jsonScope.errorCount > 0 || value === null) return null;
  return finish(scope, before, root.line, value);
}

function readNetConf(conf: Field, source: { file: string; line: number }): FlannelNetConf | null {
  if (conf.node?.kind !== 'map') {
    fail(conf, `expected a JSON object in ${NET_CONF_KEY}, got ${conf.node?.kind === 'seq' ? 'an array' : 'a scalar'}`);
    return null;
  }
  const enableIPv4 = bool(child(conf, 'EnableIPv4')) ?? true;
  if (!enableIPv4) fail(child(conf, 'EnableIPv4'), 'expected EnableIPv4 true: kpemu emulates the IPv4 overlay only');
  const v6 = child(conf, 'EnableIPv6');
  if (bool(v6) === true) warn(v6, 'EnableIPv6 is ignored: kpemu emulates the IPv4 overlay only');

  const networkField = child(conf, 'Network');
  const networkText = str(networkField, 'a CIDR such as 10.244.0.0/16');
  let network: Prefix | undefined;
  if (networkText === undefined) {
    if (!isSet(networkField)) fail(networkField, 'expected Network, the overlay CIDR such as 10.244.0.0/16, got nothing');
  } else {
    const c = readCidr(networkText);
    if (c.kind === 'ipv4') network = c.prefix;
    else fail(networkField, `expected an IPv4 CIDR such as 10.244.0.0/16, got ${JSON.stringify(networkText)}`, { text: networkText });
  }

  const subnetLenField = child(conf, 'SubnetLen');
  const explicitLen = int(subnetLenField, 'a prefix length 0-32', 0, 32) ?? 0;
  const subnetLen = network === undefined ? 0 : readSubnetLen(subnetLenField, explicitLen, network, networkField);
  const subnetMin = network === undefined || subnetLen === 0 ? '' : readSubnetBound(child(conf, 'SubnetMin'), network, subnetLen, 'min');
  const subnetMax = network === undefined || subnetLen === 0 ? '' : readSubnetBound(child(conf, 'SubnetMax'), network, subnetLen, 'max');
  const backend = readBackend(conf);
  if (network === undefined || backend === null || subnetLen === 0 || subnetMin === '' || subnetMax === '') return null;
  return {
    kind: 'FlannelNetConf',
    source,
    network: formatPrefix(network),
    subnetLen,
    subnetMin,
    subnetMax,
    enableIPv4,
    backend,
  };
}

/**
 * flannel's rule: an explicit SubnetLen must be ≤ 30 and leave room for four subnets
 * (≥ Network length + 2); unset, it is 24 for networks of /22 or shorter, else Network + 2,
 * and networks longer than /28 are refused.
 */
function readSubnetLen(f: Field, explicit: number, network: Prefix, networkField: Field): number {
  if (explicit > 0) {
    if (explicit > 30) {
      fail(f, `expected SubnetLen at most 30 (each node needs room for a gateway and pods), got ${explicit}`, { text: String(explicit) });
      return 0;
    }
    if (explicit < network.length + 2) {
      fail(
        f,
        `expected SubnetLen of at least ${network.length + 2} so that Network /${network.length} holds four subnets, got ${explicit}`,
        { text: String(explicit) },
      );
      return 0;
    }
    return explicit;
  }
  if (network.length > 28) {
    fail(networkField, `expected a Network of /28 or shorter (room for four subnets of at least four addresses), got /${network.length}`);
    return 0;
  }
  return network.length <= 22 ? 24 : network.length + 2;
}

/** SubnetMin / SubnetMax: inside Network and on a SubnetLen boundary; defaults skip the first subnet. */
function readSubnetBound(f: Field, network: Prefix, subnetLen: number, which: 'min' | 'max'): string {
  const size = 2 ** (32 - subnetLen);
  const fallback = which === 'min' ? network.network + size : prefixLast(network) + 1 - size;
  const text = str(f, 'an IPv4 address');
  if (text === undefined || text === '') return formatIpv4(fallback);
  const ip = readIp(text);
  if (ip.kind !== 'ipv4') {
    fail(f, `expected an IPv4 address, got ${JSON.stringify(text)}`, { text });
    return '';
  }
  if (!prefixContains(network, ip.value)) {
    fail(f, `expected an address inside Network ${formatPrefix(network)}, got ${JSON.stringify(text)}`, { text });
    return '';
  }
  if (ip.value % size !== 0) {
    fail(f, `expected an address on a /${subnetLen} boundary (SubnetLen), got ${JSON.stringify(text)}`, { text });
    return '';
  }
  return ip.text;
}

function readBackend(conf: Field): FlannelBackend | null {
  const f = child(conf, 'Backend');
  if (!isSet(f)) {
    // flanneld's code would fall back to its "udp" backend here; flannel's documentation and
    // every shipped manifest say vxlan, which is what kpemu emulates.
    warn(f, 'Backend is not set: kpemu uses vxlan (flanneld itself would pick its udp backend)');
    return { type: 'vxlan', vni: DEFAULT_VNI, port: DEFAULT_VXLAN_PORT, directRouting: false, mtu: 0, gbp: false, learning: false };
  }
  if (!expectMap(f)) return null;
  const typeField = child(f, 'Type');
  const type = str(typeField) ?? '';
  const lower = type.toLowerCase();
  if (lower !== 'vxlan') {
    if (type === '') fail(typeField, 'expected Backend.Type "vxlan", got nothing');
    else if (OTHER_BACKENDS.includes(lower)) {
      fail(typeField, `expected Backend.Type "vxlan", got ${JSON.stringify(type)} (a flannel backend kpemu does not emulate)`, { text: type });
    }
    else fail(typeField, `expected Backend.Type "vxlan", got unknown backend type ${JSON.stringify(type)}`, { text: type });
    return null;
  }
  const vni = int(child(f, 'VNI'), `a VNI 0-${MAX_VNI}`, 0, MAX_VNI) ?? DEFAULT_VNI;
  const port = int(child(f, 'Port'), 'a UDP port 0-65535 (0 for the kernel default 8472)', 0, 65535) ?? 0;
  const mtu = int(child(f, 'MTU'), `0 (the underlay MTU) or an MTU ${MIN_MTU}-65535`, 0, 65535) ?? 0;
  if (mtu !== 0 && mtu < MIN_MTU) fail(child(f, 'MTU'), `expected 0 (the underlay MTU) or an MTU ${MIN_MTU}-65535, got ${mtu}`, { text: String(mtu) });
  return {
    type: 'vxlan',
    vni,
    port: port === 0 ? DEFAULT_VXLAN_PORT : port,
    directRouting: bool(child(f, 'DirectRouting')) ?? false,
    mtu,
    gbp: bool(child(f, 'GBP')) ?? false,
    learning: bool(child(f, 'Learning')) ?? false,
  };
}
