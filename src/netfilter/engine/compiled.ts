import type { HookName, Match, Rule, TableName, Target } from '../ast.js';
import type { TableState } from '../state/table.js';

/** Bits of CompiledTable.flags: which common fields a rule checks, and their inversions. */
export const F = {
  SRC: 1 << 0,
  SRC_INV: 1 << 1,
  DST: 1 << 2,
  DST_INV: 1 << 3,
  PROTO: 1 << 4,
  PROTO_INV: 1 << 5,
  IN: 1 << 6,
  IN_INV: 1 << 7,
  IN_WILD: 1 << 8,
  OUT: 1 << 9,
  OUT_INV: 1 << 10,
  OUT_WILD: 1 << 11,
  SPORT: 1 << 12,
  SPORT_INV: 1 << 13,
  DPORT: 1 << 14,
  DPORT_INV: 1 << 15,
  EXT: 1 << 16,
} as const;

/** Target codes of CompiledTable.targetKind. */
export const T = { NONE: 0, ACCEPT: 1, DROP: 2, RETURN: 3, JUMP: 4, GOTO: 5, ACTION: 6 } as const;

/**
 * A table compiled into a flat program: every rule of every chain in typed-array columns, chains
 * as index ranges, jumps resolved to chain indexes. Built once per commit; the walk reads only
 * numbers for the common fields and touches rule objects only for extension matches and
 * action targets.
 */
export class CompiledTable {
  readonly chainNames: string[] = [];
  readonly chainIndex = new Map<string, number>();
  chainStart = new Int32Array(0);
  chainEnd = new Int32Array(0);
  /** 1 ACCEPT, 0 DROP for built-in chains; -1 for user chains. */
  chainPolicy = new Int8Array(0);
  /** Chain index of each hook's built-in chain, or -1. */
  readonly hookChain: Record<HookName, number> = { PREROUTING: -1, INPUT: -1, FORWARD: -1, OUTPUT: -1, POSTROUTING: -1 };

  ruleCount = 0;
  flags = new Int32Array(0);
  srcNet = new Int32Array(0);
  srcMask = new Int32Array(0);
  dstNet = new Int32Array(0);
  dstMask = new Int32Array(0);
  /** The rule's `-d A/32` address when it has one without `!` (uint32), else -1. */
  dstExact = new Float64Array(0);
  proto = new Uint8Array(0);
  sportLo = new Uint16Array(0);
  sportHi = new Uint16Array(0);
  dportLo = new Uint16Array(0);
  dportHi = new Uint16Array(0);
  inName: string[] = [];
  outName: string[] = [];
  extStart = new Int32Array(0);
  extEnd = new Int32Array(0);
  extMatches: Match[] = [];
  /** Per extension match: its slot in `nthCounters` (or -1). */
  extNthSlot = new Int32Array(0);
  nthCounters = new Int32Array(0);
  targetKind = new Uint8Array(0);
  /** Chain index for JUMP/GOTO. */
  targetChain = new Int32Array(0);
  targets: Target[] = [];
  rules: Rule[] = [];
  ruleChain = new Int32Array(0);
  /** 1-based position of the rule in its chain. */
  ruleNumber = new Int32Array(0);
  packets = new Float64Array(0);
  bytes = new Float64Array(0);
  chainPackets = new Float64Array(0);
  chainBytes = new Float64Array(0);
  /** Deepest possible jump nesting (user chains + 1), the size of the walk's return stack. */
  maxDepth = 1;
  private readonly ruleTexts: (string | undefined)[] = [];

  constructor(
    readonly table: TableName,
    readonly generation: number,
    private readonly formatRule: (rule: Rule) => string,
  ) {}

  /** The rule's iptables-save text, built on first use (only traces ask for it). */
  ruleText(i: number): string {
    let t = this.ruleTexts[i];
    if (t === undefined) {
      t = this.formatRule(this.rules[i] as Rule);
      this.ruleTexts[i] = t;
    }
    return t;
  }

  /** Approximate bytes held by the program's columns (for memory reports). */
  get columnBytes(): number {
    const typed = [this.flags, this.srcNet, this.srcMask, this.dstNet, this.dstMask, this.proto, this.sportLo, this.sportHi, this.dportLo, this.dportHi, this.extStart, this.extEnd, this.targetKind, this.targetChain, this.ruleChain, this.ruleNumber, this.packets, this.bytes];
    return typed.reduce((n, a) => n + a.byteLength, 0);
  }

  /** Copies counters back into the table state (before it is recompiled or saved). */
  syncCounters(state: TableState): void {
    if (state.generation !== this.generation) return;
    for (let c = 0; c < this.chainNames.length; c++) {
      const chain = state.chains.get(this.chainNames[c] as string);
      if (chain === undefined) continue;
      chain.packets = this.chainPackets[c] as number;
      chain.bytes = this.chainBytes[c] as number;
      const start = this.chainStart[c] as number;
      for (let i = 0; i < chain.rules.length; i++) {
        const entry = chain.rules[i];
        if (entry === undefined) continue;
        entry.packets = this.packets[start + i] as number;
        entry.bytes = this.bytes[start + i] as number;
      }
    }
  }
}
