/**
 * A hash table for the restore fast path, keyed by a few numbers (module and option ids, flags)
 * and a few ranges of the payload text (the words a value was parsed from). The caller writes the
 * key piece by piece, giving each range with the hash the scanner already computed for it, so a
 * lookup hashes a handful of numbers; a hit is confirmed with integer compares and one native
 * `startsWith` per range. The entry found last is tried first, because rule lines repeat their
 * neighbours (the same chain, the same comment, the same protocol).
 *
 * Key ranges are kept as slices of the payload: the table lives only while its payload is parsed.
 */
import { hashStep } from './word-hash.js';

export class RangeMemo<V> {
  // The key being written.
  private ints = new Int32Array(16);
  private nInts = 0;
  private from = new Int32Array(8);
  private to = new Int32Array(8);
  private nRanges = 0;
  private hash = 0;

  /** Open addressing: entry index + 1 (0 when empty), and the entry's hash beside it. */
  private slots = new Int32Array(1 << 8);
  private slotHash = new Int32Array(1 << 8);
  private readonly entryHash: number[] = [];
  private readonly entryInts: number[] = [];
  private readonly entryIntStart: number[] = [];
  private readonly entryStrs: string[] = [];
  private readonly entryStrStart: number[] = [];
  private readonly values: V[] = [];
  private last = -1;
  private missSlot = -1;

  /** Starts a new key. */
  begin(): void {
    this.nInts = 0;
    this.nRanges = 0;
    this.hash = 0x2f0b3c1d;
    this.missSlot = -1;
  }

  /** Appends a number (int32) to the key. */
  int(n: number): void {
    if (this.nInts === this.ints.length) this.ints = grow(this.ints);
    this.ints[this.nInts++] = n;
    this.hash = hashStep(this.hash, n);
  }

  /** Appends the text range `[from, to)` whose word hash is `hash` (see word-hash.ts). */
  range(from: number, to: number, hash: number): void {
    if (this.nRanges === this.from.length) {
      this.from = grow(this.from);
      this.to = grow(this.to);
    }
    this.from[this.nRanges] = from;
    this.to[this.nRanges] = to;
    this.nRanges++;
    this.hash = hashStep(hashStep(this.hash, to - from), hash);
  }

  /** The value stored under the current key (ranges read in `text`), or undefined. */
  get(text: string): V | undefined {
    const h = this.hash ^ (this.hash >>> 15);
    this.hash = h;
    const last = this.last;
    if (last >= 0 && this.entryHash[last] === h && this.same(last, text)) return this.values[last];
    const slots = this.slots;
    const mask = slots.length - 1;
    let s = h & mask;
    for (;;) {
      const e = slots[s] as number;
      if (e === 0) break;
      if (this.slotHash[s] === h && this.same(e - 1, text)) {
        this.last = e - 1;
        return this.values[e - 1];
      }
      s = (s + 1) & mask;
    }
    this.missSlot = s;
    return undefined;
  }

  /** Stores `value` under the current key; only right after a {@link get} that found nothing. */
  set(text: string, value: V): void {
    if (this.missSlot < 0) throw new Error('RangeMemo.set without a missed get');
    const i = this.values.length;
    this.entryHash.push(this.hash);
    this.entryIntStart.push(this.entryInts.length);
    for (let k = 0; k < this.nInts; k++) this.entryInts.push(this.ints[k] as number);
    this.entryStrStart.push(this.entryStrs.length);
    for (let k = 0; k < this.nRanges; k++) this.entryStrs.push(text.slice(this.from[k], this.to[k]));
    this.values.push(value);
    this.slots[this.missSlot] = i + 1;
    this.slotHash[this.missSlot] = this.hash;
    this.missSlot = -1;
    this.last = i;
    if (this.values.length * 2 > this.slots.length) this.rehash();
  }

  /** Whether entry `i` has the current key. */
  private same(i: number, text: string): boolean {
    const intStart = this.entryIntStart[i] as number;
    const strStart = this.entryStrStart[i] as number;
    // An entry's numbers and strings end where the next entry's begin.
    const intEnd = i + 1 < this.values.length ? (this.entryIntStart[i + 1] as number) : this.entryInts.length;
    const strEnd = i + 1 < this.values.length ? (this.entryStrStart[i + 1] as number) : this.entryStrs.length;
    if (intEnd - intStart !== this.nInts || strEnd - strStart !== this.nRanges) return false;
    for (let k = 0; k < this.nInts; k++) if (this.entryInts[intStart + k] !== this.ints[k]) return false;
    for (let k = 0; k < this.nRanges; k++) {
      const s = this.entryStrs[strStart + k] as string;
      const from = this.from[k] as number;
      if (s.length !== (this.to[k] as number) - from || !text.startsWith(s, from)) return false;
    }
    return true;
  }

  private rehash(): void {
    const n = this.slots.length * 2;
    const slots = new Int32Array(n);
    const slotHash = new Int32Array(n);
    const mask = n - 1;
    for (let i = 0; i < this.values.length; i++) {
      const h = this.entryHash[i] as number;
      let s = h & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = i + 1;
      slotHash[s] = h;
    }
    this.slots = slots;
    this.slotHash = slotHash;
  }
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
