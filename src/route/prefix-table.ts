/**
 * The networks of one prefix length: an open-addressing map from a network address (uint32, host
 * order, already masked) to a non-negative int32 (the FIB's group index). Linear probing with
 * backward-shift deletion over two typed arrays; the stored value is kept plus one so that 0 marks
 * an empty slot. Grows at 50% load, so a probe run stays short even with one /32 per ClusterIP.
 */
export class PrefixTable {
  private keys: Uint32Array;
  /** value + 1; 0 = empty slot. */
  private vals: Int32Array;
  private mask: number;
  private count = 0;

  constructor(initialSlots = 8) {
    let cap = 8;
    while (cap < initialSlots) cap *= 2;
    this.keys = new Uint32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Fibonacci hashing: consecutive networks (ClusterIPs) spread over the table. */
  private home(key: number): number {
    return (Math.imul(key, 0x9e3779b1) >>> 7) & this.mask;
  }

  /** The value stored for `key`, or -1. */
  get(key: number): number {
    const keys = this.keys;
    const vals = this.vals;
    let slot = this.home(key);
    for (;;) {
      const v = vals[slot] as number;
      if (v === 0) return -1;
      if (keys[slot] === key) return v - 1;
      slot = (slot + 1) & this.mask;
    }
  }

  /** Inserts or replaces; `value` >= 0. */
  set(key: number, value: number): void {
    key >>>= 0;
    let slot = this.home(key);
    while (this.vals[slot] !== 0) {
      if (this.keys[slot] === key) {
        this.vals[slot] = value + 1;
        return;
      }
      slot = (slot + 1) & this.mask;
    }
    if ((this.count + 1) * 2 > this.mask + 1) {
      this.grow();
      this.set(key, value);
      return;
    }
    this.keys[slot] = key;
    this.vals[slot] = value + 1;
    this.count++;
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: number): boolean {
    key >>>= 0;
    let hole = this.home(key);
    for (;;) {
      if (this.vals[hole] === 0) return false;
      if (this.keys[hole] === key) break;
      hole = (hole + 1) & this.mask;
    }
    this.vals[hole] = 0;
    this.count--;
    // Backward shift: pull later members of the run into the hole when their home allows it.
    let next = (hole + 1) & this.mask;
    while (this.vals[next] !== 0) {
      const home = this.home(this.keys[next] as number);
      if (((hole - home) & this.mask) < ((next - home) & this.mask)) {
        this.keys[hole] = this.keys[next] as number;
        this.vals[hole] = this.vals[next] as number;
        this.vals[next] = 0;
        hole = next;
      }
      next = (next + 1) & this.mask;
    }
    return true;
  }

  private grow(): void {
    const keys = this.keys;
    const vals = this.vals;
    const cap = (this.mask + 1) * 2;
    this.keys = new Uint32Array(cap);
    this.vals = new Int32Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let s = 0; s < vals.length; s++) if (vals[s] !== 0) this.set(keys[s] as number, (vals[s] as number) - 1);
  }
}
