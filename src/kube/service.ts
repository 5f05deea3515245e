import type { LoadBalancerIngress, Protocol, Service, ServicePort, ServiceType, TrafficPolicy } from './types.js';
import { readIp } from './addresses.js';
import { finish, readCidrField, readIpField, readPort, readProtocol, PORT_EXPECTATION, type Parsed } from './fields.js';
import { readMeta } from './meta.js';
import { checkName, IANA_SVC_NAME_EXPECTATION, isIanaSvcName } from './names.js';
import { bool, child, expectMap, fail, got, int, isSet, list, str, stringList, stringMap, warn, warnUnknownFields, type Field } from './reader.js';

/**
 * v1 Service: defaults as the API server applies them, validation as `ValidateService` does,
 * and kube-proxy's reading where it differs (fields it ignores are warnings, not errors).
 */

const TOP_FIELDS: ReadonlySet<string> = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
const SPEC_FIELDS: ReadonlySet<string> = new Set([
  'ports',
  'selector',
  'clusterIP',
  'clusterIPs',
  'type',
  'externalIPs',
  'sessionAffinity',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'externalName',
  'externalTrafficPolicy',
  'healthCheckNodePort',
  'publishNotReadyAddresses',
  'sessionAffinityConfig',
  'ipFamilies',
  'ipFamilyPolicy',
  'allocateLoadBalancerNodePorts',
  'loadBalancerClass',
  'internalTrafficPolicy',
  'trafficDistribution',
]);
const PORT_FIELDS: ReadonlySet<string> = new Set(['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort']);

const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const POLICIES: readonly TrafficPolicy[] = ['Cluster', 'Local'];

/** kube-proxy's default ClientIP affinity: 3 hours. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10800;
const MAX_AFFINITY_TIMEOUT_SECONDS = 86400;

/** Reads a Service; null when it has hard errors (already recorded in the scope). */
export function readService(root: Field): Parsed<Service> | null {
  const scope = root.scope;
  const before = scope.errorCount;
  warnUnknownFields(root, TOP_FIELDS);
  const metadata = readMeta(root, { kind: 'Service', namespaced: true, nameRule: 'dns1035-label' });
  const spec = child(root, 'spec');
  expectMap(spec);
  warnUnknownFields(spec, SPEC_FIELDS);

  const type = readServiceType(child(spec, 'type'));
  const clusterIP = readClusterIP(spec, type);
  const externalIPs = readExternalIPs(child(spec, 'externalIPs'));
  const ports = readPorts(spec, type, clusterIP);
  const loadBalancerSourceRanges = readSourceRanges(child(spec, 'loadBalancerSourceRanges'), type);

  // Without a known type, type-dependent checks would only add confusing follow-up errors.
  const externallyAccessible = type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && externalIPs.length > 0);
  const externalTrafficPolicy = readPolicy(child(spec, 'externalTrafficPolicy'), type === undefined || externallyAccessible);
  const internalTrafficPolicy = readPolicy(child(spec, 'internalTrafficPolicy'), true);
  const healthCheckNodePort = readHealthCheckNodePort(child(spec, 'healthCheckNodePort'), type, externalTrafficPolicy);
  const { sessionAffinity, sessionAffinityTimeoutSeconds } = readAffinity(spec);
  const externalName = readExternalName(child(spec, 'externalName'), type);
  const loadBalancerIngress = readIngress(child(child(child(root, 'status'), 'loadBalancer'), 'ingress'), type);

  // An unknown type was recorded as an error already.
  if (type === undefined) return null;
  return finish<Service>(scope, before, root.line, {
    kind: 'Service',
    metadata,
    source: { file: scope.file, line: root.line },
    spec: {
      type,
      clusterIP,
      ports,
      selector: stringMap(child(spec, 'selector')),
      externalIPs,
      loadBalancerSourceRanges,
      externalTrafficPolicy,
      internalTrafficPolicy,
      sessionAffinity,
      sessionAffinityTimeoutSeconds,
      healthCheckNodePort,
      externalName,
    },
    status: { loadBalancerIngress },
  });
}

function readServiceType(f: Field): ServiceType | undefined {
  const text = str(f, 'ClusterIP, NodePort, LoadBalancer or ExternalName');
  if (text === undefined) return isSet(f) ? undefined : 'ClusterIP';
  if (text === '') return 'ClusterIP';
  const found = SERVICE_TYPES.find((t) => t === text);
  if (found === undefined) fail(f, `expected ClusterIP, NodePort, LoadBalancer or ExternalName, got ${JSON.stringify(text)}`, { text });
  return found;
}

