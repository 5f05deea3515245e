import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CT_STATE_BITS, type Match, type NetfilterEnv } from '../../src/netfilter/index.js';
import { ctStateBit, evalMatch } from '../../src/netfilter/engine/match-eval.js';
import { CT_INFO, Packet } from '../../src/packet/index.js';

/**
 * xt_conntrack's --ctstate test written out in full: the state bit of the packet's ctinfo plus,
 * for a tracked packet, the connection's SNAT/DNAT bits, always looked up. evalMatch asks for the
 * NAT bits only when the rule's mask has them; this is the general form it must agree with.
 */
function referenceCtstate(bits: number, invert: boolean, pkt: Packet, natBits: number): boolean {
  const have = ctStateBit(pkt) | (pkt.ctInfo === CT_INFO.UNTRACKED || pkt.ctIndex < 0 ? 0 : natBits);
  if (((have & bits) !== 0) === invert) return false;
  return true;
}

const ctInfoArb = fc.constantFrom(CT_INFO.NONE, CT_INFO.NEW, CT_INFO.ESTABLISHED, CT_INFO.RELATED, CT_INFO.INVALID, CT_INFO.UNTRACKED);

describe('--ctstate: NAT bits looked up only when asked for', () => {
  it('matches exactly as the test that always reads the connection NAT bits', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 127 }),
        fc.boolean(),
        ctInfoArb,
        fc.integer({ min: -1, max: 3 }),
        fc.constantFrom(0, CT_STATE_BITS.SNAT, CT_STATE_BITS.DNAT, CT_STATE_BITS.SNAT | CT_STATE_BITS.DNAT),
        (bits, invert, ctInfo, ctIndex, natBits) => {
          const pkt = new Packet();
          pkt.ctInfo = ctInfo;
          pkt.ctIndex = ctIndex;
          let asked = 0;
          const env = {
            ctNatBits: () => {
              asked++;
              return natBits;
            },
          } as unknown as NetfilterEnv;
          const m: Match = { kind: 'conntrack', ctstate: { bits, invert } };
          const got = evalMatch(m, pkt, env, new Int32Array(0), -1);
          // Without a connection --ctstate alone decides; with one, no other option is set here.
          expect(got).toBe(referenceCtstate(bits, invert, pkt, natBits));
          if ((bits & (CT_STATE_BITS.SNAT | CT_STATE_BITS.DNAT)) === 0) expect(asked).toBe(0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
