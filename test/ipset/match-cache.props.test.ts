import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { directionFlags, type IpsetRegistry, type SetMatchLike } from '../../src/ipset/index.js';
import { newRegistry, pkt } from './support.js';

/** What the provider did before the match cache: resolve the name and pack the directions per call. */
function uncachedTest(reg: IpsetRegistry, m: SetMatchLike, p: ReturnType<typeof pkt>): boolean {
  const i = reg.indexOf(m.name);
  return i >= 0 && reg.testIndex(i, p, m.directions.length, directionFlags(m.directions));
}

const NAMES = ['A', 'B', 'C'] as const;
type Op =
  | { op: 'create'; name: string; type: 'hash:ip' | 'hash:ip,port' }
  | { op: 'destroy'; name: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'swap'; a: string; b: string }
  | { op: 'add'; name: string; host: number }
  | { op: 'test'; rule: number; host: number };

const nameArb = fc.constantFrom(...NAMES);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), name: nameArb, type: fc.constantFrom<'hash:ip' | 'hash:ip,port'>('hash:ip', 'hash:ip,port') }),
  fc.record({ op: fc.constant('destroy' as const), name: nameArb }),
  fc.record({ op: fc.constant('rename' as const), from: nameArb, to: nameArb }),
  fc.record({ op: fc.constant('swap' as const), a: nameArb, b: nameArb }),
  fc.record({ op: fc.constant('add' as const), name: nameArb, host: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ op: fc.constant('test' as const), rule: fc.nat(), host: fc.integer({ min: 1, max: 2 }) }),
  fc.record({ op: fc.constant('test' as const), rule: fc.nat(), host: fc.constant(1) }),
);

describe('the provider’s match cache', () => {
  it('answers every -m set test as resolving the set by name each time would, across create, destroy, rename and swap', () => {
    // More rules than the cache holds, so entries are also evicted and resolved again.
    const rules: SetMatchLike[] = [];
    for (let k = 0; k < 40; k++) rules.push({ name: NAMES[k % 3] as string, directions: k % 2 === 0 ? ['dst', 'dst'] : ['dst'] });
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), (ops) => {
        const { reg } = newRegistry();
        const provider = reg.provider();
        for (const o of ops) {
          try {
            switch (o.op) {
              case 'create':
                reg.create(o.name, o.type);
                // Born non-empty, so a stale resolution shows up as a different answer.
                reg.add(o.name, o.type === 'hash:ip' ? '10.0.0.1' : '10.0.0.1,tcp:80');
                break;
              case 'destroy':
                reg.destroy(o.name);
                break;
              case 'rename':
                reg.rename(o.from, o.to);
                break;
              case 'swap':
                reg.swap(o.a, o.b);
                break;
              case 'add':
                reg.add(o.name, reg.typeOf(o.name) === 'hash:ip' ? `10.0.0.${o.host}` : `10.0.0.${o.host},tcp:80`);
                break;
              case 'test': {
                const m = rules[o.rule % rules.length] as SetMatchLike;
                const p = pkt('10.244.0.2', `10.0.0.${o.host}`, 40000, 80);
                expect(provider.test(m, p)).toBe(uncachedTest(reg, m, p));
                break;
              }
            }
          } catch (e) {
            if (!isKpemuError(e)) throw e;
          }
        }
        for (const m of rules) {
          const p = pkt('10.244.0.2', '10.0.0.1', 40000, 80);
          expect(provider.test(m, p)).toBe(uncachedTest(reg, m, p));
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('the provider’s match cache, case by case', () => {
  const m: SetMatchLike = { name: 'A', directions: ['dst'] };
  const p = pkt('10.244.0.2', '10.0.0.1');

  it('forgets a set renamed away, and finds the one renamed to the rule’s name', () => {
    const { reg } = newRegistry();
    const provider = reg.provider();
    reg.create('A', 'hash:ip');
    reg.add('A', '10.0.0.1');
    expect(provider.test(m, p)).toBe(true);
    reg.rename('A', 'C');
    expect(provider.test(m, p)).toBe(false);
    reg.create('B', 'hash:ip');
    reg.add('B', '10.0.0.1');
    reg.rename('B', 'A');
    expect(provider.test(m, p)).toBe(true);
  });

  it('forgets a destroyed set and sees one created later under the same name', () => {
    const { reg } = newRegistry();
    const provider = reg.provider();
    expect(provider.test(m, p)).toBe(false);
    reg.create('A', 'hash:ip');
    reg.add('A', '10.0.0.1');
    expect(provider.test(m, p)).toBe(true);
    reg.destroy('A');
    expect(provider.test(m, p)).toBe(false);
    reg.create('B', 'hash:ip');
    reg.create('A', 'hash:ip');
    expect(provider.test(m, p)).toBe(false);
  });

  it('follows a swap: the rule sees the other set’s former contents', () => {
    const { reg } = newRegistry();
    const provider = reg.provider();
    reg.create('A', 'hash:ip');
    reg.create('B', 'hash:ip');
    reg.add('B', '10.0.0.1');
    expect(provider.test(m, p)).toBe(false);
    reg.swap('A', 'B');
    expect(provider.test(m, p)).toBe(true);
  });
});