/** `clusterIP` (or the first of `clusterIPs`): canonical IPv4, 'None' (headless), or '' (unset). */
function readClusterIP(spec: Field, type: ServiceType | undefined): string {
  const ipField = child(spec, 'clusterIP');
  const ipsField = child(spec, 'clusterIPs');
  const ips = stringList(ipsField);
  let text = str(ipField) ?? '';
  let field = ipField;
  const first = ips[0];
  if (text === '' && first !== undefined) {
    text = first.value;
    field = first.field;
  } else if (first !== undefined && first.value !== text && !sameIp(first.value, text)) {
    fail(
      first.field,
      `expected spec.clusterIPs[0] to equal spec.clusterIP (${JSON.stringify(text)}), got ${JSON.stringify(first.value)}`,
      { text: first.value },
    );
  }
  for (const extra of ips.slice(1)) {
    // Dual-stack Services list their IPv6 address second; kpemu's IPv4 proxiers ignore it.
    if (readIp(extra.value).kind === 'invalid') fail(extra.field, `expected an IP address, got ${JSON.stringify(extra.value)}`, { text: extra.value });
  }
  if (type === 'ExternalName') {
    if (text !== '') fail(field, `expected no clusterIP for an ExternalName Service, got ${JSON.stringify(text)}`, { text });
    return '';
  }
  if (text === 'None') {
    if (type === 'NodePort' || type === 'LoadBalancer') {
      fail(field, `expected an IPv4 address: a ${type} Service cannot be headless (clusterIP "None")`, { text });
    }
    return 'None';
  }
  if (text === '') {
    warn(field, 'spec.clusterIP is not set: the API server would allocate one; kube-proxy ignores a Service without a cluster IP');
    return '';
  }
  const ip = readIp(text);
  switch (ip.kind) {
    case 'ipv4':
      return ip.text;
    case 'ipv6':
      fail(field, `expected an IPv4 address, got IPv6 ${JSON.stringify(text)} (kpemu emulates IPv4 only)`, { text });
      return '';
    case 'invalid':
      fail(field, `expected an IPv4 address or "None", got ${JSON.stringify(text)}`, { text });
      return '';
  }
}

function sameIp(a: string, b: string): boolean {
  const x = readIp(a);
  const y = readIp(b);
  return x.kind === 'ipv4' && y.kind === 'ipv4' && x.value === y.value;
}

function readPorts(spec: Field, type: ServiceType | undefined, clusterIP: string): ServicePort[] {
  const portsField = child(spec, 'ports');
  const items = list(portsField);
  if (items.length === 0 && type !== undefined && type !== 'ExternalName' && clusterIP !== 'None') {
    fail(portsField, `expected at least one port in spec.ports, got ${got(portsField)}`);
  }
  const allocateNodePorts = bool(child(spec, 'allocateLoadBalancerNodePorts')) ?? true;
  const names = new Map<string, string>();
  const portKeys = new Map<string, string>();
  const nodePortKeys = new Map<string, string>();
  const out: ServicePort[] = [];
  for (const item of items) {
    if (!expectMap(item)) continue;
    warnUnknownFields(item, PORT_FIELDS);
    const nameField = child(item, 'name');
    const name = str(nameField) ?? '';
    if (name !== '') {
      const bad = checkName(name, 'dns1123-label');
      if (bad !== null) fail(nameField, `expected ${bad}, got ${JSON.stringify(name)}`, { text: name });
      const other = names.get(name);
      if (other !== undefined) fail(nameField, `duplicate port name ${JSON.stringify(name)} (${other} has it too)`, { text: name });
      else names.set(name, item.path);
    } else if (items.length > 1) {
      fail(nameField, 'expected a port name: every port of a multi-port Service must be named');
    }
    const protocol = readProtocol(child(item, 'protocol'));
    const portField = child(item, 'port');
    const port = readPort(portField, true);
    const targetPort = readTargetPort(child(item, 'targetPort'), port);
    const nodePortField = child(item, 'nodePort');
    const nodePort = int(nodePortField, `${PORT_EXPECTATION} (or 0 for none)`, 0, 65535) ?? 0;
    if (nodePort !== 0 && (type === 'ClusterIP' || type === 'ExternalName')) {
      fail(nodePortField, `expected no nodePort for a ${type} Service (node ports need type NodePort or LoadBalancer), got ${nodePort}`, {
        text: String(nodePort),
      });
    } else if (nodePort === 0 && !isSet(nodePortField) && (type === 'NodePort' || (type === 'LoadBalancer' && allocateNodePorts))) {
      warn(nodePortField, 'nodePort is not set: the API server would allocate one from 30000-32767; kpemu leaves it 0, so this port gets no NodePort rules');
    }
    if (protocol === undefined || port === undefined) continue;
    const key = `${port}/${protocol}`;
    const other = portKeys.get(key);
    if (other !== undefined) fail(portField, `duplicate port ${key} (${other} has it too)`, { text: String(port) });
    else portKeys.set(key, item.path);
    if (nodePort !== 0) {
      const npKey = `${nodePort}/${protocol}`;
      const npOther = nodePortKeys.get(npKey);
      if (npOther !== undefined) fail(nodePortField, `duplicate nodePort ${npKey} (${npOther} has it too)`, { text: String(nodePort) });
      else nodePortKeys.set(npKey, item.path);
    }
    out.push({ name, protocol: protocol satisfies Protocol, port, targetPort, nodePort });
  }
  return out;
}

