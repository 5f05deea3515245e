/**
 * Address text at the overlay's edge (net-conf `Network`, `spec.podCIDR`, flannel's node
 * annotations). The kube loader already canonicalises the fields it reads; annotations are raw
 * user text, so they are parsed strictly here: canonical dotted quads only, like Go's
 * `net.ParseIP`, which flannel uses for them. Results are uint32 numbers in host order.
 */
import { ipv4, prefix, type Ipv4, type Prefix } from '../core/index.js';

/** Parses a canonical `a.b.c.d` (octets 0..255, no leading zeros, no spaces); null otherwise. */
export function parseIpv4Text(text: string): Ipv4 | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const p of parts) {
    // Go's parser rejects leading zeros ("010") since Go 1.17: they are ambiguous (octal?).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const octet = Number(p);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return ipv4(value);
}

/**
 * Parses `a.b.c.d/len` (len 0..32). The host bits are cleared, as Go's `net.ParseCIDR` returns
 * the masked network; null when the text is not a CIDR.
 */
export function parseCidrText(text: string): Prefix | null {
  const slash = text.indexOf('/');
  if (slash < 0) return null;
  const addr = parseIpv4Text(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (addr === null || !/^(0|[1-9][0-9]?)$/.test(lenText)) return null;
  const len = Number(lenText);
  return len <= 32 ? prefix(addr, len) : null;
}
