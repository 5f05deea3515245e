import { directionFlags } from './match.js';
import type { SetMatchLike } from './registry.js';

/** Rules remembered at once; a ruleset with more `-m set` matches falls back to the name lookup. */
const ENTRIES = 16;

/**
 * The resolution of `-m set` matches the provider has seen: set index, dimension count and
 * direction flags, keyed by the identity of the rule's match object (rules are immutable once
 * loaded). Finding a match among a handful of pointers is cheaper than the name lookup in a Map
 * plus packing the directions on every packet. The owner bumps {@link invalidate} whenever a name
 * starts or stops pointing at an index (create, destroy, rename, snapshot restore); a swap keeps
 * names and indexes, so it needs nothing.
 */
export class SetMatchCache {
  private readonly matches: (SetMatchLike | null)[] = new Array<SetMatchLike | null>(ENTRIES).fill(null);
  private readonly index = new Int32Array(ENTRIES);
  private readonly dims = new Int32Array(ENTRIES);
  private readonly flags = new Int32Array(ENTRIES);
  private used = 0;
  private victim = 0;

  /** Forgets every resolution (a set name now means another index, or none). */
  invalidate(): void {
    this.matches.fill(null);
    this.used = 0;
    this.victim = 0;
  }

  /** The cache slot of `m`, or -1 when it is not remembered. */
  find(m: SetMatchLike): number {
    const matches = this.matches;
    for (let i = 0; i < this.used; i++) if (matches[i] === m) return i;
    return -1;
  }

  /** Remembers `m` resolved to set `index` (-1: no such set); returns its slot. */
  remember(m: SetMatchLike, index: number): number {
    let slot: number;
    if (this.used < ENTRIES) slot = this.used++;
    else {
      slot = this.victim;
      this.victim = (this.victim + 1) % ENTRIES;
    }
    this.matches[slot] = m;
    this.index[slot] = index;
    this.dims[slot] = m.directions.length;
    this.flags[slot] = directionFlags(m.directions);
    return slot;
  }

  indexAt(slot: number): number {
    return this.index[slot] as number;
  }

  dimsAt(slot: number): number {
    return this.dims[slot] as number;
  }

  flagsAt(slot: number): number {
    return this.flags[slot] as number;
  }
}
