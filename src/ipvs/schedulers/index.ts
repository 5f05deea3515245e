import type { VirtualService } from '../service.js';
import type { SchedulerName } from '../types.js';
import { DestinationHashing } from './dh.js';
import { LeastConnection } from './lc.js';
import { MaglevHashing } from './mh.js';
import { NeverQueue } from './nq.js';
import { RoundRobin } from './rr.js';
import type { Scheduler, SchedulerOptions } from './scheduler.js';
import { ShortestExpectedDelay } from './sed.js';
import { SourceHashing } from './sh.js';
import { WeightedLeastConnection } from './wlc.js';
import { WeightedRoundRobin } from './wrr.js';

export type { Scheduler, SchedulerOptions } from './scheduler.js';
export { DEFAULT_SCHEDULER_OPTIONS } from './scheduler.js';
export { RoundRobin } from './rr.js';
export { WeightedRoundRobin } from './wrr.js';
export { LeastConnection } from './lc.js';
export { WeightedLeastConnection } from './wlc.js';
export { ShortestExpectedDelay } from './sed.js';
export { NeverQueue } from './nq.js';
export { SourceHashing, SH_TAB_SIZE, hashablePort } from './sh.js';
export { DestinationHashing, DH_TAB_SIZE } from './dh.js';
export { MaglevHashing, MH_PRIMES } from './mh.js';

/**
 * Every scheduler kpemu implements, by name: binding one to a service runs its init_service on
 * the service's current destinations. Typed over SchedulerName so a new name cannot be left out.
 */
export const SCHEDULERS: { readonly [K in SchedulerName]: (svc: VirtualService, opts: SchedulerOptions) => Scheduler } = {
  rr: (svc) => new RoundRobin(svc),
  wrr: (svc) => new WeightedRoundRobin(svc),
  lc: () => new LeastConnection(),
  wlc: () => new WeightedLeastConnection(),
  sed: () => new ShortestExpectedDelay(),
  nq: () => new NeverQueue(),
  sh: (svc, opts) => new SourceHashing(svc, opts),
  dh: (svc, opts) => new DestinationHashing(svc, opts),
  mh: (svc, opts) => new MaglevHashing(svc, opts),
};
