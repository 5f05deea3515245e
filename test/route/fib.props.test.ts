import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError, maskOfLength } from '../../src/core/index.js';
import { Fib, type Route, type RouteType } from '../../src/route/index.js';

/**
 * The reference FIB: the plain sorted list kpemu used before the per-prefix-length hash tables.
 * Routes are kept longest prefix first, then by metric, then in insertion order (a stable sort),
 * and a lookup returns the first route whose prefix contains the address.
 */
class ReferenceFib {
  local: Route[] = [];
  main: Route[] = [];

  add(route: Route): void {
    const list = route.table === 'local' ? this.local : this.main;
    const mask = maskOfLength(route.length);
    const r: Route = { ...route, network: (route.network & mask) >>> 0 };
    if (list.some((x) => x.network === r.network && x.length === r.length && x.metric === r.metric && x.type === r.type)) throw new Error('exists');
    list.push(r);
    list.sort((a, b) => b.length - a.length || a.metric - b.metric);
  }

  remove(pred: (r: Route) => boolean): number {
    const before = this.local.length + this.main.length;
    this.local = this.local.filter((r) => !pred(r));
    this.main = this.main.filter((r) => !pred(r));
    return before - (this.local.length + this.main.length);
  }

  lookup(dst: number): Route | null {
    return scan(this.local, dst) ?? scan(this.main, dst);
  }
}

function scan(list: readonly Route[], dst: number): Route | null {
  for (const r of list) {
    const mask = maskOfLength(r.length);
    if (((dst & mask) >>> 0) === r.network) return r;
  }
  return null;
}

// Addresses from a small space so that prefixes overlap, nest and collide often.
const addrArb = fc.tuple(fc.constantFrom(10, 192), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 7 })).map(([a, b, c, d]) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0);
const lengthArb = fc.constantFrom(0, 8, 16, 23, 24, 30, 31, 32);
const typeArb = fc.constantFrom<RouteType>('unicast', 'local', 'blackhole');
const routeArb = fc.record({
  network: addrArb,
  length: lengthArb,
  type: typeArb,
  dev: fc.constantFrom('eth0', 'cni0', 'kube-ipvs0'),
  metric: fc.constantFrom(0, 0, 100, 200),
  table: fc.constantFrom<'local' | 'main'>('local', 'main'),
});

type Op = { op: 'add'; r: Route } | { op: 'remove'; dev: string; length: number } | { op: 'lookup'; addr: number };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: routeArb.map((r) => ({ op: 'add' as const, r: { ...r, gateway: 0, src: 0, onlink: false, scope: 'global' as const } })) },
  { weight: 1, arbitrary: fc.record({ dev: fc.constantFrom('eth0', 'cni0', 'kube-ipvs0'), length: lengthArb }).map((x) => ({ op: 'remove' as const, ...x })) },
  { weight: 4, arbitrary: addrArb.map((addr) => ({ op: 'lookup' as const, addr })) },
);

describe('Fib against the sorted-list reference', () => {
  it('adds, removes, looks up and lists exactly as a longest-prefix scan of a sorted list', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const fib = new Fib();
        const ref = new ReferenceFib();
        for (const o of ops) {
          if (o.op === 'add') {
            let refErr = false;
            try {
              ref.add(o.r);
            } catch {
              refErr = true;
            }
            let fibErr = false;
            try {
              fib.add(o.r);
            } catch (e) {
              if (!isKpemuError(e) || e.code !== 'ROUTE_INVALID') throw e;
              fibErr = true;
            }
            expect(fibErr).toBe(refErr);
          } else if (o.op === 'remove') {
            const pred = (r: Route): boolean => r.dev === o.dev && r.length === o.length;
            expect(fib.remove(pred)).toBe(ref.remove(pred));
          } else {
            expect(fib.lookup(o.addr)).toEqual(ref.lookup(o.addr));
            expect(fib.addressType(o.addr)).toBe(ref.lookup(o.addr) === null ? 'unicast' : referenceType(ref, o.addr));
          }
        }
        expect(fib.routes('local')).toEqual(ref.local);
        expect(fib.routes('main')).toEqual(ref.main);
        // Every stored prefix and its neighbours resolve like the reference.
        for (const r of [...ref.local, ...ref.main]) for (const a of [r.network, (r.network + 1) >>> 0, (r.network - 1) >>> 0]) expect(fib.lookup(a)).toEqual(ref.lookup(a));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps one /32 per ClusterIP cheap: thousands of host routes resolve to their own route', () => {
    const fib = new Fib();
    fib.add({ network: 0, length: 0, type: 'unicast', dev: 'eth0', gateway: 0xc0a83801, src: 0, metric: 0, table: 'main', onlink: false, scope: 'global' });
    const base = 0x0a600000;
    for (let i = 0; i < 5000; i++) fib.add({ network: base + i, length: 32, type: 'local', dev: 'kube-ipvs0', gateway: 0, src: base + i, metric: 0, table: 'local', onlink: false, scope: 'host' });
    for (let i = 0; i < 5000; i += 97) expect(fib.lookup(base + i)?.network).toBe(base + i);
    expect(fib.lookup(base + 5000)?.dev).toBe('eth0');
    expect(fib.remove((r) => r.dev === 'kube-ipvs0' && r.network === base + 7)).toBe(1);
    expect(fib.lookup(base + 7)?.dev).toBe('eth0');
    expect(fib.routes('local')).toHaveLength(4999);
  });
});

/** addressType from the reference's tables (inet_addr_type). */
function referenceType(ref: ReferenceFib, addr: number): RouteType {
  const l = scan(ref.local, addr);
  if (l !== null) return l.type;
  const m = scan(ref.main, addr);
  if (m !== null && (m.type === 'blackhole' || m.type === 'unreachable' || m.type === 'prohibit')) return m.type;
  return 'unicast';
}
