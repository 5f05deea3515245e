import { D_FLAGS, D_WEIGHT, DEST_STRIDE } from './dest-store.js';
import { S_CURSOR, S_DEST0, S_NDESTS, S_RR, SVC_STRIDE } from './service-store.js';
import { DEST_FLAGS } from './types.js';

/**
 * Whether service record `id` can be scheduled by {@link rrInline}: its scheduler is the real rr
 * module and its destination ids are inline. Otherwise the service's own scheduler object runs.
 */
export function rrInlineApplies(svcs: Int32Array, id: number): boolean {
  const b = id * SVC_STRIDE;
  return svcs[b + S_RR] === 1 && (svcs[b + S_NDESTS] as number) >= 0;
}

/**
 * ip_vs_rr_schedule over the store records, step for step what {@link RoundRobin.schedule} does
 * over the objects (a differential test holds them together): from the position after the last
 * choice, the first destination with weight > 0 that is not overloaded, wrapping once through the
 * list head and stopping at the last choice. Moves the position; returns the destination id, or
 * -1 when none is usable. Precondition: {@link rrInlineApplies}.
 */
export function rrInline(svcs: Int32Array, dests: Float64Array, id: number): number {
  const b = id * SVC_STRIDE;
  const n = svcs[b + S_NDESTS] as number;
  const last = svcs[b + S_CURSOR] as number;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = pass === 0 ? last + 1 : 0; i < n; i++) {
      const d = svcs[b + S_DEST0 + i] as number;
      const db = d * DEST_STRIDE;
      if (((dests[db + D_FLAGS] as number) & DEST_FLAGS.OVERLOAD) === 0 && (dests[db + D_WEIGHT] as number) > 0) {
        svcs[b + S_CURSOR] = i;
        return d;
      }
      if (i === last) return -1;
    }
    // Starting from the head, the first pass saw every destination.
    if (last === -1) break;
  }
  return -1;
}
