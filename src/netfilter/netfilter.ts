import { KpemuError } from '../core/index.js';
import type { Packet } from '../packet/index.js';
import { HOOK_NAMES, TABLE_NAMES, type HookName, type Rule, type RuleCommand, type TableName, type RestoreDocument } from './ast.js';
import type { NetfilterEnv } from './env.js';
import { compileChains, compileTable } from './engine/compile.js';
import type { CompiledTable } from './engine/compiled.js';
import { patchProgram } from './engine/program-patch.js';
import { walkTable, WalkOutcome } from './engine/walk.js';
import { applyCommands, applyRuleCommand, declareChains } from './state/apply.js';
import { ChainState } from './state/chain.js';
import type { KernelObjects } from './state/kernel-objects.js';
import { type TableFork, TableState } from './state/table.js';
import { validateProgram } from './state/validate.js';

export interface RestoreOptions {
  /** `--noflush`: keep tables' existing chains; a declared chain is created or flushed. */
  readonly noflush: boolean;
  /** `--counters`: take chain counters from the `:CHAIN POLICY [p:b]` lines. */
  readonly counters: boolean;
}

/** Counts of what a restore changed, for sync reports and benchmarks. */
export interface RestoreStats {
  tables: number;
  commands: number;
  chainsDeclared: number;
}

/**
 * The iptables side of one network namespace: the committed tables, their compiled programs, and
 * the transactional ways to change them. A restore or a command either applies completely or
 * throws a located KpemuError and changes nothing.
 */
export class Netfilter {
  private readonly tables = new Map<TableName, TableState>();
  /** Each table's program replaced by its last commit: its buffers are reused by the next compile (engine/columns.ts). */
  private readonly retired = new Map<TableName, CompiledTable>();
  private readonly outcome = new WalkOutcome();

  constructor(
    private readonly objects: KernelObjects,
    private readonly formatRule: (rule: Rule) => string,
  ) {
    for (const name of TABLE_NAMES) this.tables.set(name, new TableState(name));
    const empty = (name: TableName): CompiledTable => {
      const program = compileTable(this.table(name), this.formatRule);
      program.claimChains();
      return program;
    };
    this.running = { raw: empty('raw'), mangle: empty('mangle'), nat: empty('nat'), filter: empty('filter') };
  }

  /**
   * The program each table runs now: always the one compiled for the table's current generation
   * (the constructor compiles the empty tables, every commit installs its own).
   */
  private readonly running: Record<TableName, CompiledTable>;

  table(name: TableName): TableState {
    return this.tables.get(name) as TableState;
  }

  /**
   * Tables loaded so far, in the order legacy iptables-save lists them: /proc/net/ip_tables_names
   * puts the most recently registered table first.
   */
  usedTables(): TableName[] {
    return [...this.touched].reverse();
  }

  /** Tables ever written, in the order they were first written (iptables-save lists loaded tables). */
  private readonly touched = new Set<TableName>();

  /**
   * The compiled program of a table. Every commit installs its own and the constructor compiles
   * the empty tables, so this is one property read per hook on the packet path.
   */
  program(name: TableName): CompiledTable {
    // A switch, not `running[name]`: see run().
    const r = this.running;
    switch (name) {
      case 'raw':
        return r.raw;
      case 'mangle':
        return r.mangle;
      case 'nat':
        return r.nat;
      case 'filter':
        return r.filter;
      default: {
        const never: never = name;
        return never;
      }
    }
  }

  /** A transaction's copy of a table; a chain it edits takes its live counters along. */
  private fork(name: TableName): TableFork {
    const live = this.program(name);
    return this.table(name).fork((chain) => live.refreshChain(chain));
  }

  /** Copies live counters into the table states (before saving or listing). */
  syncCounters(): void {
    for (const name of TABLE_NAMES) this.program(name).syncCounters(this.table(name));
  }

