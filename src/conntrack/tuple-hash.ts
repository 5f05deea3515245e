import { finalize32, mix32 } from '../core/index.js';

/**
 * The conntrack tuple index: (src, dst, sport, dport, proto) → an int32 value (the table stores
 * `connection index * 2 + direction`). Open addressing with linear probing and backward-shift
 * deletion, like core's generic `OpenTable`, but specialised to the one key shape conntrack has:
 * the key comes in as five numbers (no key array to fill), the hash is unrolled, a slot is four
 * adjacent words, and an empty slot is a value of -1 (no separate "used" column). Every packet
 * looks its tuple up here, and every new connection inserts two tuples and probes for clashes,
 * so this is the hottest table of a node.
 *
 * The hash is the generic table's (murmur3 mixing of the words src, dst, sport << 16 | dport,
 * proto from `seed`), so slots and probe counts are the same as an `OpenTable(4, …, seed)`.
 */
export class TupleHash {
  /** Four words per slot: src, dst, ports (sport << 16 | dport), proto. */
  private keys: Uint32Array;
  /** Value per slot; -1 marks an empty slot. */
  private values: Int32Array;
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
    this.keys = new Uint32Array(cap * 4);
    this.values = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes held by the typed arrays (for memory reports). */
  get byteLength(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  private home(src: number, dst: number, ports: number, proto: number): number {
    return finalize32(mix32(mix32(mix32(mix32(this.seed, src), dst), ports), proto)) & this.mask;
  }

  /** The slot holding the tuple, or -1. `ports` is `(sport << 16 | dport) >>> 0`. */
  private findSlot(src: number, dst: number, ports: number, proto: number): number {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let slot = this.home(src, dst, ports, proto);
    let probes = 1;
    while ((values[slot] as number) >= 0) {
      const b = slot << 2;
      if (keys[b] === src && keys[b + 1] === dst && keys[b + 2] === ports && keys[b + 3] === proto) {
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
    const slot = this.findSlot(src >>> 0, dst >>> 0, ((sport << 16) | dport) >>> 0, proto >>> 0);
    return slot < 0 ? -1 : (this.values[slot] as number);
  }

  /** Inserts or replaces. `value` must be >= 0. */
  set(src: number, dst: number, sport: number, dport: number, proto: number, value: number): void {
    const s = src >>> 0;
    const d = dst >>> 0;
    const ports = ((sport << 16) | dport) >>> 0;
    const p = proto >>> 0;
    const existing = this.findSlot(s, d, ports, p);
    if (existing >= 0) {
      this.values[existing] = value;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.insertNew(s, d, ports, p, value);
  }

  private insertNew(src: number, dst: number, ports: number, proto: number, value: number): void {
    const values = this.values;
    let slot = this.home(src, dst, ports, proto);
    while ((values[slot] as number) >= 0) slot = (slot + 1) & this.mask;
    const b = slot << 2;
    const keys = this.keys;
    keys[b] = src;
    keys[b + 1] = dst;
    keys[b + 2] = ports;
    keys[b + 3] = proto;
    values[slot] = value;
    this.count++;
  }

  /** Removes the tuple; returns whether it was present. */
  delete(src: number, dst: number, sport: number, dport: number, proto: number): boolean {
    let slot = this.findSlot(src >>> 0, dst >>> 0, ((sport << 16) | dport) >>> 0, proto >>> 0);
    if (slot < 0) return false;
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    values[slot] = -1;
    this.count--;
    // Backward shift: move later members of the probe run into the hole when their home allows it.
    let next = (slot + 1) & mask;
    while ((values[next] as number) >= 0) {
      const nb = next << 2;
      const home = this.home(keys[nb] as number, keys[nb + 1] as number, keys[nb + 2] as number, keys[nb + 3] as number);
      if (((slot - home) & mask) < ((next - home) & mask)) {
        const sb = slot << 2;
        keys[sb] = keys[nb] as number;
        keys[sb + 1] = keys[nb + 1] as number;
        keys[sb + 2] = keys[nb + 2] as number;
        keys[sb + 3] = keys[nb + 3] as number;
        values[slot] = values[next] as number;
        values[next] = -1;
        slot = next;
      }
      next = (next + 1) & mask;
    }
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.values.fill(-1);
    this.count = 0;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const cap = (this.mask + 1) * 2;
    this.keys = new Uint32Array(cap * 4);
    this.values = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.count = 0;
    for (let s = 0; s < oldValues.length; s++) {
      const v = oldValues[s] as number;
      if (v < 0) continue;
      const b = s << 2;
      this.insertNew(oldKeys[b] as number, oldKeys[b + 1] as number, oldKeys[b + 2] as number, oldKeys[b + 3] as number, v);
    }
  }
}
