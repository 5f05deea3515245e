import type { SourceLocation } from '../../core/index.js';

/**
 * Contradictory or unusable input the proxier noticed and skipped. kube-proxy logs these and
 * carries on; we collect them on the sync report instead, so a caller can show them and tests can
 * assert on them. A warning never stops a sync.
 */
export const PROXY_WARNING_CODES = [
  /** A Service that cannot be proxied: bad clusterIP, other IP family. */
  'SERVICE_SKIPPED',
  /** An externalIP, LB ingress IP or source range that does not parse or is of the other family. */
  'SERVICE_BAD_ADDRESS',
  /** LoadBalancer + externalTrafficPolicy Local without a healthCheckNodePort. */
  'SERVICE_NO_HEALTH_CHECK_PORT',
  /** An EndpointSlice without the kubernetes.io/service-name label. */
  'SLICE_NO_SERVICE',
  /** An EndpointSlice whose addressType this (IPv4) proxier does not handle. */
  'SLICE_ADDRESS_TYPE',
  /** An EndpointSlice for a Service that does not exist. */
  'SLICE_SERVICE_MISSING',
  /** A slice port whose name/protocol matches no port of the Service. */
  'SLICE_PORT_UNMATCHED',
  /** A slice port without a port number. */
  'SLICE_PORT_INVALID',
  /** A Service port that none of the Service's slices provides. */
  'SERVICE_PORT_NO_ENDPOINTS',
  /** An endpoint without addresses, or whose first address is not a usable IPv4 address. */
  'ENDPOINT_BAD_ADDRESS',
  /** The same object name given twice in one update; the later one is used. */
  'DUPLICATE_OBJECT',
  /** Local-traffic detection configured but impossible (missing CIDR, bridge or prefix). */
  'LOCAL_DETECTOR_UNAVAILABLE',
  /** A nodePortAddresses entry that is not an IPv4 CIDR or `primary`. */
  'NODEPORT_ADDRESS_IGNORED',
  /** An nfacct counter could not be created; rules that count into it are left out. */
  'NFACCT_UNAVAILABLE',
  /** iptables-save failed, so stale chains were not looked for this time. */
  'STALE_CHAINS_UNKNOWN',
] as const;

export type ProxyWarningCode = (typeof PROXY_WARNING_CODES)[number];

export interface ProxyWarning {
  readonly code: ProxyWarningCode;
  readonly message: string;
  /** The object (e.g. `EndpointSlice ns1/svc1-abc`), field path and source file when known. */
  readonly location: SourceLocation;
}

/** Where a warning is recorded; the proxier passes one per derivation step. */
export type WarningSink = (warning: ProxyWarning) => void;
