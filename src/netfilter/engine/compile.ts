import type { HookName, Match, Rule, TableName, Target } from '../ast.js';
import type { ChainState } from '../state/chain.js';
import type { TableState } from '../state/table.js';
import { CompiledTable, F, IFACE_NAMES, T } from './compiled.js';

/**
 * The protocol match that a rule's `-p` already implies and that only checks ports can be folded
 * into the common columns; everything else stays an extension match. Comments are dropped: they
 * never affect a decision.
 */
function foldablePortMatch(rule: Rule, m: Match, sideEffectsBefore: boolean): boolean {
  if (m.kind !== 'tcp' && m.kind !== 'udp' && m.kind !== 'sctp') return false;
  if (m.kind === 'tcp' && m.flags !== undefined) return false;
  const want = m.kind === 'tcp' ? 6 : m.kind === 'udp' ? 17 : 132;
  if (rule.proto === undefined || rule.proto.invert || rule.proto.num !== want) return false;
  // Checking the ports early must not skip an earlier match's side effect (the kernel runs
  // matches in order): then only a port-less protocol match, which always passes, may go.
  return !sideEffectsBefore || (m.sport === undefined && m.dport === undefined);
}

const PROTOCOL_OF_MATCH = { tcp: 6, udp: 17, sctp: 132, icmp: 1 } as const;

/**
 * Matches the table-replace checks look at (validate.ts checkMatch). A protocol match under the
 * rule's own `-p` cannot fail its check, so it needs none (most kube-proxy rules are like that).
 */
function matchNeedsCheck(m: Match, rule: Rule): boolean {
  switch (m.kind) {
    case 'addrtype':
    case 'nfacct':
    case 'set':
    case 'recent':
      return true;
    case 'tcp':
    case 'udp':
    case 'sctp':
    case 'icmp':
      return rule.proto === undefined || rule.proto.invert || rule.proto.num !== PROTOCOL_OF_MATCH[m.kind];
    default:
      return false;
  }
}

/** Targets restricted to some tables or hooks, or with their own checks (validate.ts). */
function targetNeedsCheck(t: Target): boolean {
  switch (t.kind) {
    case 'dnat':
    case 'snat':
    case 'masquerade':
    case 'reject':
    case 'notrack':
      return true;
    default:
      return false;
  }
}

/** Targets whose kernel modules take a reference on conntrack (nf_ct_netns_get; matches: see compileRule). */
function targetUsesConntrack(t: Target): boolean {
  return t.kind === 'dnat' || t.kind === 'snat' || t.kind === 'masquerade' || t.kind === 'connmark';
}

/** Compiles a table's committed state into a flat program. */
export function compileTable(state: TableState, formatRule: (rule: Rule) => string): CompiledTable {
  return compileChains(state.name, state.chains.values(), state.generation, formatRule, null);
}

/**
 * Compiles chains (committed, or a transaction's working copy, in table order) into a flat program
 * for the given table generation. Jump targets must exist (the restore checks them line by line).
 *
 * With `previous` (the committed program), every chain object it already runs is copied from it
 * column by column instead of being compiled again, in runs of consecutive chains: a partial
 * sync that rewrites a few chains of a 170,000-rule table copies memory and compiles only what
 * changed. Live counters come along with the copied rules; `-m statistic --mode nth` counters
 * restart, as the kernel's do when it replaces a table.
 */
