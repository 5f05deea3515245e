import { jhash2Masked } from './jhash.js';
import { AHASH_INIT_SIZE } from './types.js';

/** Results of {@link KernelHashTable.add}. */
export const ADD_OK = 0;
export const ADD_EXISTS = 1;
export const ADD_FULL = 2;
/** The element's bucket is full: the caller must {@link KernelHashTable.resize} and add again. */
export const ADD_RESIZE = 3;

/** Counter value meaning "not given" (the kernel's ULLONG_MAX). */
export const COUNTER_UNSET = -1;

/** The kernel starts a hash table with this many locking regions' worth of buckets. */
const HTABLE_REGION_BITS = 10;

/** Where a net type keeps its prefix length inside the key, to keep the prefix book-keeping right. */
export interface NetCidrCodec {
  /** Word index holding the prefix length. */
  readonly word: number;
  readonly shift: number;
  readonly mask: number;
  /** Added to the stored value to get the prefix length (1 when the kernel stores cidr - 1). */
  readonly bias: number;
}

export interface KernelHashTableParams {
  readonly keyWords: number;
  /** Requested hash size (rounded up to a power of two, at least 64 by the caller). */
  readonly hashsize: number;
  readonly bucketsize: number;
  readonly maxelem: number;
  readonly initval: number;
  readonly withTimeout: boolean;
  readonly withCounters: boolean;
  readonly withComment: boolean;
  /** Present for net types: called to keep the prefix book-keeping in step. */
  readonly net?: { readonly codec: NetCidrCodec; readonly add: (len: number) => void; readonly del: (len: number) => void };
}

function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** htable_bits for a hash size: log2, rounded up when not a power of two (ip_set_hash_gen.h create). */
export function bitsForHashsize(hashsize: number): number {
  return fls((hashsize - 1) >>> 0);
}

/**
 * An ipset hash table laid out as the kernel lays it out: 2^bits buckets chosen by jhash2 of the
 * element words, each an array of at most `bucketsize` slots with a `pos` (first never-used slot),
 * a `size` (allocated slots, grown and shrunk by 2) and a used bitmap. Adds, deletes, the bucket
 * compaction on delete, the doubling resize when a full bucket overflows, region element counts
 * and timeout reuse follow mtype_add / mtype_del / mtype_resize / mtype_gc_do, so the slot every
 * element lands in, and therefore the `ipset save` order and the hash size, match the kernel.
 *
 * Slot memory is emulated too: extension values of a freed slot survive until the slot's memory
 * is reallocated (kzalloc), because the kernel does not clear counters of deleted elements.
 *
 * Timestamps are milliseconds on the caller's clock; a slot's expiry is Infinity when permanent.
 */
export class KernelHashTable {
  readonly keyWords: number;
  readonly bucketsize: number;
  readonly maxelem: number;
  readonly initval: number;
  bits: number;
  private keys: Uint32Array;
  private used: Uint8Array;
  private pos: Uint8Array;
  private size: Uint8Array;
  private regionElements: Uint32Array;
  private expires: Float64Array | null;
  private packets: Float64Array | null;
  private bytes: Float64Array | null;
  private comments: (string | undefined)[] | null;
  private nomatch: Uint8Array;
  private readonly params: KernelHashTableParams;
  /** Stored elements compared by the most recent lookup (the kernel's per-packet cost unit). */
  lastCompares = 0;

  constructor(params: KernelHashTableParams) {
    this.params = params;
    this.keyWords = params.keyWords;
    this.bucketsize = params.bucketsize;
    this.maxelem = params.maxelem;
    this.initval = params.initval >>> 0;
    this.bits = bitsForHashsize(params.hashsize);
    const n = 1 << this.bits;
    const slots = n * this.bucketsize;
    this.keys = new Uint32Array(slots * this.keyWords);
    this.used = new Uint8Array(slots);
    this.pos = new Uint8Array(n);
    this.size = new Uint8Array(n);
    this.regionElements = new Uint32Array(regionCount(this.bits));
    this.expires = params.withTimeout ? new Float64Array(slots) : null;
    this.packets = params.withCounters ? new Float64Array(slots) : null;
    this.bytes = params.withCounters ? new Float64Array(slots) : null;
    this.comments = params.withComment ? new Array<string | undefined>(slots).fill(undefined) : null;
    this.nomatch = new Uint8Array(slots);
  }

  /** Number of buckets (the hash size `ipset save` prints). */
  get hashsize(): number {
    return 1 << this.bits;
  }

