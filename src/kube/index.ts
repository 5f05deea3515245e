export type * from './types.js';
export {
  loadCluster,
  loadClusterFiles,
  loadClusterText,
  validateClusterFiles,
  validateClusterObjects,
  type ClusterSource,
  type ClusterValidation,
} from './load.js';
export {
  defaultKubeProxyConfiguration,
  DEFAULT_IPTABLES_MIN_SYNC_PERIOD_SECONDS,
  DEFAULT_MASQUERADE_BIT,
  DEFAULT_SYNC_PERIOD_SECONDS,
  IPVS_SCHEDULERS,
} from './proxy-config.js';
export { DEFAULT_AFFINITY_TIMEOUT_SECONDS } from './service.js';
export { SERVICE_NAME_LABEL } from './endpointslice.js';
export { DEFAULT_VNI, DEFAULT_VXLAN_PORT, NET_CONF_KEY } from './flannel-config.js';
export { formatGoDuration, parseGoDuration, type DurationRead } from './go-duration.js';
