import type { Dest } from './dest.js';
import type { Scheduler } from './schedulers/scheduler.js';
import { SVC_FLAGS } from './types.js';

/**
 * A virtual service (struct ip_vs_service): protocol, address and port, the scheduler with its
 * state, flags, persistence timeout and mask, and the destinations in list order. The kernel
 * inserts a new destination at the head of the list, so `dests[0]` is the newest; that order is
 * what rr/wrr walk, what lc/wlc break ties with and what sh/dh/mh fill their tables from.
 */
export class VirtualService {
  /** Index in the IPVS model's service table. */
  id = -1;
  readonly dests: Dest[] = [];
  /** Bound right after construction (schedulers look at the service when they start). */
  scheduler!: Scheduler;
  /** SVC_FLAGS including HASHED (the kernel sets it on every added service). */
  flags: number;
  /** Persistence timeout in seconds. */
  timeout: number;
  /** Persistence granularity mask, host order. */
  netmask: number;
  /** Connections scheduled by this service (ipvsadm --stats Conns). */
  conns = 0;

  constructor(
    readonly protocol: number,
    readonly addr: number,
    readonly port: number,
    flags: number,
    timeout: number,
    netmask: number,
  ) {
    this.flags = flags | SVC_FLAGS.HASHED;
    this.timeout = timeout;
    this.netmask = netmask;
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
}
