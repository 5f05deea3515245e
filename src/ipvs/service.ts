import type { Dest } from './dest.js';
import { RoundRobin } from './schedulers/rr.js';
import type { Scheduler } from './schedulers/scheduler.js';
import { S_CURSOR, S_DEST0, S_FLAGS, S_NDESTS, S_PORT, S_RR, SVC_INLINE_DESTS, SVC_STRIDE, ServiceStore } from './service-store.js';
import { SVC_FLAGS } from './types.js';

/**
 * A virtual service (struct ip_vs_service): protocol, address and port, the scheduler with its
 * state, flags, persistence timeout and mask, and the destinations in list order. The kernel
 * inserts a new destination at the head of the list, so `dests[0]` is the newest; that order is
 * what rr/wrr walk, what lc/wlc break ties with and what sh/dh/mh fill their tables from.
 *
 * What a new connection reads (flags, port, the scheduler's kind, rr's position, destination ids,
 * the connection count) lives in the model's {@link ServiceStore} record `id`, kept in step here
 * by the accessors and by {@link insertDest}/{@link removeDest}; see service-store.ts.
 */
export class VirtualService {
  /** The destinations in kernel list order; change it only through insertDest/removeDest. */
  readonly dests: Dest[] = [];
  /** Persistence timeout in seconds. */
  timeout: number;
  /** Persistence granularity mask, host order. */
  netmask: number;
  private sched: Scheduler | null = null;
  private store: ServiceStore;
  private base: number;

  constructor(
    store: ServiceStore,
    /** Index in the IPVS model's service table. */
    readonly id: number,
    readonly protocol: number,
    readonly addr: number,
    readonly port: number,
    flags: number,
    timeout: number,
    netmask: number,
  ) {
    store.ensure(id);
    this.store = store;
    this.base = id * SVC_STRIDE;
    store.i32.fill(0, this.base, this.base + SVC_STRIDE);
    store.i32[this.base + S_PORT] = port;
    store.i32[this.base + S_CURSOR] = -1;
    /** SVC_FLAGS including HASHED (the kernel sets it on every added service). */
    this.flags = flags | SVC_FLAGS.HASHED;
    this.timeout = timeout;
    this.netmask = netmask;
  }

  /** Bound right after construction (schedulers look at the service when they start). */
  get scheduler(): Scheduler {
    if (this.sched === null) throw new Error('unreachable: scheduler read before it was bound');
    return this.sched;
  }
  set scheduler(s: Scheduler) {
    this.sched = s;
    // Only the real rr module may be run inline; a stand-in (the outcome explorer's) may not.
    this.store.i32[this.base + S_RR] = s instanceof RoundRobin ? 1 : 0;
  }

  /** SVC_FLAGS including HASHED. */
  get flags(): number {
    return this.store.i32[this.base + S_FLAGS] as number;
  }
  set flags(v: number) {
    this.store.i32[this.base + S_FLAGS] = v;
  }

  /** Connections scheduled by this service (ipvsadm --stats Conns). */
  get conns(): number {
    return this.store.conns(this.base / SVC_STRIDE);
  }
  set conns(n: number) {
    this.store.setConns(this.base / SVC_STRIDE, n);
  }

  /** rr's position in the destination list (-1: the head). */
  get rrCursor(): number {
    return this.store.i32[this.base + S_CURSOR] as number;
  }
  set rrCursor(v: number) {
    this.store.i32[this.base + S_CURSOR] = v;
  }

  get persistent(): boolean {
    return (this.flags & SVC_FLAGS.PERSISTENT) !== 0;
  }

  /** Index of the destination addr:port in list order, or -1. */
  indexOfDest(addr: number, port: number): number {
    for (let i = 0; i < this.dests.length; i++) {
      const d = this.dests[i] as Dest;
      if (d.addr === addr && d.port === port) return i;
    }
    return -1;
  }

  /** Puts `dest` at `index` of the list (the kernel adds at the head, index 0). */
  insertDest(index: number, dest: Dest): void {
    if (index === 0) this.dests.unshift(dest);
    else this.dests.splice(index, 0, dest);
    this.storeDestIds();
  }

  /** Takes the destination at `index` out of the list and returns it. */
  removeDest(index: number): Dest {
    const d = this.dests[index] as Dest;
    this.dests.splice(index, 1);
    this.storeDestIds();
    return d;
  }

  /** Moves this service's numbers out of the shared store (its id is about to be reused). */
  detach(): void {
    const own = new ServiceStore(1);
    own.i32.set(this.store.i32.subarray(this.base, this.base + SVC_STRIDE));
    this.store = own;
    this.base = 0;
  }

  private storeDestIds(): void {
    const a = this.store.i32;
    const n = this.dests.length;
    if (n > SVC_INLINE_DESTS) {
      a[this.base + S_NDESTS] = -1;
      return;
    }
    a[this.base + S_NDESTS] = n;
    for (let i = 0; i < n; i++) a[this.base + S_DEST0 + i] = (this.dests[i] as Dest).id;
  }
}
