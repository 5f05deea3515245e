import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCanonicalIpv4, readIpGeneral } from '../../src/kube/addresses.js';
import { FieldLines } from '../../src/kube/field-lines.js';

/** The loader's small fast paths, each against the general code it stands in front of. */

const octetText = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom('00', '01', '010', '255', '256', '', 'a', '1a', '-1', ' 1', '0x1'));
const ipLikeText = fc.oneof(
  fc.array(octetText, { minLength: 1, maxLength: 6 }).map((parts) => parts.join('.')),
  fc.tuple(fc.nat(0xffffffff), fc.constantFrom('', ' ', '.', '/24', ':80', '.0')).map(([n, tail]) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}${tail}`),
  fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', ':', 'a'), maxLength: 18 }),
);

describe('readIp fast path', () => {
  it('answers exactly as the general reader whenever it answers, and takes every canonical address', () => {
    fc.assert(
      fc.property(ipLikeText, (text) => {
        const fast = readCanonicalIpv4(text);
        if (fast !== null) expect(fast).toStrictEqual(readIpGeneral(text));
        const general = readIpGeneral(text);
        if (general.kind === 'ipv4' && general.text === text) expect(fast).not.toBeNull();
      }),
      { numRuns: 3000 },
    );
  });
});

describe('FieldLines', () => {
  it('behaves as a Map built by the same sets, before and after its first lookup', () => {
    const op = fc.tuple(fc.constantFrom('a', 'b', 'spec.ports[0]', '__proto__', ''), fc.nat(50));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 20 }), fc.array(op, { maxLength: 5 }), (before, after) => {
        const lines = new FieldLines();
        const map = new Map<string, number>();
        for (const [k, v] of before) (lines.set(k, v), map.set(k, v));
        expect(lines.get('a')).toBe(map.get('a'));
        for (const [k, v] of after) (lines.set(k, v), map.set(k, v));
        expect([...lines]).toEqual([...map]);
        expect(lines.size).toBe(map.size);
        expect(lines.has('b')).toBe(map.has('b'));
      }),
    );
  });
});
