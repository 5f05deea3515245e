/**
 * The kernel's book-keeping of the distinct prefix lengths stored in a net type
 * (`struct net_prefixes nets[]` in ip_set_hash_gen.h). Testing a host address probes once per
 * distinct prefix length, longest first, so the first stored network found is the most specific
 * one; that is what makes `nomatch` entries carve holes out of shorter ones.
 *
 * Mirrors mtype_add_cidr / mtype_del_cidr exactly, including that the ordered list and the
 * per-length counts live in two index spaces (list position vs. prefix length).
 */
export class NetPrefixes {
  /** Prefix lengths + 1, sorted descending; 0 ends the list. */
  private readonly order: Uint8Array;
  /** Number of stored entries per prefix length (index = length - 1). */
  private readonly counts: Uint32Array;

  /** `hostMask` is 32 for IPv4; prefix lengths are 1..hostMask (the modelled types refuse /0). */
  constructor(private readonly hostMask = 32) {
    this.order = new Uint8Array(hostMask + 1);
    this.counts = new Uint32Array(hostMask + 1);
  }

  /** Records one more entry with prefix length `len` (1..32). */
  add(len: number): void {
    const c = len + 1;
    let i = 0;
    let j = -1;
    for (; i < this.hostMask && this.order[i] !== 0; i++) {
      if (j !== -1) continue;
      const cur = this.order[i] as number;
      if (cur < c) j = i;
      else if (cur === c) {
        this.counts[len - 1] = ((this.counts[len - 1] as number) + 1) >>> 0;
        return;
      }
    }
    if (j !== -1) for (; i > j; i--) this.order[i] = this.order[i - 1] as number;
    this.order[i] = c;
    this.counts[len - 1] = 1;
  }

  /** Records one entry fewer with prefix length `len`. */
  delete(len: number): void {
    const c = len + 1;
    for (let i = 0; i < this.hostMask; i++) {
      if (this.order[i] !== c) continue;
      this.counts[len - 1] = ((this.counts[len - 1] as number) - 1) >>> 0;
      if ((this.counts[len - 1] as number) > 0) return;
      let j = i;
      for (; j < this.hostMask - 1 && this.order[j] !== 0; j++) this.order[j] = this.order[j + 1] as number;
      this.order[j] = 0;
      return;
    }
  }

  /** Prefix length at list position `i` (longest first), or 0 past the end. */
  lengthAt(i: number): number {
    const c = this.order[i] ?? 0;
    return c === 0 ? 0 : c - 1;
  }

  /** Number of distinct prefix lengths stored. */
  get distinct(): number {
    let n = 0;
    while (n < this.hostMask && this.order[n] !== 0) n++;
    return n;
  }

  clear(): void {
    this.order.fill(0);
    this.counts.fill(0);
  }

  copyFrom(o: NetPrefixes): void {
    this.order.set(o.order);
    this.counts.set(o.counts);
  }
}
