import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipvsWorld } from './ipvs/arbitraries.js';
import { makeFixture, syncWith } from './support/fixture.js';

/**
 * The proxier keeps each service port's rendered rules (its own chains and its rules in the
 * top-level chains) across syncs. Whatever objects came before, a full sync must write exactly
 * the payload a fresh proxier writes for the same objects.
 */
describe('iptables proxier rendering cache (property)', () => {
  it('a full sync after any updates writes what a fresh proxier writes', () => {
    fc.assert(
      fc.property(fc.array(ipvsWorld, { minLength: 1, maxLength: 4 }), fc.boolean(), (worlds, localhostNodePorts) => {
        const moved = makeFixture({ localhostNodePorts });
        for (const w of worlds) syncWith(moved, w.services, w.slices);
        moved.proxier.forceFullSync();
        const again = moved.proxier.sync();
        expect(again.ok).toBe(true);

        const last = worlds[worlds.length - 1] as (typeof worlds)[number];
        const fresh = makeFixture({ localhostNodePorts });
        const first = syncWith(fresh, last.services, last.slices);
        expect(again.payload).toBe(first.payload);
        // Services in key order (the tracker's order: UTF-16 code units).
        expect(again.servicesWritten).toEqual([...again.servicesWritten].sort());
        expect({ ...again, durationMs: 0, buildMs: 0 }).toEqual({ ...first, durationMs: 0, buildMs: 0 });
      }),
      { numRuns: 80 },
    );
  });
});
