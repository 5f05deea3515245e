import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import type { VirtualService } from '../service.js';
import type { Scheduler } from './scheduler.js';

/**
 * Weighted least connection (ip_vs_wlc.c): the first usable destination (not overloaded,
 * weight > 0) starts as the least; a later non-overloaded one replaces it when
 * overhead(least) * weight(d) > overhead(d) * weight(least) (strictly, 64-bit products; a weight-0
 * destination can never win). Overhead is activeconns * 256 + inactconns.
 */
export class WeightedLeastConnection implements Scheduler {
  readonly name: string = 'wlc';
  destAdded(): void {}
  destRemoved(): void {}
  destUpdated(): void {}

  /** The overhead this scheduler weighs (sed and nq override it). */
  protected overhead(d: Dest): number {
    return d.overhead;
  }

  schedule(svc: VirtualService, _pkt: Packet): Dest | null {
    const dests = svc.dests;
    const n = dests.length;
    let start = 0;
    while (start < n && ((dests[start] as Dest).overloaded || (dests[start] as Dest).weight <= 0)) start++;
    if (start === n) return null;
    let least = dests[start] as Dest;
    let loh = this.overhead(least);
    for (let i = start + 1; i < n; i++) {
      const d = dests[i] as Dest;
      if (d.overloaded) continue;
      const doh = this.overhead(d);
      if (loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}
