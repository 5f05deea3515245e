import { KpemuError } from '../core/index.js';
import type { Dest } from './dest.js';
import type { Ipvs } from './ipvs.js';
import type { VirtualService } from './service.js';
import { IPVS_PROTOCOLS, ipvsProtocolName, type RealServer, type RealServerStatus, SVC_FLAGS, type VirtualServer } from './types.js';

/**
 * What kube-proxy's IPVS proxier asks of the kernel, shaped like its `utilipvs.Interface`
 * (pkg/proxy/ipvs/util). Errors are KpemuErrors: IPVS_SERVICE_EXISTS, IPVS_NO_SERVICE,
 * IPVS_DEST_EXISTS, IPVS_NO_DEST, IPVS_BAD_SCHEDULER, VALUE_INVALID.
 */
export interface IpvsApi {
  flush(): void;
  addVirtualServer(vs: VirtualServer): void;
  updateVirtualServer(vs: VirtualServer): void;
  deleteVirtualServer(vs: VirtualServer): void;
  /** The kernel's copy of the service (flags without HASHED, as kube-proxy strips it). */
  getVirtualServer(vs: VirtualServer): VirtualServer;
  getVirtualServers(): VirtualServer[];
  addRealServer(vs: VirtualServer, rs: RealServer): void;
  getRealServers(vs: VirtualServer): RealServerStatus[];
  deleteRealServer(vs: VirtualServer, rs: RealServer): void;
  updateRealServer(vs: VirtualServer, rs: RealServer): void;
  /** `ipvsadm --set`: seconds, 0 keeps the current value. */
  configureTimeouts(tcp: number, tcpFin: number, udp: number): void;
}

/** Calls per operation: each is one netlink request in kube-proxy's cost model. */
export type IpvsApiCounts = { -readonly [K in keyof IpvsApi]: number };

function toVirtualServer(s: VirtualService): VirtualServer {
  const protocol = ipvsProtocolName(s.protocol);
  if (protocol === undefined) throw new KpemuError('IPVS_PARSE', `service with protocol ${s.protocol}`, {});
  return {
    address: s.addr,
    protocol,
    port: s.port,
    scheduler: s.scheduler.name,
    flags: s.flags & ~SVC_FLAGS.HASHED,
    timeout: s.timeout,
    ...(s.netmask !== 0xffffffff ? { netmask: s.netmask } : {}),
  };
}

function toRealServer(d: Dest): RealServerStatus {
  return {
    address: d.addr,
    port: d.port,
    weight: d.weight,
    activeConn: d.activeConns,
    inactiveConn: d.inactConns,
    persistConn: d.persistConns,
    fwd: d.fwd,
    ...(d.uThreshold !== 0 ? { uThreshold: d.uThreshold } : {}),
    ...(d.lThreshold !== 0 ? { lThreshold: d.lThreshold } : {}),
  };
}

/** {@link IpvsApi} over the emulated kernel IPVS, counting calls per operation. */
export class KernelIpvsApi implements IpvsApi {
  readonly counts: IpvsApiCounts = {
    flush: 0,
    addVirtualServer: 0,
    updateVirtualServer: 0,
    deleteVirtualServer: 0,
    getVirtualServer: 0,
    getVirtualServers: 0,
    addRealServer: 0,
    getRealServers: 0,
    deleteRealServer: 0,
    updateRealServer: 0,
    configureTimeouts: 0,
  };

  constructor(readonly ipvs: Ipvs) {}

  /** Total calls of every kind. */
  get totalCalls(): number {
    let n = 0;
    for (const v of Object.values(this.counts)) n += v;
    return n;
  }

  private spec(vs: VirtualServer): { protocol: number; addr: number; port: number; scheduler: string; flags: number; timeout: number; netmask: number } {
    return {
      protocol: IPVS_PROTOCOLS[vs.protocol],
      addr: vs.address >>> 0,
      port: vs.port,
      scheduler: vs.scheduler === '' ? 'rr' : vs.scheduler,
      flags: vs.flags & ~SVC_FLAGS.HASHED,
      timeout: vs.timeout,
      netmask: vs.netmask ?? 0xffffffff,
    };
  }

  flush(): void {
    this.counts.flush++;
    this.ipvs.flush();
  }

  addVirtualServer(vs: VirtualServer): void {
    this.counts.addVirtualServer++;
    this.ipvs.addService(this.spec(vs));
  }

  updateVirtualServer(vs: VirtualServer): void {
    this.counts.updateVirtualServer++;
    this.ipvs.editService(this.spec(vs));
  }

  deleteVirtualServer(vs: VirtualServer): void {
    this.counts.deleteVirtualServer++;
    this.ipvs.deleteService(IPVS_PROTOCOLS[vs.protocol], vs.address, vs.port);
  }

  getVirtualServer(vs: VirtualServer): VirtualServer {
    this.counts.getVirtualServer++;
    const s = this.ipvs.findService(IPVS_PROTOCOLS[vs.protocol], vs.address >>> 0, vs.port);
    if (s === undefined) throw new KpemuError('IPVS_NO_SERVICE', 'No such service', { location: { object: `${vs.address >>> 0}:${vs.port}/${vs.protocol}` } });
    return toVirtualServer(s);
  }

  getVirtualServers(): VirtualServer[] {
    this.counts.getVirtualServers++;
    return this.ipvs.listServices().map(toVirtualServer);
  }

  private destSpec(rs: RealServer): { addr: number; port: number; weight: number; fwd: 'masq' | 'localnode' | 'tunnel' | 'route'; uThreshold: number; lThreshold: number } {
    return { addr: rs.address >>> 0, port: rs.port, weight: rs.weight, fwd: rs.fwd ?? 'masq', uThreshold: rs.uThreshold ?? 0, lThreshold: rs.lThreshold ?? 0 };
  }

  addRealServer(vs: VirtualServer, rs: RealServer): void {
    this.counts.addRealServer++;
    this.ipvs.addDest(IPVS_PROTOCOLS[vs.protocol], vs.address >>> 0, vs.port, this.destSpec(rs));
  }

  getRealServers(vs: VirtualServer): RealServerStatus[] {
    this.counts.getRealServers++;
    const s = this.ipvs.findService(IPVS_PROTOCOLS[vs.protocol], vs.address >>> 0, vs.port);
    if (s === undefined) throw new KpemuError('IPVS_NO_SERVICE', 'No such service', {});
    return s.dests.map(toRealServer);
  }

  deleteRealServer(vs: VirtualServer, rs: RealServer): void {
    this.counts.deleteRealServer++;
    this.ipvs.deleteDest(IPVS_PROTOCOLS[vs.protocol], vs.address >>> 0, vs.port, rs.address >>> 0, rs.port);
  }

  updateRealServer(vs: VirtualServer, rs: RealServer): void {
    this.counts.updateRealServer++;
    this.ipvs.editDest(IPVS_PROTOCOLS[vs.protocol], vs.address >>> 0, vs.port, this.destSpec(rs));
  }

  configureTimeouts(tcp: number, tcpFin: number, udp: number): void {
    this.counts.configureTimeouts++;
    this.ipvs.setTimeouts(tcp, tcpFin, udp);
  }
}
