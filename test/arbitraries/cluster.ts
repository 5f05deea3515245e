/**
 * fast-check arbitraries for whole clusters, as the Kubernetes objects kpemu loads: 1–3 nodes
 * with flannel pod subnets in 10.244.0.0/16, pods on them, Services of every type with 1–3 ports
 * over TCP/UDP/SCTP, external IPs, load-balancer ingress (VIP and Proxy) with source ranges,
 * traffic policies, ClientIP affinity, and EndpointSlices whose endpoints are ready, serving and
 * terminating, or not ready, local or remote — and sometimes no slice or no usable endpoint.
 *
 * The raw draw is a small "shape" of integers and flags, mapped to objects without `chain`, so
 * fast-check shrinks clusters well (fewer nodes, services, ports, endpoints). Addresses are fixed
 * functions of positions, so a shrunk cluster keeps readable, stable addresses:
 *   node i (1-based):   InternalIP 192.168.56.(10+i), podCIDR 10.244.i.0/24
 *   pod j on node i:    10.244.i.(10+j), `default/pod-i-j`
 *   service k:          ClusterIP 10.96.0.(10+k), external IPs 192.168.100.(10+k) and 192.168.101.(10+k),
 *                       LB ingress 192.168.200.(10+k), node ports 30000+10k+port index,
 *                       health-check node port 32000+k
 * External clients live outside the node segment (203.0.113.0/24, 198.51.100.0/24), so the
 * underlay gateway 192.168.56.1 is never one of them.
 */
import fc from 'fast-check';
import type { ClusterObjects, Endpoint, EndpointSlice, KubeProxyConfiguration, Node, Pod, Protocol, Service, ServicePort } from '../../src/kube/index.js';
import { parseIpv4 } from '../../src/addr/index.js';

const SOURCE = { file: '<generated>', line: 0 } as const;

export const CLUSTER_CIDR = '10.244.0.0/16';
/** Source ranges a LoadBalancer may restrict to: one holds the first external client, one every node, one the pods. */
export const SOURCE_RANGE_POOL = ['203.0.113.0/25', '198.51.100.0/24', '192.168.56.0/24', '10.244.0.0/16'] as const;
/** External clients: inside and outside 203.0.113.0/25, and one in 198.51.100.0/24. */
export const EXTERNAL_CLIENTS = ['203.0.113.2', '203.0.113.130', '198.51.100.7'] as const;
const SERVICE_PORTS = [80, 443, 53, 8080] as const;
const TARGET_PORTS = [8080, 9090, 53, 80] as const;

export type EndpointState = 'ready' | 'serving-terminating' | 'terminating' | 'not-ready';
export type GenServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName' | 'Headless';

interface PortShape {
  readonly port: number;
  readonly protocol: Protocol;
  readonly target: number;
}

interface EndpointShape {
  /** Index into the cluster's pods (modulo their number). */
  readonly pod: number;
  readonly state: EndpointState;
  /** Whether the slice names the endpoint's node (kube-proxy treats an unnamed one as remote). */
  readonly named: boolean;
}

interface ServiceShape {
  readonly type: GenServiceType;
  readonly ports: readonly PortShape[];
  readonly externalIPs: number;
  readonly ingress: 'none' | 'vip' | 'proxy';
  readonly sourceRanges: readonly string[];
  readonly etpLocal: boolean;
  readonly itpLocal: boolean;
  /** 0 = no affinity, else ClientIP with this timeout in seconds. */
  readonly affinity: number;
  readonly slice: { readonly endpoints: readonly EndpointShape[]; readonly missingPort: number | null } | null;
}

export interface ClusterShape {
  readonly podsPerNode: readonly number[];
  readonly masqueradeAll: boolean;
  readonly localhostNodePorts: boolean;
  readonly detectLocalMode: 'ClusterCIDR' | 'NodeCIDR';
  readonly services: readonly ServiceShape[];
}

export interface GenNode {
  readonly name: string;
  readonly ip: number;
  readonly podNetwork: number;
  /** cni0's address (first of the pod subnet). */
  readonly gateway: number;
  /** flannel.1's address (the pod subnet's network address). */
  readonly vtep: number;
}

export interface GenPod {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly ip: number;
}

/** A generated cluster: the objects, plus the positions the generator chose (for traffic and models). */
export interface GenCluster {
  readonly objects: ClusterObjects;
  readonly nodes: readonly GenNode[];
  readonly pods: readonly GenPod[];
}

