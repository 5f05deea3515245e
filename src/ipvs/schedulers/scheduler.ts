import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import type { VirtualService } from '../service.js';

/**
 * One IPVS scheduling module (struct ip_vs_scheduler). The service's destination list is an
 * array in kernel list order; the hooks tell a scheduler when it changed, as add_dest / del_dest /
 * upd_dest do in the kernel (schedulers without those hooks still get told, to keep array
 * positions right).
 */
export interface Scheduler {
  readonly name: string;
  /** A destination was inserted at `index` (0: the kernel adds at the head). */
  destAdded(svc: VirtualService, index: number): void;
  /** The destination formerly at `index` was removed. */
  destRemoved(svc: VirtualService, index: number): void;
  /** A destination's weight or thresholds changed. */
  destUpdated(svc: VirtualService): void;
  /** The destination for a new connection, or null (no destination available). Allocation-free. */
  schedule(svc: VirtualService, pkt: Packet): Dest | null;
}

/** Options that select kernel-version behaviour of the hashing schedulers. */
export interface SchedulerOptions {
  /**
   * sh/dh bucket hash: `hash_32` (current kernels: top 8 bits of x * 0x61C88647) or `multiply`
   * (older kernels: low 8 bits of x * 2654435761).
   */
  readonly hashVariant: 'hash_32' | 'multiply';
  /** CONFIG_IP_VS_MH_TAB_INDEX (8..17): mh table size primes[index - 8]; default 12 = 4093. */
  readonly mhTabIndex: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = { hashVariant: 'hash_32', mhTabIndex: 12 };

