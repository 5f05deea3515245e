import { KpemuError } from '../core/index.js';
import { Dest } from './dest.js';
import { DestStore } from './dest-store.js';
import { FreeIds } from './free-ids.js';
import { SCHEDULERS, type SchedulerOptions } from './schedulers/index.js';
import { ServiceIndex } from './service-index.js';
import { ServiceStore } from './service-store.js';
import { VirtualService } from './service.js';
import { DEST_FLAGS, type FwdMethod, isSchedulerName, type SchedulerName, SVC_FLAGS, UNMODELLED_SCHEDULERS } from './types.js';

/** A service as created or edited through the model (protocol number, host-order address). */
export interface ServiceSpec {
  readonly protocol: number;
  readonly addr: number;
  readonly port: number;
  readonly scheduler: string;
  /** SVC_FLAGS (HASHED is added by the kernel). */
  readonly flags?: number;
  /** Persistence timeout, seconds. */
  readonly timeout?: number;
  /** Persistence mask, host order; default 255.255.255.255. */
  readonly netmask?: number;
}

export interface DestSpec {
  readonly addr: number;
  readonly port: number;
  readonly weight: number;
  readonly fwd?: FwdMethod;
  readonly uThreshold?: number;
  readonly lThreshold?: number;
}

/**
 * The configuration half of IPVS (ip_vs_ctl.c): virtual services in an open-addressing table keyed
 * by (protocol, address, port), their destinations in kernel list order, scheduler binding, and
 * the destination trash that keeps deleted real servers alive while connections use them. The
 * connection half ({@link Ipvs}) extends it.
 */
export class IpvsTables {
  readonly schedulerOptions: SchedulerOptions;
  protected services: (VirtualService | null)[] = [];
  private readonly svcIndex = new ServiceIndex(256, 0x1a2b3c4d);
  /** Holes left in `services` by deleted services, lowest reused first. */
  private readonly freeServiceIds = new FreeIds();
  private portZeroServices = 0;
  /** Hot numbers of every service by id (flags, port, rr state, destination ids). */
  protected readonly serviceStore = new ServiceStore(64);
  protected dests: (Dest | null)[] = [];
  /** Hot numbers of every destination by id (weight, flags, counters, address). */
  protected readonly destStore = new DestStore(64);
  private freeDestIds: number[] = [];
  /** Deleted destinations kept alive by their connections (the kernel's dest_trash). */
  private trash: Dest[] = [];
  /** Slots probed by the most recent service lookup. */
  lastServiceProbes = 0;

  constructor(schedulerOptions: SchedulerOptions) {
    this.schedulerOptions = schedulerOptions;
  }

  // --- services ------------------------------------------------------------------------------

  /** The service for (protocol, addr, port), or undefined. */
  findService(protocol: number, addr: number, port: number): VirtualService | undefined {
    const id = this.svcIndex.get(protocol, addr, port);
    return id < 0 ? undefined : (this.services[id] ?? undefined);
  }

  /** ip_vs_service_find: the id of the exact service, else of a port-0 service of that address, or -1. */
  protected lookupServiceId(protocol: number, addr: number, port: number): number {
    let id = this.svcIndex.get(protocol, addr, port);
    let probes = this.svcIndex.lastProbes;
    if (id < 0 && this.portZeroServices > 0) {
      id = this.svcIndex.get(protocol, addr, 0);
      probes += this.svcIndex.lastProbes;
    }
    this.lastServiceProbes = probes;
    return id;
  }

  /** Services in creation order (the kernel's own order depends on a netns pointer; ipvsadm sorts). */
  listServices(): VirtualService[] {
    return this.services.filter((s): s is VirtualService => s !== null);
  }

  /** The scheduler name as a modelled one (ENOENT "Scheduler not found" otherwise). */
  private checkScheduler(name: string): SchedulerName {
    if (isSchedulerName(name)) return name;
    const why = (UNMODELLED_SCHEDULERS as readonly string[]).includes(name) ? ' (kpemu does not model it)' : '';
    throw new KpemuError('IPVS_BAD_SCHEDULER', `Scheduler not found: ${name}${why}`, { location: { text: name } });
  }

