import type { IpsetSpec, SetTypeName } from '../../ipset/index.js';
import { IPVS_CHAIN, type IpvsChainName } from './constants.js';

/** The 17 sets of kube-proxy's IPVS mode (S `kube*Set` names). */
export const IPSET = {
  loopBack: 'KUBE-LOOP-BACK',
  clusterIP: 'KUBE-CLUSTER-IP',
  externalIP: 'KUBE-EXTERNAL-IP',
  externalIPLocal: 'KUBE-EXTERNAL-IP-LOCAL',
  loadBalancer: 'KUBE-LOAD-BALANCER',
  loadBalancerFW: 'KUBE-LOAD-BALANCER-FW',
  loadBalancerLocal: 'KUBE-LOAD-BALANCER-LOCAL',
  loadBalancerSourceIP: 'KUBE-LOAD-BALANCER-SOURCE-IP',
  loadBalancerSourceCIDR: 'KUBE-LOAD-BALANCER-SOURCE-CIDR',
  nodePortTCP: 'KUBE-NODE-PORT-TCP',
  nodePortLocalTCP: 'KUBE-NODE-PORT-LOCAL-TCP',
  nodePortUDP: 'KUBE-NODE-PORT-UDP',
  nodePortLocalUDP: 'KUBE-NODE-PORT-LOCAL-UDP',
  nodePortSCTP: 'KUBE-NODE-PORT-SCTP-HASH',
  nodePortLocalSCTP: 'KUBE-NODE-PORT-LOCAL-SCTP-HASH',
  healthCheckNodePort: 'KUBE-HEALTH-CHECK-NODE-PORT',
  ipvsIPs: 'KUBE-IPVS-IPS',
} as const;
/** One of the 17 set names. */
export type IpvsSetName = (typeof IPSET)[keyof typeof IPSET];

/** The set types kube-proxy uses here (a subset of what the kernel offers). */
export type IpvsSetType = Extract<SetTypeName, 'hash:ip' | 'hash:ip,port' | 'hash:ip,port,ip' | 'hash:ip,port,net' | 'bitmap:port'>;

/** A set's name, type and comment, as P `ipsetInfo` lists them. */
export interface IpvsSetInfo {
  readonly name: IpvsSetName;
  readonly type: IpvsSetType;
  /** kube-proxy's comment; it goes into `-m comment` of the rules matching the set, not into the set. */
  readonly comment: string;
}

