import { formatIpv4 } from '../core/index.js';
import type { EndpointSlice, KubeProxyConfiguration, Node, Service } from '../kube/index.js';

/** Options of the deterministic cluster generator used by benchmarks and scale tests. */
export interface SyntheticOptions {
  readonly services: number;
  readonly endpointsPerService: number;
  /** Every n-th service is a NodePort (0 = none). */
  readonly nodePortEvery?: number;
  /** Name of the node whose rules are computed; endpoints alternate between it and others. */
  readonly nodeName?: string;
}

const SOURCE = { file: '<generated>', line: 0 } as const;

function meta(namespace: string, name: string, labels: Record<string, string> = {}) {
  return { name, namespace, labels, annotations: {} };
}

/** ClusterIP of service i: 10.96.0.0/12 counted from 10.96.0.10 upwards. */
export function syntheticClusterIP(i: number): string {
  return formatIpv4((0x0a60000a + i) >>> 0);
}

/** Endpoint j of service i: consecutive addresses from 10.128.0.2, stepping over .0/.255. */
export function syntheticEndpointIP(i: number, j: number, perService: number): string {
  const n = i * perService + j;
  const third = Math.floor(n / 250);
  return formatIpv4((0x0a800000 + third * 256 + (n % 250) + 2) >>> 0);
}

/** Name of service i: `svc-000123` (zero-padded so names sort in creation order). */
export function syntheticServiceName(i: number): string {
  return `svc-${String(i).padStart(6, '0')}`;
}

/**
 * A kube-proxy-shaped cluster of `services` services with `endpointsPerService` ready endpoints
 * each (TCP port 80 → 8080), all deterministic, so every run and both proxy modes see the same
 * objects.
 */
export function syntheticCluster(o: SyntheticOptions): { services: Service[]; endpointSlices: EndpointSlice[]; nodes: Node[] } {
  const nodeName = o.nodeName ?? 'node-1';
  const services: Service[] = [];
  const slices: EndpointSlice[] = [];
  for (let i = 0; i < o.services; i++) services.push(syntheticService(i, o));
  for (let i = 0; i < o.services; i++) slices.push(syntheticSlice(i, o.endpointsPerService, nodeName));
  return { services, endpointSlices: slices, nodes: syntheticNodes(nodeName) };
}

/** The generator's three nodes: `first`, node-2 and node-3 at 192.168.56.11–13, pod CIDRs 10.244.{1,2,3}.0/24. */
export function syntheticNodes(first = 'node-1'): Node[] {
  return [first, 'node-2', 'node-3'].map((name, k) => ({
    kind: 'Node',
    metadata: meta('', name),
    source: SOURCE,
    internalIPs: [formatIpv4((0xc0a8380b + k) >>> 0)],
    externalIPs: [],
    podCIDR: `10.244.${k + 1}.0/24`,
    podCIDRs: [`10.244.${k + 1}.0/24`],
  }));
}

export function syntheticService(i: number, o: Pick<SyntheticOptions, 'nodePortEvery'>): Service {
  const nodePort = o.nodePortEvery !== undefined && o.nodePortEvery > 0 && i % o.nodePortEvery === 0 ? 30000 + (i % 2768) : 0;
  return {
    kind: 'Service',
    metadata: meta('bench', syntheticServiceName(i)),
    source: SOURCE,
    spec: {
      type: nodePort !== 0 ? 'NodePort' : 'ClusterIP',
      clusterIP: syntheticClusterIP(i),
      ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort }],
      selector: { app: syntheticServiceName(i) },
      externalIPs: [],
      loadBalancerSourceRanges: [],
      externalTrafficPolicy: 'Cluster',
      internalTrafficPolicy: 'Cluster',
      sessionAffinity: 'None',
      sessionAffinityTimeoutSeconds: 0,
      healthCheckNodePort: 0,
      externalName: '',
    },
    status: { loadBalancerIngress: [] },
  };
}

/** The slice of service i; `generation` shifts the endpoint addresses (an endpoint change). */
export function syntheticSlice(i: number, perService: number, nodeName: string, generation = 0): EndpointSlice {
  const name = syntheticServiceName(i);
  return {
    kind: 'EndpointSlice',
    metadata: meta('bench', `${name}-abcde`, { 'kubernetes.io/service-name': name }),
    source: SOURCE,
    serviceName: name,
    addressType: 'IPv4',
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    endpoints: Array.from({ length: perService }, (_, j) => ({
      addresses: [generation === 0 ? syntheticEndpointIP(i, j, perService) : formatIpv4((0x0b000000 + i * 16 + j + generation * 4) >>> 0)],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: j % 3 === 0 ? nodeName : `node-${(j % 3) + 1}`,
      zone: '',
      hintsForZones: [],
    })),
  };
}

export const SYNTHETIC_PROXY_CONFIG: Omit<KubeProxyConfiguration, 'mode'> = {
  kind: 'KubeProxyConfiguration',
  source: null,
  clusterCIDR: '10.244.0.0/16',
  detectLocalMode: 'ClusterCIDR',
  detectLocal: { bridgeInterface: '', interfaceNamePrefix: '' },
  masqueradeAll: false,
  masqueradeBit: 14,
  localhostNodePorts: true,
  nodePortAddresses: [],
  minSyncPeriodSeconds: 1,
  syncPeriodSeconds: 30,
  ipvs: { scheduler: '', strictARP: false, excludeCIDRs: [], tcpTimeoutSeconds: 0, tcpFinTimeoutSeconds: 0, udpTimeoutSeconds: 0 },
  conntrackTcpBeLiberal: false,
};