  /** ip_vs_add_service. */
  addService(spec: ServiceSpec): VirtualService {
    if (this.findService(spec.protocol, spec.addr, spec.port) !== undefined)
      throw new KpemuError('IPVS_SERVICE_EXISTS', 'Service already exists', { location: { object: serviceName(spec) } });
    const sched = this.checkScheduler(spec.scheduler);
    let id = this.freeServiceIds.takeLowest();
    if (id < 0) {
      id = this.services.length;
      this.services.push(null);
    }
    const svc = new VirtualService(this.serviceStore, id, spec.protocol, spec.addr >>> 0, spec.port, spec.flags ?? 0, spec.timeout ?? 0, spec.netmask ?? 0xffffffff);
    svc.scheduler = SCHEDULERS[sched](svc, this.schedulerOptions);
    this.services[id] = svc;
    this.svcIndex.set(svc.protocol, svc.addr, svc.port, id);
    if (svc.port === 0) this.portZeroServices++;
    return svc;
  }

  private mustService(protocol: number, addr: number, port: number, missing: string): VirtualService {
    const svc = this.findService(protocol, addr, port);
    if (svc === undefined) throw new KpemuError('IPVS_NO_SERVICE', missing, { location: { object: serviceName({ protocol, addr, port }) } });
    return svc;
  }

  /** ip_vs_edit_service: flags, timeout and mask change in place; a new scheduler starts fresh. */
  editService(spec: ServiceSpec): VirtualService {
    const svc = this.mustService(spec.protocol, spec.addr, spec.port, 'No such service');
    const sched = this.checkScheduler(spec.scheduler);
    svc.flags = (spec.flags ?? 0) | SVC_FLAGS.HASHED;
    svc.timeout = spec.timeout ?? 0;
    svc.netmask = spec.netmask ?? 0xffffffff;
    if (svc.scheduler.name !== sched) svc.scheduler = SCHEDULERS[sched](svc, this.schedulerOptions);
    return svc;
  }

  /** ip_vs_del_service: its real servers go to the trash while connections still use them. */
  deleteService(protocol: number, addr: number, port: number): void {
    const svc = this.mustService(protocol, addr, port, 'No such service');
    while (svc.dests.length > 0) this.unlinkDest(svc, 0);
    this.svcIndex.delete(protocol, addr, port);
    if (svc.port === 0) this.portZeroServices--;
    this.services[svc.id] = null;
    svc.detach();
    this.freeServiceIds.release(svc.id);
  }

  /** ipvsadm -C: every service goes. */
  flush(): void {
    for (const s of this.listServices()) this.deleteService(s.protocol, s.addr, s.port);
  }

  // --- destinations --------------------------------------------------------------------------

  /** ip_vs_add_dest: inserted at the head of the list; a trashed twin with live connections is revived. */
  addDest(protocol: number, addr: number, port: number, spec: DestSpec): Dest {
    const svc = this.mustService(protocol, addr, port, 'Service not defined');
    if (spec.weight < 0 || !Number.isInteger(spec.weight))
      throw new KpemuError('VALUE_INVALID', `invalid weight ${spec.weight}: expected an integer >= 0`, { location: { object: destName(svc, spec) } });
    const uth = spec.uThreshold ?? 0;
    const lth = spec.lThreshold ?? 0;
    if (uth !== 0 && lth > uth) throw new KpemuError('VALUE_INVALID', 'lower threshold above upper threshold', { location: { object: destName(svc, spec) } });
    if (svc.indexOfDest(spec.addr >>> 0, spec.port) >= 0)
      throw new KpemuError('IPVS_DEST_EXISTS', 'Destination already exists', { location: { object: destName(svc, spec) } });
    let dest = this.trashedDest(svc, spec.addr >>> 0, spec.port);
    if (dest === null) {
      const id = this.freeDestIds.pop() ?? this.dests.length;
      dest = new Dest(this.destStore, id, spec.addr >>> 0, spec.port, spec.weight, spec.fwd ?? 'masq', svc.protocol, svc.addr, svc.port);
      this.dests[id] = dest;
    }
    dest.inTrash = false;
    this.updateDest(svc, dest, spec, true);
    svc.insertDest(0, dest);
    svc.scheduler.destAdded(svc, 0);
    return dest;
  }

