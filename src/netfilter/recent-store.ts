/**
 * The `-m recent` lists of one network namespace (xt_recent): per list name, per address, the
 * times it was seen (up to `stampsPerEntry`) and the TTL of its last packet. Like the kernel,
 * a list holds at most `entriesPerList` addresses and evicts the least recently seen one.
 */
export const RECENT_DEFAULTS = { entriesPerList: 200, stampsPerEntry: 20 } as const;

interface RecentEntry {
  readonly stamps: number[];
  /** Next slot of `stamps` to overwrite once it is full. */
  next: number;
  ttl: number;
  lastSeen: number;
}

export class RecentList {
  /** Insertion-ordered: Map iteration order is least recently updated first. */
  readonly entries = new Map<number, RecentEntry>();
  constructor(
    readonly name: string,
    private readonly maxEntries: number,
    private readonly maxStamps: number,
  ) {}

  get(addr: number): RecentEntry | undefined {
    return this.entries.get(addr);
  }

  /** Records a sighting of `addr` at `nowMs` with the packet's TTL. */
  touch(addr: number, nowMs: number, ttl: number): void {
    let e = this.entries.get(addr);
    if (e === undefined) {
      if (this.entries.size >= this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) this.entries.delete(oldest.value);
      }
      e = { stamps: [], next: 0, ttl, lastSeen: nowMs };
    } else {
      this.entries.delete(addr); // re-insert to move it to the most recent end
    }
    if (e.stamps.length < this.maxStamps) e.stamps.push(nowMs);
    else {
      e.stamps[e.next] = nowMs;
      e.next = (e.next + 1) % this.maxStamps;
    }
    e.ttl = ttl;
    e.lastSeen = nowMs;
    this.entries.set(addr, e);
  }

  remove(addr: number): void {
    this.entries.delete(addr);
  }
}

export class RecentStore {
  private readonly lists = new Map<string, RecentList>();
  constructor(
    private readonly entriesPerList: number = RECENT_DEFAULTS.entriesPerList,
    private readonly stampsPerEntry: number = RECENT_DEFAULTS.stampsPerEntry,
  ) {}

  /** The list, created on first use (the kernel creates it when the first rule naming it loads). */
  list(name: string): RecentList {
    let l = this.lists.get(name);
    if (l === undefined) {
      l = new RecentList(name, this.entriesPerList, this.stampsPerEntry);
      this.lists.set(name, l);
    }
    return l;
  }

  names(): string[] {
    return [...this.lists.keys()];
  }

  /** Forgets every list (a fresh namespace). */
  clear(): void {
    this.lists.clear();
  }
}
