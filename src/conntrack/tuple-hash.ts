import { finalize32, mix32 } from '../core/index.js';

/** Words per slot: src, dst, ports (sport << 16 | dport), proto, value. */
const STRIDE = 5;

/**
 * The conntrack tuple index: (src, dst, sport, dport, proto) → an int32 value (the table stores
 * `connection index * 2 + direction`). Open addressing with linear probing and backward-shift
 * deletion, like core's generic `OpenTable`, but specialised to the one key shape conntrack has:
 * the key comes in as five numbers (no key array to fill), the hash is unrolled, and a slot is
 * five adjacent words with the value beside its key, so a probe touches one cache line; a value
 * of -1 marks an empty slot. Every packet looks its tuple up here, and every new connection
 * inserts two tuples and probes for clashes, so this is the hottest table of a node.
 *
 * The hash is the generic table's (murmur3 mixing of the words src, dst, sport << 16 | dport,
 * proto from `seed`), so slots and probe counts are the same as an `OpenTable(4, …, seed)`.
 */
export class TupleHash {
  /** STRIDE int32 words per slot; addresses and ports are stored as their int32 bit patterns. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;
  /** Slots inspected by the most recent lookup (machine-independent cost). */
  lastProbes = 0;

  constructor(
    initialCapacity: number,
    private readonly seed: number,
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.slots = emptySlots(cap);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the typed arrays (for memory reports). */
  get byteLength(): number {
    return this.slots.byteLength;
  }

  /** Home slot of a key given as int32 words. */
  private home(src: number, dst: number, ports: number, proto: number): number {
    return finalize32(mix32(mix32(mix32(mix32(this.seed, src), dst), ports), proto)) & this.mask;
  }

  /** The slot holding the key (int32 words), or -1. */
  private findSlot(src: number, dst: number, ports: number, proto: number): number {
    const s = this.slots;
    const mask = this.mask;
    let slot = this.home(src, dst, ports, proto);
    let probes = 1;
    for (;;) {
      const b = slot * STRIDE;
      if ((s[b + 4] as number) < 0) break;
      if (s[b] === src && s[b + 1] === dst && s[b + 2] === ports && s[b + 3] === proto) {
        this.lastProbes = probes;
        return slot;
      }
      slot = (slot + 1) & mask;
      probes++;
    }
    this.lastProbes = probes;
    return -1;
  }

  /** The value stored for the tuple, or -1. Addresses uint32, ports uint16, proto uint8. */
  get(src: number, dst: number, sport: number, dport: number, proto: number): number {
    const slot = this.findSlot(src | 0, dst | 0, (sport << 16) | dport, proto | 0);
    return slot < 0 ? -1 : (this.slots[slot * STRIDE + 4] as number);
  }

  /** Inserts or replaces. `value` must be >= 0. */
  set(src: number, dst: number, sport: number, dport: number, proto: number, value: number): void {
    const existing = this.findSlot(src | 0, dst | 0, (sport << 16) | dport, proto | 0);
    if (existing >= 0) {
      this.slots[existing * STRIDE + 4] = value;
      return;
    }
    this.insertAbsent(src, dst, sport, dport, proto, value);
  }

  /**
   * Inserts a tuple the caller has just found absent (conntrack confirms a connection right after
   * checking both its tuples), saving the second probe walk. `value` must be >= 0.
   */
  insertAbsent(src: number, dst: number, sport: number, dport: number, proto: number, value: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.place(src | 0, dst | 0, (sport << 16) | dport, proto | 0, value);
  }

  private place(src: number, dst: number, ports: number, proto: number, value: number): void {
    const s = this.slots;
    let slot = this.home(src, dst, ports, proto);
    while ((s[slot * STRIDE + 4] as number) >= 0) slot = (slot + 1) & this.mask;
    const b = slot * STRIDE;
    s[b] = src;
    s[b + 1] = dst;
    s[b + 2] = ports;
    s[b + 3] = proto;
    s[b + 4] = value;
    this.count++;
  }

  /** Removes the tuple; returns whether it was present. */
  delete(src: number, dst: number, sport: number, dport: number, proto: number): boolean {
    let slot = this.findSlot(src | 0, dst | 0, (sport << 16) | dport, proto | 0);
    if (slot < 0) return false;
    const s = this.slots;
    const mask = this.mask;
    s[slot * STRIDE + 4] = -1;
    this.count--;
    // Backward shift: move later members of the probe run into the hole when their home allows it.
    let next = (slot + 1) & mask;
    for (;;) {
      const nb = next * STRIDE;
      if ((s[nb + 4] as number) < 0) break;
      const home = this.home(s[nb] as number, s[nb + 1] as number, s[nb + 2] as number, s[nb + 3] as number);
      if (((slot - home) & mask) < ((next - home) & mask)) {
        s.copyWithin(slot * STRIDE, nb, nb + STRIDE);
        s[nb + 4] = -1;
        slot = next;
      }
      next = (next + 1) & mask;
    }
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    if (this.count === 0) return;
    const s = this.slots;
    for (let b = 4; b < s.length; b += STRIDE) s[b] = -1;
    this.count = 0;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = emptySlots(cap);
    this.mask = cap - 1;
    this.count = 0;
    for (let b = 0; b < old.length; b += STRIDE) {
      const v = old[b + 4] as number;
      if (v >= 0) this.place(old[b] as number, old[b + 1] as number, old[b + 2] as number, old[b + 3] as number, v);
    }
  }
}

function emptySlots(cap: number): Int32Array {
  const s = new Int32Array(cap * STRIDE);
  for (let b = 4; b < s.length; b += STRIDE) s[b] = -1;
  return s;
}