  /** Installs a validated program for a fork and commits the fork. */
  private commit(name: TableName, fork: TableFork, program: CompiledTable): void {
    const state = this.table(name);
    state.adopt(fork);
    if (program.generation !== state.generation) throw new Error(`commit: program generation ${program.generation} for table ${name} at ${state.generation}`);
    this.install(name, program);
    this.touched.add(name);
  }

  private install(name: TableName, program: CompiledTable): void {
    const old = this.program(name);
    // A patched program runs on its predecessor's storage, which must then not be recycled
    // (and the program retired before stays the one to recycle).
    if (old.arena !== program.arena) {
      // Only its typed buffers are wanted: let its rule objects go.
      old.releaseObjects();
      this.retired.set(name, old);
    }
    program.claimChains();
    this.running[name] = program;
  }

  /**
   * Compiles a fork into a program for the table's next generation: a patch of the committed
   * program when it applies (O(what the fork wrote), engine/program-patch.ts), else a full
   * compile that still copies what it can from the committed program.
   */
  private compileFork(name: TableName, fork: TableFork): CompiledTable {
    const committed = this.table(name).chains;
    const previous = this.program(name);
    const generation = this.table(name).generation + 1;
    const recycle = this.retired.get(name) ?? null;
    const patched = patchProgram(name, generation, this.formatRule, previous, { written: fork.writtenChains(), deleted: fork.deletedNames() }, {
      previous,
      recycle,
      // A chain the patch does not write keeps its index, which only the committed program knows
      // (buildIndex is scratch of whichever compile ran last).
      chain: (chainName) => {
        const chain = fork.get(chainName);
        if (chain !== undefined && chain.compiledBy === previous) chain.buildIndex = chain.compiledAt;
        return chain;
      },
      committed: (chainName) => committed.get(chainName),
    });
    if (patched !== null) return patched;
    return compileChains(name, fork.chains.values(), generation, this.formatRule, {
      previous,
      recycle,
      chain: (chainName) => fork.get(chainName),
      committed: (chainName) => committed.get(chainName),
    });
  }

  /**
   * The bit of (`table`, `hook`) in {@link busyHooks}: table-major, five hooks per table, so the
   * 20 pairs fit one small integer. Computed once per call site (the packet path keeps constants).
   */
  static hookBit(table: TableName, hook: HookName): number {
    return 1 << (TABLE_NAMES.indexOf(table) * HOOK_NAMES.length + HOOK_NAMES.indexOf(hook));
  }

  private hooksCheckedAt = -1;
  private busy = 0;

  /**
   * The (table, hook) pairs whose walk can do anything, as {@link hookBit} bits: those whose
   * built-in chain has rules or a DROP policy. For the others {@link run} accepts at once without
   * counting or tracing anything (see walkTable), so the packet path tests a bit instead of
   * loading the table's program: most hooks of a node are empty (raw, mangle). Cached per commit.
   */
  busyHooks(): number {
    if (this.hooksCheckedAt === this.revision) return this.busy;
    let busy = 0;
    for (const table of TABLE_NAMES) {
      const ct = this.program(table);
      for (const hook of HOOK_NAMES) {
        const base = ct.hookChain[hook];
        if (base >= 0 && (ct.chainStart[base] !== ct.chainEnd[base] || ct.chainPolicy[base] !== 1)) busy |= Netfilter.hookBit(table, hook);
      }
    }
    this.busy = busy;
    this.hooksCheckedAt = this.revision;
    return busy;
  }

  /** Walks the table's chain for `hook`; the outcome object is reused between calls. */
  run(table: TableName, hook: HookName, pkt: Packet, env: NetfilterEnv): WalkOutcome {
    // program() switches over the table names: a lookup by a variable string key would be a
    // megamorphic keyed load on every hook of every packet.
    return walkTable(this.program(table), hook, pkt, env, this.outcome);
  }

