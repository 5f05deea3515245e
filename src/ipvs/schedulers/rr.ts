import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import type { VirtualService } from '../service.js';
import type { Scheduler } from './scheduler.js';

/**
 * Round robin (ip_vs_rr.c). The state is a position in the destination list, starting at the
 * list head (-1). Scheduling walks forward from it and takes the first destination that is not
 * overloaded and has weight > 0; a second pass from the head covers the ones before the position,
 * ending at the position itself. Deleting the destination at the position moves it back one.
 *
 * The position is kept in the service's store record (`svc.rrCursor`), where the model's inline
 * rr path (Ipvs, rr-inline.ts) reads and moves it too; binding rr starts it afresh at the head.
 */
export class RoundRobin implements Scheduler {
  readonly name = 'rr';

  constructor(svc: VirtualService) {
    svc.rrCursor = -1;
  }

  destAdded(svc: VirtualService, index: number): void {
    if (svc.rrCursor >= index) svc.rrCursor++;
  }

  destRemoved(svc: VirtualService, index: number): void {
    const cursor = svc.rrCursor;
    if (cursor === index) svc.rrCursor = index - 1;
    else if (cursor > index) svc.rrCursor = cursor - 1;
  }

  destUpdated(): void {}

  schedule(svc: VirtualService, _pkt: Packet): Dest | null {
    const dests = svc.dests;
    const n = dests.length;
    const last = svc.rrCursor;
    for (let pass = 0; pass < 2; pass++) {
      for (let i = pass === 0 ? last + 1 : 0; i < n; i++) {
        const d = dests[i] as Dest;
        if (!d.overloaded && d.weight > 0) {
          svc.rrCursor = i;
          return d;
        }
        if (i === last) return null;
      }
      // Starting from the head, the first pass saw every destination.
      if (last === -1) break;
    }
    return null;
  }
}
