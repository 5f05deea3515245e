/** Words per slot: address, protocol << 16 | port, service id + 1 (0 marks an empty slot). */
const STRIDE = 3;

/**
 * The virtual-service hash table (ip_vs_svc_table): (protocol, address, port) → service id, open
 * addressing with linear probing and backward-shift deletion, grown at 50% load. A slot's key and
 * value share one Uint32Array, so a lookup of a service among tens of thousands reads one cache
 * line; the key is two words (protocol and port packed together) hashed inline, with nothing
 * allocated per lookup.
 */
export class ServiceIndex {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;
  /** Slots inspected by the most recent lookup. */
  lastProbes = 0;

  constructor(
    initialCapacity = 256,
    private readonly seed = 0x1a2b3c4d,
  ) {
    let cap = 16;
    while (cap < initialCapacity * 2) cap *= 2;
    this.slots = new Uint32Array(cap * STRIDE);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  private home(addr: number, protoPort: number): number {
    let h = Math.imul(addr ^ this.seed, 0x9e3779b1);
    h = Math.imul(h ^ (h >>> 15) ^ protoPort, 0x85ebca6b);
    return (h ^ (h >>> 13)) & this.mask;
  }

  /** Word offset of the slot holding the key, or -1 (probes counted in {@link lastProbes}). */
  private find(addr: number, protoPort: number): number {
    const s = this.slots;
    let slot = this.home(addr, protoPort);
    let probes = 1;
    for (;;) {
      const base = slot * STRIDE;
      if (s[base + 2] === 0) break;
      if (s[base] === addr && s[base + 1] === protoPort) {
        this.lastProbes = probes;
        return base;
      }
      slot = (slot + 1) & this.mask;
      probes++;
    }
    this.lastProbes = probes;
    return -1;
  }

  /** The id stored for (protocol, addr, port), or -1. `addr` is a uint32, host order. */
  get(protocol: number, addr: number, port: number): number {
    const base = this.find(addr >>> 0, ((protocol << 16) | port) >>> 0);
    return base < 0 ? -1 : (this.slots[base + 2] as number) - 1;
  }

  /** Inserts or replaces; `id` >= 0. */
  set(protocol: number, addr: number, port: number, id: number): void {
    const a = addr >>> 0;
    const pp = ((protocol << 16) | port) >>> 0;
    const existing = this.find(a, pp);
    if (existing >= 0) {
      this.slots[existing + 2] = id + 1;
      return;
    }
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    this.place(a, pp, id + 1);
    this.count++;
  }

  private place(addr: number, protoPort: number, stored: number): void {
    const s = this.slots;
    let slot = this.home(addr, protoPort);
    while (s[slot * STRIDE + 2] !== 0) slot = (slot + 1) & this.mask;
    const base = slot * STRIDE;
    s[base] = addr;
    s[base + 1] = protoPort;
    s[base + 2] = stored;
  }

  /** Removes the key; returns whether it was present. */
  delete(protocol: number, addr: number, port: number): boolean {
    const found = this.find(addr >>> 0, ((protocol << 16) | port) >>> 0);
    if (found < 0) return false;
    const s = this.slots;
    s[found + 2] = 0;
    this.count--;
    let hole = found / STRIDE;
    let next = (hole + 1) & this.mask;
    for (;;) {
      const nb = next * STRIDE;
      if (s[nb + 2] === 0) break;
      const home = this.home(s[nb] as number, s[nb + 1] as number);
      if (((hole - home) & this.mask) < ((next - home) & this.mask)) {
        const hb = hole * STRIDE;
        s[hb] = s[nb] as number;
        s[hb + 1] = s[nb + 1] as number;
        s[hb + 2] = s[nb + 2] as number;
        s[nb + 2] = 0;
        hole = next;
      }
      next = (next + 1) & this.mask;
    }
    return true;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    this.slots = new Uint32Array(cap * STRIDE);
    this.mask = cap - 1;
    for (let b = 0; b < old.length; b += STRIDE) if (old[b + 2] !== 0) this.place(old[b] as number, old[b + 1] as number, old[b + 2] as number);
  }
}
