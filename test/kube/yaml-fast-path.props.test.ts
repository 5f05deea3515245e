import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateClusterObjects } from '../../src/kube/index.js';
import { parseYamlFast } from '../../src/kube/yaml-fast-path.js';
import { resolveByTags, resolvePlainScalar, UNRESOLVED } from '../../src/kube/yaml-scalar.js';
import { parseYamlStream, parseYamlStreamGeneral } from '../../src/kube/yaml-source.js';
import { kubeTextArb } from '../arbitraries/kube-text.js';
import { scaleClusterYaml } from '../cli/support/scale-cluster.js';
import { damagedArb, printedDocumentArb, renderedDocumentArb, streamArb, TRICKY_SCALARS } from './support/yaml-text-arb.js';

/**
 * The fast YAML path against the general one (the `yaml` package): wherever the fast path gives
 * an answer it must be exactly the general path's (values, texts, lines, empty documents), and
 * the general path must have found no error there. Declining is always allowed, but the tests
 * also check that the fast path does take what kubectl and our generator print.
 */

const fixtures = readdirSync('fixtures/clusters')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ name: f, text: readFileSync(`fixtures/clusters/${f}`, 'utf8') }));

/** Checks one text; returns whether the fast path took it. */
function agreesWithGeneralPath(text: string): boolean {
  const fast = parseYamlFast(text);
  if (fast === null) return false;
  const general = parseYamlStreamGeneral(text, 'f.yaml');
  expect(general.errors.map((e) => e.message)).toEqual([]);
  expect(fast).toStrictEqual(general.documents);
  return true;
}

function checkAll(arb: fc.Arbitrary<string>, numRuns: number): number {
  let taken = 0;
  fc.assert(
    fc.property(arb, (text) => {
      if (agreesWithGeneralPath(text)) taken++;
    }),
    { numRuns },
  );
  return taken / numRuns;
}

describe('the fast YAML path agrees with the yaml package', () => {
  it('on hand-rendered block and flow documents (kubectl style and others)', () => {
    const share = checkAll(streamArb(renderedDocumentArb), 600);
    // The generator mostly stays inside the subset: a fast path that declined everything would fail here.
    expect(share).toBeGreaterThan(0.3);
  });

  it('on documents printed by the yaml package with assorted options', () => {
    const share = checkAll(streamArb(printedDocumentArb), 400);
    expect(share).toBeGreaterThan(0.3);
  });

  it('on damaged documents (or declines them)', () => {
    checkAll(damagedArb(streamArb(fc.oneof(renderedDocumentArb, printedDocumentArb))), 600);
  });

  it('on mangled fixture files (or declines them)', () => {
    checkAll(kubeTextArb(fixtures.map((f) => f.text)), 300);
  });

  it('on every fixture cluster and on the scale generator, which it takes', () => {
    for (const f of fixtures) expect(agreesWithGeneralPath(f.text), f.name).toBe(true);
    expect(agreesWithGeneralPath(scaleClusterYaml({ services: 40, endpoints: 3 }))).toBe(true);
  });

  it('on JSON, which kubectl -o json prints', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(0, 2, 4), (value, indent) => {
        const text = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [value] }, null, indent);
        // Values such as 1e+21 or "\u0000" are valid JSON the fast path may decline; objects it must take.
        agreesWithGeneralPath(text);
      }),
      { numRuns: 300 },
    );
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ a: [1, 'x', null, true, { b: '10.0.0.1' }] }] }, null, 2);
    expect(agreesWithGeneralPath(list)).toBe(true);
  });

  it('on special streams: empty, comments only, markers, ends of documents', () => {
    const texts = ['', '\n', '# c\n', '---\n', '---\n---\n', '--- # x\n', '...\n', 'a: 1\n...\n', 'a: 1\n---\n', '# c\n---\na: 1\n', '---\n# c\n---\nx: 1\n', '~\n', 'null', 'a: 1', 'a:\n- 1\n- 2\nb: 2'];
    for (const t of texts) agreesWithGeneralPath(t);
    expect(agreesWithGeneralPath('a: 1\n---\nb: 2\n')).toBe(true);
  });

  it('and parseYamlStream, which picks a path, reports as the general path does', () => {
    const broken = ['a: [1\n', 'a: 1\na: 2\n', 'a:\n\tb: 1\n', 'a: *x\n', 'a: 1\n---\nb: {c\n'];
    for (const t of [...broken, 'a: 1\n', '- x\n']) {
      const picked = parseYamlStream(t, 'f.yaml');
      const general = parseYamlStreamGeneral(t, 'f.yaml');
      expect(picked.documents).toStrictEqual(general.documents);
      expect(picked.errors.map((e) => [e.message, e.location])).toStrictEqual(general.errors.map((e) => [e.message, e.location]));
    }
  });
});

