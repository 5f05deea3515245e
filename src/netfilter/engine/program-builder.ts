import type { Match, Rule, Target } from '../ast.js';
import type { ChainState } from '../state/chain.js';
import { rulesEqual } from '../state/rule-equal.js';
import type { CompileContext } from './compile.js';
import { type CompiledTable, F, IFACE_NAMES, T } from './compiled.js';
import { foldablePortMatch, matchNeedsCheck, targetCode, targetNeedsCheck, targetUsesConntrack } from './rule-facts.js';

/**
 * Where a builder starts writing into a program that already holds rules (a patched program,
 * program-patch.ts): its first free rule slot and its first free `nthCounters` slot.
 */
export interface BuilderStart {
  readonly slot: number;
  readonly nthSlot: number;
}

/** Previous chain indexes in `remap` that are still to be looked up by name. */
const NOT_LOOKED_UP = -2;

/** Writes chains into a program under construction, rule by rule or copied from the previous one. */
export class ProgramBuilder {
  /** Next free rule slot. */
  private i: number;
  /** Per extension match this builder adds: its `nthCounters` slot, or -1. */
  readonly nthSlots: number[] = [];
  /** Initial counter of each `nthCounters` slot this builder adds (from `nthBase` on). */
  readonly nthInit: number[] = [];
  private readonly nthBase: number;
  conntrackUsers = 0;
  /** Previous chain index → this program's index of the chain with the same name (-2: not yet looked up). */
  private readonly remap: Int32Array;
  private readonly previous: CompiledTable | null;

  constructor(
    private readonly ct: CompiledTable,
    private readonly context: CompileContext,
    start?: BuilderStart,
  ) {
    const previous = context.previous;
    this.previous = previous;
    this.i = start?.slot ?? 0;
    this.nthBase = start?.nthSlot ?? 0;
    const n = previous === null ? 0 : previous.chainNames.length;
    this.remap = new Int32Array(n);
    if (start !== undefined) {
      // A patch keeps every chain of the previous program at its index (program-patch.ts).
      for (let c = 0; c < n; c++) this.remap[c] = c;
    } else {
      this.remap.fill(NOT_LOOKED_UP);
      // Chains carried over unchanged map without a name lookup.
      if (previous !== null) for (const chain of ct.chainStates) if (chain.compiledBy === previous) this.remap[chain.compiledAt] = chain.buildIndex;
    }
  }

  /** The next free rule slot. */
  get position(): number {
    return this.i;
  }

  compileChain(chain: ChainState, ci: number): void {
    const ct = this.ct;
    ct.chainStart[ci] = this.i;
    ct.chainPackets[ci] = chain.packets;
    ct.chainBytes[ci] = chain.bytes;
    const rules = chain.rules;
    const counted = chain.hasRuleCounters;
    const p = this.previous;
    const namesake = p === null ? undefined : this.context.committed(chain.name);
    if (p !== null && namesake !== undefined && namesake.compiledBy === p) {
      this.compileAgainst(chain, ci, p, namesake.compiledAt);
    } else {
      for (let ri = 0; ri < rules.length; ri++) this.compileRule(rules[ri] as Rule, this.i++, ci);
    }
    const start = ct.chainStart[ci] as number;
    for (let ri = 0; ri < rules.length; ri++) {
      ct.ruleNumber[start + ri] = ri + 1;
      if (counted) {
        ct.packets[start + ri] = chain.rulePacketsAt(ri);
        ct.bytes[start + ri] = chain.ruleBytesAt(ri);
      }
    }
    ct.chainEnd[ci] = this.i;
  }

