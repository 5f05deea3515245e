import { externallyAccessible, usesClusterEndpoints, usesLocalEndpoints, type CategorizedEndpoints, type ServicePortInfo } from '../common/index.js';

/**
 * Which rules and chains one service port gets, decided from its endpoints alone. Keeping these
 * decisions in one pure function makes the rule writers straight-line code and lets the chain
 * inventory be computed without writing any rule.
 */
export interface PortPlan {
  /** Some usable endpoint exists anywhere; otherwise the port only gets filter REJECT rules. */
  readonly hasEndpoints: boolean;
  /** ClusterIP traffic has somewhere to go (false for iTP Local without local endpoints). */
  readonly hasInternalEndpoints: boolean;
  /** External traffic from outside has somewhere to go (false for eTP Local without local endpoints). */
  readonly hasExternalEndpoints: boolean;
  readonly usesClusterPolicyChain: boolean;
  readonly usesLocalPolicyChain: boolean;
  /** The KUBE-EXT chain exists; it also carries the pod/LOCAL short-circuits of eTP Local. */
  readonly usesExternalTrafficChain: boolean;
  /** The KUBE-FW chain exists (LB VIPs with loadBalancerSourceRanges). */
  readonly usesFirewallChain: boolean;
  /** Where ClusterIP traffic jumps: the SVL chain for iTP Local, else the SVC chain. */
  readonly internalPolicy: 'cluster' | 'local';
  /** Where KUBE-EXT falls through to: the SVL chain for eTP Local, else the SVC chain. */
  readonly externalPolicy: 'cluster' | 'local';
}

export function planPort(info: ServicePortInfo, cat: CategorizedEndpoints): PortPlan {
  const hasEndpoints = cat.hasAnyEndpoints;
  const noLocal = cat.localEndpoints.length === 0;
  return {
    hasEndpoints,
    hasInternalEndpoints: hasEndpoints && !(info.internalPolicyLocal && noLocal),
    hasExternalEndpoints: hasEndpoints && !(info.externalPolicyLocal && noLocal),
    usesClusterPolicyChain: cat.clusterEndpoints.length > 0 && usesClusterEndpoints(info),
    usesLocalPolicyChain: !noLocal && usesLocalEndpoints(info),
    usesExternalTrafficChain: hasEndpoints && externallyAccessible(info),
    usesFirewallChain: hasEndpoints && info.loadBalancerVIPs.length > 0 && info.loadBalancerSourceRanges.length > 0,
    internalPolicy: info.internalPolicyLocal ? 'local' : 'cluster',
    externalPolicy: info.externalPolicyLocal ? 'local' : 'cluster',
  };
}
