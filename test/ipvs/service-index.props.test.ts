import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FreeIds } from '../../src/ipvs/free-ids.js';
import { ServiceIndex } from '../../src/ipvs/service-index.js';

const keyArb = fc.record({
  protocol: fc.constantFrom(6, 17, 132),
  // A small address space so keys repeat and probe runs collide, wrapping around the table end.
  addr: fc.oneof(fc.integer({ min: 0x0a600000, max: 0x0a600040 }), fc.constantFrom(0, 0xffffffff)),
  port: fc.constantFrom(0, 53, 80, 443, 65535),
});

describe('ServiceIndex against a Map', () => {
  it('stores, replaces, deletes and finds (protocol, address, port) keys as a Map does', () => {
    type Op = { op: 'set' | 'delete' | 'get'; k: { protocol: number; addr: number; port: number }; id: number };
    const opArb: fc.Arbitrary<Op> = fc.record({ op: fc.constantFrom<'set' | 'delete' | 'get'>('set', 'set', 'delete', 'get'), k: keyArb, id: fc.integer({ min: 0, max: 1 << 20 }) });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const ix = new ServiceIndex(4);
        const ref = new Map<string, number>();
        const name = (k: Op['k']): string => `${k.protocol}/${k.addr}/${k.port}`;
        for (const o of ops) {
          if (o.op === 'set') {
            ix.set(o.k.protocol, o.k.addr, o.k.port, o.id);
            ref.set(name(o.k), o.id);
          } else if (o.op === 'delete') expect(ix.delete(o.k.protocol, o.k.addr, o.k.port)).toBe(ref.delete(name(o.k)));
          else expect(ix.get(o.k.protocol, o.k.addr, o.k.port)).toBe(ref.get(name(o.k)) ?? -1);
          expect(ix.size).toBe(ref.size);
        }
        for (const [key, id] of ref) {
          const [p, a, port] = key.split('/').map(Number) as [number, number, number];
          expect(ix.get(p, a, port)).toBe(id);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('FreeIds', () => {
  it('always hands out the lowest free id, as a scan for the first hole would', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 40 })), { maxLength: 200 }), (ops) => {
        const free = new FreeIds();
        const ref = new Set<number>();
        for (const o of ops) {
          if (o < 0) {
            const lowest = ref.size === 0 ? -1 : Math.min(...ref);
            expect(free.takeLowest()).toBe(lowest);
            ref.delete(lowest);
          } else if (!ref.has(o)) {
            free.release(o);
            ref.add(o);
          }
          expect(free.size).toBe(ref.size);
        }
      }),
      { numRuns: 300 },
    );
  });
});