/** `targetPort`: a number, a named container port, or (0 / "" / absent) the port itself. */
function readTargetPort(f: Field, port: number | undefined): number | string {
  const fallback = port ?? 0;
  if (!isSet(f)) return fallback;
  const n = f.node;
  const expected = `${PORT_EXPECTATION} or ${IANA_SVC_NAME_EXPECTATION}`;
  if (n?.kind === 'scalar' && typeof n.value === 'number') {
    if (n.value === 0) return fallback;
    return int(f, expected, 1, 65535) ?? fallback;
  }
  if (n?.kind === 'scalar' && typeof n.value === 'string') {
    if (n.value === '') return fallback;
    if (isIanaSvcName(n.value)) return n.value;
    fail(f, `expected ${expected}, got ${JSON.stringify(n.value)}`, { text: n.value });
    return fallback;
  }
  fail(f, `expected ${expected}, got ${got(f)}`);
  return fallback;
}

/** Addresses that may not be external IPs (the API server's ValidateNonSpecialIP). */
function specialIpv4(value: number): string | null {
  if (value === 0) return 'unspecified';
  if (value >>> 24 === 127) return 'loopback';
  if (value >>> 16 === 0xa9fe) return 'link-local';
  if (value >>> 8 === 0xe00000) return 'link-local multicast';
  return null;
}

function readExternalIPs(f: Field): string[] {
  const out: string[] = [];
  for (const { value, field } of stringList(f)) {
    const ip = readIp(value);
    switch (ip.kind) {
      case 'ipv4': {
        const special = specialIpv4(ip.value);
        if (special === null) out.push(ip.text);
        else fail(field, `expected an external IP that is not unspecified, loopback or link-local, got ${special} ${JSON.stringify(value)}`, { text: value });
        break;
      }
      case 'ipv6':
        warn(field, `IPv6 external IP ${JSON.stringify(value)} is ignored (kpemu emulates IPv4 only)`, { text: value });
        break;
      case 'invalid':
        fail(field, `expected an IPv4 address, got ${JSON.stringify(value)}`, { text: value });
        break;
      default:
        ip satisfies never;
    }
  }
  return out;
}

function readSourceRanges(f: Field, type: ServiceType | undefined): string[] {
  const items = list(f);
  if (items.length > 0 && type !== undefined && type !== 'LoadBalancer') {
    fail(f, `expected no loadBalancerSourceRanges for a ${type} Service (they apply to type LoadBalancer only)`);
    return [];
  }
  const out: string[] = [];
  for (const item of items) {
    // The API server and kube-proxy trim each range: " 203.0.113.0/25" is accepted.
    const cidr = readCidrField(item, { trim: true });
    if (cidr?.kind === 'ipv4') out.push(cidr.text);
  }
  return out;
}

/**
 * externalTrafficPolicy / internalTrafficPolicy. `applies` is false only for an external policy
 * on a Service that is not reachable from outside, which kube-proxy ignores.
 */
