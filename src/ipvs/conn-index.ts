import { finalize32, mix32 } from '../core/index.js';

/**
 * An open-addressing index from four-word keys to slot numbers, for the connection table:
 * linear probing, backward-shift deletion (no tombstones), growth at 50% load. Unlike the
 * general-purpose core table it hashes stored keys in place, so deleting (which connection expiry
 * does on the packet path) allocates nothing.
 */
export class ConnIndex {
  private keys: Uint32Array;
  private values: Int32Array;
  private used: Uint8Array;
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
    this.keys = new Uint32Array(cap * 4);
    this.values = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  get byteLength(): number {
    return this.keys.byteLength + this.values.byteLength + this.used.byteLength;
  }

  private hash(a: number, b: number, c: number, d: number): number {
    return finalize32(mix32(mix32(mix32(mix32(this.seed, a), b), c), d)) & this.mask;
  }

  private find(a: number, b: number, c: number, d: number): number {
    let slot = this.hash(a, b, c, d);
    let probes = 1;
    const k = this.keys;
    while (this.used[slot] === 1) {
      const base = slot * 4;
      if (k[base] === a && k[base + 1] === b && k[base + 2] === c && k[base + 3] === d) {
        this.lastProbes = probes;
        return slot;
      }
      slot = (slot + 1) & this.mask;
      probes++;
    }
    this.lastProbes = probes;
    return -1;
  }

  /** The value stored for the key (a, b, c, d), or -1. Words are uint32. */
  get(a: number, b: number, c: number, d: number): number {
    const slot = this.find(a >>> 0, b >>> 0, c >>> 0, d >>> 0);
    return slot < 0 ? -1 : (this.values[slot] as number);
  }

  /** Inserts or replaces; `value` >= 0. */
  set(a: number, b: number, c: number, d: number, value: number): void {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const existing = this.find(a, b, c, d);
    if (existing >= 0) {
      this.values[existing] = value;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    let slot = this.hash(a, b, c, d);
    while (this.used[slot] === 1) slot = (slot + 1) & this.mask;
    const base = slot * 4;
    this.keys[base] = a;
    this.keys[base + 1] = b;
    this.keys[base + 2] = c;
    this.keys[base + 3] = d;
    this.values[slot] = value;
    this.used[slot] = 1;
    this.count++;
  }

  /** Removes the key; returns whether it was present. */
  delete(a: number, b: number, c: number, d: number): boolean {
    let hole = this.find(a >>> 0, b >>> 0, c >>> 0, d >>> 0);
    if (hole < 0) return false;
    this.used[hole] = 0;
    this.count--;
    const k = this.keys;
    let next = (hole + 1) & this.mask;
    while (this.used[next] === 1) {
      const nb = next * 4;
      const home = this.hash(k[nb] as number, k[nb + 1] as number, k[nb + 2] as number, k[nb + 3] as number);
      if (((hole - home) & this.mask) < ((next - home) & this.mask)) {
        const hb = hole * 4;
        k[hb] = k[nb] as number;
        k[hb + 1] = k[nb + 1] as number;
        k[hb + 2] = k[nb + 2] as number;
        k[hb + 3] = k[nb + 3] as number;
        this.values[hole] = this.values[next] as number;
        this.used[hole] = 1;
        this.used[next] = 0;
        hole = next;
      }
      next = (next + 1) & this.mask;
    }
    return true;
  }

  clear(): void {
    this.used.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldUsed = this.used;
    const cap = (this.mask + 1) * 2;
    this.keys = new Uint32Array(cap * 4);
    this.values = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let s = 0; s < oldUsed.length; s++) {
      if (oldUsed[s] !== 1) continue;
      const b = s * 4;
      this.set(oldKeys[b] as number, oldKeys[b + 1] as number, oldKeys[b + 2] as number, oldKeys[b + 3] as number, oldValues[s] as number);
    }
  }
}