  /** Elements held, expired ones included (they occupy slots until garbage-collected). */
  get storedCount(): number {
    let total = 0;
    for (let r = 0; r < this.regionElements.length; r++) total = (total + (this.regionElements[r] as number)) >>> 0;
    return total;
  }

  /** Bytes held by the typed arrays. */
  get byteLength(): number {
    return (
      this.keys.byteLength +
      this.used.byteLength +
      this.pos.byteLength +
      this.size.byteLength +
      this.nomatch.byteLength +
      (this.expires?.byteLength ?? 0) +
      (this.packets?.byteLength ?? 0) * 2
    );
  }

  /** Bucket of a key (words at `offset` of `key`). */
  bucketOf(key: ArrayLike<number>, offset = 0): number {
    return jhash2Masked(key, offset, this.keyWords, this.initval, (1 << this.bits) - 1);
  }

  private equalAt(slot: number, key: ArrayLike<number>, offset: number): boolean {
    const base = slot * this.keyWords;
    for (let w = 0; w < this.keyWords; w++) if (this.keys[base + w] !== (key[offset + w] as number)) return false;
    return true;
  }

  /** True when the slot's element has timed out (never for sets without timeouts). */
  isExpired(slot: number, nowMs: number): boolean {
    return this.expires !== null && nowMs > (this.expires[slot] as number);
  }

  /**
   * The used slot holding an element equal to `key`, or -1. Expired elements are returned too;
   * callers decide (the kernel's tests skip them, adds overwrite them).
   */
  find(key: ArrayLike<number>, offset = 0): number {
    const b = this.bucketOf(key, offset);
    const base = b * this.bucketsize;
    const pos = this.pos[b] as number;
    let compares = 0;
    for (let i = 0; i < pos; i++) {
      const slot = base + i;
      if (this.used[slot] !== 1) continue;
      compares++;
      if (this.equalAt(slot, key, offset)) {
        this.lastCompares = compares;
        return slot;
      }
    }
    this.lastCompares = compares;
    return -1;
  }

  /** Prefix length of the element in `slot` (net types). */
  private cidrAt(slot: number): number {
    const codec = this.params.net?.codec;
    if (codec === undefined) return 0;
    return (((this.keys[slot * this.keyWords + codec.word] as number) >>> codec.shift) & codec.mask) + codec.bias;
  }

  private cidrOfKey(key: ArrayLike<number>, offset: number): number {
    const codec = this.params.net?.codec;
    if (codec === undefined) return 0;
    return (((key[offset + codec.word] as number) >>> codec.shift) & codec.mask) + codec.bias;
  }

  private region(bucket: number): number {
    return bucket % this.regionElements.length;
  }

  private zeroSlots(from: number, to: number): void {
    for (let s = from; s < to; s++) {
      this.keys.fill(0, s * this.keyWords, (s + 1) * this.keyWords);
      this.used[s] = 0;
      this.nomatch[s] = 0;
      if (this.expires !== null) this.expires[s] = 0;
      if (this.packets !== null) this.packets[s] = 0;
      if (this.bytes !== null) this.bytes[s] = 0;
      if (this.comments !== null) this.comments[s] = undefined;
    }
  }

  private copySlot(from: number, to: number): void {
    const w = this.keyWords;
    this.keys.copyWithin(to * w, from * w, from * w + w);
    this.nomatch[to] = this.nomatch[from] as number;
    if (this.expires !== null) this.expires[to] = this.expires[from] as number;
    if (this.packets !== null) this.packets[to] = this.packets[from] as number;
    if (this.bytes !== null) this.bytes[to] = this.bytes[from] as number;
    if (this.comments !== null) this.comments[to] = this.comments[from];
  }

