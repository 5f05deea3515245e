import { CHAIN, NFACCT } from './constants.js';

/** Node-wide inputs of the rules every payload carries. */
export interface FixedRuleOptions {
  /** Mark text as it appears in rules, e.g. `0x00004000` or `0x4000`. */
  readonly masqueradeMark: string;
  readonly randomFully: boolean;
  /** IPv4 with localhostNodePorts in effect: KUBE-FIREWALL guards 127/8 against martians. */
  readonly localhostNodePorts: boolean;
  /** nf_conntrack_tcp_be_liberal is set: INVALID packets are not dropped. */
  readonly conntrackTcpBeLiberal: boolean;
  /** The ct_state_invalid_dropped_pkts counter exists, so the INVALID drop counts into it. */
  readonly invalidDropCounter: boolean;
}

/** Filter chains always declared, in kube-proxy's order (KUBE-FIREWALL is added conditionally). */
export const FILTER_TOP_CHAINS: readonly string[] = [CHAIN.services, CHAIN.externalServices, CHAIN.forward, CHAIN.nodePorts, CHAIN.proxyFirewall];
/** Nat chains always declared, in kube-proxy's order. */
export const NAT_TOP_CHAINS: readonly string[] = [CHAIN.services, CHAIN.nodePorts, CHAIN.postrouting, CHAIN.markMasq];

/**
 * The nat rules that open every payload: masquerade marked packets once in POSTROUTING (clearing
 * the mark so a packet that loops through the stack again, e.g. after VXLAN encapsulation, is
 * not masqueraded twice), and the chain that sets the mark.
 */
export function natHeadRules(o: FixedRuleOptions): string[] {
  const mark = o.masqueradeMark;
  return [
    `-A ${CHAIN.postrouting} -m mark ! --mark ${mark}/${mark} -j RETURN`,
    `-A ${CHAIN.postrouting} -j MARK --xor-mark ${mark}`,
    `-A ${CHAIN.postrouting} -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${o.randomFully ? ' --random-fully' : ''}`,
    `-A ${CHAIN.markMasq} -j MARK --or-mark ${mark}`,
  ];
}

/**
 * The filter rules that open every payload. With localhost NodePorts the kernel must route
 * 127/8 (route_localnet), so packets to 127/8 that arrive from elsewhere are dropped unless they
 * are replies or already DNATed; kubelet installs the same rule.
 */
export function filterHeadRules(o: FixedRuleOptions): string[] {
  if (!o.localhostNodePorts) return [];
  return [
    `-A ${CHAIN.kubeletFirewall} -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`,
  ];
}

/** KUBE-FORWARD, written after all service rules. */
export function forwardRules(o: FixedRuleOptions): string[] {
  const out: string[] = [];
  if (!o.conntrackTcpBeLiberal) {
    const counter = o.invalidDropCounter ? ` -m nfacct --nfacct-name ${NFACCT.ctStateInvalidDropped}` : '';
    out.push(`-A ${CHAIN.forward} -m conntrack --ctstate INVALID${counter} -j DROP`);
  }
  out.push(`-A ${CHAIN.forward} -m comment --comment "kubernetes forwarding rules" -m mark --mark ${o.masqueradeMark}/${o.masqueradeMark} -j ACCEPT`);
  out.push(`-A ${CHAIN.forward} -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  return out;
}

const NODEPORTS_COMMENT = '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"';

/**
 * The KUBE-SERVICES tail that hands local destinations to KUBE-NODEPORTS: one addrtype rule
 * when NodePorts listen everywhere, else one rule per matching node address. Loopback is left out
 * unless localhost NodePorts are on.
 * @param addresses the node addresses inside nodePortAddresses, or null for "all addresses"
 */
export function nodePortsTailRules(addresses: readonly string[] | null, localhostNodePorts: boolean): string[] {
  if (addresses === null) {
    const notLoopback = localhostNodePorts ? '' : ' ! -d 127.0.0.0/8';
    return [`-A ${CHAIN.services} -m comment --comment ${NODEPORTS_COMMENT} -m addrtype --dst-type LOCAL${notLoopback} -j ${CHAIN.nodePorts}`];
  }
  const out: string[] = [];
  for (const ip of addresses) {
    if (ip.startsWith('127.') && !localhostNodePorts) continue;
    out.push(`-A ${CHAIN.services} -m comment --comment ${NODEPORTS_COMMENT} -d ${ip} -j ${CHAIN.nodePorts}`);
  }
  return out;
}
