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

  /** A working copy for a transaction: the map is new, chains are shared until written. */
  fork(): TableFork {
    return new TableFork(this);
  }

  /** Replaces this table's content with a committed fork's. */
  adopt(fork: TableFork): void {
    this.chains.clear();
    for (const [name, chain] of fork.chains) this.chains.set(name, chain);
    this.generation++;
  }
}

/** A copy-on-write view of a table used while a transaction is applied. */
export class TableFork {
  readonly chains: Map<string, ChainState>;
  private readonly copied = new Set<string>();

  constructor(readonly base: TableState) {
    this.chains = new Map(base.chains);
  }

  get name(): TableName {
    return this.base.name;
  }

  /** The chain, copied first if this transaction has not written it yet. */
  writable(name: string): ChainState | undefined {
    const chain = this.chains.get(name);
    if (chain === undefined) return undefined;
    if (this.copied.has(name)) return chain;
    const copy = chain.clone();
    this.chains.set(name, copy);
    this.copied.add(name);
    return copy;
  }

  /** Adds a freshly created chain (already owned by this transaction). */
  addChain(chain: ChainState): void {
    this.chains.set(chain.name, chain);
    this.copied.add(chain.name);
  }

  deleteChain(name: string): void {
    this.chains.delete(name);
    this.copied.delete(name);
  }
}
