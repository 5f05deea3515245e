/**
 * Free slot numbers handed out lowest first (a binary min-heap): a new virtual service takes the
 * lowest free id, as the former scan for the first hole did, so listings in id order keep the
 * same order, but taking and returning an id costs O(log n) instead of a scan of every service.
 */
export class FreeIds {
  private heap: number[] = [];

  get size(): number {
    return this.heap.length;
  }

  /** The lowest free id, removed; -1 when none is free. */
  takeLowest(): number {
    const h = this.heap;
    if (h.length === 0) return -1;
    const top = h[0] as number;
    const last = h.pop() as number;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= h.length) break;
        if (c + 1 < h.length && (h[c + 1] as number) < (h[c] as number)) c++;
        if ((h[c] as number) >= last) break;
        h[i] = h[c] as number;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  /** Returns `id` to the pool (it must not be free already). */
  release(id: number): void {
    const h = this.heap;
    let i = h.length;
    h.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((h[parent] as number) <= id) break;
      h[i] = h[parent] as number;
      i = parent;
    }
    h[i] = id;
  }
}
