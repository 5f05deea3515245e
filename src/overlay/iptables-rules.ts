/**
 * flanneld's iptables rules in iptables mode (v0.20.0 and later; pkg/trafficmngr/iptables,
 * reference flannel.md §6c): with `--ip-masq`, nat POSTROUTING jumps to FLANNEL-POSTRTG; with
 * `--iptables-forward-rules` (default on), filter FORWARD jumps to FLANNEL-FWD. Rule text, order
 * and comments are flannel's; the first FLANNEL-POSTRTG rule returns for packets kube-proxy marked
 * for masquerade (0x4000/0x4000) "to avoid double NAT bug on some kernel version".
 *
 * flanneld applies them with `iptables-restore --noflush` after clearing its chains, and the
 * payload here is meant the same way: `:FLANNEL-POSTRTG - [0:0]` creates or flushes the chain,
 * the built-in POSTROUTING/FORWARD keep their other rules and get the jump appended.
 */
import { formatPrefix, type Prefix } from '../core/index.js';
import type { SubnetLease } from './leases.js';
import { flannelNetwork, type FlannelConfigInput } from './network.js';

export const FLANNEL_POSTRTG_CHAIN = 'FLANNEL-POSTRTG';
export const FLANNEL_FWD_CHAIN = 'FLANNEL-FWD';
/** trafficmngr.KubeProxyMark: kube-proxy's masquerade mark bit. */
export const KUBE_PROXY_MARK = '0x4000/0x4000';
export const FLANNEL_MASQ_COMMENT = 'flanneld masq';
export const FLANNEL_FORWARD_COMMENT = 'flanneld forward';
/** IPv4 multicast, never masqueraded. */
const MULTICAST = '224.0.0.0/4';

/** One `-A` rule: table, chain and the rule spec words after the chain name. */
export interface FlannelIptablesRule {
  readonly table: 'nat' | 'filter';
  readonly chain: string;
  readonly args: readonly string[];
}

export interface FlannelIptablesOptions {
  /** flanneld `--ip-masq` (the shipped manifest sets it). Default true. */
  readonly ipMasq?: boolean;
  /** flanneld `--iptables-forward-rules`. Default true. */
  readonly forwardRules?: boolean;
  /**
   * Whether iptables supports `--random-fully` (and `--ip-masq-fully-random-disable` is off).
   * Default true; false drops the option from the two MASQUERADE rules.
   */
  readonly randomFully?: boolean;
}

/**
 * The masquerade rules for a node whose lease is `podCidr` in flannel Network `cluster`, in
 * flannel's order: the POSTROUTING jump, the kube-proxy mark RETURN, three RETURNs that keep
 * pod-to-pod traffic un-NATed, then MASQUERADE of pod traffic leaving the Network (multicast
 * excepted) and of host traffic entering it.
 */
export function flannelMasqRules(cluster: Prefix, podCidr: Prefix, randomFully = true): FlannelIptablesRule[] {
  const c = formatPrefix(cluster);
  const p = formatPrefix(podCidr);
  const masq = ['-m', 'comment', '--comment', FLANNEL_MASQ_COMMENT];
  const rule = (chain: string, ...spec: string[]): FlannelIptablesRule => ({ table: 'nat', chain, args: spec });
  const masquerade = randomFully ? ['-j', 'MASQUERADE', '--random-fully'] : ['-j', 'MASQUERADE'];
  return [
    rule('POSTROUTING', ...masq, '-j', FLANNEL_POSTRTG_CHAIN),
    rule(FLANNEL_POSTRTG_CHAIN, '-m', 'mark', '--mark', KUBE_PROXY_MARK, ...masq, '-j', 'RETURN'),
    rule(FLANNEL_POSTRTG_CHAIN, '-s', p, '-d', c, ...masq, '-j', 'RETURN'),
    rule(FLANNEL_POSTRTG_CHAIN, '-s', c, '-d', p, ...masq, '-j', 'RETURN'),
    rule(FLANNEL_POSTRTG_CHAIN, '!', '-s', c, '-d', p, ...masq, '-j', 'RETURN'),
    rule(FLANNEL_POSTRTG_CHAIN, '-s', c, '!', '-d', MULTICAST, ...masq, ...masquerade),
    rule(FLANNEL_POSTRTG_CHAIN, '!', '-s', c, '-d', c, ...masq, ...masquerade),
  ];
}

/** The forward rules: the FORWARD jump, then ACCEPT anything from or to the flannel Network. */
export function flannelForwardRules(cluster: Prefix): FlannelIptablesRule[] {
  const c = formatPrefix(cluster);
  const fwd = ['-m', 'comment', '--comment', FLANNEL_FORWARD_COMMENT];
  return [
    { table: 'filter', chain: 'FORWARD', args: [...fwd, '-j', FLANNEL_FWD_CHAIN] },
    { table: 'filter', chain: FLANNEL_FWD_CHAIN, args: ['-s', c, ...fwd, '-j', 'ACCEPT'] },
    { table: 'filter', chain: FLANNEL_FWD_CHAIN, args: ['-d', c, ...fwd, '-j', 'ACCEPT'] },
  ];
}

/** All of a node's flannel rules (nat first, then filter), as the options select them. */
export function flannelIptablesRules(lease: SubnetLease, config: FlannelConfigInput, options: FlannelIptablesOptions = {}): FlannelIptablesRule[] {
  const net = flannelNetwork(config);
  return [
    ...(options.ipMasq ?? true ? flannelMasqRules(net.network, lease.subnet, options.randomFully ?? true) : []),
    ...(options.forwardRules ?? true ? flannelForwardRules(net.network) : []),
  ];
}

/**
 * One rule as an iptables-restore / iptables-save line: `-A CHAIN args`, the comment quoted as
 * flannel's payload builder and iptables-save both quote it.
 */
export function renderIptablesRule(rule: FlannelIptablesRule): string {
  const words = rule.args.map((w, i) => (i > 0 && rule.args[i - 1] === '--comment' ? `"${w}"` : w));
  return `-A ${rule.chain} ${words.join(' ')}`;
}

/**
 * The iptables-restore payload of a node's flannel rules, for `iptables-restore --noflush`:
 *
 *   *nat
 *   :FLANNEL-POSTRTG - [0:0]
 *   -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
 *   ...
 *   COMMIT
 *   *filter
 *   :FLANNEL-FWD - [0:0]
 *   ...
 *   COMMIT
 *
 * A table without rules (masquerade or forwarding turned off) is left out.
 */
export function flannelIptablesRestore(lease: SubnetLease, config: FlannelConfigInput, options: FlannelIptablesOptions = {}): string {
  const rules = flannelIptablesRules(lease, config, options);
  let out = '';
  const tables: ReadonlyArray<readonly ['nat' | 'filter', string]> = [
    ['nat', FLANNEL_POSTRTG_CHAIN],
    ['filter', FLANNEL_FWD_CHAIN],
  ];
  for (const [table, chain] of tables) {
    const mine = rules.filter((r) => r.table === table);
    if (mine.length === 0) continue;
    out += `*${table}\n:${chain} - [0:0]\n`;
    for (const r of mine) out += `${renderIptablesRule(r)}\n`;
    out += 'COMMIT\n';
  }
  return out;
}
