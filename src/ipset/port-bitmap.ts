import { COUNTER_UNSET } from './hash-table.js';

/**
 * bitmap:port storage (ip_set_bitmap_port.c / ip_set_bitmap_gen.h): one member bit per port of
 * the set's range plus per-port extension memory. A membership test is one array read.
 * Extension memory is not cleared on delete, as in the kernel: counters of a deleted port come
 * back if it is re-added without counter values.
 */
export class PortBitmap {
  private members: Uint8Array;
  private expires: Float64Array | null;
  private packets: Float64Array | null;
  private bytes: Float64Array | null;
  private comments: (string | undefined)[] | null;
  private count = 0;

  constructor(
    readonly first: number,
    readonly last: number,
    withTimeout: boolean,
    withCounters: boolean,
    withComment: boolean,
  ) {
    const n = last - first + 1;
    this.members = new Uint8Array(n);
    this.expires = withTimeout ? new Float64Array(n) : null;
    this.packets = withCounters ? new Float64Array(n) : null;
    this.bytes = withCounters ? new Float64Array(n) : null;
    this.comments = withComment ? new Array<string | undefined>(n).fill(undefined) : null;
  }

  inRange(port: number): boolean {
    return port >= this.first && port <= this.last;
  }

  private expired(id: number, nowMs: number): boolean {
    return this.expires !== null && nowMs > (this.expires[id] as number);
  }

  /** True when `port` (in range) is a live member. */
  has(port: number, nowMs: number): boolean {
    const id = port - this.first;
    return this.members[id] === 1 && !this.expired(id, nowMs);
  }

  /** mtype_add: false when present and not timed out and `exist` is not set. */
  add(port: number, nowMs: number, exist: boolean, timeoutSec: number, packets: number, bytes: number, comment: string | undefined): boolean {
    const id = port - this.first;
    if (this.members[id] === 1) {
      if (this.expired(id, nowMs)) this.count--;
      else if (!exist) return false;
      else this.count--;
      if (this.comments !== null) this.comments[id] = undefined;
    }
    if (this.expires !== null) this.expires[id] = timeoutSec === 0 ? Infinity : nowMs + timeoutSec * 1000;
    if (this.packets !== null && this.bytes !== null) {
      if (bytes !== COUNTER_UNSET) this.bytes[id] = bytes;
      if (packets !== COUNTER_UNSET) this.packets[id] = packets;
    }
    if (this.comments !== null) this.comments[id] = comment === undefined || comment === '' ? undefined : comment;
    this.members[id] = 1;
    this.count++;
    return true;
  }

  /** mtype_del: false when not present (or timed out). */
  del(port: number, nowMs: number): boolean {
    const id = port - this.first;
    if (this.members[id] !== 1) return false;
    this.members[id] = 0;
    this.count--;
    if (this.comments !== null) this.comments[id] = undefined;
    return !this.expired(id, nowMs);
  }

  flush(): void {
    this.members.fill(0);
    this.count = 0;
    if (this.comments !== null) this.comments.fill(undefined);
  }

  /** Drops timed-out members (the kernel's periodic gc). */
  gc(nowMs: number): void {
    if (this.expires === null) return;
    for (let id = 0; id < this.members.length; id++) {
      if (this.members[id] === 1 && this.expired(id, nowMs)) {
        this.members[id] = 0;
        this.count--;
        if (this.comments !== null) this.comments[id] = undefined;
      }
    }
  }

  /** Live members in ascending port order. */
  forEachPort(nowMs: number, fn: (port: number) => void): void {
    for (let id = 0; id < this.members.length; id++) if (this.members[id] === 1 && !this.expired(id, nowMs)) fn(id + this.first);
  }

  liveCount(nowMs: number): number {
    if (this.expires === null) return this.count;
    let c = 0;
    this.forEachPort(nowMs, () => c++);
    return c;
  }

  expiresAt(port: number): number | undefined {
    return this.expires === null ? undefined : (this.expires[port - this.first] as number);
  }

  packetsAt(port: number): number {
    return this.packets === null ? 0 : (this.packets[port - this.first] as number);
  }

  bytesAt(port: number): number {
    return this.bytes === null ? 0 : (this.bytes[port - this.first] as number);
  }

  commentAt(port: number): string | undefined {
    return this.comments === null ? undefined : this.comments[port - this.first];
  }

  countPacket(port: number, bytes: number): void {
    if (this.packets === null || this.bytes === null) return;
    const id = port - this.first;
    this.packets[id] = (this.packets[id] as number) + 1;
    this.bytes[id] = (this.bytes[id] as number) + bytes;
  }

  get byteLength(): number {
    return this.members.byteLength + (this.expires?.byteLength ?? 0) + (this.packets?.byteLength ?? 0) * 2;
  }

  clone(): PortBitmap {
    const b = new PortBitmap(this.first, this.last, false, false, false);
    b.members = this.members.slice();
    b.expires = this.expires?.slice() ?? null;
    b.packets = this.packets?.slice() ?? null;
    b.bytes = this.bytes?.slice() ?? null;
    b.comments = this.comments?.slice() ?? null;
    b.count = this.count;
    return b;
  }
}