  /**
   * Adds the element `key` (mtype_add). `timeoutSec` is the entry timeout (0 = permanent; ignored
   * without the timeout extension); counters are COUNTER_UNSET when not given; `exist` is the
   * `-exist` flag (an equal element then only has its extensions overwritten).
   */
  add(
    key: ArrayLike<number>,
    nowMs: number,
    exist: boolean,
    timeoutSec: number,
    packets: number,
    bytes: number,
    comment: string | undefined,
    nomatch: boolean,
  ): number {
    const b = this.bucketOf(key, 0);
    const r = this.region(b);
    let elements = this.regionElements[r] as number;
    let maxelem = Math.floor(this.maxelem / this.regionElements.length);
    if (elements >= maxelem) {
      if (this.expires !== null) this.gcRegion(r, nowMs);
      maxelem = this.maxelem;
      elements = this.storedCount;
    }
    const base = b * this.bucketsize;
    const pos = this.pos[b] as number;
    let j = -1;
    let deleted = false;
    let reuse = false;
    for (let i = 0; i < pos; i++) {
      const slot = base + i;
      if (this.used[slot] !== 1) {
        if (j === -1) {
          deleted = reuse = true;
          j = i;
        }
        continue;
      }
      if (this.equalAt(slot, key, 0)) {
        if (exist || this.isExpired(slot, nowMs)) {
          this.setExtensions(slot, nowMs, timeoutSec, packets, bytes, comment, nomatch);
          return ADD_OK;
        }
        return ADD_EXISTS;
      }
      if (j === -1 && this.isExpired(slot, nowMs)) {
        j = i;
        reuse = true;
      }
    }
    let slot: number;
    if (reuse) {
      slot = base + j;
      if (!deleted) {
        // Reusing a timed-out element: it leaves the set first.
        if (this.params.net !== undefined) this.params.net.del(this.cidrAt(slot));
        if (this.comments !== null) this.comments[slot] = undefined;
        this.regionElements[r] = ((this.regionElements[r] as number) - 1) >>> 0;
      }
    } else {
      if (elements >= maxelem) return ADD_FULL;
      const size = this.size[b] as number;
      if (pos >= size) {
        if (size >= this.bucketsize) return ADD_RESIZE;
        // kzalloc of a larger bucket: the new slots start zeroed.
        this.zeroSlots(base + size, base + size + AHASH_INIT_SIZE);
        this.size[b] = size + AHASH_INIT_SIZE;
      }
      slot = base + pos;
      this.pos[b] = pos + 1;
    }
    this.regionElements[r] = ((this.regionElements[r] as number) + 1) >>> 0;
    if (this.params.net !== undefined) this.params.net.add(this.cidrOfKey(key, 0));
    const w = this.keyWords;
    for (let i = 0; i < w; i++) this.keys[slot * w + i] = (key[i] as number) >>> 0;
    this.setExtensions(slot, nowMs, timeoutSec, packets, bytes, comment, nomatch);
    this.used[slot] = 1;
    return ADD_OK;
  }

  private setExtensions(
    slot: number,
    nowMs: number,
    timeoutSec: number,
    packets: number,
    bytes: number,
    comment: string | undefined,
    nomatch: boolean,
  ): void {
    if (this.params.net !== undefined) this.nomatch[slot] = nomatch ? 1 : 0;
    if (this.packets !== null && this.bytes !== null) {
      if (bytes !== COUNTER_UNSET) this.bytes[slot] = bytes;
      if (packets !== COUNTER_UNSET) this.packets[slot] = packets;
    }
    if (this.comments !== null) this.comments[slot] = comment === undefined || comment === '' ? undefined : comment;
    if (this.expires !== null) this.expires[slot] = timeoutSec === 0 ? Infinity : nowMs + timeoutSec * 1000;
  }

  /**
   * Deletes the element `key` (mtype_del). Returns false when it is not present (or timed out,
   * which the kernel reports the same way).
   */
  del(key: ArrayLike<number>, nowMs: number): boolean {
    const b = this.bucketOf(key, 0);
    const base = b * this.bucketsize;
    let pos = this.pos[b] as number;
    let k = 0;
    for (let i = 0; i < pos; i++) {
      const slot = base + i;
      if (this.used[slot] !== 1) {
        k++;
        continue;
      }
      if (!this.equalAt(slot, key, 0)) continue;
      if (this.isExpired(slot, nowMs)) return false;
      this.used[slot] = 0;
      if (i + 1 === pos) {
        pos--;
        this.pos[b] = pos;
      }
      const r = this.region(b);
      this.regionElements[r] = ((this.regionElements[r] as number) - 1) >>> 0;
      if (this.params.net !== undefined) this.params.net.del(this.cidrOfKey(key, 0));
      if (this.comments !== null) this.comments[slot] = undefined;
      for (let t = i; t < pos; t++) if (this.used[base + t] !== 1) k++;
      if (pos === 0 && k === 0) {
        this.size[b] = 0;
      } else if (k >= AHASH_INIT_SIZE) {
        this.compact(b, (this.size[b] as number) - AHASH_INIT_SIZE);
      }
      return true;
    }
    return false;
  }

