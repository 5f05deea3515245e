import type { Policy, Rule } from '../ast.js';

/**
 * One chain of a table: its rules (immutable parsed objects, shared freely) and their counters.
 *
 * A committed chain is never edited in place: a transaction edits a clone (TableFork.writable),
 * so a failed restore leaves it untouched and a compiled program can recognise an unchanged chain
 * by identity and reuse its compiled rules. Counters are the exception: packets count in the
 * compiled program, and are copied here only when something reads them (save, listing) or before
 * the chain is cloned for editing.
 *
 * Rule counters are kept in two arrays parallel to `rules`, or `null` while every counter is
 * zero (most chains of a freshly restored table), which costs nothing per rule.
 */
export class ChainState {
  /**
   * The committed compiled program running this chain and the chain's index in it (set by
   * CompiledTable.claimChains): lets a recompile reuse an unchanged chain's compiled rules.
   */
  compiledBy: object | null = null;
  compiledAt = -1;
  /** Scratch for the compile in progress: this chain's index in the program being built. */
  buildIndex = -1;
  /** The transaction (TableFork) that copied, replaced or deleted this committed chain, if any. */
  shadowedBy: object | null = null;
  /**
   * What that transaction has in this chain's place: its copy or replacement, or null when it
   * deleted the chain. Read only while `shadowedBy` is the transaction asking.
   */
  shadowCopy: ChainState | null = null;
  /** The restore block (its declaration list) that declared this chain: a second `:NAME` line there is an error. */
  declaredIn: object | null = null;
  /**
   * Hook mask under which this chain's rules passed the table-replace checks (validate.ts), or -1.
   * The checks only get stricter with more hooks, so a subset of this mask needs no new check.
   */
  validatedMask = -1;
  private rulePackets: number[] | null;
  private ruleBytes: number[] | null;

  constructor(
    readonly name: string,
    readonly builtin: boolean,
    public policy: Policy | null,
    private ruleList: Rule[] = [],
    public packets = 0,
    public bytes = 0,
    counters: { packets: number[]; bytes: number[] } | null = null,
  ) {
    this.rulePackets = counters?.packets ?? null;
    this.ruleBytes = counters?.bytes ?? null;
  }

  /** The rules in order (read-only view: edit through the methods below). */
  get rules(): readonly Rule[] {
    return this.ruleList;
  }

  get length(): number {
    return this.ruleList.length;
  }

  rulePacketsAt(i: number): number {
    return this.rulePackets === null ? 0 : (this.rulePackets[i] as number);
  }

  ruleBytesAt(i: number): number {
    return this.ruleBytes === null ? 0 : (this.ruleBytes[i] as number);
  }

  /** Whether any rule counter may be non-zero (false: all are zero). */
  get hasRuleCounters(): boolean {
    return this.rulePackets !== null;
  }

  append(rule: Rule): void {
    this.ruleList.push(rule);
    if (this.rulePackets !== null) {
      this.rulePackets.push(0);
      (this.ruleBytes as number[]).push(0);
    }
  }

  /** Inserts at 0-based `index` with zero counters. */
  insertAt(index: number, rule: Rule): void {
    this.ruleList.splice(index, 0, rule);
    if (this.rulePackets !== null) {
      this.rulePackets.splice(index, 0, 0);
      (this.ruleBytes as number[]).splice(index, 0, 0);
    }
  }

  /** Replaces the rule at 0-based `index`; the new rule starts with zero counters. */
  replaceAt(index: number, rule: Rule): void {
    this.ruleList[index] = rule;
    this.setRuleCounters(index, 0, 0);
  }

  removeAt(index: number): void {
    this.ruleList.splice(index, 1);
    if (this.rulePackets !== null) {
      this.rulePackets.splice(index, 1);
      (this.ruleBytes as number[]).splice(index, 1);
    }
  }

  /** Removes every rule (`-F`, or a chain re-declared in a restore). */
  clear(): void {
    this.ruleList = [];
    this.rulePackets = null;
    this.ruleBytes = null;
  }

  /** Replaces the rule list, keeping the counters position by position (renames rewrite targets). */
  mapRules(fn: (rule: Rule) => Rule): void {
    this.ruleList = this.ruleList.map(fn);
  }

  /** Puts an equal rule object in place of the rule at `index` (same rule, counters unchanged). */
  substituteEqualRule(index: number, rule: Rule): void {
    this.ruleList[index] = rule;
  }

  setRuleCounters(index: number, packets: number, bytes: number): void {
    if (this.rulePackets === null) {
      if (packets === 0 && bytes === 0) return;
      this.rulePackets = new Array<number>(this.ruleList.length).fill(0);
      this.ruleBytes = new Array<number>(this.ruleList.length).fill(0);
    }
    this.rulePackets[index] = packets;
    (this.ruleBytes as number[])[index] = bytes;
  }

  /** Sets every rule counter from columns (a compiled program's), starting at `from`. */
  loadRuleCounters(packets: Float64Array, bytes: Float64Array, from: number): void {
    const n = this.ruleList.length;
    let any = false;
    for (let i = 0; i < n && !any; i++) any = packets[from + i] !== 0 || bytes[from + i] !== 0;
    if (!any) {
      this.rulePackets = null;
      this.ruleBytes = null;
      return;
    }
    this.rulePackets = Array.from(packets.subarray(from, from + n));
    this.ruleBytes = Array.from(bytes.subarray(from, from + n));
  }

  zeroCounters(): void {
    this.packets = 0;
    this.bytes = 0;
    this.rulePackets = null;
    this.ruleBytes = null;
  }

  /** A copy for a transaction to edit: the rule objects are shared, the lists are not. */
  clone(): ChainState {
    const counters = this.rulePackets === null ? null : { packets: this.rulePackets.slice(), bytes: (this.ruleBytes as number[]).slice() };
    return new ChainState(this.name, this.builtin, this.policy, this.ruleList.slice(), this.packets, this.bytes, counters);
  }

  /** A copy under another name (`-E`), with the same rules and counters. */
  renamed(name: string): ChainState {
    const counters = this.rulePackets === null ? null : { packets: this.rulePackets.slice(), bytes: (this.ruleBytes as number[]).slice() };
    return new ChainState(name, this.builtin, this.policy, this.ruleList.slice(), this.packets, this.bytes, counters);
  }
}