describe('the loader with both paths', () => {
  it('takes back what the fast path read when it gives up part-way, so nothing is reported twice', () => {
    const first = 'apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: ns1}\nspec: {clusterIP: 10.0.0.1, ports: [{port: 80}], typo: 1}\n';
    const skipped = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n';
    const anchored = 'apiVersion: v1\nkind: Service\nmetadata: &m {name: b, namespace: ns1}\nspec: {clusterIP: 10.0.0.2, ports: [{port: 80}]}\n';
    const text = `${first}---\n${skipped}---\n${anchored}`;
    expect(parseYamlFast(`${first}---\n${skipped}`)).not.toBeNull();
    expect(parseYamlFast(text)).toBeNull();
    const r = validateClusterObjects([{ file: 'f.yaml', text }]);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => [w.location?.line, w.location?.field])).toEqual([[4, 'spec.typo']]);
    expect(r.objects.skipped).toEqual({ 'apps/v1/Deployment': 1 });
    expect(r.objects.services.map((svc) => svc.metadata.name)).toEqual(['a', 'b']);
  });
});

describe('plain scalar resolution', () => {
  it('takes its shortcuts only where the yaml package’s YAML 1.1 tags agree', () => {
    const texts = [...TRICKY_SCALARS, ...TRICKY_SCALARS.map((s) => s.toUpperCase()), 'nodeName', 'TCP', 'true', 'http', '8080', '123456789012345', '10.244.1.2', '10.0.0.0/8'];
    for (const text of texts)
      for (const atKey of [false, true]) {
        const expected = resolveByTags(text, atKey);
        const got = resolvePlainScalar(text, atKey);
        if (expected === UNRESOLVED) expect(got).toBe(UNRESOLVED);
        else expect(got, JSON.stringify(text)).toStrictEqual(expected);
      }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), fc.boolean(), (text, atKey) => {
        expect(resolvePlainScalar(text, atKey)).toStrictEqual(resolveByTags(text, atKey));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads letter-led words (booleans, nulls, TCP) as the tags do, without them', () => {
    // Every spelling of the boolean and null words in any case, cut short and extended; every text
    // of one or two letters; then random short words over their letters.
    const words = ['y', 'yes', 'true', 'on', 'n', 'no', 'false', 'off', 'null', 'tcp', 'udp', 'none', 'e', 'e3'];
    const spellings = new Set<string>();
    const casings = (w: string): string[] => (w === '' ? [''] : casings(w.slice(1)).flatMap((rest) => [w[0]!.toLowerCase() + rest, w[0]!.toUpperCase() + rest]));
    for (const w of words) for (let end = 1; end <= w.length; end++) for (const c of casings(w.slice(0, end))) for (const tail of ['', 's', 'x', '1', 'E']) spellings.add(c + tail);
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    for (const a of letters) {
      spellings.add(a);
      for (const b of letters) spellings.add(a + b);
    }
    for (const text of spellings)
      for (const atKey of [false, true]) expect(resolvePlainScalar(text, atKey), JSON.stringify(text)).toStrictEqual(resolveByTags(text, atKey));
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'yYeEsStTrRuUoOnNfFaAlL1_.'), minLength: 1, maxLength: 6 }), fc.boolean(), (text, atKey) => {
        expect(resolvePlainScalar(text, atKey)).toStrictEqual(resolveByTags(text, atKey));
      }),
      { numRuns: 5000 },
    );
  });
});
