/**
 * The per-destination numbers a new connection reads and writes (struct ip_vs_dest's hot half),
 * interleaved in one Float64Array: 16 numbers per destination id, the first 8 (one 64-byte cache
 * line: weight, flags, thresholds, counters) are what every scheduler tests and every new
 * connection updates, the next ones its address and port. At tens of thousands of services the
 * scheduling of a new connection then touches one or two adjacent cache lines per destination
 * instead of chasing `svc.dests[i]` to scattered objects. Float64 keeps the counters and weights
 * exact far beyond int32 (the API accepts any integer weight >= 0).
 *
 * {@link Dest} objects are views on a record (their fields are accessors); a freed record is
 * copied out into a private store first, so an old reference keeps reading its last values.
 */
export const DEST_STRIDE = 16;
export const D_WEIGHT = 0;
export const D_FLAGS = 1;
export const D_UTHRESHOLD = 2;
export const D_ACTIVE = 3;
export const D_INACTIVE = 4;
export const D_PERSIST = 5;
export const D_REFCNT = 6;
/** Connections scheduled to the destination since it was created (ipvsadm --stats Conns). */
export const D_CONNS = 7;
export const D_ADDR = 8;
export const D_PORT = 9;
/** 1 when the forwarding method is masquerading (replies come back through IPVS). */
export const D_MASQ = 10;

export class DestStore {
  /** The records; replaced (copied) when the store grows, so read it afresh after an add. */
  f64: Float64Array;

  constructor(capacity = 64) {
    this.f64 = new Float64Array(Math.max(1, capacity) * DEST_STRIDE);
  }

  /** Record capacity. */
  get capacity(): number {
    return this.f64.length / DEST_STRIDE;
  }

  /** Makes room for record `id` (ids are dense: the model reuses freed ones). */
  ensure(id: number): void {
    if (id < this.capacity) return;
    let cap = this.capacity;
    while (cap <= id) cap *= 2;
    const next = new Float64Array(cap * DEST_STRIDE);
    next.set(this.f64);
    this.f64 = next;
  }
}
