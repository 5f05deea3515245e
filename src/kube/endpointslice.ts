import type { Endpoint, EndpointPort, EndpointSlice } from './types.js';
import { readIp } from './addresses.js';
import { finish, readProtocol, PORT_EXPECTATION, type Parsed } from './fields.js';
import { readMeta } from './meta.js';
import { checkName } from './names.js';
import { bool, child, expectMap, fail, got, int, isSet, list, str, stringList, warnUnknownFields, type Field } from './reader.js';

/**
 * discovery.k8s.io EndpointSlice (v1, and v1beta1 whose `topology` map carried the node name and
 * zone). Conditions are read as kube-proxy reads them: an unset `ready` or `serving` is true, an
 * unset `terminating` is false.
 */

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const TOPOLOGY_HOSTNAME = 'kubernetes.io/hostname';
const TOPOLOGY_ZONE = 'topology.kubernetes.io/zone';
/** The API server's limit on addresses per endpoint. */
const MAX_ADDRESSES = 100;

const TOP_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'addressType', 'endpoints', 'ports']);
const ENDPOINT_FIELDS: ReadonlySet<string> = new Set([
  'addresses',
  'conditions',
  'hostname',
  'targetRef',
  'nodeName',
  'zone',
  'hints',
  'deprecatedTopology',
  'topology',
]);
const CONDITION_FIELDS: ReadonlySet<string> = new Set(['ready', 'serving', 'terminating']);
const PORT_FIELDS: ReadonlySet<string> = new Set(['name', 'protocol', 'port', 'appProtocol']);

type AddressType = EndpointSlice['addressType'];
const ADDRESS_TYPES: readonly AddressType[] = ['IPv4', 'IPv6', 'FQDN'];

export function readEndpointSlice(root: Field, apiVersion: string): Parsed<EndpointSlice> | null {
  const scope = root.scope;
  const before = scope.errorCount;
  warnUnknownFields(root, TOP_FIELDS);
  const metadata = readMeta(root, { kind: 'EndpointSlice', namespaced: true, nameRule: 'dns1123-subdomain' });
  const labelField = child(child(child(root, 'metadata'), 'labels'), SERVICE_NAME_LABEL);
  const labelsPath = 'metadata.labels';
  const serviceName = metadata.labels[SERVICE_NAME_LABEL] ?? '';
  const labelAt: Field = { ...labelField, path: `${labelsPath}[${SERVICE_NAME_LABEL}]` };
  scope.lines.set(labelAt.path, labelAt.line);
  if (serviceName === '') {
    // kube-proxy cannot tell which Service such a slice belongs to and drops it; in a cluster
    // file that is always a mistake, so we refuse it rather than silently lose the endpoints.
    fail(labelAt, `expected the label ${SERVICE_NAME_LABEL} naming the slice's Service, got ${got(labelField)}`);
  } else {
    const bad = checkName(serviceName, 'dns1035-label');
    if (bad !== null) fail(labelAt, `expected ${bad} (a Service name), got ${JSON.stringify(serviceName)}`, { text: serviceName });
  }

  const typeField = child(root, 'addressType');
  const typeText = str(typeField, 'IPv4, IPv6 or FQDN');
  const addressType = ADDRESS_TYPES.find((t) => t === typeText);
  if (addressType === undefined && typeText !== undefined) fail(typeField, `expected IPv4, IPv6 or FQDN, got ${JSON.stringify(typeText)}`, { text: typeText });
  else if (typeText === undefined && !isSet(typeField)) fail(typeField, 'expected addressType IPv4, IPv6 or FQDN, got nothing');

  const beta = apiVersion.endsWith('/v1beta1');
  const endpoints = list(child(root, 'endpoints')).map((e) => readEndpoint(e, addressType, beta));
  const ports = readPorts(child(root, 'ports'));
  if (addressType === undefined) return null;
  return finish<EndpointSlice>(scope, before, root.line, {
    kind: 'EndpointSlice',
    metadata,
    source: { file: scope.file, line: root.line },
    serviceName,
    addressType,
    ports,
    endpoints: endpoints.filter((e): e is Endpoint => e !== null),
  });
}

