/**
 * The per-service numbers a new connection reads (struct ip_vs_service's hot half), interleaved in
 * one Int32Array: 16 words (one 64-byte cache line) per service id — flags, port, whether the
 * scheduler is a plain round robin, rr's position, and the destination ids in list order when
 * there are at most {@link SVC_INLINE_DESTS} of them. With it, scheduling a new connection to an
 * rr service reads one line here and one per destination tested in {@link DestStore}, instead
 * of the service object, its scheduler, its destination array and each destination object.
 *
 * {@link VirtualService} objects are views on a record (flags, connection count and rr's cursor
 * are accessors); a deleted service's record is copied out into a private store first.
 */
export const SVC_STRIDE = 16;
export const S_FLAGS = 0;
export const S_PORT = 1;
/** 1 while the bound scheduler is a {@link RoundRobin} (the inline rr path may run). */
export const S_RR = 2;
/** rr's position in the destination list; -1 is the list head. */
export const S_CURSOR = 3;
/** Destinations in the list, or -1 when there are more than fit inline. */
export const S_NDESTS = 4;
/** Connections scheduled by the service (ipvsadm --stats Conns), as two uint32 halves. */
export const S_CONNS_LO = 5;
export const S_CONNS_HI = 6;
export const S_DEST0 = 7;
export const SVC_INLINE_DESTS = SVC_STRIDE - S_DEST0;

export class ServiceStore {
  /** The records; replaced (copied) when the store grows, so read it afresh after an add. */
  i32: Int32Array;

  constructor(capacity = 64) {
    this.i32 = new Int32Array(Math.max(1, capacity) * SVC_STRIDE);
  }

  get capacity(): number {
    return this.i32.length / SVC_STRIDE;
  }

  /** Makes room for record `id` (ids are dense: the model reuses the lowest freed one). */
  ensure(id: number): void {
    if (id < this.capacity) return;
    let cap = this.capacity;
    while (cap <= id) cap *= 2;
    const next = new Int32Array(cap * SVC_STRIDE);
    next.set(this.i32);
    this.i32 = next;
  }

  /** Connections scheduled by service `id` (exact up to 2^53). */
  conns(id: number): number {
    const b = id * SVC_STRIDE;
    return (this.i32[b + S_CONNS_HI] as number) * 4294967296 + ((this.i32[b + S_CONNS_LO] as number) >>> 0);
  }

  setConns(id: number, n: number): void {
    const b = id * SVC_STRIDE;
    this.i32[b + S_CONNS_LO] = n % 4294967296 | 0;
    this.i32[b + S_CONNS_HI] = Math.floor(n / 4294967296) | 0;
  }

  /** One more connection for service `id`. */
  countConn(id: number): void {
    const a = this.i32;
    const b = id * SVC_STRIDE;
    const lo = ((a[b + S_CONNS_LO] as number) + 1) | 0;
    a[b + S_CONNS_LO] = lo;
    if (lo === 0) a[b + S_CONNS_HI] = ((a[b + S_CONNS_HI] as number) + 1) | 0;
  }
}
