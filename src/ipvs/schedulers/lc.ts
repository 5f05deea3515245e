import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import type { VirtualService } from '../service.js';
import type { Scheduler } from './scheduler.js';

/**
 * Least connection (ip_vs_lc.c): the destination with the smallest overhead
 * (activeconns * 256 + inactconns), skipping overloaded and weight-0 ones; ties go to the
 * earlier destination in list order.
 */
export class LeastConnection implements Scheduler {
  readonly name = 'lc';
  destAdded(): void {}
  destRemoved(): void {}
  destUpdated(): void {}

  schedule(svc: VirtualService, _pkt: Packet): Dest | null {
    let least: Dest | null = null;
    let loh = 0;
    const dests = svc.dests;
    for (let i = 0; i < dests.length; i++) {
      const d = dests[i] as Dest;
      if (d.overloaded || d.weight === 0) continue;
      const doh = d.overhead;
      if (least === null || doh < loh) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}
