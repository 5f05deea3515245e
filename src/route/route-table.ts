import type { Route } from './fib.js';
import { PrefixTable } from './prefix-table.js';

/** MASKS[len]: the netmask of a prefix length as a uint32 (MASKS[0] = 0: no shift by 32). */
const MASKS = new Uint32Array(33);
for (let len = 1; len <= 32; len++) MASKS[len] = (0xffffffff << (32 - len)) >>> 0;

/**
 * One routing table (local or main) as a longest-prefix-match structure: a hash table of networks
 * per prefix length, probed from the longest length present down, the way the kernel's
 * fib_hash did before the LC-trie. A lookup costs one probe per distinct prefix length in the
 * table (a handful on a node), whatever the number of routes, and an insert is one hash insert:
 * a /32 per ClusterIP on kube-ipvs0 stays cheap to add and to look up.
 *
 * The routes of one exact prefix form a group ordered by metric, then insertion order: the
 * order the former sorted list gave them, so the group's first route is the one a first-match
 * scan of that list returned. The sorted listing itself is built on demand and cached.
 */
export class RouteTable {
  /** Routes per exact prefix, metric ascending, insertion order among equals; null = free. */
  private groups: (Route[] | null)[] = [];
  private freeGroups: number[] = [];
  /** Network and prefix length of each group (to find its hash entry when it empties). */
  private groupNetwork: number[] = [];
  private groupLength: number[] = [];
  private readonly byLength: (PrefixTable | null)[] = new Array<PrefixTable | null>(33).fill(null);
  /** Prefix lengths holding at least one route, longest first. */
  private lengths = new Int32Array(0);
  /** Insertion sequence of each route, for the listing's tie order. */
  private readonly seq = new Map<Route, number>();
  private nextSeq = 0;
  private sorted: readonly Route[] | null = [];

  get size(): number {
    return this.seq.size;
  }

  /** The group of routes for exactly network/length, or undefined. */
  group(network: number, length: number): readonly Route[] | undefined {
    const t = this.byLength[length];
    if (t === null || t === undefined) return undefined;
    const g = t.get(network);
    return g < 0 ? undefined : (this.groups[g] ?? undefined);
  }

  /** Adds a route whose network is already masked to its length. */
  insert(route: Route): void {
    const len = route.length;
    let t = this.byLength[len] ?? null;
    if (t === null) {
      t = new PrefixTable();
      this.byLength[len] = t;
      this.refreshLengths();
    }
    let g = t.get(route.network);
    if (g < 0) {
      g = this.freeGroups.pop() ?? this.groups.length;
      this.groups[g] = [];
      this.groupNetwork[g] = route.network;
      this.groupLength[g] = len;
      t.set(route.network, g);
    }
    const list = this.groups[g] as Route[];
    let at = list.length;
    while (at > 0 && (list[at - 1] as Route).metric > route.metric) at--;
    list.splice(at, 0, route);
    this.seq.set(route, this.nextSeq++);
    this.sorted = null;
  }

  /** Removes the routes matching the predicate; returns how many. */
  remove(pred: (r: Route) => boolean): number {
    let removed = 0;
    for (let g = 0; g < this.groups.length; g++) {
      const list = this.groups[g];
      if (list === null || list === undefined) continue;
      let kept = 0;
      for (let i = 0; i < list.length; i++) {
        const r = list[i] as Route;
        if (pred(r)) {
          this.seq.delete(r);
          removed++;
        } else list[kept++] = r;
      }
      if (kept === list.length) continue;
      list.length = kept;
      if (kept === 0) this.dropGroup(g);
    }
    if (removed > 0) this.sorted = null;
    return removed;
  }

  /** Frees an emptied group and its hash entry. */
  private dropGroup(g: number): void {
    const length = this.groupLength[g] as number;
    const t = this.byLength[length] as PrefixTable;
    t.delete(this.groupNetwork[g] as number);
    this.groups[g] = null;
    this.freeGroups.push(g);
    if (t.size === 0) {
      this.byLength[length] = null;
      this.refreshLengths();
    }
  }

  private refreshLengths(): void {
    const present: number[] = [];
    for (let len = 32; len >= 0; len--) if (this.byLength[len] !== null) present.push(len);
    this.lengths = Int32Array.from(present);
  }

  /** Longest-prefix match: the first route of the longest matching prefix, or null. */
  lookup(dst: number): Route | null {
    const lengths = this.lengths;
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i] as number;
      const g = (this.byLength[len] as PrefixTable).get((dst & (MASKS[len] as number)) >>> 0);
      if (g >= 0) return (this.groups[g] as Route[])[0] as Route;
    }
    return null;
  }

  /** Every route, longest prefix first, then metric, then insertion order. */
  list(): readonly Route[] {
    if (this.sorted !== null) return this.sorted;
    const all: Route[] = [];
    for (const list of this.groups) if (list !== null && list !== undefined) for (const r of list) all.push(r);
    const seq = this.seq;
    all.sort((a, b) => b.length - a.length || a.metric - b.metric || (seq.get(a) as number) - (seq.get(b) as number));
    this.sorted = all;
    return all;
  }
}
