import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CachedFib } from '../../src/node/index.js';
import { Fib, type Route, type RouteType } from '../../src/route/index.js';

// Addresses from a small space: prefixes nest and overlap, and with 256 cache slots many
// addresses share a slot, so hits, misses and evictions all happen.
const addrArb = fc
  .tuple(fc.constantFrom(10, 192), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 31 }))
  .map(([a, b, c, d]) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
const routeArb = fc.record({
  network: addrArb,
  length: fc.constantFrom(0, 8, 16, 24, 30, 32),
  type: fc.constantFrom<RouteType>('unicast', 'local', 'blackhole'),
  dev: fc.constantFrom('eth0', 'cni0'),
  metric: fc.constantFrom(0, 100),
  table: fc.constantFrom<'local' | 'main'>('local', 'main'),
});

type Op = { op: 'add'; r: Route } | { op: 'remove'; dev: string; length: number } | { op: 'look'; addrs: number[] };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: routeArb.map((r) => ({ op: 'add' as const, r: { ...r, gateway: 0, src: 0, onlink: false, scope: 'global' as const } })) },
  { weight: 1, arbitrary: fc.record({ dev: fc.constantFrom('eth0', 'cni0'), length: fc.constantFrom(0, 8, 16, 24, 30, 32) }).map((x) => ({ op: 'remove' as const, ...x })) },
  // Repeated addresses: the second look at an address is answered by the cache.
  { weight: 4, arbitrary: fc.array(addrArb, { minLength: 1, maxLength: 12 }).map((addrs) => ({ op: 'look' as const, addrs: [...addrs, ...addrs] })) },
);

describe('CachedFib against the plain Fib', () => {
  it('answers every lookup and address type as the uncached tables do, across adds and removes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const cached = new CachedFib();
        const plain = new Fib();
        for (const o of ops) {
          if (o.op === 'add') {
            expect(addFails(cached, o.r)).toBe(addFails(plain, o.r));
          } else if (o.op === 'remove') {
            const pred = (r: Route): boolean => r.dev === o.dev && r.length === o.length;
            expect(cached.remove(pred)).toBe(plain.remove(pred));
          } else {
            for (const a of o.addrs) {
              expect(cached.lookup(a)).toEqual(plain.lookup(a));
              // The very object the tables hold, not a stale one from before a change.
              expect(cached.lookup(a)).toBe(Fib.prototype.lookup.call(cached, a));
              expect(cached.addressType(a)).toBe(plain.addressType(a));
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Adds a route; true when the FIB refused it (an existing route). */
function addFails(fib: Fib, r: Route): boolean {
  try {
    fib.add(r);
    return false;
  } catch {
    return true;
  }
}
