import { KpemuError } from '../core/index.js';
import type { Packet } from '../packet/index.js';

/**
 * The `-m set` side of the registry: what the netfilter engine calls per packet. Rules resolve
 * their set name to an index once, when a table is compiled ({@link SetMatcher.indexOf} plus
 * {@link SetMatcher.addRef}), and then test by index with the directions packed into flags.
 */
export interface SetMatcher {
  /** Index of the set named `name`, or -1. Stable while the set exists (swap and rename keep it). */
  indexOf(name: string): number;
  /** Takes a reference: a referenced set cannot be destroyed or renamed (as an iptables rule holds it). */
  addRef(index: number): void;
  release(index: number): void;
  /**
   * Membership of the element the packet forms (see {@link parseDirections} for `dims`/`dirFlags`).
   * Counts the packet on a matching entry's counters. Allocation-free.
   */
  testIndex(index: number, pkt: Packet, dims: number, dirFlags: number): boolean;
}

/** A `--match-set` direction list packed for {@link SetMatcher.testIndex}. */
export interface Directions {
  /** How many directions were given. */
  readonly dims: number;
  /** Bit i set: dimension i+1 takes the packet's source side. */
  readonly flags: number;
}

/** Packs `['dst','dst','src']` (or the text `dst,dst,src`) into dims and flags. At most 6, as xt_set allows. */
export function parseDirections(dirs: readonly string[] | string): Directions {
  const list = typeof dirs === 'string' ? dirs.split(',') : dirs;
  if (list.length === 0 || list.length > 6) throw new KpemuError('VALUE_INVALID', `--match-set takes 1 to 6 directions, got ${list.length}`, { location: { text: String(dirs) } });
  let flags = 0;
  list.forEach((d, i) => {
    if (d === 'src') flags |= 1 << i;
    else if (d !== 'dst') throw new KpemuError('VALUE_INVALID', `--match-set direction must be src or dst, got "${d}"`, { location: { text: String(dirs) } });
  });
  return { dims: list.length, flags };
}

/** Packs a direction list without allocating (for callers holding the rule's array). */
export function directionFlags(dirs: readonly ('src' | 'dst')[]): number {
  let flags = 0;
  for (let i = 0; i < dirs.length; i++) if (dirs[i] === 'src') flags |= 1 << i;
  return flags;
}
