import type { TableName } from '../../netfilter/index.js';

/** kube-proxy's fixed chain names (iptables mode). */
export const CHAIN = {
  services: 'KUBE-SERVICES',
  externalServices: 'KUBE-EXTERNAL-SERVICES',
  nodePorts: 'KUBE-NODEPORTS',
  postrouting: 'KUBE-POSTROUTING',
  markMasq: 'KUBE-MARK-MASQ',
  forward: 'KUBE-FORWARD',
  proxyFirewall: 'KUBE-PROXY-FIREWALL',
  /** kubelet's anti-martian chain, which kube-proxy duplicates for localhost NodePorts. */
  kubeletFirewall: 'KUBE-FIREWALL',
  canary: 'KUBE-PROXY-CANARY',
} as const;

/** Tables the canary chains live in (iptables.Monitor watches these for a flush). */
export const CANARY_TABLES: readonly TableName[] = ['mangle', 'nat', 'filter'];

/** nfacct counter names, as kube-proxy's metrics package spells them. */
export const NFACCT = {
  localhostNodePortAccepted: 'localhost_nps_accepted_pkts',
  ctStateInvalidDropped: 'ct_state_invalid_dropped_pkts',
} as const;
export type NfacctCounterName = (typeof NFACCT)[keyof typeof NFACCT];
/** Order in which counters are ensured on a full sync. */
export const NFACCT_COUNTERS: readonly NfacctCounterName[] = [NFACCT.ctStateInvalidDropped, NFACCT.localhostNodePortAccepted];

/**
 * Above this many endpoints (summed over all service ports) rules to and inside KUBE-SEP chains
 * lose their comments and stale-chain cleanup is throttled, trading readability for size.
 */
export const LARGE_CLUSTER_ENDPOINTS_THRESHOLD = 1000;

/** A full sync is forced when the last one is older than this (kube-proxy's FullSyncPeriod). */
export const FULL_SYNC_PERIOD_MS = 60 * 60 * 1000;

/** One jump from a built-in chain into a kube-proxy chain, installed outside the restore payload. */
export interface JumpRule {
  readonly table: TableName;
  readonly builtinChain: string;
  readonly target: string;
  /** The words after the chain name, as EnsureRule receives them (comment unquoted). */
  readonly args: readonly string[];
}

function jump(table: TableName, builtinChain: string, target: string, comment: string, newOnly: boolean): JumpRule {
  const args: string[] = newOnly ? ['-m', 'conntrack', '--ctstate', 'NEW'] : [];
  if (comment !== '') args.push('-m', 'comment', '--comment', comment);
  args.push('-j', target);
  return { table, builtinChain, target, args };
}

/**
 * The jumps ensured (check, then insert at position 1) on every full sync, in kube-proxy's list
 * order: its own jumps followed by the two KUBE-FIREWALL jumps it duplicates from kubelet.
 * Because each one is prepended, a fresh chain ends up holding them in reverse order.
 */
export const JUMP_RULES: readonly JumpRule[] = [
  jump('filter', 'INPUT', CHAIN.externalServices, 'kubernetes externally-visible service portals', true),
  jump('filter', 'FORWARD', CHAIN.externalServices, 'kubernetes externally-visible service portals', true),
  jump('filter', 'INPUT', CHAIN.nodePorts, 'kubernetes health check service ports', false),
  jump('filter', 'FORWARD', CHAIN.services, 'kubernetes service portals', true),
  jump('filter', 'OUTPUT', CHAIN.services, 'kubernetes service portals', true),
  jump('filter', 'FORWARD', CHAIN.forward, 'kubernetes forwarding rules', false),
  jump('filter', 'INPUT', CHAIN.proxyFirewall, 'kubernetes load balancer firewall', true),
  jump('filter', 'OUTPUT', CHAIN.proxyFirewall, 'kubernetes load balancer firewall', true),
  jump('filter', 'FORWARD', CHAIN.proxyFirewall, 'kubernetes load balancer firewall', true),
  jump('nat', 'OUTPUT', CHAIN.services, 'kubernetes service portals', false),
  jump('nat', 'PREROUTING', CHAIN.services, 'kubernetes service portals', false),
  jump('nat', 'POSTROUTING', CHAIN.postrouting, 'kubernetes postrouting rules', false),
  jump('filter', 'INPUT', CHAIN.kubeletFirewall, '', false),
  jump('filter', 'OUTPUT', CHAIN.kubeletFirewall, '', false),
];
