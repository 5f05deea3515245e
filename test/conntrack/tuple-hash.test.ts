import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OpenTable } from '../../src/core/index.js';
import { TupleHash } from '../../src/conntrack/tuple-hash.js';

/**
 * Conntrack's specialised tuple index against core's generic open-addressing table, which it
 * replaced: the same operations give the same answers, the same sizes and the same probe counts
 * (same hash, same probing, same backward-shift deletion).
 */

type Tuple = readonly [src: number, dst: number, sport: number, dport: number, proto: number];
type Op = { readonly kind: 'set' | 'insertAbsent' | 'delete' | 'get'; readonly t: Tuple; readonly value: number } | { readonly kind: 'clear' };

const SEED = 0x2545f491;

// Few distinct values per field, so tuples collide, repeat and form long probe runs.
const addr = fc.oneof(fc.constantFrom(0, 1, 0x0af40102, 0x0a60000a, 0xc0a8380b, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));
const port = fc.oneof(fc.constantFrom(0, 80, 8080, 8472, 65535), fc.integer({ min: 0, max: 0xffff }));
const proto = fc.constantFrom(1, 6, 17, 132);
const tuple: fc.Arbitrary<Tuple> = fc.tuple(addr, addr, port, port, proto);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('set', 'insertAbsent', 'delete', 'get'), t: tuple, value: fc.integer({ min: 0, max: 1 << 30 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'clear' } as const) },
);

function keyOf(t: Tuple): Uint32Array {
  return Uint32Array.of(t[0], t[1], ((t[2] << 16) | t[3]) >>> 0, t[4]);
}

describe('conntrack TupleHash', () => {
  it('agrees with the generic OpenTable on every operation sequence', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), fc.integer({ min: 1, max: 64 }), (ops, initial) => {
        const fast = new TupleHash(initial, SEED);
        const ref = new OpenTable(4, initial, SEED);
        const keep: Tuple[] = [];
        for (const o of ops) {
          if (o.kind === 'clear') {
            fast.clear();
            ref.clear();
            continue;
          }
          const [s, d, sp, dp, p] = o.t;
          const k = keyOf(o.t);
          switch (o.kind) {
            case 'get':
              expect(fast.get(s, d, sp, dp, p)).toBe(ref.get(k));
              expect(fast.lastProbes).toBe(ref.lastProbes);
              break;
            case 'set':
              fast.set(s, d, sp, dp, p, o.value);
              ref.set(k, o.value);
              keep.push(o.t);
              break;
            case 'insertAbsent':
              // Its precondition: only for a tuple the table does not hold.
              if (ref.has(k)) break;
              fast.insertAbsent(s, d, sp, dp, p, o.value);
              ref.set(k, o.value);
              keep.push(o.t);
              break;
            case 'delete':
              expect(fast.delete(s, d, sp, dp, p)).toBe(ref.delete(k));
              break;
          }
          expect(fast.size).toBe(ref.size);
        }
        for (const t of keep) {
          expect(fast.get(t[0], t[1], t[2], t[3], t[4])).toBe(ref.get(keyOf(t)));
          expect(fast.lastProbes).toBe(ref.lastProbes);
        }
      }),
      { numRuns: 300 },
    );
  });
});
