import { formatIpv4, formatPrefix, type Prefix } from '../../core/index.js';
import { parseIpv4Sloppy } from '../../addr/index.js';
import { parseCidrSloppy } from './cidr.js';
import type { Protocol, Service } from '../../kube/index.js';
import { servicePortNameString, type ServicePortName } from './service-port-name.js';
import type { WarningSink } from './warnings.js';

export type SessionAffinity = { readonly kind: 'None' } | { readonly kind: 'ClientIP'; readonly timeoutSeconds: number };

/**
 * Everything a proxier needs about one port of one Service, derived the way kube-proxy's
 * service change tracker derives it: addresses canonical and filtered to IPv4, source ranges
 * trimmed and normalised, LB ingress IPs of ipMode Proxy left out, the health-check node port
 * only where kube-proxy serves one. Plain data: it is compared between syncs to detect changes.
 */
export interface ServicePortInfo {
  readonly name: ServicePortName;
  /** `ns/name:port` (see servicePortNameString). */
  readonly nameString: string;
  readonly protocol: Protocol;
  readonly clusterIP: string;
  readonly port: number;
  readonly targetPort: number | string;
  /** 0 when the port has no node port. */
  readonly nodePort: number;
  /** Non-zero only for LoadBalancer Services with externalTrafficPolicy Local. */
  readonly healthCheckNodePort: number;
  readonly externalIPs: readonly string[];
  /** LB ingress IPs that behave as VIPs (ipMode VIP), in status order. */
  readonly loadBalancerVIPs: readonly string[];
  /** Empty when unset or when any range is a /0 (which allows everyone anyway). */
  readonly loadBalancerSourceRanges: readonly Prefix[];
  readonly sessionAffinity: SessionAffinity;
  /** externalTrafficPolicy Local on a NodePort or LoadBalancer Service. */
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
}

/** Reachable from outside the cluster through a node port, an LB VIP or an externalIP. */
export function externallyAccessible(info: ServicePortInfo): boolean {
  return info.nodePort !== 0 || info.loadBalancerVIPs.length > 0 || info.externalIPs.length > 0;
}

/**
 * Needs the cluster-wide endpoint list: for internal traffic with policy Cluster, and for any
 * external traffic (even with policy Local, pod and host traffic is short-circuited to it).
 */
export function usesClusterEndpoints(info: ServicePortInfo): boolean {
  return !info.internalPolicyLocal || externallyAccessible(info);
}

/** Needs the node-local endpoint list. */
export function usesLocalEndpoints(info: ServicePortInfo): boolean {
  return info.internalPolicyLocal || (info.externalPolicyLocal && externallyAccessible(info));
}

/**
 * The ports of a Service as this (IPv4) proxier sees them; [] when the Service is not proxied
 * (headless, ExternalName, no or unusable clusterIP). Bad addresses are dropped with a warning.
 */
export function servicePortInfos(service: Service, warn: WarningSink): ServicePortInfo[] {
  const { namespace, name } = service.metadata;
  const spec = service.spec;
  const object = `Service ${namespace}/${name}`;
  const where = { object, file: service.source.file, line: service.source.line };
  if (spec.type === 'ExternalName' || spec.clusterIP === '' || spec.clusterIP === 'None') return [];
  const clusterIP = canonicalIp(spec.clusterIP);
  if (clusterIP === null) {
    warn({ code: 'SERVICE_SKIPPED', message: `clusterIP "${spec.clusterIP}" is not an IPv4 address; the Service is not proxied`, location: { ...where, field: 'spec.clusterIP', text: spec.clusterIP } });
    return [];
  }

  const externalIPs: string[] = [];
  spec.externalIPs.forEach((text, i) => {
    const ip = canonicalIp(text);
    if (ip === null) warn({ code: 'SERVICE_BAD_ADDRESS', message: `externalIP "${text}" is not an IPv4 address; ignored`, location: { ...where, field: `spec.externalIPs[${i}]`, text } });
    else externalIPs.push(ip);
  });

  let sourceRanges: Prefix[] = [];
  spec.loadBalancerSourceRanges.forEach((raw, i) => {
    // The API server accepts whitespace around ranges, so kube-proxy trims it.
    const text = raw.trim();
    try {
      sourceRanges.push(parseCidrSloppy(text));
    } catch {
      warn({ code: 'SERVICE_BAD_ADDRESS', message: `loadBalancerSourceRange "${raw}" is not an IPv4 CIDR; ignored`, location: { ...where, field: `spec.loadBalancerSourceRanges[${i}]`, text: raw } });
    }
  });
  if (sourceRanges.some((p) => p.length === 0)) sourceRanges = [];

  const lbVIPs: string[] = [];
  service.status.loadBalancerIngress.forEach((ing, i) => {
    if (ing.ip === '' || ing.ipMode === 'Proxy') return;
    const ip = canonicalIp(ing.ip);
    if (ip === null) warn({ code: 'SERVICE_BAD_ADDRESS', message: `load-balancer ingress "${ing.ip}" is not an IPv4 address; ignored`, location: { ...where, field: `status.loadBalancer.ingress[${i}].ip`, text: ing.ip } });
    else lbVIPs.push(ip);
  });

  const externalPolicyLocal = (spec.type === 'NodePort' || spec.type === 'LoadBalancer') && spec.externalTrafficPolicy === 'Local';
  let healthCheckNodePort = 0;
  if (spec.type === 'LoadBalancer' && externalPolicyLocal) {
    if (spec.healthCheckNodePort === 0) warn({ code: 'SERVICE_NO_HEALTH_CHECK_PORT', message: 'LoadBalancer with externalTrafficPolicy Local has no healthCheckNodePort', location: { ...where, field: 'spec.healthCheckNodePort' } });
    else healthCheckNodePort = spec.healthCheckNodePort;
  }
  const sessionAffinity: SessionAffinity =
    spec.sessionAffinity === 'ClientIP' ? { kind: 'ClientIP', timeoutSeconds: spec.sessionAffinityTimeoutSeconds } : { kind: 'None' };

  return spec.ports.map((p) => {
    const spn: ServicePortName = { namespace, name, port: p.name, protocol: p.protocol };
    return {
      name: spn,
      nameString: servicePortNameString(spn),
      protocol: p.protocol,
      clusterIP,
      port: p.port,
      targetPort: p.targetPort,
      nodePort: p.nodePort,
      healthCheckNodePort,
      externalIPs,
      loadBalancerVIPs: lbVIPs,
      loadBalancerSourceRanges: sourceRanges,
      sessionAffinity,
      externalPolicyLocal,
      internalPolicyLocal: spec.internalTrafficPolicy === 'Local',
    };
  });
}

/** Source ranges as iptables prints them (`203.0.113.0/25`). */
export function formatSourceRanges(info: ServicePortInfo): string[] {
  return info.loadBalancerSourceRanges.map(formatPrefix);
}

function canonicalIp(text: string): string | null {
  try {
    return formatIpv4(parseIpv4Sloppy(text));
  } catch {
    return null;
  }
}
