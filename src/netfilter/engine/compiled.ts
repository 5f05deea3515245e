import type { HookName, Match, Rule, TableName, Target } from '../ast.js';
import type { ChainState } from '../state/chain.js';
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
  /** The rule has a match or target the table-replace checks look at (validate.ts). */
  CHECK: 1 << 17,
  /** The rule has no condition at all (no addresses, interfaces, protocol or matches). */
  UNCOND: 1 << 18,
  /** The rule's match or target takes a reference on conntrack (NAT, CONNMARK, ctstate...). */
  CT_USER: 1 << 19,
  /** The rule names a kernel object (an ipset or an nfacct counter) that must exist. */
  OBJREF: 1 << 20,
  /** The rule has `-d A/32` without `!`: `dstExact` holds A, and the skip loop may pass it. */
  DST_EXACT: 1 << 21,
} as const;

/** Target codes of CompiledTable.targetKind. */
export const T = { NONE: 0, ACCEPT: 1, DROP: 2, RETURN: 3, JUMP: 4, GOTO: 5, ACTION: 6 } as const;

/**
 * Runs of exact-destination rules at least this long are scanned with the native `indexOf` over a
 * view (CompiledTable.exactRunViews); shorter ones with a plain loop, cheaper than the call.
 */
export const LONG_EXACT_RUN = 32;

/**
 * A table compiled into a flat program: every rule of every chain in typed-array columns, chains
 * as index ranges, jumps resolved to chain indexes. Built once per commit; the walk reads only
 * numbers for the common fields and touches rule objects only for extension matches and
 * action targets.
 */
export class CompiledTable {
  chainNames: string[] = [];
  chainStart = new Int32Array(0);
  chainEnd = new Int32Array(0);
  /** 1 ACCEPT, 0 DROP for built-in chains; -1 for user chains. */
  chainPolicy = new Int8Array(0);
  /** Chain index of each hook's built-in chain, or -1. */
  readonly hookChain: Record<HookName, number> = { PREROUTING: -1, INPUT: -1, FORWARD: -1, OUTPUT: -1, POSTROUTING: -1 };

  /** Rules in the program's chains (see also slotCount). */
  ruleCount = 0;
  flags = new Int32Array(0);
  srcNet = new Int32Array(0);
  srcMask = new Int32Array(0);
  dstNet = new Int32Array(0);
  dstMask = new Int32Array(0);
  /** The rule's `-d A/32` address (as int32) when it has one without `!` (F.DST_EXACT), else 0. */
  dstExact = new Int32Array(0);
  /**
   * For each rule, the end of the run of consecutive F.DST_EXACT rules it belongs to (exclusive),
   * or its own index when it has none: the walk's skip loop scans one column up to there.
   */
  exactRunEnd = new Int32Array(0);
  /**
   * Runs of at least LONG_EXACT_RUN rules, by their end index: a view of `dstExact` over the run,
   * so the walk can scan it with `indexOf` (native, in order, bounded to the run) without
   * allocating per packet.
   */
  exactRunViews = new Map<number, Int32Array>();
  proto = new Uint8Array(0);
  sportLo = new Uint16Array(0);
  sportHi = new Uint16Array(0);
  dportLo = new Uint16Array(0);
  dportHi = new Uint16Array(0);
  /** Interface names by id (IFACE_NAMES), per rule: 0 when the rule has none. */
  inIface = new Int32Array(0);
  outIface = new Int32Array(0);
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
  /** The chain objects compiled, by chain index: an unchanged chain is recognised by identity. */
  chainStates: ChainState[] = [];
  /** Rules whose match or target needs conntrack (the namespace turns conntrack on for them). */
  conntrackUsers = 0;
  /** Deepest possible jump nesting (user chains + 1), the size of the walk's return stack. */
  maxDepth = 1;
  /**
   * Identifies the rule storage (column buffers and the rules, targets and extension-match
   * arrays) this program reads. A patched program (program-patch.ts) shares its predecessor's
   * storage, and so its token: such a predecessor's buffers must not be recycled (columns.ts).
   */
  arena: object = {};
  private readonly ruleTexts: (string | undefined)[] = [];
  /** Writes into storage shared with the running program, held back until this one is committed. */
  private readonly atCommit: (() => void)[] = [];

  constructor(
    readonly table: TableName,
    readonly generation: number,
    private readonly formatRule: (rule: Rule) => string,
  ) {}

  /**
   * Rule slots in the columns: the rules of every chain, plus (in a patched program) slots no
   * chain uses any more, left by chains that were rewritten or deleted.
   */
  get slotCount(): number {
    return this.flags.length;
  }

  /**
   * Runs `write` when this program is committed (claimChains), not before: it changes storage the
   * running program still reads, which must stay as it is if this program is never installed.
   */
  deferUntilCommit(write: () => void): void {
    this.atCommit.push(write);
  }

  /** The rule's iptables-save text, built on first use (only traces ask for it). */
  ruleText(i: number): string {
    let t = this.ruleTexts[i];
    if (t === undefined) {
      t = this.formatRule(this.rules[i] as Rule);
      this.ruleTexts[i] = t;
    }
    return t;
  }

  /** Name of interface id `id` (rules hold ids; see IFACE_NAMES). */
  ifaceName(id: number): string {
    return IFACE_NAMES.name(id);
  }

  /**
   * Drops the references to rule, target, match and chain objects of a program that no longer
   * runs, so a retired program kept for its buffers (columns.ts) does not keep old rules alive.
   */
  releaseObjects(): void {
    this.rules = [];
    this.targets = [];
    this.extMatches = [];
    this.chainStates = [];
  }

  /** Copies the live counters of every chain into the table state (before it is saved or listed). */
  syncCounters(state: TableState): void {
    if (state.generation !== this.generation) return;
    for (let c = 0; c < this.chainStates.length; c++) this.syncChainCounters(this.chainStates[c] as ChainState, c);
  }

  /** Copies one chain's live counters into its state, if this committed program runs that chain object. */
  refreshChain(chain: ChainState): void {
    if (chain.compiledBy === this) this.syncChainCounters(chain, chain.compiledAt);
  }

  /**
   * Marks this program as the one running its chains (called when it is committed), so the next
   * compile can reuse their rules and a fork can find their live counters in O(1).
   */
  claimChains(): void {
    for (const write of this.atCommit) write();
    this.atCommit.length = 0;
    const states = this.chainStates;
    for (let c = 0; c < states.length; c++) {
      const chain = states[c] as ChainState;
      chain.compiledBy = this;
      chain.compiledAt = c;
    }
  }

  private syncChainCounters(chain: ChainState, c: number): void {
    chain.packets = this.chainPackets[c] as number;
    chain.bytes = this.chainBytes[c] as number;
    chain.loadRuleCounters(this.packets, this.bytes, this.chainStart[c] as number);
  }
}

/**
 * Interface names used by rules, interned to small ids shared by every program (the set of names
 * rules use is small and only grows), so programs store ids in typed columns and reuse them
 * across recompiles. Id 0 is "no interface".
 */
class InterfaceNames {
  private readonly names: string[] = [''];
  private readonly ids = new Map<string, number>([['', 0]]);

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  name(id: number): string {
    return this.names[id] as string;
  }
}

export const IFACE_NAMES = new InterfaceNames();
