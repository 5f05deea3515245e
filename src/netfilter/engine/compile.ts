import type { HookName, Match, Rule, TableName } from '../ast.js';
import type { ChainState } from '../state/chain.js';
import type { TableState } from '../state/table.js';
import { CompiledTable, F, T } from './compiled.js';

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

/** Matches whose evaluation changes state (counters, lists, random draws). */
function hasSideEffect(m: Match): boolean {
  return m.kind === 'nfacct' || m.kind === 'recent' || m.kind === 'statistic';
}

/** Compiles a table's committed state into a flat program. */
export function compileTable(state: TableState, formatRule: (rule: Rule) => string): CompiledTable {
  return compileChains(state.name, state.chains, state.generation, formatRule);
}

/**
 * Compiles chains (committed, or a transaction's working copy) into a flat program for the
 * given table generation. Jump targets must exist (the restore checks them line by line).
 */
export function compileChains(table: TableName, chainMap: ReadonlyMap<string, ChainState>, generation: number, formatRule: (rule: Rule) => string): CompiledTable {
  const ct = new CompiledTable(table, generation, formatRule);
  const chains = [...chainMap.values()];
  let total = 0;
  for (const c of chains) total += c.rules.length;

  const nChains = chains.length;
  ct.chainStart = new Int32Array(nChains);
  ct.chainEnd = new Int32Array(nChains);
  ct.chainPolicy = new Int8Array(nChains);
  ct.chainPackets = new Float64Array(nChains);
  ct.chainBytes = new Float64Array(nChains);
  chains.forEach((c, i) => {
    ct.chainNames.push(c.name);
    ct.chainIndex.set(c.name, i);
    ct.chainPolicy[i] = c.builtin ? (c.policy === 'DROP' ? 0 : 1) : -1;
    ct.chainPackets[i] = c.packets;
    ct.chainBytes[i] = c.bytes;
    if (c.builtin) ct.hookChain[c.name as HookName] = i;
  });
  ct.maxDepth = nChains + 1;

  ct.ruleCount = total;
  ct.flags = new Int32Array(total);
  ct.srcNet = new Int32Array(total);
  ct.srcMask = new Int32Array(total);
  ct.dstNet = new Int32Array(total);
  ct.dstMask = new Int32Array(total);
  ct.dstExact = new Float64Array(total).fill(-1);
  ct.proto = new Uint8Array(total);
  ct.sportLo = new Uint16Array(total);
  ct.sportHi = new Uint16Array(total);
  ct.dportLo = new Uint16Array(total);
  ct.dportHi = new Uint16Array(total);
  ct.inName = new Array<string>(total).fill('');
  ct.outName = new Array<string>(total).fill('');
  ct.extStart = new Int32Array(total);
  ct.extEnd = new Int32Array(total);
  ct.targetKind = new Uint8Array(total);
  ct.targetChain = new Int32Array(total).fill(-1);
  ct.targets = new Array(total);
  ct.rules = new Array(total);
  ct.ruleChain = new Int32Array(total);
  ct.ruleNumber = new Int32Array(total);
  ct.packets = new Float64Array(total);
  ct.bytes = new Float64Array(total);

  const nthSlots: number[] = [];
  const nthInit: number[] = [];
  let i = 0;
  chains.forEach((chain, ci) => {
    ct.chainStart[ci] = i;
    chain.rules.forEach((entry, ri) => {
      const r = entry.rule;
      let f = 0;
      if (r.src !== undefined && r.src.prefix.length > 0) {
        f |= F.SRC | (r.src.invert ? F.SRC_INV : 0);
        ct.srcNet[i] = r.src.prefix.network & r.src.prefix.mask;
        ct.srcMask[i] = r.src.prefix.mask | 0;
      } else if (r.src !== undefined && r.src.invert) {
        // `! -s 0.0.0.0/0` never matches: keep it as a check that always fails.
        f |= F.SRC | F.SRC_INV;
      }
      if (r.dst !== undefined && r.dst.prefix.length > 0) {
        f |= F.DST | (r.dst.invert ? F.DST_INV : 0);
        ct.dstNet[i] = r.dst.prefix.network & r.dst.prefix.mask;
        ct.dstMask[i] = r.dst.prefix.mask | 0;
        if (r.dst.prefix.length === 32 && !r.dst.invert) ct.dstExact[i] = r.dst.prefix.network >>> 0;
      } else if (r.dst !== undefined && r.dst.invert) {
        f |= F.DST | F.DST_INV;
      }
      if (r.proto !== undefined) {
        f |= F.PROTO | (r.proto.invert ? F.PROTO_INV : 0);
        ct.proto[i] = r.proto.num;
      }
      if (r.inIface !== undefined) {
        f |= F.IN | (r.inIface.invert ? F.IN_INV : 0) | (r.inIface.wildcard ? F.IN_WILD : 0);
        ct.inName[i] = r.inIface.name;
      }
      if (r.outIface !== undefined) {
        f |= F.OUT | (r.outIface.invert ? F.OUT_INV : 0) | (r.outIface.wildcard ? F.OUT_WILD : 0);
        ct.outName[i] = r.outIface.name;
      }
      ct.extStart[i] = ct.extMatches.length;
      let sideEffects = false;
      for (const m of r.matches) {
        if (m.kind === 'comment') continue;
        if (foldablePortMatch(r, m, sideEffects) && (m.kind === 'tcp' || m.kind === 'udp' || m.kind === 'sctp')) {
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
        if (hasSideEffect(m)) sideEffects = true;
        if (m.kind === 'statistic' && m.mode === 'nth') {
          nthSlots.push(nthInit.length);
          nthInit.push(m.packet);
        } else nthSlots.push(-1);
        ct.extMatches.push(m);
      }
      ct.extEnd[i] = ct.extMatches.length;
      if (ct.extEnd[i] !== ct.extStart[i]) f |= F.EXT;
      ct.flags[i] = f;

      const t = r.target;
      ct.targets[i] = t;
      switch (t.kind) {
        case 'none':
          ct.targetKind[i] = T.NONE;
          break;
        case 'accept':
          ct.targetKind[i] = T.ACCEPT;
          break;
        case 'drop':
          ct.targetKind[i] = T.DROP;
          break;
        case 'return':
          ct.targetKind[i] = T.RETURN;
          break;
        case 'jump':
        case 'goto': {
          ct.targetKind[i] = t.kind === 'jump' ? T.JUMP : T.GOTO;
          // Jump targets are validated when committed; a missing one here is an internal error.
          const idx = ct.chainIndex.get(t.chain);
          if (idx === undefined) throw new Error(`compile: chain ${t.chain} missing in ${table}`);
          ct.targetChain[i] = idx;
          break;
        }
        default:
          ct.targetKind[i] = T.ACTION;
      }
      ct.rules[i] = r;
      ct.ruleChain[i] = ci;
      ct.ruleNumber[i] = ri + 1;
      ct.packets[i] = entry.packets;
      ct.bytes[i] = entry.bytes;
      i++;
    });
    ct.chainEnd[ci] = i;
  });
  ct.extNthSlot = Int32Array.from(nthSlots);
  ct.nthCounters = Int32Array.from(nthInit);
  return ct;
}
