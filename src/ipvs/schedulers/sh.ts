import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import { goldenMultiply, hash32 } from '../hash.js';
import type { VirtualService } from '../service.js';
import { SVC_FLAGS } from '../types.js';
import type { Scheduler, SchedulerOptions } from './scheduler.js';

/** IP_VS_SH_TAB_BITS (CONFIG_IP_VS_SH_TAB_BITS default 8): 256 buckets. */
export const SH_TAB_BITS = 8;
export const SH_TAB_SIZE = 1 << SH_TAB_BITS;
const SH_TAB_MASK = SH_TAB_SIZE - 1;

/** Ports the sh/mh schedulers can hash (TCP, UDP, SCTP); others hash as port 0. */
export function hashablePort(pkt: Packet): number {
  return pkt.proto === 6 || pkt.proto === 17 || pkt.proto === 132 ? pkt.sport : 0;
}

/**
 * Source hashing (ip_vs_sh.c). A 256-bucket table maps a hash of the client address (plus the
 * source port with `sh-port`, flag SCHED2) to a destination. The table is filled walking the
 * destinations in list order, each taking `weight` consecutive buckets (a weight-0 one still takes
 * one), wrapping around; it is rebuilt on every destination change. An unusable bucket
 * (weight <= 0 or overloaded) means no destination, unless `sh-fallback` (SCHED1) probes
 * (offset + hash) for offsets 0..255.
 */
export class SourceHashing implements Scheduler {
  readonly name = 'sh';
  /** Bucket -> index into the service's destination list, -1 for none. */
  readonly table = new Int32Array(SH_TAB_SIZE);

  constructor(
    svc: VirtualService,
    private readonly opts: SchedulerOptions,
  ) {
    this.reassign(svc);
  }

  /** ip_vs_sh_hashkey. */
  hashKey(addr: number, port: number, offset: number): number {
    const v = (port + addr) >>> 0;
    const h = this.opts.hashVariant === 'hash_32' ? hash32(v, SH_TAB_BITS) : goldenMultiply(v);
    return (offset + h) & SH_TAB_MASK;
  }

  private reassign(svc: VirtualService): void {
    const dests = svc.dests;
    const n = dests.length;
    if (n === 0) {
      this.table.fill(-1);
      return;
    }
    let p = 0;
    let count = 0;
    for (let i = 0; i < SH_TAB_SIZE; i++) {
      this.table[i] = p;
      if (++count >= (dests[p] as Dest).weight) {
        p = (p + 1) % n;
        count = 0;
      }
    }
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
    const port = (svc.flags & SVC_FLAGS.SCHED2) !== 0 ? hashablePort(pkt) : 0;
    const addr = pkt.src;
    const dests = svc.dests;
    const ihash = this.hashKey(addr, port, 0);
    const first = this.table[ihash] as number;
    if (first < 0) return null;
    const d = dests[first] as Dest;
    if (!d.unavailable) return d;
    if ((svc.flags & SVC_FLAGS.SCHED1) === 0) return null;
    for (let offset = 0; offset < SH_TAB_SIZE; offset++) {
      const roffset = (offset + ihash) % SH_TAB_SIZE;
      const idx = this.table[this.hashKey(addr, port, roffset)] as number;
      if (idx < 0) break;
      const c = dests[idx] as Dest;
      if (!c.unavailable) return c;
    }
    return null;
  }
}
