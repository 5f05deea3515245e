import type { HookName, Rule, TableName, Target } from '../ast.js';
import type { ChainState } from '../state/chain.js';
import type { TableState } from '../state/table.js';
import { column, slots } from './columns.js';
import { CompiledTable, F, LONG_EXACT_RUN } from './compiled.js';
import { ProgramBuilder } from './program-builder.js';

/** Compiles a table's committed state into a flat program. */
export function compileTable(state: TableState, formatRule: (rule: Rule) => string): CompiledTable {
  return compileChains(state.name, state.chains.values(), state.generation, formatRule, { previous: null, recycle: null, chain: (name) => state.chains.get(name), committed: () => undefined });
}

/** What a compile may read besides the chains themselves. */
export interface CompileContext {
  /** The committed program, whose chains can be copied (null: compile everything). */
  readonly previous: CompiledTable | null;
  /** A program no longer run whose buffers the new one may take (see columns.ts), or null. */
  readonly recycle: CompiledTable | null;
  /** The chain of that name among those being compiled (jump targets). */
  chain(name: string): ChainState | undefined;
  /** The committed chain of that name (what `previous` runs under that name), if any. */
  committed(name: string): ChainState | undefined;
}

/**
 * Compiles chains (committed, or a transaction's working copy, in table order) into a flat program
 * for the given table generation. Jump targets must exist (the restore checks them line by line).
 *
 * With `previous` (the committed program), every chain object it already runs is copied from it
 * column by column instead of being compiled again, in runs of consecutive chains: a partial
 * sync that rewrites a few chains of a 170,000-rule table copies memory and compiles only what
 * changed. Live counters come along with the copied rules; `-m statistic --mode nth` counters
 * restart, as the kernel's do when it replaces a table. `recycle` (a program no longer run, see
 * columns.ts) lends its buffers to the new program.
 */
export function compileChains(
  table: TableName,
  chainIter: Iterable<ChainState>,
  generation: number,
  formatRule: (rule: Rule) => string,
  context: CompileContext,
): CompiledTable {
  const { previous, recycle } = context;
  if (recycle !== null && recycle === previous) throw new Error('compile: cannot recycle the program being read');
  const ct = new CompiledTable(table, generation, formatRule);
  const chains = Array.from(chainIter);
  const nChains = chains.length;
  let total = 0;
  for (let c = 0; c < nChains; c++) total += (chains[c] as ChainState).length;

  ct.chainStates = chains;
  ct.chainStart = column(Int32Array, recycle?.chainStart, nChains);
  ct.chainEnd = column(Int32Array, recycle?.chainEnd, nChains);
  ct.chainPolicy = column(Int8Array, recycle?.chainPolicy, nChains);
  ct.chainPackets = column(Float64Array, recycle?.chainPackets, nChains);
  ct.chainBytes = column(Float64Array, recycle?.chainBytes, nChains);
  for (let c = 0; c < nChains; c++) {
    const chain = chains[c] as ChainState;
    ct.chainNames.push(chain.name);
    chain.buildIndex = c;
    ct.chainPolicy[c] = chain.builtin ? (chain.policy === 'DROP' ? 0 : 1) : -1;
    if (chain.builtin) ct.hookChain[chain.name as HookName] = c;
  }
  ct.maxDepth = nChains + 1;

  ct.ruleCount = total;
  ct.flags = column(Int32Array, recycle?.flags, total);
  ct.srcNet = column(Int32Array, recycle?.srcNet, total);
  ct.srcMask = column(Int32Array, recycle?.srcMask, total);
  ct.dstNet = column(Int32Array, recycle?.dstNet, total);
  ct.dstMask = column(Int32Array, recycle?.dstMask, total);
  ct.dstExact = column(Int32Array, recycle?.dstExact, total);
  ct.exactRunEnd = column(Int32Array, recycle?.exactRunEnd, total);
  ct.proto = column(Uint8Array, recycle?.proto, total);
  ct.sportLo = column(Uint16Array, recycle?.sportLo, total);
  ct.sportHi = column(Uint16Array, recycle?.sportHi, total);
  ct.dportLo = column(Uint16Array, recycle?.dportLo, total);
  ct.dportHi = column(Uint16Array, recycle?.dportHi, total);
  ct.inIface = column(Int32Array, recycle?.inIface, total);
  ct.outIface = column(Int32Array, recycle?.outIface, total);
  ct.extStart = column(Int32Array, recycle?.extStart, total);
  ct.extEnd = column(Int32Array, recycle?.extEnd, total);
  ct.targetKind = column(Uint8Array, recycle?.targetKind, total);
  ct.targetChain = column(Int32Array, recycle?.targetChain, total).fill(-1);
  ct.targets = slots(recycle?.targets, total);
  ct.rules = slots(recycle?.rules, total);
  ct.ruleChain = column(Int32Array, recycle?.ruleChain, total);
  ct.ruleNumber = column(Int32Array, recycle?.ruleNumber, total);
  ct.packets = column(Float64Array, recycle?.packets, total);
  ct.bytes = column(Float64Array, recycle?.bytes, total);

  const b = new ProgramBuilder(ct, context);
  let c = 0;
  while (c < nChains) {
    const chain = chains[c] as ChainState;
    if (previous !== null && chain.compiledBy === previous) {
      // A run of chains that sat next to each other, in the same order, in the previous program.
      const first = chain.compiledAt;
      let n = 1;
      while (c + n < nChains) {
        const next = chains[c + n] as ChainState;
        if (next.compiledBy !== previous || next.compiledAt !== first + n) break;
        n++;
      }
      b.copyRun(first, c, n);
      c += n;
    } else {
      b.compileChain(chain, c);
      c++;
    }
  }
  ct.extNthSlot = Int32Array.from(b.nthSlots);
  ct.nthCounters = Int32Array.from(b.nthInit);
  ct.conntrackUsers = b.conntrackUsers;
  markExactRuns(ct);
  return ct;
}

/** Fills `exactRunEnd` and the long runs' views for every chain. */
function markExactRuns(ct: CompiledTable): void {
  const nChains = ct.chainStart.length;
  for (let c = 0; c < nChains; c++) markChainExactRuns(ct, c, ct.exactRunViews);
}

/**
 * Fills `exactRunEnd` for chain `ci` (runs of consecutive F.DST_EXACT rules) and adds its long
 * runs' views to `views`: the full compile does it for every chain, a patch for the chains it writes.
 */
export function markChainExactRuns(ct: CompiledTable, ci: number, views: Map<number, Int32Array>): void {
  const flags = ct.flags;
  const runEnd = ct.exactRunEnd;
  const start = ct.chainStart[ci] as number;
  let i = ct.chainEnd[ci] as number;
  let end = i;
  while (i > start) {
    i--;
    if (((flags[i] as number) & F.DST_EXACT) === 0) {
      if (end - i - 1 >= LONG_EXACT_RUN) views.set(end, ct.dstExact.subarray(i + 1, end));
      runEnd[i] = i;
      end = i;
    } else runEnd[i] = end;
  }
  if (end - start >= LONG_EXACT_RUN) views.set(end, ct.dstExact.subarray(start, end));
}