const endpointShapeArb: fc.Arbitrary<EndpointShape> = fc.record({
  pod: fc.nat({ max: 8 }),
  state: fc.oneof(
    { weight: 6, arbitrary: fc.constant<EndpointState>('ready') },
    { weight: 2, arbitrary: fc.constant<EndpointState>('serving-terminating') },
    { weight: 1, arbitrary: fc.constant<EndpointState>('terminating') },
    { weight: 1, arbitrary: fc.constant<EndpointState>('not-ready') },
  ),
  named: fc.oneof({ weight: 8, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

const portShapeArb: fc.Arbitrary<PortShape> = fc.record({
  port: fc.constantFrom(...SERVICE_PORTS),
  protocol: fc.oneof({ weight: 3, arbitrary: fc.constant<Protocol>('TCP') }, { weight: 2, arbitrary: fc.constant<Protocol>('UDP') }, { weight: 1, arbitrary: fc.constant<Protocol>('SCTP') }),
  target: fc.constantFrom(...TARGET_PORTS),
});

const serviceShapeArb: fc.Arbitrary<ServiceShape> = fc.record({
  type: fc.oneof(
    { weight: 4, arbitrary: fc.constant<GenServiceType>('ClusterIP') },
    { weight: 3, arbitrary: fc.constant<GenServiceType>('NodePort') },
    { weight: 3, arbitrary: fc.constant<GenServiceType>('LoadBalancer') },
    { weight: 1, arbitrary: fc.constant<GenServiceType>('ExternalName') },
    { weight: 1, arbitrary: fc.constant<GenServiceType>('Headless') },
  ),
  ports: fc.array(portShapeArb, { minLength: 1, maxLength: 3 }),
  externalIPs: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 }) }),
  ingress: fc.oneof({ weight: 1, arbitrary: fc.constant<'none'>('none') }, { weight: 4, arbitrary: fc.constant<'vip'>('vip') }, { weight: 1, arbitrary: fc.constant<'proxy'>('proxy') }),
  sourceRanges: fc.oneof({ weight: 2, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray([...SOURCE_RANGE_POOL], { minLength: 1, maxLength: 2 }) }),
  etpLocal: fc.boolean(),
  itpLocal: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  affinity: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(10, 60, 10800) }),
  slice: fc.oneof(
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 6,
      arbitrary: fc.record({
        endpoints: fc.array(endpointShapeArb, { maxLength: 4 }),
        missingPort: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat({ max: 2 }) }),
      }),
    },
  ),
});

export interface ClusterArbOptions {
  readonly minNodes?: number;
  readonly maxNodes?: number;
  readonly maxServices?: number;
}

/** The raw shape; `clusterArb` maps it to objects. */
export function clusterShapeArb(o: ClusterArbOptions = {}): fc.Arbitrary<ClusterShape> {
  return fc.record({
    podsPerNode: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: o.minNodes ?? 1, maxLength: o.maxNodes ?? 3 }),
    masqueradeAll: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
    localhostNodePorts: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    detectLocalMode: fc.oneof({ weight: 3, arbitrary: fc.constant<'ClusterCIDR'>('ClusterCIDR') }, { weight: 1, arbitrary: fc.constant<'NodeCIDR'>('NodeCIDR') }),
    services: fc.array(serviceShapeArb, { minLength: 1, maxLength: o.maxServices ?? 4 }),
  });
}

/** Random clusters as kube objects. */
export function clusterArb(o: ClusterArbOptions = {}): fc.Arbitrary<GenCluster> {
  return clusterShapeArb(o).map(buildCluster);
}

function meta(namespace: string, name: string, labels: Record<string, string> = {}) {
  return { name, namespace, labels, annotations: {} };
}

const ip4 = (text: string): number => parseIpv4(text);

/** Turns a shape into objects. Deterministic: the same shape always gives the same cluster. */
export function buildCluster(shape: ClusterShape): GenCluster {
  const nodes: GenNode[] = [];
  const nodeObjects: Node[] = [];
  const pods: GenPod[] = [];
  const podObjects: Pod[] = [];
  shape.podsPerNode.forEach((count, i) => {
    const n = i + 1;
    const name = `node-${n}`;
    const cidr = `10.244.${n}.0/24`;
    nodes.push({ name, ip: ip4(`192.168.56.${10 + n}`), podNetwork: ip4(`10.244.${n}.0`), gateway: ip4(`10.244.${n}.1`), vtep: ip4(`10.244.${n}.0`) });
    nodeObjects.push({ kind: 'Node', metadata: meta('', name), source: SOURCE, internalIPs: [`192.168.56.${10 + n}`], externalIPs: [], podCIDR: cidr, podCIDRs: [cidr] });
    for (let j = 0; j < count; j++) {
      const pod: GenPod = { namespace: 'default', name: `pod-${n}-${j}`, node: name, ip: ip4(`10.244.${n}.${10 + j}`) };
      pods.push(pod);
      podObjects.push({ kind: 'Pod', metadata: meta('default', pod.name, { app: 'gen' }), source: SOURCE, nodeName: name, hostNetwork: false, podIP: `10.244.${n}.${10 + j}`, containerPorts: [] });
    }
  });

  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  shape.services.forEach((s, k) => {
    const svc = buildService(s, k);
    services.push(svc);
    const slice = buildSlice(s, svc, pods);
    if (slice !== null) slices.push(slice);
  });

  const proxyConfig: KubeProxyConfiguration = {
    kind: 'KubeProxyConfiguration',
    source: null,
    mode: 'iptables',
    clusterCIDR: CLUSTER_CIDR,
    detectLocalMode: shape.detectLocalMode,
    detectLocal: { bridgeInterface: '', interfaceNamePrefix: '' },
    masqueradeAll: shape.masqueradeAll,
    masqueradeBit: 14,
    localhostNodePorts: shape.localhostNodePorts,
    nodePortAddresses: [],
    minSyncPeriodSeconds: 1,
    syncPeriodSeconds: 30,
    ipvs: { scheduler: '', strictARP: false, excludeCIDRs: [], tcpTimeoutSeconds: 0, tcpFinTimeoutSeconds: 0, udpTimeoutSeconds: 0 },
    conntrackTcpBeLiberal: false,
  };
  return {
    objects: { services, endpointSlices: slices, nodes: nodeObjects, pods: podObjects, proxyConfig, flannel: null, skipped: {}, warnings: [] },
    nodes,
    pods,
  };
}