  /** Moves the used slots of bucket `b` to its front in a bucket of `newSize` slots (the kernel reallocates). */
  private compact(b: number, newSize: number): void {
    const base = b * this.bucketsize;
    const pos = this.pos[b] as number;
    let live = 0;
    for (let i = 0; i < pos; i++) {
      if (this.used[base + i] !== 1) continue;
      if (live !== i) {
        this.copySlot(base + i, base + live);
        this.used[base + live] = 1;
      }
      live++;
    }
    this.zeroSlots(base + live, base + Math.max(newSize, pos));
    for (let i = live; i < newSize; i++) this.used[base + i] = 0;
    this.pos[b] = live;
    this.size[b] = newSize;
  }

  /**
   * Doubles the table (mtype_resize): rehashes every live element, bucket by bucket and slot by
   * slot, into a table with one more bit, retrying with yet another bit while any bucket would
   * overflow. Timed-out elements are dropped (without prefix book-keeping, as the kernel does).
   * Returns false when the table cannot grow further.
   */
  resize(nowMs: number): boolean {
    const oldBits = this.bits;
    const oldKeys = this.keys;
    const oldUsed = this.used;
    const oldPos = this.pos;
    const oldExpires = this.expires;
    const oldPackets = this.packets;
    const oldBytes = this.bytes;
    const oldComments = this.comments;
    const oldNomatch = this.nomatch;
    const oldN = 1 << oldBits;
    const w = this.keyWords;
    let bits = oldBits;
    for (;;) {
      bits++;
      if (bits > 31) return false;
      const n = 1 << bits;
      const slots = n * this.bucketsize;
      const keys = new Uint32Array(slots * w);
      const used = new Uint8Array(slots);
      const pos = new Uint8Array(n);
      const size = new Uint8Array(n);
      const regions = new Uint32Array(regionCount(bits));
      const expires = oldExpires !== null ? new Float64Array(slots) : null;
      const packets = oldPackets !== null ? new Float64Array(slots) : null;
      const bytes = oldBytes !== null ? new Float64Array(slots) : null;
      const comments = oldComments !== null ? new Array<string | undefined>(slots).fill(undefined) : null;
      const nomatch = new Uint8Array(slots);
      const mask = n - 1;
      let overflow = false;
      outer: for (let ob = 0; ob < oldN; ob++) {
        const obase = ob * this.bucketsize;
        const opos = oldPos[ob] as number;
        for (let i = 0; i < opos; i++) {
          const os = obase + i;
          if (oldUsed[os] !== 1) continue;
          if (oldExpires !== null && nowMs > (oldExpires[os] as number)) continue;
          const nb = jhash2Masked(oldKeys, os * w, w, this.initval, mask);
          const p = pos[nb] as number;
          if (p >= (size[nb] as number)) {
            if ((size[nb] as number) >= this.bucketsize) {
              overflow = true;
              break outer;
            }
            size[nb] = (size[nb] as number) + AHASH_INIT_SIZE;
          }
          const ns = nb * this.bucketsize + p;
          keys.set(oldKeys.subarray(os * w, os * w + w), ns * w);
          nomatch[ns] = oldNomatch[os] as number;
          if (expires !== null && oldExpires !== null) expires[ns] = oldExpires[os] as number;
          if (packets !== null && oldPackets !== null) packets[ns] = oldPackets[os] as number;
          if (bytes !== null && oldBytes !== null) bytes[ns] = oldBytes[os] as number;
          if (comments !== null && oldComments !== null) comments[ns] = oldComments[os];
          used[ns] = 1;
          pos[nb] = p + 1;
          const r = nb % regions.length;
          regions[r] = ((regions[r] as number) + 1) >>> 0;
        }
      }
      if (overflow) continue;
      this.bits = bits;
      this.keys = keys;
      this.used = used;
      this.pos = pos;
      this.size = size;
      this.regionElements = regions;
      this.expires = expires;
      this.packets = packets;
      this.bytes = bytes;
      this.comments = comments;
      this.nomatch = nomatch;
      return true;
    }
  }

  /** Removes every element (mtype_flush); the table keeps its size. */
  flush(): void {
    this.used.fill(0);
    this.pos.fill(0);
    this.size.fill(0);
    this.regionElements.fill(0);
    if (this.comments !== null) this.comments.fill(undefined);
  }

  /** Garbage-collects timed-out elements of every region (mtype_gc_do over the whole table). */
  gc(nowMs: number): void {
    if (this.expires === null) return;
    const n = 1 << this.bits;
    const perRegion = this.bits < HTABLE_REGION_BITS ? n : 1 << HTABLE_REGION_BITS;
    for (let r = 0; r * perRegion < n; r++) this.gcRegion(r, nowMs);
  }

