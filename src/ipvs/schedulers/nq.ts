import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import type { VirtualService } from '../service.js';
import type { Scheduler } from './scheduler.js';

/**
 * Never queue (ip_vs_nq.c): in list order, skipping overloaded and weight-0 destinations, an idle
 * one (activeconns == 0) is taken at once; otherwise the least (activeconns + 1) / weight by
 * cross-multiplication, ties to the earlier one.
 */
export class NeverQueue implements Scheduler {
  readonly name = 'nq';
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
      const doh = d.activeConns + 1;
      if (d.activeConns === 0) return d;
      if (least === null || loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }
}
