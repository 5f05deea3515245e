import type { HookName, Match, Rule, TableName } from '../ast.js';
import { ChainState } from '../state/chain.js';
import { rulesEqual } from '../state/rule-equal.js';
import { type CompileContext, markChainExactRuns } from './compile.js';
import { CompiledTable, F, LONG_EXACT_RUN } from './compiled.js';
import { ProgramBuilder } from './program-builder.js';

/**
 * What a transaction changed in a table: the chains it wrote (copied to edit, re-declared or
 * created), in the order it wrote them, and the committed chains it deleted.
 */
export interface TableChange {
  readonly written: Iterable<ChainState>;
  readonly deleted: Iterable<string>;
}

/**
 * The chain that stands in for a deleted chain's index in a patched program: no rules, reached
 * by no jump (a chain can only be deleted once nothing refers to it).
 */
const VACANT = new ChainState('', false, null);

/** A patch may leave at most this many unused slots per rule in use before a full compile packs the program again. */
const MAX_UNUSED_PER_RULE = 1;

/**
 * Builds the program for a table after a transaction by patching the committed one instead of
 * copying it: O(rules written) plus a few typed-array copies of O(chains), however big the table.
 *
 * The new program shares the committed program's rule storage (column buffers, unless they must
 * grow; rule, target and extension-match arrays). Every chain keeps its index, so the chain numbers stored per rule
 * (jump targets, owning chain) stay right in shared slots. A chain whose rules are all equal to
 * its old ones keeps its old slots; other written chains are compiled into slots past the
 * committed program's last one (which the running program never reads), copying the compiled
 * fields of rules equal to old ones; a new chain takes the next index, so index order is still
 * table order (the checks report the first bad chain in that order); a deleted chain's index
 * becomes an empty placeholder. Kept slots take the counters the transaction gives their chain
 * (a restore's `[p:b]` or zero, as in a fresh compile) only when the program is committed: until
 * then the running program counts in them, and a refused transaction leaves them as they were.
 * `-m statistic --mode nth` counters restart for the whole table, as in the kernel.
 *
 * Returns null where a patch does not apply, and the caller compiles the table in full (which
 * also packs the slots): a chain deleted and re-created by one transaction (its rules elsewhere
 * would need their jumps renumbered), or too many unused slots.
 */
