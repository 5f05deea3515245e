import { formatIpv4 } from '../../core/index.js';
import { parseIpv4 } from '../../addr/index.js';
import type { RealServer, VirtualServer } from '../../ipvs/index.js';
import type { Protocol } from '../../kube/index.js';
import type { ServicePortInfo } from '../common/index.js';
import { VS_FLAG } from './constants.js';

/** `ip:port/PROTO`, the identity kube-proxy gives a virtual server (U `VirtualServer.String()`). */
export function virtualServerKey(vs: Pick<VirtualServer, 'address' | 'port' | 'protocol'>): string {
  return `${formatIpv4(vs.address)}:${vs.port}/${vs.protocol}`;
}

/** `ip:port` of a real server (U `RealServer.String()`), the same text as an endpoint's. */
export function realServerKey(rs: Pick<RealServer, 'address' | 'port'>): string {
  return `${formatIpv4(rs.address)}:${rs.port}`;
}

/** The graceful-termination list key: `VS/ip:port` (G `GetUniqueRSName`). */
export function uniqueRealServerName(vsKey: string, rsKey: string): string {
  return `${vsKey}/${rsKey}`;
}

/**
 * The virtual server kube-proxy builds for one address of a service port: the configured
 * scheduler, the persistent flag with the affinity timeout for ClientIP affinity, and the
 * source-hash flag when the scheduler is `mh` (so Maglev hashes the client port too).
 *
 * @param address canonical IPv4 text
 */
export function buildVirtualServer(address: string, port: number, protocol: Protocol, info: ServicePortInfo, scheduler: string): VirtualServer {
  let flags = 0;
  let timeout = 0;
  if (info.sessionAffinity.kind === 'ClientIP') {
    flags |= VS_FLAG.persistent;
    timeout = info.sessionAffinity.timeoutSeconds;
  }
  if (scheduler === 'mh') flags |= VS_FLAG.sourceHash;
  return { address: parseIpv4(address), port, protocol, scheduler, flags, timeout };
}

/** U `VirtualServer.Equal`: what makes kube-proxy update a service in place. The netmask is not compared. */
export function sameVirtualServer(a: VirtualServer, b: VirtualServer): boolean {
  return (
    a.address >>> 0 === b.address >>> 0 &&
    a.protocol === b.protocol &&
    a.port === b.port &&
    a.scheduler === b.scheduler &&
    a.flags === b.flags &&
    a.timeout === b.timeout
  );
}
