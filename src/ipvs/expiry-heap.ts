/**
 * A binary min-heap of (expiry time, connection index, generation) on typed arrays: the timer
 * wheel stand-in. Refreshing a connection does not touch the heap; when an entry surfaces, the
 * caller compares it with the connection's current expiry and generation and re-queues or drops
 * it (lazy deletion), so the hot path only writes one number.
 */
export class ExpiryHeap {
  private time: Float64Array;
  private idx: Int32Array;
  private gen: Uint32Array;
  private n = 0;
  /** Index and generation of the entry {@link pop} removed. */
  poppedIndex = -1;
  poppedGen = 0;

  constructor(capacity = 1024) {
    this.time = new Float64Array(capacity);
    this.idx = new Int32Array(capacity);
    this.gen = new Uint32Array(capacity);
  }

  get size(): number {
    return this.n;
  }

  /** Earliest expiry queued, Infinity when empty. */
  peekTime(): number {
    return this.n === 0 ? Infinity : (this.time[0] as number);
  }

  push(time: number, index: number, gen: number): void {
    if (this.n === this.time.length) this.grow();
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((this.time[parent] as number) <= time) break;
      this.time[i] = this.time[parent] as number;
      this.idx[i] = this.idx[parent] as number;
      this.gen[i] = this.gen[parent] as number;
      i = parent;
    }
    this.time[i] = time;
    this.idx[i] = index;
    this.gen[i] = gen;
  }

  /** Removes the earliest entry into poppedIndex/poppedGen; returns its time. */
  pop(): number {
    const t = this.time[0] as number;
    this.poppedIndex = this.idx[0] as number;
    this.poppedGen = this.gen[0] as number;
    const last = --this.n;
    const lt = this.time[last] as number;
    const li = this.idx[last] as number;
    const lg = this.gen[last] as number;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= last) break;
      if (c + 1 < last && (this.time[c + 1] as number) < (this.time[c] as number)) c++;
      if ((this.time[c] as number) >= lt) break;
      this.time[i] = this.time[c] as number;
      this.idx[i] = this.idx[c] as number;
      this.gen[i] = this.gen[c] as number;
      i = c;
    }
    this.time[i] = lt;
    this.idx[i] = li;
    this.gen[i] = lg;
    return t;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const cap = this.time.length * 2;
    const t = new Float64Array(cap);
    t.set(this.time);
    const x = new Int32Array(cap);
    x.set(this.idx);
    const g = new Uint32Array(cap);
    g.set(this.gen);
    this.time = t;
    this.idx = x;
    this.gen = g;
  }
}
