import { finalize32, mix32 } from './hash.js';

/**
 * An open-addressing hash table over typed arrays: keys are `keyWords` uint32 words, values are
 * int32 (typically an index into the owner's own columns). Linear probing with backward-shift
 * deletion, so there are no tombstones and probe sequences stay short. Grows at 50% load.
 *
 * The caller passes keys in a reusable Uint32Array (`keyWords` long) to keep lookups free of
 * allocation. `lastProbes` counts the slots the most recent operation inspected: the
 * machine-independent lookup cost the benchmarks report.
 */
export class OpenTable {
  private keys: Uint32Array;
  private values: Int32Array;
  private used: Uint8Array;
  private mask: number;
  private count = 0;
  lastProbes = 0;

  constructor(
    readonly keyWords: number,
    initialCapacity = 16,
    private readonly seed = 0x5bd1e995,
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap * keyWords);
    this.values = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the typed arrays (for memory reports). */
  get byteLength(): number {
    return this.keys.byteLength + this.values.byteLength + this.used.byteLength;
  }

  private hashOf(key: ArrayLike<number>): number {
    let h = this.seed;
    for (let i = 0; i < this.keyWords; i++) h = mix32(h, key[i] ?? 0);
    return finalize32(h);
  }

  private slotMatches(slot: number, key: ArrayLike<number>): boolean {
    const base = slot * this.keyWords;
    for (let i = 0; i < this.keyWords; i++) if (this.keys[base + i] !== ((key[i] ?? 0) >>> 0)) return false;
    return true;
  }

  /** The slot holding `key`, or -1. */
  private findSlot(key: ArrayLike<number>): number {
    let slot = this.hashOf(key) & this.mask;
    let probes = 1;
    while (this.used[slot] === 1) {
      if (this.slotMatches(slot, key)) {
        this.lastProbes = probes;
        return slot;
      }
      slot = (slot + 1) & this.mask;
      probes++;
    }
    this.lastProbes = probes;
    return -1;
  }

  /** The value stored for `key`, or -1 when absent. */
  get(key: ArrayLike<number>): number {
    const slot = this.findSlot(key);
    return slot < 0 ? -1 : (this.values[slot] as number);
  }

  has(key: ArrayLike<number>): boolean {
    return this.findSlot(key) >= 0;
  }

  /** Inserts or replaces. Values must be >= 0 so that -1 can mean "absent". */
  set(key: ArrayLike<number>, value: number): void {
    const existing = this.findSlot(key);
    if (existing >= 0) {
      this.values[existing] = value;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    let slot = this.hashOf(key) & this.mask;
    while (this.used[slot] === 1) slot = (slot + 1) & this.mask;
    const base = slot * this.keyWords;
    for (let i = 0; i < this.keyWords; i++) this.keys[base + i] = (key[i] ?? 0) >>> 0;
    this.values[slot] = value;
    this.used[slot] = 1;
    this.count++;
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: ArrayLike<number>): boolean {
    let slot = this.findSlot(key);
    if (slot < 0) return false;
    this.used[slot] = 0;
    this.count--;
    // Backward-shift: move later members of the probe run into the hole when their home allows it.
    let next = (slot + 1) & this.mask;
    while (this.used[next] === 1) {
      const home = this.hashOf(this.keys.subarray(next * this.keyWords, next * this.keyWords + this.keyWords)) & this.mask;
      const distHole = (slot - home) & this.mask;
      const distNext = (next - home) & this.mask;
      if (distHole < distNext) {
        this.keys.copyWithin(slot * this.keyWords, next * this.keyWords, next * this.keyWords + this.keyWords);
        this.values[slot] = this.values[next] as number;
        this.used[slot] = 1;
        this.used[next] = 0;
        slot = next;
      }
      next = (next + 1) & this.mask;
    }
    return true;
  }

  clear(): void {
    this.used.fill(0);
    this.count = 0;
  }

  /** Calls `fn` with each stored value (order unspecified). */
  forEachValue(fn: (value: number) => void): void {
    for (let s = 0; s <= this.mask; s++) if (this.used[s] === 1) fn(this.values[s] as number);
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const oldUsed = this.used;
    const cap = (this.mask + 1) * 2;
    this.keys = new Uint32Array(cap * this.keyWords);
    this.values = new Int32Array(cap);
    this.used = new Uint8Array(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let s = 0; s < oldUsed.length; s++) {
      if (oldUsed[s] !== 1) continue;
      this.set(oldKeys.subarray(s * this.keyWords, s * this.keyWords + this.keyWords), oldValues[s] as number);
    }
  }
}
