import { compareEndpoints, isServingTerminating, type EndpointInfo } from './endpoint-info.js';
import { usesClusterEndpoints, usesLocalEndpoints, type ServicePortInfo } from './service-port-info.js';

export interface CategorizedEndpoints {
  /** Endpoints for "Cluster" policy; empty when the port never uses that policy. */
  readonly clusterEndpoints: readonly EndpointInfo[];
  /** Endpoints for "Local" policy; empty when the port never uses that policy. */
  readonly localEndpoints: readonly EndpointInfo[];
  /** Union of the two lists, sorted by `ip:port`: every endpoint this node may DNAT to. */
  readonly allReachable: readonly EndpointInfo[];
  /** Some usable endpoint exists anywhere in the cluster (even if none is reachable from here). */
  readonly hasAnyEndpoints: boolean;
}

/**
 * Splits a port's endpoints into the Cluster and Local lists, like kube-proxy's
 * CategorizeEndpoints. Ready endpoints are preferred; a list with no ready endpoint falls back to
 * serving-and-terminating ones, and the two lists decide that independently.
 *
 * Topology-aware routing (zone/node hints) is deliberately not applied: it needs the node's zone
 * label and a hints-enabled Service, which kpemu does not model, and upstream ignores hints in
 * that situation as well.
 *
 * @param endpoints the port's endpoints, sorted by `ip:port`
 */
export function categorizeEndpoints(endpoints: readonly EndpointInfo[], info: ServicePortInfo): CategorizedEndpoints {
  let clusterEndpoints: readonly EndpointInfo[] = [];
  let hasAnyEndpoints = false;
  const useCluster = usesClusterEndpoints(info);
  if (useCluster) {
    clusterEndpoints = endpoints.filter((ep) => ep.ready);
    if (clusterEndpoints.length === 0) clusterEndpoints = endpoints.filter(isServingTerminating);
    hasAnyEndpoints = clusterEndpoints.length > 0;
  }
  if (!usesLocalEndpoints(info)) {
    return { clusterEndpoints, localEndpoints: [], allReachable: clusterEndpoints, hasAnyEndpoints };
  }

  let localReady = false;
  let localServingTerminating = false;
  for (const ep of endpoints) {
    if (ep.ready) {
      hasAnyEndpoints = true;
      if (ep.isLocal) localReady = true;
    } else if (isServingTerminating(ep)) {
      hasAnyEndpoints = true;
      if (ep.isLocal) localServingTerminating = true;
    }
  }
  let localEndpoints: readonly EndpointInfo[] = [];
  let localUsesTerminating = false;
  if (localReady) {
    localEndpoints = endpoints.filter((ep) => ep.isLocal && ep.ready);
  } else if (localServingTerminating) {
    localUsesTerminating = true;
    localEndpoints = endpoints.filter((ep) => ep.isLocal && isServingTerminating(ep));
  }
  if (!useCluster) return { clusterEndpoints, localEndpoints, allReachable: localEndpoints, hasAnyEndpoints };
  // Without topology filtering, the cluster list holds every ready endpoint, so it already
  // contains the local ready ones; only a terminating local list can add new entries.
  if (!localUsesTerminating) return { clusterEndpoints, localEndpoints, allReachable: clusterEndpoints, hasAnyEndpoints };
  const merged = new Map<string, EndpointInfo>();
  for (const ep of clusterEndpoints) merged.set(ep.endpoint, ep);
  for (const ep of localEndpoints) merged.set(ep.endpoint, ep);
  return { clusterEndpoints, localEndpoints, allReachable: [...merged.values()].sort(compareEndpoints), hasAnyEndpoints };
}
