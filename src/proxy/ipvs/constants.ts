import type { TableName } from '../../netfilter/index.js';

/** kube-proxy's chain names in IPVS mode (P `kube*Chain` constants). */
export const IPVS_CHAIN = {
  services: 'KUBE-SERVICES',
  postrouting: 'KUBE-POSTROUTING',
  nodePort: 'KUBE-NODE-PORT',
  loadBalancer: 'KUBE-LOAD-BALANCER',
  markMasq: 'KUBE-MARK-MASQ',
  forward: 'KUBE-FORWARD',
  proxyFirewall: 'KUBE-PROXY-FIREWALL',
  sourceRangesFirewall: 'KUBE-SOURCE-RANGES-FIREWALL',
  ipvsFilter: 'KUBE-IPVS-FILTER',
  ipvsOutFilter: 'KUBE-IPVS-OUT-FILTER',
} as const;
/** One of kube-proxy's IPVS-mode chain names. */
export type IpvsChainName = (typeof IPVS_CHAIN)[keyof typeof IPVS_CHAIN];

/** The dummy link every Service VIP is bound to, so that routing delivers VIP traffic locally (to IPVS at LOCAL_IN). */
export const DUMMY_DEVICE = 'kube-ipvs0';

/** The scheduler an empty `ipvs.scheduler` stands for. */
export const DEFAULT_SCHEDULER = 'rr';

/**
 * Virtual-server flags as kube-proxy sets them (U `FlagPersistent`, `FlagSourceHash`). The
 * kernel calls 0x10 IP_VS_SVC_F_SCHED2; `mh` reads it as "hash the source port too".
 */
export const VS_FLAG = { persistent: 0x1, sourceHash: 0x10 } as const;

/** How often the graceful-termination manager retries deleting quiesced real servers (G `rsCheckDeleteInterval`). */
export const RS_CHECK_DELETE_INTERVAL_MS = 60_000;

/** One chain kube-proxy creates, in the order PT `TestCreateAndLinkKubeChain` asserts. */
export interface IpvsChainSpec {
  readonly table: TableName;
  readonly chain: IpvsChainName;
}

/** Chains ensured on every sync and declared in the restore payload, nat first (P `iptablesChains`). */
export const IPVS_CHAINS: readonly IpvsChainSpec[] = [
  { table: 'nat', chain: IPVS_CHAIN.services },
  { table: 'nat', chain: IPVS_CHAIN.postrouting },
  { table: 'nat', chain: IPVS_CHAIN.nodePort },
  { table: 'nat', chain: IPVS_CHAIN.loadBalancer },
  { table: 'nat', chain: IPVS_CHAIN.markMasq },
  { table: 'filter', chain: IPVS_CHAIN.forward },
  { table: 'filter', chain: IPVS_CHAIN.nodePort },
  { table: 'filter', chain: IPVS_CHAIN.proxyFirewall },
  { table: 'filter', chain: IPVS_CHAIN.sourceRangesFirewall },
  { table: 'filter', chain: IPVS_CHAIN.ipvsFilter },
  { table: 'filter', chain: IPVS_CHAIN.ipvsOutFilter },
];

/** A jump from a built-in chain, ensured with `iptables -C` then `-I chain 1` outside the restore. */
export interface IpvsJumpRule {
  readonly table: TableName;
  readonly from: 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';
  readonly to: IpvsChainName;
  readonly comment: string;
}

/**
 * P `iptablesJumpChain`, in kube-proxy's order. Each is prepended when missing, so a fresh INPUT
 * ends up KUBE-IPVS-FILTER, KUBE-PROXY-FIREWALL, KUBE-NODE-PORT.
 */
export const IPVS_JUMP_RULES: readonly IpvsJumpRule[] = [
  { table: 'nat', from: 'OUTPUT', to: IPVS_CHAIN.services, comment: 'kubernetes service portals' },
  { table: 'nat', from: 'PREROUTING', to: IPVS_CHAIN.services, comment: 'kubernetes service portals' },
  { table: 'nat', from: 'POSTROUTING', to: IPVS_CHAIN.postrouting, comment: 'kubernetes postrouting rules' },
  { table: 'filter', from: 'FORWARD', to: IPVS_CHAIN.forward, comment: 'kubernetes forwarding rules' },
  { table: 'filter', from: 'INPUT', to: IPVS_CHAIN.nodePort, comment: 'kubernetes health check rules' },
  { table: 'filter', from: 'INPUT', to: IPVS_CHAIN.proxyFirewall, comment: 'kube-proxy firewall rules' },
  { table: 'filter', from: 'FORWARD', to: IPVS_CHAIN.proxyFirewall, comment: 'kube-proxy firewall rules' },
  { table: 'filter', from: 'INPUT', to: IPVS_CHAIN.ipvsFilter, comment: 'kubernetes ipvs access filter' },
  { table: 'filter', from: 'OUTPUT', to: IPVS_CHAIN.ipvsOutFilter, comment: 'kubernetes ipvs access filter' },
];

/** The words `ensureRule` receives for a jump (comment unquoted: it is one argv word). */
export function jumpRuleArgs(j: IpvsJumpRule): readonly string[] {
  return ['-m', 'comment', '--comment', j.comment, '-j', j.to];
}
