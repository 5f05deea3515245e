import { KpemuError, prefixContains, type ErrorCode, type Prefix } from '../core/index.js';
import type { EndpointSlice, FlannelNetConf, KubeProxyConfiguration, Node, Pod, Service } from './types.js';
import { readCidr, readIp } from './addresses.js';
import type { Parsed } from './fields.js';
import type { ParsedObject } from './objects.js';
import type { Issues } from './reader.js';
import { SERVICE_NAME_LABEL } from './endpointslice.js';

/**
 * Checks between objects, the ones an API server's allocators and a node's components would
 * trip over: duplicate objects, a cluster IP or node port used twice, overlapping pod CIDRs,
 * pod IPs outside their node's range, pod CIDRs outside flannel's network. The later object of
 * a conflicting pair is refused (KUBE_CONFLICT); dangling references that kube-proxy tolerates
 * (a slice whose Service is missing) are warnings.
 */

export interface CheckedObjects {
  readonly services: Parsed<Service>[];
  readonly endpointSlices: Parsed<EndpointSlice>[];
  readonly nodes: Parsed<Node>[];
  readonly pods: Parsed<Pod>[];
  readonly proxyConfig: Parsed<KubeProxyConfiguration> | null;
  readonly flannel: Parsed<FlannelNetConf> | null;
}

export function checkCluster(objects: readonly ParsedObject[], issues: Issues): CheckedObjects {
  const report = new Reporter(issues);
  const services: Parsed<Service>[] = [];
  const endpointSlices: Parsed<EndpointSlice>[] = [];
  const nodes: Parsed<Node>[] = [];
  const pods: Parsed<Pod>[] = [];
  const configs: Parsed<KubeProxyConfiguration>[] = [];
  const flannels: Parsed<FlannelNetConf>[] = [];
  for (const o of objects) {
    switch (o.kind) {
      case 'Service':
        services.push(o.parsed);
        break;
      case 'EndpointSlice':
        endpointSlices.push(o.parsed);
        break;
      case 'Node':
        nodes.push(o.parsed);
        break;
      case 'Pod':
        pods.push(o.parsed);
        break;
      case 'KubeProxyConfiguration':
        configs.push(o.parsed);
        break;
      case 'FlannelNetConf':
        flannels.push(o.parsed);
        break;
      default:
        o satisfies never;
    }
  }

  const serviceKeys = new Map<string, Parsed<Service>>();
  const uniqueServices = dropDuplicates(services, 'Service', report, serviceKeys);
  const uniqueSlices = dropDuplicates(endpointSlices, 'EndpointSlice', report);
  const uniqueNodes = dropDuplicates(nodes, 'Node', report);
  const uniquePods = dropDuplicates(pods, 'Pod', report);
  const proxyConfig = single(configs, 'KubeProxyConfiguration', report);
  const flannel = single(flannels, 'flannel net-conf.json ConfigMap', report);

  const checkedNodes = checkNodes(uniqueNodes, flannel, proxyConfig, report);
  return {
    services: checkServices(uniqueServices, report),
    endpointSlices: checkSlices(uniqueSlices, serviceKeys, report),
    nodes: checkedNodes,
    pods: checkPods(uniquePods, uniqueNodes, report),
    proxyConfig,
    flannel,
  };
}

class Reporter {
  constructor(private readonly issues: Issues) {}

  private location(p: Parsed<unknown>, field: string, text: string | undefined): { file: string; line: number; object: string; field?: string; text?: string } {
    const loc: { file: string; line: number; object: string; field?: string; text?: string } = {
      file: p.file,
      line: p.lines.get(field) ?? p.line,
      object: p.object,
    };
    if (field !== '') loc.field = field;
    if (text !== undefined) loc.text = text;
    return loc;
  }

  error(p: Parsed<unknown>, field: string, message: string, text?: string, code: ErrorCode = 'KUBE_CONFLICT'): void {
    this.issues.errors.push(new KpemuError(code, message, { location: this.location(p, field, text) }));
  }

  warn(p: Parsed<unknown>, field: string, message: string, text?: string): void {
    this.issues.warnings.push(new KpemuError('KUBE_CONFLICT', message, { location: this.location(p, field, text) }));
  }
}

function where(p: Parsed<unknown>): string {
  return `${p.file}:${p.line}`;
}

interface Named {
  readonly metadata: { readonly name: string; readonly namespace: string };
}

