import type { Policy, Rule } from '../ast.js';

/** A rule as stored in a table, with its counters. */
export interface RuleEntry {
  readonly rule: Rule;
  packets: number;
  bytes: number;
}

/**
 * One chain of a table. Chains are copied on write during a transaction so a failed restore
 * leaves the committed chains untouched.
 */
export class ChainState {
  constructor(
    readonly name: string,
    readonly builtin: boolean,
    public policy: Policy | null,
    public rules: RuleEntry[] = [],
    public packets = 0,
    public bytes = 0,
  ) {}

  clone(): ChainState {
    return new ChainState(
      this.name,
      this.builtin,
      this.policy,
      this.rules.map((r) => ({ rule: r.rule, packets: r.packets, bytes: r.bytes })),
      this.packets,
      this.bytes,
    );
  }
}