/** P `ipsetInfo`, in upstream's order (which is also the order kpemu ensures and syncs them in). */
export const IPSET_INFO: readonly IpvsSetInfo[] = [
  { name: IPSET.loopBack, type: 'hash:ip,port,ip', comment: 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose' },
  { name: IPSET.clusterIP, type: 'hash:ip,port', comment: 'Kubernetes service cluster ip + port for masquerade purpose' },
  { name: IPSET.externalIP, type: 'hash:ip,port', comment: 'Kubernetes service external ip + port for masquerade and filter purpose' },
  { name: IPSET.externalIPLocal, type: 'hash:ip,port', comment: 'Kubernetes service external ip + port with externalTrafficPolicy=local' },
  { name: IPSET.loadBalancer, type: 'hash:ip,port', comment: 'Kubernetes service lb portal' },
  { name: IPSET.loadBalancerFW, type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port for load balancer with sourceRange' },
  { name: IPSET.loadBalancerLocal, type: 'hash:ip,port', comment: 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local' },
  { name: IPSET.loadBalancerSourceIP, type: 'hash:ip,port,ip', comment: 'Kubernetes service load balancer ip + port + source IP for packet filter purpose' },
  { name: IPSET.loadBalancerSourceCIDR, type: 'hash:ip,port,net', comment: 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose' },
  { name: IPSET.nodePortTCP, type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port for masquerade purpose' },
  { name: IPSET.nodePortLocalTCP, type: 'bitmap:port', comment: 'Kubernetes nodeport TCP port with externalTrafficPolicy=local' },
  { name: IPSET.nodePortUDP, type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port for masquerade purpose' },
  { name: IPSET.nodePortLocalUDP, type: 'bitmap:port', comment: 'Kubernetes nodeport UDP port with externalTrafficPolicy=local' },
  { name: IPSET.nodePortSCTP, type: 'hash:ip,port', comment: "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'" },
  { name: IPSET.nodePortLocalSCTP, type: 'hash:ip,port', comment: "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'" },
  { name: IPSET.healthCheckNodePort, type: 'bitmap:port', comment: 'Kubernetes health check node port' },
  { name: IPSET.ipvsIPs, type: 'hash:ip', comment: 'Addresses on the ipvs interface' },
];

/** The info of one set (every name in IPSET has one). */
export function ipsetInfoOf(name: IpvsSetName): IpvsSetInfo {
  const info = IPSET_INFO.find((i) => i.name === name);
  if (info === undefined) throw new RangeError(`no ipset info for ${name}`);
  return info;
}

/**
 * The set as kube-proxy creates it (`setIPSetDefaults`): hash types get family inet, hashsize 1024
 * and maxelem 65536; bitmap:port gets the whole port range. Always created with `-exist`.
 */
export function ipsetSpecOf(info: IpvsSetInfo): IpsetSpec {
  if (info.type === 'bitmap:port') return { name: info.name, setType: info.type, portRange: '0-65535', comment: info.comment };
  return { name: info.name, setType: info.type, hashFamily: 'inet', hashSize: 1024, maxElem: 65536, comment: info.comment };
}

/** One rule of P `ipsetWithIptablesChain`: written only while its set has entries. */
export interface SetDrivenRule {
  readonly set: IpvsSetName;
  readonly table: 'nat' | 'filter';
  readonly from: IpvsChainName;
  readonly to: IpvsChainName | 'MASQUERADE' | 'RETURN';
  readonly matchType: 'dst' | 'dst,dst' | 'dst,dst,src';
  /** `-p` before the match, for bitmap:port sets (which store no protocol). */
  readonly protocol: 'tcp' | 'udp' | 'sctp' | null;
}

/**
 * In upstream's order. Each LOCAL rule precedes its masquerade rule so that eTP Local node ports
 * RETURN before being marked (keeping the client source address).
 */
export const SET_DRIVEN_RULES: readonly SetDrivenRule[] = [
  { set: IPSET.loopBack, table: 'nat', from: IPVS_CHAIN.postrouting, to: 'MASQUERADE', matchType: 'dst,dst,src', protocol: null },
  { set: IPSET.loadBalancer, table: 'nat', from: IPVS_CHAIN.services, to: IPVS_CHAIN.loadBalancer, matchType: 'dst,dst', protocol: null },
  { set: IPSET.loadBalancerLocal, table: 'nat', from: IPVS_CHAIN.loadBalancer, to: 'RETURN', matchType: 'dst,dst', protocol: null },
  { set: IPSET.nodePortLocalTCP, table: 'nat', from: IPVS_CHAIN.nodePort, to: 'RETURN', matchType: 'dst', protocol: 'tcp' },
  { set: IPSET.nodePortTCP, table: 'nat', from: IPVS_CHAIN.nodePort, to: IPVS_CHAIN.markMasq, matchType: 'dst', protocol: 'tcp' },
  { set: IPSET.nodePortLocalUDP, table: 'nat', from: IPVS_CHAIN.nodePort, to: 'RETURN', matchType: 'dst', protocol: 'udp' },
  { set: IPSET.nodePortUDP, table: 'nat', from: IPVS_CHAIN.nodePort, to: IPVS_CHAIN.markMasq, matchType: 'dst', protocol: 'udp' },
  { set: IPSET.nodePortLocalSCTP, table: 'nat', from: IPVS_CHAIN.nodePort, to: 'RETURN', matchType: 'dst,dst', protocol: 'sctp' },
  { set: IPSET.nodePortSCTP, table: 'nat', from: IPVS_CHAIN.nodePort, to: IPVS_CHAIN.markMasq, matchType: 'dst,dst', protocol: 'sctp' },
  { set: IPSET.loadBalancerFW, table: 'filter', from: IPVS_CHAIN.proxyFirewall, to: IPVS_CHAIN.sourceRangesFirewall, matchType: 'dst,dst', protocol: null },
  { set: IPSET.loadBalancerSourceCIDR, table: 'filter', from: IPVS_CHAIN.sourceRangesFirewall, to: 'RETURN', matchType: 'dst,dst,src', protocol: null },
  { set: IPSET.loadBalancerSourceIP, table: 'filter', from: IPVS_CHAIN.sourceRangesFirewall, to: 'RETURN', matchType: 'dst,dst,src', protocol: null },
];