export function patchProgram(
  table: TableName,
  generation: number,
  formatRule: (rule: Rule) => string,
  p: CompiledTable,
  change: TableChange,
  context: CompileContext,
): CompiledTable | null {
  const deleted = new Set<string>();
  const deletedAt: number[] = [];
  for (const name of change.deleted) {
    const old = context.committed(name);
    if (old === undefined || old.compiledBy !== p) return null;
    deleted.add(name);
    deletedAt.push(old.compiledAt);
  }
  const pChains = p.chainNames.length;
  let nChains = pChains;
  /** Written chains with their index, and whether their old slots are kept. */
  const written: ChainState[] = [];
  const index: number[] = [];
  const keep: boolean[] = [];
  let added = 0;
  for (const chain of change.written) {
    const old = context.committed(chain.name);
    let ci: number;
    let same = false;
    if (old === undefined) ci = nChains++;
    else {
      if (deleted.has(chain.name) || old.compiledBy !== p) return null;
      ci = old.compiledAt;
      same = sameRules(chain, p, ci);
    }
    chain.buildIndex = ci;
    written.push(chain);
    index.push(ci);
    keep.push(same);
    if (!same) added += chain.length;
  }

  const pSlots = p.slotCount;
  const slots = pSlots + added;
  let ruleCount = p.ruleCount + added;
  for (let w = 0; w < written.length; w++) {
    const ci = index[w] as number;
    if (!keep[w] && ci < pChains) ruleCount -= chainLength(p, ci);
  }
  for (const ci of deletedAt) ruleCount -= chainLength(p, ci);
  if (slots - ruleCount > MAX_UNUSED_PER_RULE * ruleCount) return null;

  const ct = new CompiledTable(table, generation, formatRule);
  ct.ruleCount = ruleCount;
  ct.maxDepth = nChains + 1;
  for (const hook of Object.keys(p.hookChain) as HookName[]) ct.hookChain[hook] = p.hookChain[hook];
  shareRuleStorage(ct, p, slots, context.recycle);
  copyChainColumns(ct, p, nChains);

  // The long runs' views, over this program's dstExact (a new buffer if the columns grew).
  const views = new Map<number, Int32Array>();
  for (const [end, view] of p.exactRunViews) views.set(end, ct.arena === p.arena ? view : ct.dstExact.subarray(end - view.length, end));
  let conntrackUsers = p.conntrackUsers;
  for (const ci of deletedAt) {
    conntrackUsers -= countFlag(p.flags, p.chainStart[ci] as number, p.chainEnd[ci] as number, F.CT_USER);
    forgetRuns(p, ci, views);
    ct.chainNames[ci] = VACANT.name;
    ct.chainStates[ci] = VACANT;
    ct.chainStart[ci] = 0;
    ct.chainEnd[ci] = 0;
    ct.chainPolicy[ci] = -1;
    ct.chainPackets[ci] = 0;
    ct.chainBytes[ci] = 0;
  }

  // Every written chain takes its place first: a rule may jump to a chain written after it.
  for (let w = 0; w < written.length; w++) {
    const chain = written[w] as ChainState;
    const ci = index[w] as number;
    ct.chainNames[ci] = chain.name;
    ct.chainStates[ci] = chain;
    ct.chainPolicy[ci] = chain.builtin ? (chain.policy === 'DROP' ? 0 : 1) : -1;
  }
  const b = new ProgramBuilder(ct, context, { slot: pSlots, nthSlot: p.nthCounters.length });
  const kept: number[] = [];
  for (let w = 0; w < written.length; w++) {
    const chain = written[w] as ChainState;
    const ci = index[w] as number;
    if (keep[w]) {
      keepSlots(ct, p, chain, ci);
      kept.push(ci);
      continue;
    }
    if (ci < pChains) {
      conntrackUsers -= countFlag(p.flags, p.chainStart[ci] as number, p.chainEnd[ci] as number, F.CT_USER);
      forgetRuns(p, ci, views);
    }
    b.compileChain(chain, ci);
    markChainExactRuns(ct, ci, views);
  }
  if (b.position !== slots) throw new Error(`patch: wrote ${b.position} slots of ${slots} in ${table}`);
  // Until then the running program counts in those slots, and a refused patch leaves them alone.
  if (kept.length > 0) ct.deferUntilCommit(() => loadKeptCounters(ct, kept));
  ct.conntrackUsers = conntrackUsers + b.conntrackUsers;
  ct.exactRunViews = views;

  const pExt = p.extNthSlot.length;
  ct.extNthSlot = new Int32Array(pExt + b.nthSlots.length);
  ct.extNthSlot.set(p.extNthSlot);
  ct.extNthSlot.set(b.nthSlots, pExt);
  ct.nthCounters = restartedNthCounters(ct, p.nthCounters.length + b.nthInit.length);
  return ct;
}

/** Whether the chain's rules are, one for one, the rules its namesake has in `p` (chain `ci`). */
function sameRules(chain: ChainState, p: CompiledTable, ci: number): boolean {
  const rules = chain.rules;
  const start = p.chainStart[ci] as number;
  if (rules.length !== (p.chainEnd[ci] as number) - start) return false;
  for (let ri = 0; ri < rules.length; ri++) {
    const old = p.rules[start + ri] as Rule;
    const r = rules[ri] as Rule;
    if (old !== r && !rulesEqual(old, r)) return false;
  }
  return true;
}

function chainLength(p: CompiledTable, ci: number): number {
  return (p.chainEnd[ci] as number) - (p.chainStart[ci] as number);
}

/** Whether every column buffer of `p` has room for `slots` rules. */
function fits(p: CompiledTable, slots: number): boolean {
  for (const col of ruleColumns(p)) {
    if (!(col.buffer instanceof ArrayBuffer) || col.byteOffset !== 0 || col.buffer.byteLength < slots * col.BYTES_PER_ELEMENT) return false;
  }
  return true;
}

