import type { Prefix } from '../../core/index.js';
import { parsePrefix } from '../../addr/index.js';

/**
 * Parses an IPv4 CIDR the way Kubernetes reads object fields (Go's ParseCIDRSloppy): leading
 * zeros are decimal in the address and in the prefix length, so `203.0.113.000/025` is
 * 203.0.113.0/25. Host bits are cleared. Throws ADDRESS_INVALID like parsePrefix.
 */
export function parseCidrSloppy(text: string): Prefix {
  const m = /^(.*)\/0+(\d+)$/.exec(text);
  return parsePrefix(m === null ? text : `${m[1]}/${m[2]}`, { sloppy: true });
}
