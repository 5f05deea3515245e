/**
 * IPVS constants (include/uapi/linux/ip_vs.h) and the plain objects of the IPVS API, shaped like
 * kube-proxy's `pkg/proxy/ipvs/util` VirtualServer and RealServer. Addresses are uint32 in host
 * order, ports 0..65535, timeouts in seconds.
 */

/** Virtual service flags (IP_VS_SVC_F_*). */
export const SVC_FLAGS = {
  PERSISTENT: 0x0001,
  /** Set by the kernel on every hashed service; kube-proxy strips it when reading back. */
  HASHED: 0x0002,
  ONEPACKET: 0x0004,
  /** Scheduler flag 1: sh-fallback / mh-fallback. */
  SCHED1: 0x0008,
  /** Scheduler flag 2: sh-port / mh-port (kube-proxy's FlagSourceHash). */
  SCHED2: 0x0010,
  SCHED3: 0x0020,
} as const;

/** Destination (real server) flags kept by the kernel (IP_VS_DEST_F_*). */
export const DEST_FLAGS = { AVAILABLE: 0x0001, OVERLOAD: 0x0002 } as const;

/** Forwarding methods (IP_VS_CONN_F_FWD_MASK values). */
export const FWD_METHODS = { masq: 0, localnode: 1, tunnel: 2, route: 3 } as const;
export type FwdMethod = keyof typeof FWD_METHODS;

/** Connection flags the model uses (IP_VS_CONN_F_*). */
export const CONN_FLAGS = {
  NOOUTPUT: 0x0004,
  INACTIVE: 0x0008,
  TEMPLATE: 0x1000,
  ONE_PACKET: 0x2000,
} as const;

/** Schedulers kpemu implements, one file each under schedulers/. */
export const SCHEDULER_NAMES = ['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'sh', 'dh', 'mh'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

export function isSchedulerName(s: string): s is SchedulerName {
  return (SCHEDULER_NAMES as readonly string[]).includes(s);
}

/** Schedulers of the kernel tree kpemu does not model (named so errors can say so). */
export const UNMODELLED_SCHEDULERS = ['lblc', 'lblcr', 'fo', 'ovf', 'twos'] as const;

/** Protocols IPVS balances. */
export const IPVS_PROTOCOLS = { TCP: 6, UDP: 17, SCTP: 132 } as const;
export type IpvsProtocolName = keyof typeof IPVS_PROTOCOLS;

export function ipvsProtocolName(n: number): IpvsProtocolName | undefined {
  switch (n) {
    case 6:
      return 'TCP';
    case 17:
      return 'UDP';
    case 132:
      return 'SCTP';
    default:
      return undefined;
  }
}

/** A virtual service as kube-proxy describes it. */
export interface VirtualServer {
  readonly address: number;
  readonly protocol: IpvsProtocolName;
  readonly port: number;
  readonly scheduler: string;
  /** SVC_FLAGS bits, without HASHED. */
  readonly flags: number;
  /** Persistence timeout in seconds (meaningful with PERSISTENT). */
  readonly timeout: number;
  /** Persistence granularity mask (host order); default 255.255.255.255. */
  readonly netmask?: number;
}

/** A real server as kube-proxy describes it (counters are read-only outputs). */
export interface RealServer {
  readonly address: number;
  readonly port: number;
  readonly weight: number;
  readonly activeConn?: number;
  readonly inactiveConn?: number;
  /** Forwarding method; kube-proxy always uses masq. */
  readonly fwd?: FwdMethod;
  /** Upper/lower connection thresholds (0 = none), as `ipvsadm -x/-y`. */
  readonly uThreshold?: number;
  readonly lThreshold?: number;
}

/** A real server as read back, with its counters. */
export interface RealServerStatus extends RealServer {
  readonly activeConn: number;
  readonly inactiveConn: number;
  readonly persistConn: number;
  readonly fwd: FwdMethod;
}