  /**
   * Compiles a rewritten chain whose namesake the previous program ran (a sync re-declares every
   * chain it writes, mostly with the same rules): a rule equal to the old rule at the same place,
   * or at the next place (one rule was removed), has its compiled fields copied instead of
   * compiled again; anything else is compiled. When every rule matched in order, the chain also
   * keeps the old chain's validation.
   */
  private compileAgainst(chain: ChainState, ci: number, p: CompiledTable, old: number): void {
    const rules = chain.rules;
    const ps = p.chainStart[old] as number;
    const pe = p.chainEnd[old] as number;
    let j = ps;
    let allSame = rules.length === pe - ps;
    for (let ri = 0; ri < rules.length; ri++) {
      const r = rules[ri] as Rule;
      const i = this.i++;
      if (j < pe && rulesEqual(p.rules[j] as Rule, r)) {
        this.copyRule(p, j++, i, ci, chain, ri);
      } else if (j + 1 < pe && rulesEqual(p.rules[j + 1] as Rule, r)) {
        allSame = false;
        j++;
        this.copyRule(p, j++, i, ci, chain, ri);
      } else {
        allSame = false;
        this.compileRule(r, i, ci);
      }
    }
    const oldChain = p.chainStates[old] as ChainState;
    if (allSame && oldChain.validatedMask >= 0) chain.validatedMask = oldChain.validatedMask;
  }

  /**
   * Copies one compiled rule from the previous program (equal rule, so equal fields). The chain
   * keeps the old rule object instead of its equal new one: rules are immutable, and the freshly
   * parsed copy can then die young instead of being promoted and kept.
   */
  private copyRule(p: CompiledTable, from: number, i: number, ci: number, chain: ChainState, ri: number): void {
    const ct = this.ct;
    const rule = p.rules[from] as Rule;
    chain.substituteEqualRule(ri, rule);
    const f = p.flags[from] as number;
    ct.flags[i] = f;
    ct.srcNet[i] = p.srcNet[from] as number;
    ct.srcMask[i] = p.srcMask[from] as number;
    ct.dstNet[i] = p.dstNet[from] as number;
    ct.dstMask[i] = p.dstMask[from] as number;
    ct.dstExact[i] = p.dstExact[from] as number;
    ct.proto[i] = p.proto[from] as number;
    ct.sportLo[i] = p.sportLo[from] as number;
    ct.sportHi[i] = p.sportHi[from] as number;
    ct.dportLo[i] = p.dportLo[from] as number;
    ct.dportHi[i] = p.dportHi[from] as number;
    ct.inIface[i] = p.inIface[from] as number;
    ct.outIface[i] = p.outIface[from] as number;
    const tk = p.targetKind[from] as number;
    ct.targetKind[i] = tk;
    if (tk === T.JUMP || tk === T.GOTO) ct.targetChain[i] = this.mapChain(p.targetChain[from] as number);
    if ((f & F.CT_USER) !== 0) this.conntrackUsers++;
    ct.rules[i] = rule;
    ct.targets[i] = rule.target;
    ct.ruleChain[i] = ci;
    this.copyExtMatches(p, from, i);
  }

  /** The rule's extension matches from the previous program (nth counters start afresh). */
  private copyExtMatches(p: CompiledTable, from: number, i: number): void {
    const ext = this.ct.extMatches;
    const xe = p.extEnd[from] as number;
    this.ct.extStart[i] = ext.length;
    for (let x = p.extStart[from] as number; x < xe; x++) {
      const m = p.extMatches[x] as Match;
      if ((p.extNthSlot[x] as number) >= 0) this.addNthSlot(m);
      else this.nthSlots.push(-1);
      ext.push(m);
    }
    this.ct.extEnd[i] = ext.length;
  }