/** Ports unique by (port, protocol); named when there are several (the API server requires it). */
function uniquePorts(ports: readonly PortShape[]): PortShape[] {
  const seen = new Set<string>();
  return ports.filter((p) => {
    const key = `${p.port}/${p.protocol}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function servicePortName(p: { port: number; protocol: Protocol }, count: number): string {
  return count === 1 ? '' : `p${p.port}-${p.protocol.toLowerCase()}`;
}

function buildService(s: ServiceShape, k: number): Service {
  const name = `svc-${k}`;
  const external = s.type === 'NodePort' || s.type === 'LoadBalancer';
  const proxied = s.type !== 'ExternalName' && s.type !== 'Headless';
  const shapes = uniquePorts(s.ports);
  const ports: ServicePort[] = shapes.map((p, i) => ({
    name: servicePortName(p, shapes.length),
    protocol: p.protocol,
    port: p.port,
    targetPort: p.target,
    nodePort: external ? 30000 + 10 * k + i : 0,
  }));
  const externalIPs = proxied ? [`192.168.100.${10 + k}`, `192.168.101.${10 + k}`].slice(0, s.externalIPs) : [];
  const lb = s.type === 'LoadBalancer';
  const etpLocal = external && s.etpLocal;
  return {
    kind: 'Service',
    metadata: meta('default', name),
    source: SOURCE,
    spec: {
      type: s.type === 'Headless' ? 'ClusterIP' : s.type,
      clusterIP: s.type === 'ExternalName' ? '' : s.type === 'Headless' ? 'None' : `10.96.0.${10 + k}`,
      ports: s.type === 'ExternalName' ? [] : ports,
      selector: s.type === 'ExternalName' ? {} : { app: name },
      externalIPs,
      loadBalancerSourceRanges: lb ? [...s.sourceRanges] : [],
      externalTrafficPolicy: etpLocal ? 'Local' : 'Cluster',
      internalTrafficPolicy: s.itpLocal && proxied ? 'Local' : 'Cluster',
      sessionAffinity: s.affinity > 0 && proxied ? 'ClientIP' : 'None',
      sessionAffinityTimeoutSeconds: s.affinity > 0 && proxied ? s.affinity : 0,
      healthCheckNodePort: lb && etpLocal ? 32000 + k : 0,
      externalName: s.type === 'ExternalName' ? `svc-${k}.example.com` : '',
    },
    status: { loadBalancerIngress: lb && s.ingress !== 'none' ? [{ ip: `192.168.200.${10 + k}`, ipMode: s.ingress === 'proxy' ? 'Proxy' : 'VIP' }] : [] },
  };
}

const CONDITIONS: Readonly<Record<EndpointState, Endpoint['conditions']>> = {
  ready: { ready: true, serving: true, terminating: false },
  'serving-terminating': { ready: false, serving: true, terminating: true },
  terminating: { ready: false, serving: false, terminating: true },
  'not-ready': { ready: false, serving: false, terminating: false },
};

function buildSlice(s: ServiceShape, svc: Service, pods: readonly GenPod[]): EndpointSlice | null {
  if (s.slice === null || svc.spec.type === 'ExternalName') return null;
  const ports = svc.spec.ports
    .filter((_, i) => i !== s.slice?.missingPort)
    .map((p) => ({ name: p.name, protocol: p.protocol, port: typeof p.targetPort === 'number' ? p.targetPort : p.port }));
  const used = new Set<number>();
  const endpoints: Endpoint[] = [];
  for (const e of s.slice.endpoints) {
    const pod = pods[e.pod % pods.length] as GenPod;
    if (used.has(pod.ip)) continue;
    used.add(pod.ip);
    endpoints.push({
      addresses: [formatAddr(pod.ip)],
      conditions: CONDITIONS[e.state],
      nodeName: e.named ? pod.node : '',
      zone: '',
      hintsForZones: [],
    });
  }
  const name = svc.metadata.name;
  return {
    kind: 'EndpointSlice',
    metadata: meta('default', `${name}-abcde`, { 'kubernetes.io/service-name': name }),
    source: SOURCE,
    serviceName: name,
    addressType: 'IPv4',
    ports,
    endpoints,
  };
}

function formatAddr(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}