  /**
   * Applies a parsed restore document atomically: every table block is applied to a working copy
   * and validated as the kernel validates a table replacement; only when all succeed are they
   * committed. (The real iptables-restore commits table by table; kpemu keeps the stronger
   * all-or-nothing guarantee and rejects exactly the same inputs.)
   */
  restore(doc: RestoreDocument, options: RestoreOptions): RestoreStats {
    const forks = new Map<TableName, TableFork>();
    const programs = new Map<TableName, CompiledTable>();
    const stats: RestoreStats = { tables: 0, commands: 0, chainsDeclared: 0 };
    for (const block of doc.blocks) {
      let fork = forks.get(block.table);
      if (fork === undefined) {
        fork = this.fork(block.table);
        forks.set(block.table, fork);
      }
      if (!options.noflush) flushWholeTable(fork);
      declareChains(fork, block.table, block.chains, options.counters);
      stats.chainsDeclared += block.chains.length;
      applyCommands(fork, block.commands);
      stats.commands += block.commands.length;
      // The kernel checks a table when it is replaced; kpemu checks the program it will run.
      // The kernel checks a table when it is replaced; kpemu checks the program it will run.
      // Chains the committed program already runs are copied from it, not compiled again.
      const program = this.compileFork(block.table, fork);
      validateProgram(program, this.objects, blockCommitLine(block));
      programs.set(block.table, program);
      stats.tables++;
    }
    this.revision++;
    for (const [name, fork] of forks) this.commit(name, fork, programs.get(name) as CompiledTable);
    return stats;
  }

  /**
   * Executes one `iptables` command (`-A`, `-I`, `-D`, `-C`, `-N`, `-X`, `-F`, `-Z`, `-P`, `-E`)
   * as its own transaction, like the legacy binary replacing the whole table per command.
   */
  execute(table: TableName, command: RuleCommand): void {
    const fork = this.fork(table);
    applyRuleCommand(fork, command, undefined);
    // -C, -L and -S read: nothing to commit (and nothing was copied for them).
    if (command.kind === 'check' || command.kind === 'list' || command.kind === 'list-rules') return;
    const program = this.compileFork(table, fork);
    validateProgram(program, this.objects, undefined);
    this.revision++;
    this.commit(table, fork, program);
  }

  /** Bumped by every commit, so derived facts about the rules can be cached between commits. */
  private revision = 0;
  private conntrackCheckedAt = -1;
  private conntrackNeeded = false;

  /**
   * Whether some rule needs connection tracking: a NAT target, CONNMARK, or a conntrack, state or
   * connmark match. The kernel turns conntrack on in a namespace only for such users
   * (nf_ct_netns_get from their checkentry); an empty nat table alone does not, and without
   * conntrack the nat table is never walked. Cached per commit: called for every packet.
   */
  needsConntrack(): boolean {
    if (this.conntrackCheckedAt === this.revision) return this.conntrackNeeded;
    let needed = false;
    for (const name of TABLE_NAMES) if (this.program(name).conntrackUsers > 0) needed = true;
    this.conntrackNeeded = needed;
    this.conntrackCheckedAt = this.revision;
    return needed;
  }

  /** Marks a table as loaded (as a kernel module would be once any tool touches it). */
  touch(table: TableName): void {
    this.touched.add(table);
  }

  /** Total rules across all tables. */
  ruleCount(): number {
    let n = 0;
    for (const t of this.tables.values()) for (const c of t.chains.values()) n += c.length;
    return n;
  }
}

function flushWholeTable(fork: TableFork): void {
  for (const [name, chain] of [...fork.chains]) {
    if (chain.builtin) (fork.writable(name) as ChainState).clear();
    else fork.deleteChain(name);
  }
}

/** The line of a block's COMMIT: the kernel reports table-level failures there. */
function blockCommitLine(block: RestoreDocument['blocks'][number]): number {
  return block.commitLine ?? block.line;
}
