import type {
  Endpoint,
  EndpointPort,
  EndpointSlice,
  KubeProxyConfiguration,
  LoadBalancerIngress,
  Protocol,
  Service,
  ServicePort,
  ServiceType,
  TrafficPolicy,
} from '../../../src/kube/index.js';

/** Builders for the typed Kubernetes objects, filled with the defaults the loader would apply. */

export interface PortSpec {
  readonly name?: string;
  readonly protocol?: Protocol;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly nodePort?: number;
}

export interface ServiceSpec {
  readonly type?: ServiceType;
  readonly clusterIP: string;
  readonly ports: readonly PortSpec[];
  readonly externalIPs?: readonly string[];
  readonly loadBalancerSourceRanges?: readonly string[];
  readonly externalTrafficPolicy?: TrafficPolicy;
  readonly internalTrafficPolicy?: TrafficPolicy;
  readonly sessionAffinity?: 'None' | 'ClientIP';
  readonly sessionAffinityTimeoutSeconds?: number;
  readonly healthCheckNodePort?: number;
  readonly loadBalancerIngress?: readonly (string | LoadBalancerIngress)[];
}

export function makeService(namespace: string, name: string, spec: ServiceSpec): Service {
  const ports: ServicePort[] = spec.ports.map((p) => ({
    name: p.name ?? '',
    protocol: p.protocol ?? 'TCP',
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    nodePort: p.nodePort ?? 0,
  }));
  return {
    kind: 'Service',
    metadata: { name, namespace, labels: {}, annotations: {} },
    source: { file: 'test.yaml', line: 1 },
    spec: {
      type: spec.type ?? 'ClusterIP',
      clusterIP: spec.clusterIP,
      ports,
      selector: {},
      externalIPs: spec.externalIPs ?? [],
      loadBalancerSourceRanges: spec.loadBalancerSourceRanges ?? [],
      externalTrafficPolicy: spec.externalTrafficPolicy ?? 'Cluster',
      internalTrafficPolicy: spec.internalTrafficPolicy ?? 'Cluster',
      sessionAffinity: spec.sessionAffinity ?? 'None',
      sessionAffinityTimeoutSeconds: spec.sessionAffinityTimeoutSeconds ?? (spec.sessionAffinity === 'ClientIP' ? 10800 : 0),
      healthCheckNodePort: spec.healthCheckNodePort ?? 0,
      externalName: '',
    },
    status: {
      loadBalancerIngress: (spec.loadBalancerIngress ?? []).map((i) => (typeof i === 'string' ? { ip: i, ipMode: 'VIP' as const } : i)),
    },
  };
}

export interface EndpointSpec {
  readonly ip: string;
  readonly extraAddresses?: readonly string[];
  readonly nodeName?: string;
  readonly ready?: boolean;
  readonly serving?: boolean;
  readonly terminating?: boolean;
}

export interface SliceSpec {
  readonly service?: string;
  readonly addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  readonly ports: readonly { readonly name?: string; readonly protocol?: Protocol; readonly port: number }[];
  readonly endpoints: readonly EndpointSpec[];
}

export function makeSlice(namespace: string, name: string, spec: SliceSpec): EndpointSlice {
  const ports: EndpointPort[] = spec.ports.map((p) => ({ name: p.name ?? '', protocol: p.protocol ?? 'TCP', port: p.port }));
  const endpoints: Endpoint[] = spec.endpoints.map((e) => ({
    addresses: [e.ip, ...(e.extraAddresses ?? [])],
    conditions: { ready: e.ready ?? true, serving: e.serving ?? true, terminating: e.terminating ?? false },
    nodeName: e.nodeName ?? '',
    zone: '',
    hintsForZones: [],
  }));
  return {
    kind: 'EndpointSlice',
    metadata: { name, namespace, labels: {}, annotations: {} },
    source: { file: 'test.yaml', line: 1 },
    serviceName: spec.service ?? name,
    addressType: spec.addressType ?? 'IPv4',
    ports,
    endpoints,
  };
}

export function makeConfig(overrides: Partial<KubeProxyConfiguration> = {}): KubeProxyConfiguration {
  return {
    kind: 'KubeProxyConfiguration',
    source: null,
    mode: 'iptables',
    clusterCIDR: '10.0.0.0/8',
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
    ...overrides,
  };
}
