import type { Dest } from '../dest.js';
import { WeightedLeastConnection } from './wlc.js';

/**
 * Shortest expected delay (ip_vs_sed.c): wlc's selection with overhead = activeconns + 1
 * (inactive connections ignored), i.e. the least (active + 1) / weight.
 */
export class ShortestExpectedDelay extends WeightedLeastConnection {
  override readonly name: string = 'sed';

  protected override overhead(d: Dest): number {
    return d.activeConns + 1;
  }
}