  private trashedDest(svc: VirtualService, addr: number, port: number): Dest | null {
    for (let i = 0; i < this.trash.length; i++) {
      const d = this.trash[i] as Dest;
      if (d.addr === addr && d.port === port && d.svcProtocol === svc.protocol && d.svcAddr === svc.addr && d.svcPort === svc.port) {
        this.trash.splice(i, 1);
        return d;
      }
    }
    return null;
  }

  /** __ip_vs_update_dest: weight, last_weight, forwarding, thresholds, AVAILABLE, OVERLOAD. */
  private updateDest(_svc: VirtualService, dest: Dest, spec: DestSpec, add: boolean): void {
    dest.weight = spec.weight;
    if (add || spec.weight !== 0) dest.lastWeight = spec.weight;
    dest.fwd = spec.fwd ?? 'masq';
    dest.flags |= DEST_FLAGS.AVAILABLE;
    const uth = spec.uThreshold ?? 0;
    if (uth === 0 || uth > dest.totalConns) dest.flags &= ~DEST_FLAGS.OVERLOAD;
    dest.uThreshold = uth;
    dest.lThreshold = spec.lThreshold ?? 0;
  }

  /** ip_vs_edit_dest (weight 0 quiesces: no new connections, existing ones keep going). */
  editDest(protocol: number, addr: number, port: number, spec: DestSpec): Dest {
    const svc = this.mustService(protocol, addr, port, 'Service not defined');
    const i = svc.indexOfDest(spec.addr >>> 0, spec.port);
    if (i < 0) throw new KpemuError('IPVS_NO_DEST', 'No such destination', { location: { object: destName(svc, spec) } });
    if (spec.weight < 0 || !Number.isInteger(spec.weight))
      throw new KpemuError('VALUE_INVALID', `invalid weight ${spec.weight}: expected an integer >= 0`, { location: { object: destName(svc, spec) } });
    const dest = svc.dests[i] as Dest;
    this.updateDest(svc, dest, spec, false);
    svc.scheduler.destUpdated(svc);
    return dest;
  }

  /** ip_vs_del_dest: unlinked now; freed when its last connection expires. */
  deleteDest(protocol: number, addr: number, port: number, destAddr: number, destPort: number): void {
    const svc = this.mustService(protocol, addr, port, 'Service not defined');
    const i = svc.indexOfDest(destAddr >>> 0, destPort);
    if (i < 0) throw new KpemuError('IPVS_NO_DEST', 'No such destination', { location: { object: destName(svc, { addr: destAddr, port: destPort }) } });
    this.unlinkDest(svc, i);
  }

  private unlinkDest(svc: VirtualService, i: number): void {
    const dest = svc.dests[i] as Dest;
    dest.flags &= ~DEST_FLAGS.AVAILABLE;
    svc.removeDest(i);
    svc.scheduler.destRemoved(svc, i);
    if (dest.refcnt === 0) this.freeDest(dest);
    else {
      dest.inTrash = true;
      this.trash.push(dest);
    }
  }

  protected freeDest(dest: Dest): void {
    this.dests[dest.id] = null;
    dest.detach();
    this.freeDestIds.push(dest.id);
    if (dest.inTrash) {
      dest.inTrash = false;
      const at = this.trash.indexOf(dest);
      if (at >= 0) this.trash.splice(at, 1);
    }
  }

  /** The destination with id `id` (connections store ids), or null. */
  destById(id: number): Dest | null {
    return this.dests[id] ?? null;
  }
}

export function serviceName(s: { protocol: number; addr: number; port: number }): string {
  const a = s.addr >>> 0;
  const proto = s.protocol === 6 ? 'TCP' : s.protocol === 17 ? 'UDP' : s.protocol === 132 ? 'SCTP' : String(s.protocol);
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}:${s.port}/${proto}`;
}

function destName(svc: VirtualService, d: { addr: number; port: number }): string {
  const a = d.addr >>> 0;
  return `${serviceName(svc)} -> ${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}:${d.port}`;
}