export function compileChains(
  table: TableName,
  chainIter: Iterable<ChainState>,
  generation: number,
  formatRule: (rule: Rule) => string,
  previous: CompiledTable | null,
): CompiledTable {
  const ct = new CompiledTable(table, generation, formatRule);
  const chains = Array.from(chainIter);
  const nChains = chains.length;
  let total = 0;
  for (let c = 0; c < nChains; c++) total += (chains[c] as ChainState).length;

  ct.chainStates = chains;
  ct.chainStart = new Int32Array(nChains);
  ct.chainEnd = new Int32Array(nChains);
  ct.chainPolicy = new Int8Array(nChains);
  ct.chainPackets = new Float64Array(nChains);
  ct.chainBytes = new Float64Array(nChains);
  for (let c = 0; c < nChains; c++) {
    const chain = chains[c] as ChainState;
    ct.chainNames.push(chain.name);
    ct.chainIndex.set(chain.name, c);
    ct.chainPolicy[c] = chain.builtin ? (chain.policy === 'DROP' ? 0 : 1) : -1;
    if (chain.builtin) ct.hookChain[chain.name as HookName] = c;
  }
  ct.maxDepth = nChains + 1;

  ct.ruleCount = total;
  ct.flags = new Int32Array(total);
  ct.srcNet = new Int32Array(total);
  ct.srcMask = new Int32Array(total);
  ct.dstNet = new Int32Array(total);
  ct.dstMask = new Int32Array(total);
  ct.dstExact = new Int32Array(total);
  ct.exactRunEnd = new Int32Array(total);
  ct.proto = new Uint8Array(total);
  ct.sportLo = new Uint16Array(total);
  ct.sportHi = new Uint16Array(total);
  ct.dportLo = new Uint16Array(total);
  ct.dportHi = new Uint16Array(total);
  ct.inIface = new Int32Array(total);
  ct.outIface = new Int32Array(total);
  ct.extStart = new Int32Array(total);
  ct.extEnd = new Int32Array(total);
  ct.targetKind = new Uint8Array(total);
  ct.targetChain = new Int32Array(total).fill(-1);
  ct.targets = new Array<Target>(total);
  ct.rules = new Array<Rule>(total);
  ct.ruleChain = new Int32Array(total);
  ct.ruleNumber = new Int32Array(total);
  ct.packets = new Float64Array(total);
  ct.bytes = new Float64Array(total);

  const b = new ProgramBuilder(ct, previous);
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

/** Fills `exactRunEnd`: runs of consecutive F.DST_EXACT rules within a chain. */
function markExactRuns(ct: CompiledTable): void {
  const flags = ct.flags;
  const runEnd = ct.exactRunEnd;
  const nChains = ct.chainStart.length;
  for (let c = 0; c < nChains; c++) {
    const start = ct.chainStart[c] as number;
    let i = ct.chainEnd[c] as number;
    let end = i;
    while (i > start) {
      i--;
      if (((flags[i] as number) & F.DST_EXACT) === 0) {
        runEnd[i] = i;
        end = i;
      } else runEnd[i] = end;
    }
  }
}

/** Writes chains into a program under construction, rule by rule or copied from the previous one. */
class ProgramBuilder {
  /** Next free rule slot. */
  private i = 0;
  readonly nthSlots: number[] = [];
  readonly nthInit: number[] = [];
  conntrackUsers = 0;
  /** Previous chain index → this program's index of the chain with the same name (-2: not yet looked up). */
  private readonly remap: Int32Array;

  constructor(
    private readonly ct: CompiledTable,
    private readonly previous: CompiledTable | null,
  ) {
    this.remap = new Int32Array(previous === null ? 0 : previous.chainNames.length).fill(-2);
  }

  compileChain(chain: ChainState, ci: number): void {
    const ct = this.ct;
    ct.chainStart[ci] = this.i;
    ct.chainPackets[ci] = chain.packets;
    ct.chainBytes[ci] = chain.bytes;
    const rules = chain.rules;
    const counted = chain.hasRuleCounters;
    for (let ri = 0; ri < rules.length; ri++) {
      const i = this.i++;
      this.compileRule(rules[ri] as Rule, i, ci);
      ct.ruleNumber[i] = ri + 1;
      if (counted) {
        ct.packets[i] = chain.rulePacketsAt(ri);
        ct.bytes[i] = chain.ruleBytesAt(ri);
      }
    }
    ct.chainEnd[ci] = this.i;
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
      const idx = ct.chainIndex.get(t.chain);
      if (idx === undefined) throw new Error(`compile: chain ${t.chain} missing in ${ct.table}`);
      ct.targetChain[i] = idx;
    }
    ct.rules[i] = r;
    ct.ruleChain[i] = ci;
  }

  private addNthSlot(m: Match): void {
    if (m.kind === 'statistic' && m.mode === 'nth') {
      this.nthSlots.push(this.nthInit.length);
      this.nthInit.push(m.packet);
    } else this.nthSlots.push(-1);
  }

  /**
   * Copies `n` consecutive chains starting at the previous program's chain `from` to this
   * program's chain `to`: typed columns in bulk, then the few columns holding indexes that move
   * (chain numbers, extension-match offsets, jump targets) rule by rule.
   */
  copyRun(from: number, to: number, n: number): void {
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
    const ext = ct.extMatches;
    const pExt = p.extMatches;
    const pSlots = p.extNthSlot;
    for (let i = s; i < e; i++) {
      const j = i + shift;
      ct.rules[j] = p.rules[i] as Rule;
      ct.targets[j] = p.targets[i] as Target;
      ct.ruleChain[j] = (p.ruleChain[i] as number) + chainShift;
      const f = p.flags[i] as number;
      if ((f & F.CT_USER) !== 0) this.conntrackUsers++;
      const tk = p.targetKind[i] as number;
      if (tk === T.JUMP || tk === T.GOTO) ct.targetChain[j] = this.mapChain(p.targetChain[i] as number);
      const xs = p.extStart[i] as number;
      const xe = p.extEnd[i] as number;
      ct.extStart[j] = ext.length;
      for (let x = xs; x < xe; x++) {
        const m = pExt[x] as Match;
        if ((pSlots[x] as number) >= 0) this.addNthSlot(m);
        else this.nthSlots.push(-1);
        ext.push(m);
      }
      ct.extEnd[j] = ext.length;
    }
    this.i = d + (e - s);
  }

  /** This program's index of the chain a previous-program jump target names. */
  private mapChain(old: number): number {
    let idx = this.remap[old] as number;
    if (idx === -2) {
      const name = (this.previous as CompiledTable).chainNames[old] as string;
      const found = this.ct.chainIndex.get(name);
      if (found === undefined) throw new Error(`compile: chain ${name} missing in ${this.ct.table}`);
      idx = found;
      this.remap[old] = idx;
    }
    return idx;
  }
}

function targetCode(t: Target): number {
  switch (t.kind) {
    case 'none':
      return T.NONE;
    case 'accept':
      return T.ACCEPT;
    case 'drop':
      return T.DROP;
    case 'return':
      return T.RETURN;
    case 'jump':
      return T.JUMP;
    case 'goto':
      return T.GOTO;
    default:
      return T.ACTION;
  }
}
