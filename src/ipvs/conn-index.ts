import { finalize32, mix32 } from '../core/index.js';

/**
 * Words per slot: the four key words, the value + 1 (0 marks an empty slot), three unused words
 * so that a slot is 32 bytes and never straddles a cache line.
 */
const STRIDE = 8;
const VALUE = 4;

/**
 * An open-addressing index from four-word keys to slot numbers, for the connection table:
 * linear probing, backward-shift deletion (no tombstones), growth at 50% load. A slot's key and
 * value share one Uint32Array, so probing a slot reads one cache line (a new connection misses in
 * a table as large as the connections of a busy node: one line per probe, not three). Unlike the
 * general-purpose core table it hashes stored keys in place, so deleting (which connection expiry
 * does on the packet path) allocates nothing.
 */
export class ConnIndex {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;
  /** Slots inspected by the most recent get/set/delete. */
  lastProbes = 0;

  constructor(
    initialCapacity = 1024,
    private readonly seed = 0x2f8a9c31,
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.slots = new Uint32Array(cap * STRIDE);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.slots.byteLength;
  }

  private hash(a: number, b: number, c: number, d: number): number {
    return finalize32(mix32(mix32(mix32(mix32(this.seed, a), b), c), d)) & this.mask;
  }

  /** Word offset of the slot holding the key, or -1. */
  private find(a: number, b: number, c: number, d: number): number {
    let slot = this.hash(a, b, c, d);
    let probes = 1;
    const s = this.slots;
    for (;;) {
      const base = slot * STRIDE;
      if (s[base + VALUE] === 0) break;
      if (s[base] === a && s[base + 1] === b && s[base + 2] === c && s[base + 3] === d) {
        this.lastProbes = probes;
        return base;
      }
      slot = (slot + 1) & this.mask;
      probes++;
    }
    this.lastProbes = probes;
    return -1;
  }

  /** The value stored for the key (a, b, c, d), or -1. Words are uint32. */
  get(a: number, b: number, c: number, d: number): number {
    const base = this.find(a >>> 0, b >>> 0, c >>> 0, d >>> 0);
    return base < 0 ? -1 : (this.slots[base + VALUE] as number) - 1;
  }

  /** Inserts or replaces; `value` >= 0. */
  set(a: number, b: number, c: number, d: number, value: number): void {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const existing = this.find(a, b, c, d);
    if (existing >= 0) {
      this.slots[existing + VALUE] = value + 1;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.place(a, b, c, d, value + 1);
    this.count++;
  }

  private place(a: number, b: number, c: number, d: number, stored: number): void {
    const s = this.slots;
    let slot = this.hash(a, b, c, d);
    while (s[slot * STRIDE + VALUE] !== 0) slot = (slot + 1) & this.mask;
    const base = slot * STRIDE;
    s[base] = a;
    s[base + 1] = b;
    s[base + 2] = c;
    s[base + 3] = d;
    s[base + VALUE] = stored;
  }

  /** Removes the key; returns whether it was present. */
  delete(a: number, b: number, c: number, d: number): boolean {
    const found = this.find(a >>> 0, b >>> 0, c >>> 0, d >>> 0);
    if (found < 0) return false;
    const s = this.slots;
    s[found + VALUE] = 0;
    this.count--;
    let hole = found / STRIDE;
    let next = (hole + 1) & this.mask;
    for (;;) {
      const nb = next * STRIDE;
      if (s[nb + VALUE] === 0) break;
      const home = this.hash(s[nb] as number, s[nb + 1] as number, s[nb + 2] as number, s[nb + 3] as number);
      if (((hole - home) & this.mask) < ((next - home) & this.mask)) {
        const hb = hole * STRIDE;
        s[hb] = s[nb] as number;
        s[hb + 1] = s[nb + 1] as number;
        s[hb + 2] = s[nb + 2] as number;
        s[hb + 3] = s[nb + 3] as number;
        s[hb + VALUE] = s[nb + VALUE] as number;
        s[nb + VALUE] = 0;
        hole = next;
      }
      next = (next + 1) & this.mask;
    }
    return true;
  }

  clear(): void {
    if (this.count === 0) return;
    this.slots.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Uint32Array(cap * STRIDE);
    this.mask = cap - 1;
    for (let b = 0; b < old.length; b += STRIDE) if (old[b + VALUE] !== 0) this.place(old[b] as number, old[b + 1] as number, old[b + 2] as number, old[b + 3] as number, old[b + VALUE] as number);
  }
}
