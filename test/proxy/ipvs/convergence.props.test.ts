import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IPSET_INFO, IPVS_CHAINS, realServerKey, virtualServerKey } from '../../../src/proxy/index.js';
import { ipvsWorld } from './arbitraries.js';
import { newHarness, savedRules, syncWith, type Harness } from './support.js';

/**
 * Whatever the previous state, a sync converges on the state a fresh proxier builds for the same
 * objects, and a repeated sync changes nothing. Without connections every removal is immediate,
 * so the states compare exactly (weights included).
 */
function kernelState(h: Harness): Record<string, unknown> {
  const vs = h.ipvsApi
    .getVirtualServers()
    .map((v) => `${virtualServerKey(v)} ${v.scheduler} ${v.flags} ${v.timeout} [${h.ipvsApi.getRealServers(v).map((r) => `${realServerKey(r)}=${r.weight}`).sort().join(' ')}]`)
    .sort();
  const sets: Record<string, string[]> = {};
  for (const info of IPSET_INFO) sets[info.name] = h.ipsetApi.listEntries(info.name).sort();
  const rules = IPVS_CHAINS.flatMap((c) => savedRules(h.iptables, c.table, c.chain));
  return { vs, sets, rules, bound: h.netlink.addresses('kube-ipvs0') };
}

const NODE = { eth0: ['100.101.102.103'], proxier: { nodeIPs: ['100.101.102.103'] } } as const;

describe('IPVS proxier convergence (property)', () => {
  it('A then B equals a fresh B, and B again is a no-op', () => {
    fc.assert(
      fc.property(ipvsWorld, ipvsWorld, (a, b) => {
        const moved = newHarness(NODE);
        syncWith(moved, a.services, a.slices);
        syncWith(moved, b.services, b.slices);
        const fresh = newHarness(NODE);
        syncWith(fresh, b.services, b.slices);
        expect(kernelState(moved)).toEqual(kernelState(fresh));

        const again = syncWith(moved, b.services, b.slices);
        expect(again.ipvsOps).toMatchObject({ vsAdded: 0, vsUpdated: 0, vsDeleted: 0, rsAdded: 0, rsUpdated: 0, rsDeleted: 0 });
        expect(again.ipsetOps).toEqual({ created: 0, added: 0, deleted: 0 });
        expect(again.addressesBound).toEqual([]);
        expect(again.addressesUnbound).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});
