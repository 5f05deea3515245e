import { BUILTIN_CHAINS, type TableName } from '../ast.js';
import { ChainState } from './chain.js';

/**
 * The rules of one table in one network namespace: chains in creation order (built-ins first).
 * `generation` increases on every successful commit so compiled programs know when to rebuild.
 */
export class TableState {
  readonly chains = new Map<string, ChainState>();
  generation = 0;

  constructor(readonly name: TableName) {
    for (const hook of BUILTIN_CHAINS[name]) this.chains.set(hook, new ChainState(hook, true, 'ACCEPT'));
  }

  /**
   * A working copy for a transaction: chains are shared until written.
   * `refreshCounters` brings a committed chain's counters up to date (they count in the compiled
   * program) just before the fork copies that chain to edit it.
   */
  fork(refreshCounters: (chain: ChainState) => void): TableFork {
    return new TableFork(this, refreshCounters);
  }

  /**
   * Takes a committed fork's changes. Applied to the map in place (a table of 60,000 chains is not
   * copied for a partial sync): deletions first, then written chains in the order the fork wrote
   * them, so a rewritten chain keeps its place and a new or re-created one goes last, exactly the
   * order the fork showed.
   */
  adopt(fork: TableFork): void {
    if (fork.base !== this) throw new Error(`adopt: fork of another table (${fork.base.name})`);
    for (const name of fork.deletedNames()) this.chains.delete(name);
    for (const chain of fork.writtenChains()) this.chains.set(chain.name, chain);
    this.generation++;
  }
}

/**
 * A copy-on-write view of a table used while a transaction is applied: an overlay of written and
 * deleted chains over the committed map, which it never changes. Iteration order is what the
 * committed map will have after `adopt`.
 */
export class TableFork {
  /** Chains this transaction created or copied to edit, in the order it did so. */
  private readonly written = new Map<string, ChainState>();
  /** Committed chains this transaction deleted (a re-created one is also in `written`). */
  private readonly deleted = new Set<string>();
  readonly chains: ReadonlyMap<string, ChainState>;
  /**
   * How many rules jump or go to each chain, once `-X` needed it; kept while only appends follow
   * and dropped (null) by anything that removes or rewrites rules (apply.ts).
   */
  jumpCounts: Map<string, number> | null = null;

  constructor(
    readonly base: TableState,
    private readonly refreshCounters: (chain: ChainState) => void,
  ) {
    this.chains = new ForkChains(this);
  }

  get name(): TableName {
    return this.base.name;
  }

  /**
   * The chain as this transaction sees it. A committed chain the fork has not touched is found
   * with one lookup: every chain the fork copies, replaces or deletes is marked `shadowedBy` it.
   */
  get(name: string): ChainState | undefined {
    const c = this.base.chains.get(name);
    if (c === undefined) return this.written.get(name);
    if (c.shadowedBy !== this) return c;
    return c.shadowCopy ?? undefined;
  }

  /** Marks a committed chain as overridden by this fork, by `copy` or (null) by nothing (see get()). */
  private shadow(name: string, copy: ChainState | null): void {
    const c = this.base.chains.get(name);
    if (c !== undefined) {
      c.shadowedBy = this;
      c.shadowCopy = copy;
    }
  }

  /** Whether this transaction has written (or created) the chain. */
  owns(name: string): boolean {
    return this.written.has(name);
  }

  /** The chain, copied first if this transaction has not written it yet. */
  writable(name: string): ChainState | undefined {
    const chain = this.base.chains.get(name);
    if (chain === undefined) return this.written.get(name);
    if (chain.shadowedBy === this) return chain.shadowCopy ?? undefined;
    this.refreshCounters(chain);
    const copy = chain.clone();
    this.written.set(name, copy);
    chain.shadowedBy = this;
    chain.shadowCopy = copy;
    return copy;
  }

  /**
   * Empties a chain: a new empty chain object in its place (nothing to copy, as `writable` would).
   * A user chain's own counters are never shown, so they are not kept.
   */
  replaceWithEmpty(chain: ChainState): ChainState {
    this.jumpCounts = null;
    const empty = new ChainState(chain.name, chain.builtin, chain.policy);
    this.written.set(chain.name, empty);
    this.shadow(chain.name, empty);
    return empty;
  }

  /**
   * Adds a freshly created chain (owned by this transaction). The name must be free in the fork,
   * so a committed chain of that name, if any, was deleted by it and is already shadowed.
   */
  addChain(chain: ChainState): void {
    this.written.set(chain.name, chain);
    const committed = this.base.chains.get(chain.name);
    if (committed !== undefined) committed.shadowCopy = chain;
  }

  deleteChain(name: string): void {
    this.written.delete(name);
    if (this.base.chains.has(name)) {
      this.deleted.add(name);
      this.shadow(name, null);
    }
  }

  deletedNames(): Iterable<string> {
    return this.deleted;
  }

  writtenChains(): Iterable<ChainState> {
    return this.written.values();
  }

  /** Every chain in order: committed ones in place (or their copies), then new or re-created ones. */
  *ordered(): IterableIterator<ChainState> {
    const { written, deleted } = this;
    for (const chain of this.base.chains.values()) {
      if (chain.shadowedBy !== this) yield chain;
      else if (!deleted.has(chain.name)) yield chain.shadowCopy as ChainState;
    }
    for (const [name, chain] of written) {
      if (!this.base.chains.has(name) || deleted.has(name)) yield chain;
    }
  }

  get size(): number {
    let n = this.base.chains.size - this.deleted.size;
    for (const name of this.written.keys()) if (!this.base.chains.has(name) || this.deleted.has(name)) n++;
    return n;
  }
}

/** The fork's chains as a read-only map (what the compiler and the checks read). */
class ForkChains implements ReadonlyMap<string, ChainState> {
  constructor(private readonly fork: TableFork) {}

  get size(): number {
    return this.fork.size;
  }

  get(name: string): ChainState | undefined {
    return this.fork.get(name);
  }

  has(name: string): boolean {
    return this.fork.get(name) !== undefined;
  }

  *entries(): MapIterator<[string, ChainState]> {
    for (const c of this.fork.ordered()) yield [c.name, c];
  }

  *keys(): MapIterator<string> {
    for (const c of this.fork.ordered()) yield c.name;
  }

  values(): MapIterator<ChainState> {
    return this.fork.ordered();
  }

  [Symbol.iterator](): MapIterator<[string, ChainState]> {
    return this.entries();
  }

  forEach(fn: (value: ChainState, key: string, map: ReadonlyMap<string, ChainState>) => void): void {
    for (const c of this.fork.ordered()) fn(c, c.name, this);
  }
}
