/**
 * A hash table for the restore fast path, keyed by a few numbers (module and option ids, flags)
 * and a few ranges of the payload text (the words a value was parsed from), written piece by
 * piece. The last few entries found are tried first, without hashing anything: rule lines repeat
 * their neighbours (the same chain, the same comment, the same protocol). Otherwise the key is hashed
 * and looked up; a hit is confirmed with integer compares and one native `startsWith` per range.
 *
 * Key ranges are kept as slices of the payload: the table lives only while its payload is parsed.
 */
import { hashRange, hashStep } from './word-hash.js';

/** How many recent entries are tried before hashing. */
const RECENT = 4;

export class RangeMemo<V> {
  // The key being written.
  private ints = new Int32Array(16);
  private nInts = 0;
  private from = new Int32Array(8);
  private to = new Int32Array(8);
  private nRanges = 0;
  /** The hash of the current key, once computed. */
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
  /** The last entries found or stored (-1: none), tried before hashing; `recentNext` is replaced next. */
  private readonly recent = new Int32Array(RECENT).fill(-1);
  private recentNext = 0;
  private missSlot = -1;

  /** Starts a new key. */
  begin(): void {
    this.nInts = 0;
    this.nRanges = 0;
    this.missSlot = -1;
  }

  /** Appends a number (int32) to the key. */
  int(n: number): void {
    if (this.nInts === this.ints.length) this.ints = grow(this.ints);
    this.ints[this.nInts++] = n;
  }

  /** Appends the text range `[from, to)` to the key. */
  range(from: number, to: number): void {
    if (this.nRanges === this.from.length) {
      this.from = grow(this.from);
      this.to = grow(this.to);
    }
    this.from[this.nRanges] = from;
    this.to[this.nRanges] = to;
    this.nRanges++;
  }

  /** The value stored under the current key (ranges read in `text`), or undefined. */
  get(text: string): V | undefined {
    const recent = this.recent;
    for (let r = 0; r < RECENT; r++) {
      const e = recent[r] as number;
      if (e >= 0 && this.same(e, text)) return this.values[e];
    }
    let h = 0x2f0b3c1d;
    for (let k = 0; k < this.nInts; k++) h = hashStep(h, this.ints[k] as number);
    for (let k = 0; k < this.nRanges; k++) {
      const from = this.from[k] as number;
      const to = this.to[k] as number;
      h = hashStep(hashStep(h, to - from), hashRange(text, from, to));
    }
    h ^= h >>> 15;
    this.hash = h;
    const slots = this.slots;
    const mask = slots.length - 1;
    let s = h & mask;
    for (;;) {
      const e = slots[s] as number;
      if (e === 0) break;
      if (this.slotHash[s] === h && this.same(e - 1, text)) {
        this.remember(e - 1);
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
    this.remember(i);
    if (this.values.length * 2 > this.slots.length) this.rehash();
  }

  private remember(i: number): void {
    this.recent[this.recentNext] = i;
    this.recentNext = (this.recentNext + 1) % RECENT;
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