  private compileRule(r: Rule, i: number, ci: number): void {
    const ct = this.ct;
    let f = 0;
    const src = r.src;
    if (src !== undefined) {
      if (src.prefix.length > 0) {
        f |= F.SRC | (src.invert ? F.SRC_INV : 0);
        ct.srcNet[i] = src.prefix.network & src.prefix.mask;
        ct.srcMask[i] = src.prefix.mask | 0;
      } else if (src.invert) {
        // `! -s 0.0.0.0/0` never matches: keep it as a check that always fails.
        f |= F.SRC | F.SRC_INV;
      }
    }
    const dst = r.dst;
    if (dst !== undefined) {
      if (dst.prefix.length > 0) {
        f |= F.DST | (dst.invert ? F.DST_INV : 0);
        ct.dstNet[i] = dst.prefix.network & dst.prefix.mask;
        ct.dstMask[i] = dst.prefix.mask | 0;
        if (dst.prefix.length === 32 && !dst.invert) {
          f |= F.DST_EXACT;
          ct.dstExact[i] = dst.prefix.network | 0;
        }
      } else if (dst.invert) {
        f |= F.DST | F.DST_INV;
      }
    }
    const proto = r.proto;
    if (proto !== undefined) {
      f |= F.PROTO | (proto.invert ? F.PROTO_INV : 0);
      ct.proto[i] = proto.num;
    }
    if (r.inIface !== undefined) {
      f |= F.IN | (r.inIface.invert ? F.IN_INV : 0) | (r.inIface.wildcard ? F.IN_WILD : 0);
      ct.inIface[i] = IFACE_NAMES.id(r.inIface.name);
    }
    if (r.outIface !== undefined) {
      f |= F.OUT | (r.outIface.invert ? F.OUT_INV : 0) | (r.outIface.wildcard ? F.OUT_WILD : 0);
      ct.outIface[i] = IFACE_NAMES.id(r.outIface.name);
    }
    const matches = r.matches;
    if (src === undefined && dst === undefined && proto === undefined && r.inIface === undefined && r.outIface === undefined && matches.length === 0) f |= F.UNCOND;
    const ext = ct.extMatches;
    ct.extStart[i] = ext.length;
    let sideEffects = false;
    for (let k = 0; k < matches.length; k++) {
      const m = matches[k] as Match;
      const kind = m.kind;
      if (kind === 'comment') continue;
      if (matchNeedsCheck(m, r)) f |= F.CHECK;
      if (kind === 'set' || kind === 'nfacct') f |= F.OBJREF;
      else if (kind === 'conntrack' || kind === 'state' || kind === 'connmark') f |= F.CT_USER;
      if ((kind === 'tcp' || kind === 'udp' || kind === 'sctp') && foldablePortMatch(r, m, sideEffects)) {
        if (m.sport !== undefined) {
          f |= F.SPORT | (m.sport.invert ? F.SPORT_INV : 0);
          ct.sportLo[i] = m.sport.lo;
          ct.sportHi[i] = m.sport.hi;
        }
        if (m.dport !== undefined) {
          f |= F.DPORT | (m.dport.invert ? F.DPORT_INV : 0);
          ct.dportLo[i] = m.dport.lo;
          ct.dportHi[i] = m.dport.hi;
        }
        continue;
      }
      if (kind === 'nfacct' || kind === 'recent' || kind === 'statistic') sideEffects = true;
      this.addNthSlot(m);
      ext.push(m);
    }
    ct.extEnd[i] = ext.length;
    if (ct.extEnd[i] !== ct.extStart[i]) f |= F.EXT;

    const t = r.target;
    if (targetNeedsCheck(t)) f |= F.CHECK;
    if (targetUsesConntrack(t)) f |= F.CT_USER;
    if ((f & F.CT_USER) !== 0) this.conntrackUsers++;
    ct.flags[i] = f;
    ct.targets[i] = t;
    ct.targetKind[i] = targetCode(t);
    if (t.kind === 'jump' || t.kind === 'goto') {
      // Jump targets are validated when committed; a missing one here is an internal error.
      const target = this.context.chain(t.chain);
      if (target === undefined || ct.chainStates[target.buildIndex] !== target) throw new Error(`compile: chain ${t.chain} missing in ${ct.table}`);
      ct.targetChain[i] = target.buildIndex;
    }
    ct.rules[i] = r;
    ct.ruleChain[i] = ci;
  }

  private addNthSlot(m: Match): void {
    if (m.kind === 'statistic' && m.mode === 'nth') {
      this.nthSlots.push(this.nthBase + this.nthInit.length);
      this.nthInit.push(m.packet);
    } else this.nthSlots.push(-1);
  }

  /**
   * Copies `n` consecutive chains starting at the previous program's chain `from` to this
   * program's chain `to`. In a patched previous program (program-patch.ts) consecutive chains
   * need not sit next to each other in the columns, so the run is copied in pieces that do.
   */
  copyRun(from: number, to: number, n: number): void {
    const p = this.previous as CompiledTable;
    let k = 0;
    while (k < n) {
      let m = 1;
      while (k + m < n && p.chainStart[from + k + m] === p.chainEnd[from + k + m - 1]) m++;
      this.copyAdjacent(from + k, to + k, m);
      k += m;
    }
  }

