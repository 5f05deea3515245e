import { hash } from 'node:crypto';
import { base32Encode } from './base32.js';

/**
 * kube-proxy's per-service chain names: a prefix plus 16 characters of base32(SHA-256(text)).
 * iptables limits chain names to 28 characters; the hash keeps names short, stable across
 * restarts and identical to what a real kube-proxy would create for the same Service.
 */

export const SERVICE_CHAIN_PREFIXES = ['KUBE-SVC-', 'KUBE-SVL-', 'KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-'] as const;
export type ServiceChainPrefix = (typeof SERVICE_CHAIN_PREFIXES)[number];
/** The prefixes of chains that belong to a service port as a whole (not to one endpoint). */
export type ServicePortChainPrefix = Exclude<ServiceChainPrefix, 'KUBE-SEP-'>;

/** First 16 base32 characters of SHA-256 over the UTF-8 bytes of `text` (16 chars = 10 bytes). */
export function hash16(text: string): string {
  // One-shot hashing avoids a Hash object per call; a cold 10,000-service sync hashes ~60,000 names.
  return base32Encode(hash('sha256', text, 'buffer'), 10);
}

/**
 * The 16 characters shared by a service port's KUBE-SVC/SVL/EXT/FW chains.
 * @param spn the ServicePortName string (`ns/name:port`, see servicePortNameString)
 * @param protocol lower case (`tcp`, `udp`, `sctp`)
 */
export function servicePortHash(spn: string, protocol: string): string {
  return hash16(spn + protocol);
}

/** `KUBE-SVC-…`, `KUBE-SVL-…`, `KUBE-EXT-…` or `KUBE-FW-…` for a service port (see servicePortHash). */
export function servicePortChainName(prefix: ServicePortChainPrefix, spn: string, protocol: string): string {
  return prefix + servicePortHash(spn, protocol);
}

/**
 * `KUBE-SEP-…` for one endpoint of a service port.
 * @param endpoint `ip:port` as net.JoinHostPort prints it (`[v6]:port` for IPv6)
 */
export function servicePortEndpointChainName(spn: string, protocol: string, endpoint: string): string {
  return 'KUBE-SEP-' + hash16(spn + protocol + endpoint);
}

/** True for chains kube-proxy owns per service and may delete when they go stale. */
export function isServiceChainName(chain: string): boolean {
  for (const p of SERVICE_CHAIN_PREFIXES) if (chain.startsWith(p)) return true;
  return false;
}
