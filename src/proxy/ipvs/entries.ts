import type { Protocol } from '../../kube/index.js';
import { protocolLower } from '../common/index.js';

/**
 * Set entries spelled exactly as kube-proxy's `Entry.String()` spells them (SU). The strings are
 * compared with what `ipset list` prints to find what to add and delete, so the spelling is part
 * of the behaviour: a form the kernel prints differently would be deleted and re-added each sync.
 * Addresses are canonical IPv4 text; protocols lower case.
 */

/** hash:ip: `IP`. */
export function ipEntry(ip: string): string {
  return ip;
}

/** hash:ip,port: `IP,proto:port`. */
export function ipPortEntry(ip: string, protocol: Protocol, port: number): string {
  return `${ip},${protocolLower(protocol)}:${port}`;
}

/** hash:ip,port,ip: `IP,proto:port,IP2`. */
export function ipPortIpEntry(ip: string, protocol: Protocol, port: number, ip2: string): string {
  return `${ip},${protocolLower(protocol)}:${port},${ip2}`;
}

/** hash:ip,port,net: `IP,proto:port,CIDR`. */
export function ipPortNetEntry(ip: string, protocol: Protocol, port: number, cidr: string): string {
  return `${ip},${protocolLower(protocol)}:${port},${cidr}`;
}

/** bitmap:port: `port` (the protocol is not stored, which is why there is one set per protocol). */
export function portEntry(port: number): string {
  return String(port);
}