  /**
   * Copies `n` consecutive chains whose rules are adjacent in the previous program's columns:
   * typed columns in bulk, then the few columns holding indexes that move (chain numbers,
   * extension-match offsets, jump targets) rule by rule.
   */
  private copyAdjacent(from: number, to: number, n: number): void {
    const ct = this.ct;
    const p = this.previous as CompiledTable;
    const s = p.chainStart[from] as number;
    const e = p.chainEnd[from + n - 1] as number;
    const d = this.i;
    const shift = d - s;
    for (let k = 0; k < n; k++) {
      ct.chainStart[to + k] = (p.chainStart[from + k] as number) + shift;
      ct.chainEnd[to + k] = (p.chainEnd[from + k] as number) + shift;
      ct.chainPackets[to + k] = p.chainPackets[from + k] as number;
      ct.chainBytes[to + k] = p.chainBytes[from + k] as number;
    }
    if (e > s) {
      ct.flags.set(p.flags.subarray(s, e), d);
      ct.srcNet.set(p.srcNet.subarray(s, e), d);
      ct.srcMask.set(p.srcMask.subarray(s, e), d);
      ct.dstNet.set(p.dstNet.subarray(s, e), d);
      ct.dstMask.set(p.dstMask.subarray(s, e), d);
      ct.dstExact.set(p.dstExact.subarray(s, e), d);
      ct.proto.set(p.proto.subarray(s, e), d);
      ct.sportLo.set(p.sportLo.subarray(s, e), d);
      ct.sportHi.set(p.sportHi.subarray(s, e), d);
      ct.dportLo.set(p.dportLo.subarray(s, e), d);
      ct.dportHi.set(p.dportHi.subarray(s, e), d);
      ct.inIface.set(p.inIface.subarray(s, e), d);
      ct.outIface.set(p.outIface.subarray(s, e), d);
      ct.targetKind.set(p.targetKind.subarray(s, e), d);
      ct.ruleNumber.set(p.ruleNumber.subarray(s, e), d);
      ct.packets.set(p.packets.subarray(s, e), d);
      ct.bytes.set(p.bytes.subarray(s, e), d);
    }
    const chainShift = to - from;
    if (chainShift === 0) ct.ruleChain.set(p.ruleChain.subarray(s, e), d);
    const pTargetKind = p.targetKind;
    for (let i = s; i < e; i++) {
      const j = i + shift;
      ct.rules[j] = p.rules[i] as Rule;
      ct.targets[j] = p.targets[i] as Target;
      if (chainShift !== 0) ct.ruleChain[j] = (p.ruleChain[i] as number) + chainShift;
      const tk = pTargetKind[i] as number;
      if (tk === T.JUMP || tk === T.GOTO) ct.targetChain[j] = this.mapChain(p.targetChain[i] as number);
    }
    // Extension matches of consecutive rules are contiguous: copy them as one range.
    if (e > s) {
      const xs = p.extStart[s] as number;
      const xe = p.extEnd[e - 1] as number;
      const xShift = ct.extMatches.length - xs;
      for (let i = s; i < e; i++) {
        ct.extStart[i + shift] = (p.extStart[i] as number) + xShift;
        ct.extEnd[i + shift] = (p.extEnd[i] as number) + xShift;
      }
      const ext = ct.extMatches;
      for (let x = xs; x < xe; x++) {
        const m = p.extMatches[x] as Match;
        if ((p.extNthSlot[x] as number) >= 0) this.addNthSlot(m);
        else this.nthSlots.push(-1);
        ext.push(m);
      }
    }
    this.conntrackUsers += countFlag(p.flags, s, e, F.CT_USER);
    this.i = d + (e - s);
  }

  /** This program's index of the chain a previous-program jump target names. */
  private mapChain(old: number): number {
    let idx = this.remap[old] as number;
    if (idx === NOT_LOOKED_UP) {
      const name = (this.previous as CompiledTable).chainNames[old] as string;
      const found = this.context.chain(name);
      if (found === undefined || this.ct.chainStates[found.buildIndex] !== found) throw new Error(`compile: chain ${name} missing in ${this.ct.table}`);
      idx = found.buildIndex;
      this.remap[old] = idx;
    }
    return idx;
  }
}

function countFlag(flags: Int32Array, s: number, e: number, bit: number): number {
  let n = 0;
  for (let i = s; i < e; i++) if (((flags[i] as number) & bit) !== 0) n++;
  return n;
}