  /** mtype_gc_do for one region (a block of buckets, as the gc walks them). */
  private gcRegion(r: number, nowMs: number): void {
    if (this.expires === null) return;
    const n = 1 << this.bits;
    const perRegion = this.bits < HTABLE_REGION_BITS ? n : 1 << HTABLE_REGION_BITS;
    const start = this.bits < HTABLE_REGION_BITS ? 0 : r * perRegion;
    const end = this.bits < HTABLE_REGION_BITS ? n : (r + 1) * perRegion;
    for (let b = start; b < end; b++) {
      const base = b * this.bucketsize;
      const pos = this.pos[b] as number;
      let d = 0;
      for (let i = 0; i < pos; i++) {
        const slot = base + i;
        if (this.used[slot] !== 1) {
          d++;
          continue;
        }
        if (!(nowMs > (this.expires[slot] as number))) continue;
        this.used[slot] = 0;
        if (this.params.net !== undefined) this.params.net.del(this.cidrAt(slot));
        // The kernel decrements the gc region's counter, which is not always the element's
        // region; the u32 counters still sum to the true total.
        this.regionElements[r % this.regionElements.length] = ((this.regionElements[r % this.regionElements.length] as number) - 1) >>> 0;
        if (this.comments !== null) this.comments[slot] = undefined;
        d++;
      }
      if (d >= AHASH_INIT_SIZE) {
        const size = this.size[b] as number;
        if (d >= size) {
          this.pos[b] = 0;
          this.size[b] = 0;
        } else {
          this.compact(b, size - AHASH_INIT_SIZE);
        }
      }
    }
  }

  /** Visits live (unexpired) slots in the kernel's listing order: bucket by bucket, slot by slot. */
  forEachSlot(nowMs: number, fn: (slot: number) => void): void {
    const n = 1 << this.bits;
    for (let b = 0; b < n; b++) {
      const base = b * this.bucketsize;
      const pos = this.pos[b] as number;
      for (let i = 0; i < pos; i++) {
        const slot = base + i;
        if (this.used[slot] !== 1 || this.isExpired(slot, nowMs)) continue;
        fn(slot);
      }
    }
  }

  /** Number of live (unexpired) elements, as `ipset list` counts them. */
  liveCount(nowMs: number): number {
    if (this.expires === null) return this.storedCount;
    let c = 0;
    this.forEachSlot(nowMs, () => c++);
    return c;
  }

  keyWord(slot: number, word: number): number {
    return this.keys[slot * this.keyWords + word] as number;
  }

  isNomatch(slot: number): boolean {
    return this.nomatch[slot] === 1;
  }

  /** Milliseconds at which the slot's element expires (Infinity = permanent); undefined without timeouts. */
  expiresAt(slot: number): number | undefined {
    return this.expires === null ? undefined : (this.expires[slot] as number);
  }

  packetsAt(slot: number): number {
    return this.packets === null ? 0 : (this.packets[slot] as number);
  }

  bytesAt(slot: number): number {
    return this.bytes === null ? 0 : (this.bytes[slot] as number);
  }

  commentAt(slot: number): string | undefined {
    return this.comments === null ? undefined : this.comments[slot];
  }

  /** Counts a matched packet on the slot's counters (ip_set_update_counter); no-op without counters. */
  countPacket(slot: number, bytes: number): void {
    if (this.packets === null || this.bytes === null) return;
    this.packets[slot] = (this.packets[slot] as number) + 1;
    this.bytes[slot] = (this.bytes[slot] as number) + bytes;
  }

  /** A deep copy (for atomic restores and swaps in tests). */
  clone(params: KernelHashTableParams = this.params): KernelHashTable {
    const t = Object.create(KernelHashTable.prototype) as KernelHashTable;
    Object.assign(t, this);
    const mut = t as unknown as Record<string, unknown>;
    mut['params'] = params;
    mut['keys'] = this.keys.slice();
    mut['used'] = this.used.slice();
    mut['pos'] = this.pos.slice();
    mut['size'] = this.size.slice();
    mut['regionElements'] = this.regionElements.slice();
    mut['expires'] = this.expires?.slice() ?? null;
    mut['packets'] = this.packets?.slice() ?? null;
    mut['bytes'] = this.bytes?.slice() ?? null;
    mut['comments'] = this.comments?.slice() ?? null;
    mut['nomatch'] = this.nomatch.slice();
    return t;
  }
}

/** ahash_numof_locks: one region below 2^10 buckets, then one per 2^10 buckets. */
function regionCount(bits: number): number {
  return bits < HTABLE_REGION_BITS ? 1 : 1 << (bits - HTABLE_REGION_BITS);
}
