import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCanonicalIpv4, readIpGeneral } from '../../src/kube/addresses.js';
import { FieldLines } from '../../src/kube/field-lines.js';
import { FieldPaths } from '../../src/kube/field-path.js';
import { child, Issues, list, mapEntries, rootField, Scope, stringMap } from '../../src/kube/reader.js';
import type { SourceNode } from '../../src/kube/source-node.js';

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

describe('shared field paths', () => {
  it('spell every path as the readers spell it by hand, and are shared', () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('child' as const), key: fc.constantFrom('spec', 'ports', 'a.b', '[x]', '') }),
      fc.record({ kind: fc.constant('item' as const), i: fc.nat(3) }),
      fc.record({ kind: fc.constant('entry' as const), key: fc.constantFrom('app', 'k8s.io/name', '') }),
    );
    fc.assert(
      fc.property(fc.constantFrom('', 'data[net-conf.json]'), fc.array(step, { maxLength: 6 }), (rootText, steps) => {
        const paths = new FieldPaths();
        let node = paths.root(rootText);
        let text: string = rootText;
        for (const s of steps) {
          if (s.kind === 'child') ((node = node.child(s.key)), (text = text === '' ? s.key : `${text}.${s.key}`));
          else if (s.kind === 'item') ((node = node.item(s.i)), (text = `${text}[${s.i}]`));
          else ((node = node.entry(s.key)), (text = `${text}[${s.key}]`));
        }
        expect(node.text).toBe(text);
        let again = paths.root(rootText);
        for (const s of steps) again = s.kind === 'child' ? again.child(s.key) : s.kind === 'item' ? again.item(s.i) : again.entry(s.key);
        expect(again).toBe(node);
      }),
    );
  });

  it('give way to a hand-made path (a field copied with a path of its own)', () => {
    const scalar = (value: string): SourceNode => ({ kind: 'scalar', line: 3, value, text: value });
    const tree: SourceNode = { kind: 'map', line: 1, entries: [{ key: 'labels', line: 2, value: { kind: 'map', line: 3, entries: [{ key: 'app', line: 3, value: scalar('x') }] } }] };
    const scope = new Scope('f.yaml', 'Thing', new Issues());
    const labels = child(rootField(scope, tree), 'labels');
    expect(mapEntries(labels).map((e) => e.field.path)).toEqual(['labels[app]']);
    const copied = { ...labels, path: 'metadata.labels' };
    expect(child(copied, 'app').path).toBe('metadata.labels.app');
    expect(mapEntries(copied).map((e) => e.field.path)).toEqual(['metadata.labels[app]']);
    expect(list(child(copied, 'app'))).toEqual([]);
    expect([...scope.lines.keys()]).toEqual(['labels', 'labels[app]', 'metadata.labels.app', 'metadata.labels[app]']);
  });
});

describe('stringMap', () => {
  /** The reference: every entry defined as an own data property, whatever its name. */
  function defined(entries: readonly (readonly [string, string | null])[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, v] of entries) Object.defineProperty(out, key, { value: v ?? '', enumerable: true, writable: true, configurable: true });
    return out;
  }

  it('stores every key, __proto__ and numeric ones included, as defineProperty does', () => {
    const key = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', '10', '1.5', '-1', 'app', ''), fc.string({ maxLength: 6 }));
    // JSON allows a key twice (Go keeps the last value), so duplicates are drawn too.
    const entries = fc.array(fc.tuple(key, fc.option(fc.string({ maxLength: 4 }))), { maxLength: 8 });
    fc.assert(
      fc.property(entries, (es) => {
        const node: SourceNode = { kind: 'map', line: 1, entries: es.map(([k, v], i) => ({ key: k, line: i + 2, value: { kind: 'scalar', line: i + 2, value: v, text: v ?? '' } })) };
        const got = stringMap(rootField(new Scope('f.yaml', 'Thing', new Issues()), node));
        const want = defined(es);
        expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
        expect(Object.entries(got)).toEqual(Object.entries(want));
        for (const k of Object.keys(want)) expect(Object.getOwnPropertyDescriptor(got, k)).toEqual(Object.getOwnPropertyDescriptor(want, k));
      }),
      { numRuns: 2000 },
    );
  });
});
