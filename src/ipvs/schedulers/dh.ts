import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import { goldenMultiply, hash32 } from '../hash.js';
import type { VirtualService } from '../service.js';
import type { Scheduler, SchedulerOptions } from './scheduler.js';

export const DH_TAB_BITS = 8;
export const DH_TAB_SIZE = 1 << DH_TAB_BITS;

/**
 * Destination hashing (ip_vs_dh.c): 256 buckets filled with the destinations one per bucket in
 * list order, weights ignored; the bucket is chosen by a hash of the packet's destination
 * address. Under kube-proxy that is always the VIP, so one backend takes every connection of a
 * service. An unusable bucket (unavailable, weight <= 0, overloaded) means no destination.
 */
export class DestinationHashing implements Scheduler {
  readonly name = 'dh';
  readonly table = new Int32Array(DH_TAB_SIZE);

  constructor(
    svc: VirtualService,
    private readonly opts: SchedulerOptions,
  ) {
    this.reassign(svc);
  }

  hashKey(addr: number): number {
    return this.opts.hashVariant === 'hash_32' ? hash32(addr, DH_TAB_BITS) : goldenMultiply(addr) & (DH_TAB_SIZE - 1);
  }

  private reassign(svc: VirtualService): void {
    const n = svc.dests.length;
    for (let i = 0; i < DH_TAB_SIZE; i++) this.table[i] = n === 0 ? -1 : i % n;
  }

  destAdded(svc: VirtualService): void {
    this.reassign(svc);
  }

  destRemoved(svc: VirtualService): void {
    this.reassign(svc);
  }

  destUpdated(svc: VirtualService): void {
    this.reassign(svc);
  }

  schedule(svc: VirtualService, pkt: Packet): Dest | null {
    const idx = this.table[this.hashKey(pkt.dst)] as number;
    if (idx < 0) return null;
    const d = svc.dests[idx] as Dest;
    return !d.available || d.unavailable ? null : d;
  }
}
