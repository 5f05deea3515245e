import { LOOPBACK_PREFIX, formatIpv4, prefixContains } from '../../core/index.js';
import { parseIpv4Fast, parseIpv4Sloppy } from '../../addr/index.js';
import type { NodePortAddresses } from '../common/index.js';

/**
 * A node address in canonical form, or null when the IPv4 proxier would not use it for a set:
 * another family (kube-proxy's netlink handle is per family) or loopback (`isValidForSet`).
 * Link-local 169.254/16 stays usable, as upstream's tests assert.
 */
export function usableNodeAddress(text: string): string | null {
  let addr: number;
  try {
    const fast = parseIpv4Fast(text);
    addr = fast >= 0 ? fast : parseIpv4Sloppy(text);
  } catch {
    return null;
  }
  return prefixContains(LOOPBACK_PREFIX, addr) ? null : formatIpv4(addr);
}

/**
 * kube-proxy's `nodeAddressSet`: every address of the node except those on kube-ipvs0, filtered
 * by {@link usableNodeAddress}. An externalIP or LB VIP found here already lives on a real
 * interface, so it is not bound to kube-ipvs0 again.
 */
export function nodeAddressSet(localAddresses: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const text of localAddresses) {
    const ip = usableNodeAddress(text);
    if (ip !== null) out.add(ip);
  }
  return out;
}

/**
 * The addresses NodePort virtual servers are created on, in numeric order (upstream's order is
 * a Go map's, so any fixed order is as faithful).
 *
 * With nodePortAddresses unset that is {@link nodeAddressSet}. Otherwise kube-proxy takes every
 * interface address inside the configured CIDRs, minus loopback; that listing covers kube-ipvs0
 * as well, so `boundAddresses` (kube-ipvs0's addresses as listed at the start of the sync) are
 * candidates too.
 */
export function nodePortIPs(
  nodePortAddresses: NodePortAddresses,
  nodeAddresses: ReadonlySet<string>,
  otherLocalAddresses: readonly string[],
  boundAddresses: readonly string[],
): string[] {
  let chosen: Iterable<string>;
  if (nodePortAddresses.matchAll) {
    chosen = nodeAddresses;
  } else {
    const found = new Set<string>();
    for (const text of [...otherLocalAddresses, ...boundAddresses]) {
      const ip = usableNodeAddress(text);
      if (ip === null) continue;
      const addr = parseIpv4Fast(ip);
      if (nodePortAddresses.cidrs.some((c) => prefixContains(c, addr))) found.add(ip);
    }
    chosen = found;
  }
  return [...chosen].map((t) => parseIpv4Fast(t)).sort((a, b) => a - b).map(formatIpv4);
}