function ruleColumns(ct: CompiledTable) {
  return [
    ct.flags,
    ct.srcNet,
    ct.srcMask,
    ct.dstNet,
    ct.dstMask,
    ct.dstExact,
    ct.exactRunEnd,
    ct.proto,
    ct.sportLo,
    ct.sportHi,
    ct.dportLo,
    ct.dportHi,
    ct.inIface,
    ct.outIface,
    ct.extStart,
    ct.extEnd,
    ct.targetKind,
    ct.targetChain,
    ct.ruleChain,
    ct.ruleNumber,
    ct.packets,
    ct.bytes,
  ] as const;
}

type Column = Int8Array | Uint8Array | Uint16Array | Int32Array | Float64Array;

interface ColumnType<T extends Column> {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBuffer, byteOffset: number, length: number): T;
}

/**
 * Gives `ct` columns `slots` long holding `p`'s slots, with the slots past `p`'s last one cleared
 * (a refused patch may have left rules there; the compiler sets only the fields a rule has):
 * views of `p`'s own buffers when they have room, else copies into the buffers of `spare` (a
 * program no longer run, see columns.ts) or, when those are too small too, into new buffers twice
 * the size, so that syncs rewriting a long chain (a KUBE-SERVICES of 10,000 rules) patch for a
 * while before the unused slots call for a full compile. The rules, targets and extension-match
 * arrays are shared either way (only slots past `p`'s are written), cut back to `p`'s length.
 */
function shareRuleStorage(ct: CompiledTable, p: CompiledTable, slots: number, spare: CompiledTable | null): void {
  const from = p.slotCount;
  const room = fits(p, slots);
  const reuse = !room && spare !== null && fits(spare, slots);
  ct.arena = room ? p.arena : {};
  const capacity = 2 * slots;
  const view = <T extends Column>(type: ColumnType<T>, col: T, fill = 0, spareCol?: T): T => {
    let v: T;
    if (room) v = new type(col.buffer as ArrayBuffer, 0, slots);
    else {
      const buffer = reuse ? ((spareCol as T).buffer as ArrayBuffer) : new ArrayBuffer(capacity * type.BYTES_PER_ELEMENT);
      v = new type(buffer, 0, slots);
      v.set(col.subarray(0, from) as never);
    }
    v.fill(fill, from);
    return v;
  };
  ct.flags = view(Int32Array, p.flags, 0, spare?.flags);
  ct.srcNet = view(Int32Array, p.srcNet, 0, spare?.srcNet);
  ct.srcMask = view(Int32Array, p.srcMask, 0, spare?.srcMask);
  ct.dstNet = view(Int32Array, p.dstNet, 0, spare?.dstNet);
  ct.dstMask = view(Int32Array, p.dstMask, 0, spare?.dstMask);
  ct.dstExact = view(Int32Array, p.dstExact, 0, spare?.dstExact);
  ct.exactRunEnd = view(Int32Array, p.exactRunEnd, 0, spare?.exactRunEnd);
  ct.proto = view(Uint8Array, p.proto, 0, spare?.proto);
  ct.sportLo = view(Uint16Array, p.sportLo, 0, spare?.sportLo);
  ct.sportHi = view(Uint16Array, p.sportHi, 0, spare?.sportHi);
  ct.dportLo = view(Uint16Array, p.dportLo, 0, spare?.dportLo);
  ct.dportHi = view(Uint16Array, p.dportHi, 0, spare?.dportHi);
  ct.inIface = view(Int32Array, p.inIface, 0, spare?.inIface);
  ct.outIface = view(Int32Array, p.outIface, 0, spare?.outIface);
  ct.extStart = view(Int32Array, p.extStart, 0, spare?.extStart);
  ct.extEnd = view(Int32Array, p.extEnd, 0, spare?.extEnd);
  ct.targetKind = view(Uint8Array, p.targetKind, 0, spare?.targetKind);
  ct.targetChain = view(Int32Array, p.targetChain, -1, spare?.targetChain);
  ct.ruleChain = view(Int32Array, p.ruleChain, 0, spare?.ruleChain);
  ct.ruleNumber = view(Int32Array, p.ruleNumber, 0, spare?.ruleNumber);
  ct.packets = view(Float64Array, p.packets, 0, spare?.packets);
  ct.bytes = view(Float64Array, p.bytes, 0, spare?.bytes);
  ct.rules = p.rules;
  ct.rules.length = from;
  ct.targets = p.targets;
  ct.targets.length = from;
  ct.extMatches = p.extMatches;
  ct.extMatches.length = p.extNthSlot.length;
}

