import type { Packet } from '../../packet/index.js';
import type { Target } from '../ast.js';
import type { NetfilterEnv } from '../env.js';
import { CONTINUE, VERDICT } from './verdict.js';

/**
 * Applies a target that is not a chain-flow target (jump, goto, return, accept, drop are the
 * walker's business). Returns CONTINUE or a verdict. REJECT's error type is read by the caller
 * from the rule.
 */
export function applyActionTarget(t: Target, pkt: Packet, env: NetfilterEnv): number {
  switch (t.kind) {
    case 'reject':
      return VERDICT.REJECT;
    case 'dnat':
      return env.dnat(pkt, t.to, t.random, t.persistent) ? VERDICT.ACCEPT : VERDICT.DROP;
    case 'snat':
      return env.snat(pkt, t.to, t.random, t.randomFully, t.persistent) ? VERDICT.ACCEPT : VERDICT.DROP;
    case 'masquerade':
      return env.masquerade(pkt, t.ports, t.random, t.randomFully) ? VERDICT.ACCEPT : VERDICT.DROP;
    case 'mark': {
      const before = pkt.mark;
      pkt.mark = ((pkt.mark & ~t.mask) ^ t.value) >>> 0;
      if (env.trace !== null && before !== pkt.mark) env.trace.emit({ kind: 'mark', place: env.place, before, after: pkt.mark });
      return CONTINUE;
    }
    case 'connmark': {
      if (t.mode === 'set') env.setCtMark(pkt, ((env.ctMark(pkt) & ~t.mask) ^ t.value) >>> 0);
      else if (t.mode === 'save') env.setCtMark(pkt, ((env.ctMark(pkt) & ~t.ctmask) ^ (pkt.mark & t.nfmask)) >>> 0);
      else pkt.mark = ((pkt.mark & ~t.nfmask) ^ (env.ctMark(pkt) & t.ctmask)) >>> 0;
      return CONTINUE;
    }
    case 'log':
      if (env.trace !== null) env.trace.emit({ kind: 'log', place: env.place, prefix: t.prefix });
      return CONTINUE;
    case 'notrack':
      env.notrack(pkt);
      return CONTINUE;
    case 'none':
      return CONTINUE;
    case 'accept':
      return VERDICT.ACCEPT;
    case 'drop':
      return VERDICT.DROP;
    case 'return':
    case 'jump':
    case 'goto':
      throw new Error(`flow target ${t.kind} reached applyActionTarget`);
    default: {
      const never: never = t;
      return never;
    }
  }
}