/** The objects without an earlier one of the same `namespace/name`; `seen` ends up holding them by that key. */
function dropDuplicates<T extends Named>(items: readonly Parsed<T>[], kind: string, report: Reporter, seen = new Map<string, Parsed<T>>()): Parsed<T>[] {
  const out: Parsed<T>[] = [];
  for (const p of items) {
    const key = `${p.value.metadata.namespace}/${p.value.metadata.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      report.error(p, 'metadata.name', `duplicate ${kind}: ${first.object} is already defined at ${where(first)}`, p.value.metadata.name);
      continue;
    }
    seen.set(key, p);
    out.push(p);
  }
  return out;
}

function single<T>(items: readonly Parsed<T>[], what: string, report: Reporter): Parsed<T> | null {
  const [first, ...rest] = items;
  if (first === undefined) return null;
  for (const p of rest) report.error(p, '', `duplicate ${what}: one is already defined at ${where(first)}; a cluster has one`);
  return first;
}

/** Cluster IPs and node ports come from cluster-wide allocators: each value has one owner. */
function checkServices(services: readonly Parsed<Service>[], report: Reporter): Parsed<Service>[] {
  const ips = new Map<string, Parsed<Service>>();
  const nodePorts = new Map<number, { owner: Parsed<Service>; field: string }>();
  const out: Parsed<Service>[] = [];
  for (const p of services) {
    const spec = p.value.spec;
    let ok = true;
    if (spec.clusterIP !== '' && spec.clusterIP !== 'None') {
      const other = ips.get(spec.clusterIP);
      if (other !== undefined) {
        report.error(p, 'spec.clusterIP', `cluster IP ${spec.clusterIP} is already allocated to ${other.object} (${where(other)})`, spec.clusterIP);
        ok = false;
      }
    }
    const claims: { value: number; field: string }[] = [];
    spec.ports.forEach((port, i) => {
      if (port.nodePort !== 0) claims.push({ value: port.nodePort, field: `spec.ports[${i}].nodePort` });
    });
    if (spec.healthCheckNodePort !== 0) claims.push({ value: spec.healthCheckNodePort, field: 'spec.healthCheckNodePort' });
    const mine = new Map<number, string>();
    for (const claim of claims) {
      const other = nodePorts.get(claim.value);
      if (other !== undefined) {
        report.error(
          p,
          claim.field,
          `node port ${claim.value} is already allocated to ${other.owner.object} (${where(other.owner)}, ${other.field})`,
          String(claim.value),
        );
        ok = false;
        continue;
      }
      // Two ports of one Service may share a node port across protocols; the health check port may not.
      const own = mine.get(claim.value);
      if (own !== undefined && (own === 'spec.healthCheckNodePort' || claim.field === 'spec.healthCheckNodePort')) {
        report.error(p, claim.field, `node port ${claim.value} is already used by ${own} of this Service`, String(claim.value));
        ok = false;
      }
      mine.set(claim.value, claim.field);
    }
    if (!ok) continue;
    ips.set(spec.clusterIP, p);
    for (const [value, field] of mine) nodePorts.set(value, { owner: p, field });
    out.push(p);
  }
  return out;
}

const SERVICE_LABEL_FIELD = `metadata.labels[${SERVICE_NAME_LABEL}]`;

/**
 * kube-proxy keeps a slice whose Service is missing (it may come later) but cannot use it.
 * `byName`: the unique Services by `namespace/name` (before the cluster IP and node port checks,
 * which refuse a Service but do not make its slices dangling).
 */
function checkSlices(slices: readonly Parsed<EndpointSlice>[], byName: ReadonlyMap<string, Parsed<Service>>, report: Reporter): Parsed<EndpointSlice>[] {
  const labelField = SERVICE_LABEL_FIELD;
  for (const p of slices) {
    const slice = p.value;
    const svc = byName.get(`${slice.metadata.namespace}/${slice.serviceName}`);
    if (svc === undefined) {
      report.warn(
        p,
        labelField,
        `Service ${slice.metadata.namespace}/${slice.serviceName} is not defined: kube-proxy keeps this slice but has nothing to send to it`,
        slice.serviceName,
      );
      continue;
    }
    const spec = svc.value.spec;
    if (spec.type === 'ExternalName' || spec.clusterIP === 'None') continue;
    slice.ports.forEach((port, j) => {
      const match = spec.ports.some((sp) => sp.name === port.name && sp.protocol === port.protocol);
      if (!match) {
        const known = spec.ports.map((sp) => `"${sp.name}"/${sp.protocol}`).join(', ');
        report.warn(
          p,
          `ports[${j}].name`,
          `port "${port.name}"/${port.protocol} matches no port of ${svc.object} (${known}); kube-proxy ignores it`,
          port.name,
        );
      }
    });
  }
  return [...slices];
}

function cidrPrefix(text: string): Prefix | null {
  const c = readCidr(text);
  return c.kind === 'ipv4' ? c.prefix : null;
}

/** True when `inner` lies entirely inside `outer`. */
function within(inner: Prefix, outer: Prefix): boolean {
  return inner.length >= outer.length && prefixContains(outer, inner.network);
}

function podCidrField(p: Parsed<Node>): string {
  return p.lines.has('spec.podCIDR') && p.value.podCIDR !== '' ? 'spec.podCIDR' : 'spec.podCIDRs[0]';
}

function checkNodes(
  nodes: readonly Parsed<Node>[],
  flannel: Parsed<FlannelNetConf> | null,
  proxyConfig: Parsed<KubeProxyConfiguration> | null,
  report: Reporter,
): Parsed<Node>[] {
  const network = flannel === null ? null : cidrPrefix(flannel.value.network);
  const config = proxyConfig?.value;
  const clusterCIDR = config !== undefined && config.detectLocalMode === 'ClusterCIDR' && config.clusterCIDR !== '' ? cidrPrefix(config.clusterCIDR) : null;
  const taken: { prefix: Prefix; owner: Parsed<Node> }[] = [];
  const out: Parsed<Node>[] = [];
  for (const p of nodes) {
    const node = p.value;
    const field = podCidrField(p);
    const prefix = node.podCIDR === '' ? null : cidrPrefix(node.podCIDR);
    if (prefix === null) {
      if (flannel !== null) {
        report.warn(p, 'spec.podCIDR', `Node ${node.metadata.name} has no spec.podCIDR: flanneld on it would fail with "pod cidr not assigned"`);
      }
      out.push(p);
      continue;
    }
    const clash = taken.find((t) => t.prefix.length <= prefix.length ? within(prefix, t.prefix) : within(t.prefix, prefix));
    if (clash !== undefined) {
      report.error(
        p,
        field,
        `pod CIDR ${node.podCIDR} overlaps ${clash.owner.object}'s ${clash.owner.value.podCIDR} (${where(clash.owner)}); each node needs its own range`,
        node.podCIDR,
      );
      continue;
    }
    if (flannel !== null && network !== null && !within(prefix, network)) {
      report.error(p, field, `expected a pod CIDR inside flannel's Network ${flannel.value.network} (${where(flannel)}), got ${node.podCIDR}`, node.podCIDR);
      continue;
    }
    if (proxyConfig !== null && clusterCIDR !== null && !within(prefix, clusterCIDR)) {
      report.warn(
        p,
        field,
        `pod CIDR ${node.podCIDR} is outside kube-proxy's clusterCIDR ${proxyConfig.value.clusterCIDR}: its pods' traffic will not be seen as local`,
        node.podCIDR,
      );
    }
    taken.push({ prefix, owner: p });
    out.push(p);
  }
  return out;
}