/** The per-chain columns of `p` for `nChains` chains (the ones past `p`'s are filled in by the caller). */
function copyChainColumns(ct: CompiledTable, p: CompiledTable, nChains: number): void {
  const n = p.chainNames.length;
  const grow = <T extends Int8Array | Int32Array | Float64Array>(col: T, make: (n: number) => T): T => {
    const c = make(nChains);
    c.set(col.subarray(0, n));
    return c;
  };
  ct.chainStart = grow(p.chainStart, (k) => new Int32Array(k));
  ct.chainEnd = grow(p.chainEnd, (k) => new Int32Array(k));
  ct.chainPolicy = grow(p.chainPolicy, (k) => new Int8Array(k));
  ct.chainPackets = grow(p.chainPackets, (k) => new Float64Array(k));
  ct.chainBytes = grow(p.chainBytes, (k) => new Float64Array(k));
  ct.chainNames = p.chainNames.slice();
  ct.chainStates = p.chainStates.slice();
}

/**
 * A written chain whose rules equal its old ones keeps its old slots. Like a rewritten chain it
 * holds the old rule objects and keeps the old chain's checks; its rule counters become the ones
 * the transaction gave it when the program is committed (loadKeptCounters).
 */
function keepSlots(ct: CompiledTable, p: CompiledTable, chain: ChainState, ci: number): void {
  const start = p.chainStart[ci] as number;
  const rules = chain.rules;
  for (let ri = 0; ri < rules.length; ri++) chain.substituteEqualRule(ri, p.rules[start + ri] as Rule);
  const old = p.chainStates[ci] as ChainState;
  if (old.validatedMask >= 0) chain.validatedMask = old.validatedMask;
  ct.chainPackets[ci] = chain.packets;
  ct.chainBytes[ci] = chain.bytes;
}

/** Sets the rule counters of kept chains (by index) to their chain states' counters. */
function loadKeptCounters(ct: CompiledTable, kept: readonly number[]): void {
  for (const ci of kept) {
    const chain = ct.chainStates[ci] as ChainState;
    const start = ct.chainStart[ci] as number;
    const n = chain.length;
    if (!chain.hasRuleCounters) {
      ct.packets.fill(0, start, start + n);
      ct.bytes.fill(0, start, start + n);
      continue;
    }
    for (let ri = 0; ri < n; ri++) {
      ct.packets[start + ri] = chain.rulePacketsAt(ri);
      ct.bytes[start + ri] = chain.ruleBytesAt(ri);
    }
  }
}

/** Drops the long-run views of `p`'s chain `ci` (its slots are no longer used). */
function forgetRuns(p: CompiledTable, ci: number, views: Map<number, Int32Array>): void {
  const start = p.chainStart[ci] as number;
  const end = p.chainEnd[ci] as number;
  let i = start;
  while (i < end) {
    const runEnd = p.exactRunEnd[i] as number;
    if (runEnd > i) {
      if (runEnd - i >= LONG_EXACT_RUN) views.delete(runEnd);
      i = runEnd;
    } else i++;
  }
}

/** Fresh `-m statistic --mode nth` counters for every nth match the storage holds: a replaced table restarts them. */
function restartedNthCounters(ct: CompiledTable, n: number): Int32Array<ArrayBuffer> {
  const counters = new Int32Array(n);
  if (n === 0) return counters;
  const slots = ct.extNthSlot;
  for (let x = 0; x < slots.length; x++) {
    const slot = slots[x] as number;
    if (slot < 0) continue;
    const m = ct.extMatches[x] as Match;
    if (m.kind === 'statistic' && m.mode === 'nth') counters[slot] = m.packet;
  }
  return counters;
}

function countFlag(flags: Int32Array, s: number, e: number, bit: number): number {
  let n = 0;
  for (let i = s; i < e; i++) if (((flags[i] as number) & bit) !== 0) n++;
  return n;
}