function readEndpoint(f: Field, addressType: AddressType | undefined, beta: boolean): Endpoint | null {
  if (!expectMap(f)) return null;
  warnUnknownFields(f, ENDPOINT_FIELDS);
  const addressesField = child(f, 'addresses');
  const raw = stringList(addressesField);
  const n = addressesField.node;
  if (!isSet(addressesField)) fail(addressesField, 'expected at least one address in addresses, got nothing');
  else if (n?.kind === 'seq' && n.items.length === 0) fail(addressesField, 'expected at least one address in addresses, got an empty list');
  if (raw.length > MAX_ADDRESSES) fail(addressesField, `expected at most ${MAX_ADDRESSES} addresses, got ${raw.length}`);
  const addresses: string[] = [];
  for (const { value, field } of raw) {
    const a = readAddress(field, value, addressType);
    if (a !== undefined) addresses.push(a);
  }

  const conditions = child(f, 'conditions');
  expectMap(conditions);
  warnUnknownFields(conditions, CONDITION_FIELDS);
  const ready = bool(child(conditions, 'ready')) ?? true;
  const serving = bool(child(conditions, 'serving')) ?? true;
  const terminating = bool(child(conditions, 'terminating')) ?? false;

  let nodeName = str(child(f, 'nodeName')) ?? '';
  let zone = str(child(f, 'zone')) ?? '';
  if (beta) {
    // v1beta1 kept these in a topology map; v1 moved them to fields (deprecatedTopology).
    const topology = child(f, 'topology');
    expectMap(topology);
    if (nodeName === '') nodeName = str(child(topology, TOPOLOGY_HOSTNAME)) ?? '';
    if (zone === '') zone = str(child(topology, TOPOLOGY_ZONE)) ?? '';
  }
  const hints = child(f, 'hints');
  expectMap(hints);
  const hintsForZones: string[] = [];
  for (const z of list(child(hints, 'forZones'))) {
    if (!expectMap(z)) continue;
    const name = str(child(z, 'name'));
    if (name !== undefined) hintsForZones.push(name);
  }
  return { addresses, conditions: { ready, serving, terminating }, nodeName, zone, hintsForZones };
}

function readAddress(field: Field, value: string, addressType: AddressType | undefined): string | undefined {
  switch (addressType) {
    case undefined:
      return undefined;
    case 'IPv4': {
      const ip = readIp(value);
      if (ip.kind === 'ipv4') return ip.text;
      fail(field, `expected an IPv4 address (addressType is IPv4), got ${JSON.stringify(value)}`, { text: value });
      return undefined;
    }
    case 'IPv6': {
      const ip = readIp(value);
      if (ip.kind === 'ipv6') return value.toLowerCase();
      fail(field, `expected an IPv6 address (addressType is IPv6), got ${JSON.stringify(value)}`, { text: value });
      return undefined;
    }
    case 'FQDN': {
      const bad = checkName(value, 'dns1123-subdomain');
      if (bad === null) return value;
      fail(field, `expected ${bad} (addressType is FQDN), got ${JSON.stringify(value)}`, { text: value });
      return undefined;
    }
  }
}

function readPorts(f: Field): EndpointPort[] {
  const out: EndpointPort[] = [];
  const names = new Map<string, string>();
  for (const item of list(f)) {
    if (!expectMap(item)) continue;
    warnUnknownFields(item, PORT_FIELDS);
    const nameField = child(item, 'name');
    const name = str(nameField) ?? '';
    if (name !== '') {
      const bad = checkName(name, 'dns1123-label');
      if (bad !== null) fail(nameField, `expected ${bad}, got ${JSON.stringify(name)}`, { text: name });
    }
    const other = names.get(name);
    if (other !== undefined) fail(nameField, `duplicate port name ${JSON.stringify(name)} (${other} has it too)`, { text: name });
    else names.set(name, item.path);
    const protocol = readProtocol(child(item, 'protocol'));
    const port = int(child(item, 'port'), PORT_EXPECTATION, 1, 65535) ?? 0;
    if (protocol !== undefined) out.push({ name, protocol, port });
  }
  return out;
}