function checkPods(pods: readonly Parsed<Pod>[], nodes: readonly Parsed<Node>[], report: Reporter): Parsed<Pod>[] {
  const nodesByName = new Map<string, Parsed<Node>>();
  for (const n of nodes) nodesByName.set(n.value.metadata.name, n);
  const ips = new Map<string, Parsed<Pod>>();
  const out: Parsed<Pod>[] = [];
  for (const p of pods) {
    const pod = p.value;
    const node = pod.nodeName === '' ? undefined : nodesByName.get(pod.nodeName);
    if (pod.nodeName !== '' && node === undefined) {
      report.warn(p, 'spec.nodeName', `Node ${JSON.stringify(pod.nodeName)} is not defined: the pod has nowhere to run`, pod.nodeName);
    }
    if (pod.podIP === '') {
      out.push(p);
      continue;
    }
    if (node !== undefined && !podIpFits(p, node, report)) continue;
    if (!pod.hostNetwork) {
      const other = ips.get(pod.podIP);
      if (other !== undefined) {
        report.error(p, 'status.podIP', `pod IP ${pod.podIP} is already used by ${other.object} (${where(other)})`, pod.podIP);
        continue;
      }
      ips.set(pod.podIP, p);
    }
    out.push(p);
  }
  return out;
}

/** A pod's IP comes from its node's pod CIDR, or is one of the node's own for hostNetwork pods. */
function podIpFits(p: Parsed<Pod>, node: Parsed<Node>, report: Reporter): boolean {
  const pod = p.value;
  const n = node.value;
  if (pod.hostNetwork) {
    const own = [...n.internalIPs, ...n.externalIPs];
    if (own.length === 0 || own.includes(pod.podIP)) return true;
    report.error(p, 'status.podIP', `expected a hostNetwork pod's IP to be one of ${node.object}'s addresses (${own.join(', ')}), got ${pod.podIP}`, pod.podIP);
    return false;
  }
  const prefixes = n.podCIDRs.map(cidrPrefix).filter((x): x is Prefix => x !== null);
  if (prefixes.length === 0) return true;
  const ip = readIp(pod.podIP);
  if (ip.kind !== 'ipv4' || prefixes.some((pre) => prefixContains(pre, ip.value))) return true;
  report.error(p, 'status.podIP', `expected an IP inside ${node.object}'s pod CIDR ${n.podCIDRs.join(', ')} (${where(node)}), got ${pod.podIP}`, pod.podIP);
  return false;
}
