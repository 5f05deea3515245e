import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnIndex } from '../../src/ipvs/conn-index.js';

// Small word ranges so keys repeat and probe runs collide and wrap around the table end.
const wordArb = fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constantFrom(0xffffffff, 0x80000000, 0x0af40102));
const keyArb = fc.tuple(wordArb, wordArb, wordArb, wordArb);

describe('ConnIndex against a Map', () => {
  it('stores, replaces, deletes and finds four-word keys as a Map does, through growth and clear', () => {
    type Op = { op: 'set' | 'delete' | 'get' | 'clear'; k: [number, number, number, number]; value: number };
    const opArb: fc.Arbitrary<Op> = fc.record({
      op: fc.constantFrom<Op['op']>('set', 'set', 'set', 'delete', 'delete', 'get', 'clear'),
      k: keyArb,
      value: fc.integer({ min: 0, max: (1 << 30) - 1 }),
    });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 400 }), (ops) => {
        const ix = new ConnIndex(4);
        const ref = new Map<string, number>();
        for (const o of ops) {
          const name = o.k.join('/');
          if (o.op === 'set') {
            ix.set(...o.k, o.value);
            ref.set(name, o.value);
          } else if (o.op === 'delete') expect(ix.delete(...o.k)).toBe(ref.delete(name));
          else if (o.op === 'clear') {
            ix.clear();
            ref.clear();
          } else expect(ix.get(...o.k)).toBe(ref.get(name) ?? -1);
          expect(ix.size).toBe(ref.size);
        }
        for (const [key, value] of ref) {
          const [a, b, c, d] = key.split('/').map(Number) as [number, number, number, number];
          expect(ix.get(a, b, c, d)).toBe(value);
        }
      }),
      { numRuns: 300 },
    );
  });
});
