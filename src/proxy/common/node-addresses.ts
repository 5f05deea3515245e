import { KpemuError, LOOPBACK_PREFIX, formatIpv4, formatPrefix, prefix, prefixContains, type Ipv4, type Prefix } from '../../core/index.js';
import { parseIpv4Sloppy } from '../../addr/index.js';
import { parseCidrSloppy } from './cidr.js';
import type { WarningSink } from './warnings.js';

/**
 * The node's own addresses as the proxiers need them. kube-proxy asks the kernel for interface
 * addresses; kpemu is given the node IPs instead and adds loopback, which every node has.
 */
export class NodeAddresses {
  /** The first node IP: the one loadBalancerSourceRanges are checked against and `primary` means. */
  readonly primary: Ipv4;
  readonly primaryText: string;
  /** Node IPs in the order given, canonical. */
  readonly nodeIPs: readonly string[];
  /** Every address the node answers on (`addrtype LOCAL`): 127.0.0.1 plus the node IPs. */
  readonly localAddresses: readonly string[];

  /** @param nodeIPs IPv4 addresses, primary first. Throws VALUE_INVALID when empty or unparsable. */
  constructor(nodeIPs: readonly string[]) {
    if (nodeIPs.length === 0) throw new KpemuError('VALUE_INVALID', 'the proxier needs at least one node IP', { location: { field: 'nodeIPs' } });
    const numeric: Ipv4[] = [];
    for (const [i, text] of nodeIPs.entries()) {
      try {
        numeric.push(parseIpv4Sloppy(text));
      } catch (cause) {
        throw new KpemuError('VALUE_INVALID', `node IP "${text}" is not an IPv4 address`, { location: { field: `nodeIPs[${i}]`, text }, cause });
      }
    }
    const first = numeric[0] as Ipv4;
    this.primary = first;
    this.primaryText = formatIpv4(first);
    this.nodeIPs = numeric.map(formatIpv4);
    const local = new Set<string>(['127.0.0.1', ...this.nodeIPs]);
    this.localAddresses = [...local];
  }

  /** True when the node answers on `ip` (canonical text), i.e. `addrtype LOCAL` would match it. */
  isLocalAddress(ip: string): boolean {
    return this.localAddresses.includes(ip);
  }
}

/**
 * KubeProxyConfiguration.nodePortAddresses: which local addresses NodePorts listen on.
 * Empty means every address ("match all"). `primary` stands for the primary node IP as a /32.
 * Entries that are not IPv4 CIDRs are ignored (as an IPv4 kube-proxy ignores IPv6 ones); if
 * nothing usable is left, the list behaves as empty, which is also what kube-proxy does.
 */
export class NodePortAddresses {
  readonly matchAll: boolean;
  readonly cidrs: readonly Prefix[];
  /**
   * Some entry covers IPv4 loopback. kube-proxy only serves NodePorts on 127.0.0.1 (and adds the
   * KUBE-FIREWALL martian guard) when this holds; "match all" counts as covering it.
   */
  readonly containsIPv4Loopback: boolean;

  constructor(entries: readonly string[], node: NodeAddresses, warn: WarningSink) {
    const cidrs: Prefix[] = [];
    entries.forEach((raw, i) => {
      const text = raw.trim();
      if (text === 'primary') {
        if (!prefixContains(LOOPBACK_PREFIX, node.primary)) cidrs.push(prefix(node.primary, 32));
        return;
      }
      try {
        cidrs.push(parseCidrSloppy(text));
      } catch {
        warn({ code: 'NODEPORT_ADDRESS_IGNORED', message: `nodePortAddresses entry "${raw}" is not an IPv4 CIDR; ignored`, location: { object: 'KubeProxyConfiguration', field: `nodePortAddresses[${i}]`, text: raw } });
      }
    });
    const matchAll = cidrs.length === 0 || cidrs.some((c) => c.length === 0);
    this.matchAll = matchAll;
    this.cidrs = matchAll ? [prefix(0, 0)] : cidrs;
    this.containsIPv4Loopback = this.cidrs.some((c) => prefixContains(LOOPBACK_PREFIX, c.network) || prefixContains(c, 0x7f000001));
  }

  /**
   * The node's local addresses inside the configured CIDRs, deduplicated and in numeric order
   * (kube-proxy's order comes from a Go map, so any fixed order is as faithful).
   */
  matchingAddresses(node: NodeAddresses): string[] {
    const found = new Set<number>();
    for (const text of node.localAddresses) {
      const addr = parseIpv4Sloppy(text);
      if (this.cidrs.some((c) => prefixContains(c, addr))) found.add(addr);
    }
    return [...found].sort((a, b) => a - b).map(formatIpv4);
  }

  /** The CIDRs as text, for messages. */
  describe(): string {
    return this.matchAll ? '(all addresses)' : this.cidrs.map(formatPrefix).join(', ');
  }
}