function readPolicy(f: Field, applies: boolean): TrafficPolicy {
  const text = str(f, 'Cluster or Local');
  if (text === undefined || text === '') return 'Cluster';
  const found = POLICIES.find((p) => p === text);
  if (found === undefined) {
    fail(f, `expected Cluster or Local, got ${JSON.stringify(text)}`, { text });
    return 'Cluster';
  }
  if (!applies) {
    warn(f, `${f.path.slice(f.path.lastIndexOf('.') + 1)} is ignored: it only applies to NodePort and LoadBalancer Services and Services with externalIPs`, { text });
    return 'Cluster';
  }
  return found;
}

function readHealthCheckNodePort(f: Field, type: ServiceType | undefined, etp: TrafficPolicy): number {
  const value = int(f, `${PORT_EXPECTATION} (or 0 for none)`, 0, 65535) ?? 0;
  const needed = type === 'LoadBalancer' && etp === 'Local';
  if (value !== 0 && !needed) {
    // The API server rejects this, but kube-proxy's own tests build such Services and it simply
    // ignores the field; we do the same so that those fixtures load.
    warn(f, 'healthCheckNodePort is ignored: kube-proxy serves health checks only for LoadBalancer Services with externalTrafficPolicy Local', {
      text: String(value),
    });
    return 0;
  }
  if (value === 0 && needed) {
    warn(f, 'healthCheckNodePort is not set: the API server would allocate one; kpemu leaves it 0, so no health check port is served');
  }
  return value;
}

function readAffinity(spec: Field): { sessionAffinity: 'None' | 'ClientIP'; sessionAffinityTimeoutSeconds: number } {
  const f = child(spec, 'sessionAffinity');
  const text = str(f, 'None or ClientIP') ?? '';
  let sessionAffinity: 'None' | 'ClientIP' = 'None';
  if (text === 'ClientIP') sessionAffinity = 'ClientIP';
  else if (text !== '' && text !== 'None') fail(f, `expected None or ClientIP, got ${JSON.stringify(text)}`, { text });
  const config = child(spec, 'sessionAffinityConfig');
  expectMap(config);
  const clientIP = child(config, 'clientIP');
  expectMap(clientIP);
  const timeoutField = child(clientIP, 'timeoutSeconds');
  const timeout = int(timeoutField, `a number of seconds 1-${MAX_AFFINITY_TIMEOUT_SECONDS}`, 1, MAX_AFFINITY_TIMEOUT_SECONDS);
  if (sessionAffinity === 'None') {
    if (isSet(clientIP)) fail(clientIP, 'expected no sessionAffinityConfig.clientIP when sessionAffinity is None');
    return { sessionAffinity, sessionAffinityTimeoutSeconds: 0 };
  }
  return { sessionAffinity, sessionAffinityTimeoutSeconds: timeout ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS };
}

function readExternalName(f: Field, type: ServiceType | undefined): string {
  const text = str(f) ?? '';
  if (type !== 'ExternalName') return text;
  if (text === '') {
    fail(f, 'expected a DNS name in spec.externalName for an ExternalName Service, got nothing');
    return '';
  }
  // A trailing dot (fully qualified) is allowed.
  const bad = checkName(text.endsWith('.') ? text.slice(0, -1) : text, 'dns1123-subdomain');
  if (bad !== null) fail(f, `expected ${bad}, got ${JSON.stringify(text)}`, { text });
  return text;
}

function readIngress(f: Field, type: ServiceType | undefined): LoadBalancerIngress[] {
  const out: LoadBalancerIngress[] = [];
  const items = list(f);
  for (const item of items) {
    if (!expectMap(item)) continue;
    const ipField = child(item, 'ip');
    const modeField = child(item, 'ipMode');
    const ip = isSet(ipField) ? readIpField(ipField) : undefined;
    const modeText = str(modeField, 'VIP or Proxy');
    let ipMode: 'VIP' | 'Proxy' = 'VIP';
    if (modeText === 'Proxy') ipMode = 'Proxy';
    else if (modeText !== undefined && modeText !== 'VIP') fail(modeField, `expected VIP or Proxy, got ${JSON.stringify(modeText)}`, { text: modeText });
    if (modeText !== undefined && !isSet(ipField)) fail(modeField, 'expected ipMode only together with ip');
    // Hostname-only ingress points (cloud DNS names) carry no address kube-proxy could use.
    if (ip?.kind === 'ipv4') out.push({ ip: ip.text, ipMode });
  }
  if (out.length > 0 && type !== undefined && type !== 'LoadBalancer') {
    warn(f, `status.loadBalancer.ingress is ignored: kube-proxy only uses it for type LoadBalancer, not ${type}`);
    return [];
  }
  return out;
}
