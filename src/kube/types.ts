/**
 * Kubernetes objects as kpemu uses them: loaded from YAML/JSON, validated, defaulted like the
 * API server and the components do, IP strings canonicalised. Field names follow the Kubernetes
 * API so that errors can name the path the user wrote.
 */

/** Where an object came from, for error messages. */
export interface ObjectSource {
  readonly file: string;
  /** 1-based line of the object's first line in `file`. */
  readonly line: number;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ServicePort {
  /** '' when unnamed. */
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  /** A number, or the name of a container port. */
  readonly targetPort: number | string;
  /** 0 when the port has no node port. */
  readonly nodePort: number;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
export type TrafficPolicy = 'Cluster' | 'Local';

export interface LoadBalancerIngress {
  readonly ip: string;
  /** 'VIP' (default) or 'Proxy'. */
  readonly ipMode: 'VIP' | 'Proxy';
}

export interface Service {
  readonly kind: 'Service';
  readonly metadata: ObjectMeta;
  readonly source: ObjectSource;
  readonly spec: {
    readonly type: ServiceType;
    /** Canonical IPv4 string, 'None' for headless, '' when unset (ExternalName). */
    readonly clusterIP: string;
    readonly ports: readonly ServicePort[];
    readonly selector: Readonly<Record<string, string>>;
    readonly externalIPs: readonly string[];
    /** Canonical CIDR strings, whitespace trimmed. */
    readonly loadBalancerSourceRanges: readonly string[];
    readonly externalTrafficPolicy: TrafficPolicy;
    readonly internalTrafficPolicy: TrafficPolicy;
    readonly sessionAffinity: 'None' | 'ClientIP';
    /** Seconds; 10800 by default when affinity is ClientIP. */
    readonly sessionAffinityTimeoutSeconds: number;
    /** 0 when not set. */
    readonly healthCheckNodePort: number;
    readonly externalName: string;
  };
  readonly status: { readonly loadBalancerIngress: readonly LoadBalancerIngress[] };
}

export interface EndpointConditions {
  /** Unset is read as true, as kube-proxy does. */
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

export interface Endpoint {
  readonly addresses: readonly string[];
  readonly conditions: EndpointConditions;
  /** '' when not set. */
  readonly nodeName: string;
  readonly zone: string;
  /** Names of zones in `hints.forZones`. */
  readonly hintsForZones: readonly string[];
}

export interface EndpointPort {
  readonly name: string;
  readonly protocol: Protocol;
  /** 0 when not set (the endpoint port is then unusable). */
  readonly port: number;
}

export interface EndpointSlice {
  readonly kind: 'EndpointSlice';
  readonly metadata: ObjectMeta;
  readonly source: ObjectSource;
  /** From the `kubernetes.io/service-name` label. */
  readonly serviceName: string;
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  readonly ports: readonly EndpointPort[];
  readonly endpoints: readonly Endpoint[];
}

export interface Node {
  readonly kind: 'Node';
  readonly metadata: ObjectMeta;
  readonly source: ObjectSource;
  readonly internalIPs: readonly string[];
  readonly externalIPs: readonly string[];
  /** Canonical CIDR, '' when not set. */
  readonly podCIDR: string;
  readonly podCIDRs: readonly string[];
}

export interface ContainerPort {
  readonly name: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface Pod {
  readonly kind: 'Pod';
  readonly metadata: ObjectMeta;
  readonly source: ObjectSource;
  readonly nodeName: string;
  readonly hostNetwork: boolean;
  /** '' when not assigned yet. */
  readonly podIP: string;
  readonly containerPorts: readonly ContainerPort[];
}

export type ProxyMode = 'iptables' | 'ipvs';
export type DetectLocalMode = 'ClusterCIDR' | 'NodeCIDR' | 'BridgeInterface' | 'InterfaceNamePrefix';

export interface KubeProxyConfiguration {
  readonly kind: 'KubeProxyConfiguration';
  readonly source: ObjectSource | null;
  readonly mode: ProxyMode;
  /** '' when not set. */
  readonly clusterCIDR: string;
  readonly detectLocalMode: DetectLocalMode;
  readonly detectLocal: { readonly bridgeInterface: string; readonly interfaceNamePrefix: string };
  readonly masqueradeAll: boolean;
  /** 0..31, default 14. */
  readonly masqueradeBit: number;
  readonly localhostNodePorts: boolean;
  /** CIDRs or the word 'primary'; empty = all addresses. */
  readonly nodePortAddresses: readonly string[];
  readonly minSyncPeriodSeconds: number;
  readonly syncPeriodSeconds: number;
  readonly ipvs: {
    /** '' is read as rr. */
    readonly scheduler: string;
    readonly strictARP: boolean;
    readonly excludeCIDRs: readonly string[];
    readonly tcpTimeoutSeconds: number;
    readonly tcpFinTimeoutSeconds: number;
    readonly udpTimeoutSeconds: number;
  };
  /** nf_conntrack_tcp_be_liberal: when true, kube-proxy omits the ctstate INVALID drop. */
  readonly conntrackTcpBeLiberal: boolean;
}

export interface FlannelBackend {
  readonly type: 'vxlan';
  /** Default 1. */
  readonly vni: number;
  /** Default 8472 (the Linux kernel's VXLAN port, not IANA's 4789). */
  readonly port: number;
  readonly directRouting: boolean;
  /** MTU override; 0 = underlay MTU − 50. */
  readonly mtu: number;
  readonly gbp: boolean;
  readonly learning: boolean;
}

export interface FlannelNetConf {
  readonly kind: 'FlannelNetConf';
  readonly source: ObjectSource;
  readonly network: string;
  readonly subnetLen: number;
  readonly subnetMin: string;
  readonly subnetMax: string;
  readonly enableIPv4: boolean;
  readonly backend: FlannelBackend;
}

/** Everything loaded from a cluster file (or several). */
export interface ClusterObjects {
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly nodes: readonly Node[];
  readonly pods: readonly Pod[];
  readonly proxyConfig: KubeProxyConfiguration;
  readonly flannel: FlannelNetConf | null;
  /** Objects of other kinds, counted by `apiVersion/kind`. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
}
