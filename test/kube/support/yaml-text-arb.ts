/**
 * fast-check arbitraries for YAML text aimed at the cluster loader's fast path: documents in the
 * subset it reads (block mappings and sequences, kubectl's compact `- `, flow collections, quoted
 * and plain scalars, literal blocks, comments, markers), spiced with scalars whose YAML 1.1 meaning
 * is subtle (`yes`, `010`, `1:20`, `.inf`, timestamps, `<<`) and with constructs outside the subset
 * (anchors, tags, folded scalars, multi-line scalars, bad indentation), which it must decline.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';

/** Scalar texts whose resolution (or mere legality) is easy to get wrong. */
export const TRICKY_SCALARS = [
  ...['yes', 'Yes', 'YES', 'yEs', 'no', 'No', 'NO', 'y', 'Y', 'n', 'N', 'on', 'On', 'ON', 'off', 'Off', 'OFF', 'oN'],
  ...['true', 'True', 'TRUE', 'tRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL', 'nULL', '~', ''],
  ...['0', '00', '010', '09', '0o17', '0x1F', '0x1f_2', '0b101', '0b2', '1_000', '-1', '+1', '-0', '+0', '007', '08.5'],
  ...['123456789012345', '1234567890123456', '9007199254740993', '99999999999999999999', '65535', '65536', '80'],
  ...['1.5', '.5', '5.', '1.50', '-1.0', '1e3', '1E-3', '1.5e+3', '1e', 'e3', '1_0.5', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.Nan'],
  ...['1:20', '1:20:30', '-1:20', '1:20.5', '1:60', '190:20:30', '1:2:3:4'],
  ...['2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '2001-12-15T02:59:43.1Z', '2001-1-1', '2001-12-14x'],
  ...['10.244.1.2', '10.0.0.0/8', '192.168.56.11', '1.2.3', '::1', 'fe80::1', '10.0.0.1:80'],
  ...['nginx:1.27', 'http://x/y', 'a::b', 'a:,b', 'a b', 'a  b', 'a#b', 'a #b', 'a: b', 'a:b', 'a:', ':a', '-a', '- a', '-', '?a', '? a', '[a]', 'a,b', '{a', 'a}', 'a[0]'],
  ...["it's", 'say "hi"', '\\', '\\n', 'é', '€', '日本', '😀', '<<', '<', '=', '&a', '*a', '!t', '!!str', '%x', '@x', '`x', '|', '>', '#c'],
  ...['---', '...', '--- x', 'x\ny', 'x\n\ny', '  lead', 'trail  ', ' ', 'tab\tin', 'kubernetes.io/service-name', 'svc-00001', 'TCP', 'IPv4'],
];

const KEYS = ['apiVersion', 'kind', 'metadata', 'name', 'namespace', 'spec', 'ports', 'port', 'a', 'b', 'k8s.io/x', 'x y', ...TRICKY_SCALARS];

export const trickyScalarArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKY_SCALARS) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

/** JSON-like values: the shapes cluster files hold. */
export const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 3, arbitrary: trickyScalarArb },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null)) },
    { weight: 2, arbitrary: tie('map') },
    { weight: 1, arbitrary: tie('seq') },
  ),
  map: fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie('value'), { maxKeys: 5 }),
  seq: fc.array(tie('value'), { maxLength: 4 }),
})).value;

/** Options for the `yaml` package's printer: kubectl's style and others. */
const stringifyOptionsArb = fc.record({
  indent: fc.constantFrom(2, 2, 4, 1),
  indentSeq: fc.boolean(),
  collectionStyle: fc.constantFrom('any', 'any', 'block', 'flow'),
  defaultStringType: fc.constantFrom('PLAIN', 'PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE', 'BLOCK_LITERAL'),
  defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE'),
  lineWidth: fc.constantFrom(0, 80, 20),
  flowCollectionPadding: fc.boolean(),
  version: fc.constantFrom('1.1', '1.2'),
});

/** One document printed by the `yaml` package (valid YAML, not always in the fast subset). */
export const printedDocumentArb = fc.tuple(fc.dictionary(fc.constantFrom(...KEYS), valueArb, { minKeys: 1, maxKeys: 6 }), stringifyOptionsArb).map(([value, options]) =>
  stringify(value, null, options as Parameters<typeof stringify>[2]),
);

/** Hand-rendered YAML of a value: kubectl-like block style, flow bits, scalars in any style (some invalid). */
export const renderedDocumentArb: fc.Arbitrary<string> = fc
  .tuple(valueArb, fc.infiniteStream(fc.nat(99)), fc.constantFrom(2, 4, 3))
  .map(([value, dice, step]) => {
    const roll = (): number => dice.next().value as number;
    const lines: string[] = [];
    renderBlock(value, 0, lines, roll, step);
    return `${lines.join('\n')}\n`;
  });

function scalarText(v: unknown, roll: () => number, inFlow: boolean): string {
  if (v === null) return roll() < 50 ? 'null' : '~';
  if (typeof v !== 'string') return String(v);
  const r = roll();
  if (r < 55 && !inFlow) return v; // plain, whatever it means
  if (r < 70) return v.replace(/[,[\]{}]/g, '') === '' ? `'${v}'` : v; // plain in flow, maybe broken
  if (r < 85) return `'${v.replaceAll("'", "''")}'`;
  if (r < 95) return JSON.stringify(v);
  // YAML-only escapes
  return `"${[...v].map((ch) => (roll() < 30 ? `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}` : ch === '"' ? '\\"' : ch === '\\' ? '\\\\' : ch)).join('')}"`;
}

function flowText(v: unknown, roll: () => number): string {
  if (Array.isArray(v)) return `[${v.map((x) => flowText(x, roll)).join(roll() < 80 ? ', ' : ',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => `${scalarText(k, roll, true)}: ${flowText(x, roll)}`);
    return roll() < 80 ? `{ ${entries.join(', ')} }` : `{${entries.join(',')}}`;
  }
  return scalarText(v, roll, true);
}

function comment(roll: () => number): string {
  return roll() < 8 ? ' # note: x' : '';
}

function renderBlock(v: unknown, indent: number, out: string[], roll: () => number, step: number): void {
  const pad = ' '.repeat(indent);
  if (roll() < 5) out.push(roll() < 50 ? '' : `${' '.repeat(roll() % 6)}# comment`);
  if (Array.isArray(v)) {
    if (v.length === 0 || roll() < 10) {
      out.push(`${pad}${flowText(v, roll)}${comment(roll)}`);
      return;
    }
    for (const item of v) {
      if (item !== null && typeof item === 'object' && Object.keys(item).length > 0 && roll() < 70) {
        // Compact: the first line of the item goes after the dash.
        const inner: string[] = [];
        renderBlock(item, indent + 2, inner, roll, step);
        const first = inner[0] ?? '';
        out.push(`${pad}- ${first.slice(indent + 2)}`, ...inner.slice(1));
      } else if (item !== null && typeof item === 'object') {
        out.push(`${pad}-${comment(roll)}`);
        renderBlock(item, indent + step, out, roll, step);
      } else out.push(`${pad}- ${scalarText(item, roll, false)}${comment(roll)}`);
    }
    return;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    if (entries.length === 0 || roll() < 10) {
      out.push(`${pad}${flowText(v, roll)}${comment(roll)}`);
      return;
    }
    for (const [k, x] of entries) {
      const key = roll() < 85 ? k : roll() < 50 ? `'${k.replaceAll("'", "''")}'` : JSON.stringify(k);
      if (Array.isArray(x) && x.length > 0 && roll() < 80) {
        out.push(`${pad}${key}:${comment(roll)}`);
        renderBlock(x, roll() < 60 ? indent : indent + step, out, roll, step); // kubectl puts `- ` at the key's column
      } else if (x !== null && typeof x === 'object' && Object.keys(x).length > 0 && roll() < 85) {
        out.push(`${pad}${key}:${comment(roll)}`);
        renderBlock(x, indent + step, out, roll, step);
      } else if (typeof x === 'string' && x.includes('\n') && roll() < 50) {
        out.push(`${pad}${key}: |${roll() < 50 ? '-' : ''}`, ...x.split('\n').map((l) => (l === '' ? '' : `${pad}${' '.repeat(step)}${l}`)));
      } else if (x === null && roll() < 40) out.push(`${pad}${key}:${comment(roll)}`);
      else out.push(`${pad}${key}: ${x !== null && typeof x === 'object' ? flowText(x, roll) : scalarText(x, roll, false)}${comment(roll)}`);
    }
    return;
  }
  out.push(`${pad}${scalarText(v, roll, false)}${comment(roll)}`);
}

/** Several documents joined with markers, comments and blank lines, sometimes a `...`. */
export function streamArb(documentArb: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(fc.array(documentArb, { minLength: 1, maxLength: 3 }), fc.array(fc.constantFrom('---\n', '--- # doc\n', '\n', '# c\n', '...\n---\n', ''), { minLength: 4, maxLength: 4 }))
    .map(([docs, seps]) => {
      let text = seps[0] === '---\n' ? '---\n' : '';
      docs.forEach((d, i) => {
        if (i > 0) text += seps[i % seps.length] === '---\n' || i % 2 === 0 ? '---\n' : '--- # next\n';
        text += d;
      });
      return text + (seps[3] === '...\n---\n' ? '---\n' : seps[3] ?? '');
    });
}

/** Small damage to a text: a character inserted, deleted or replaced by a YAML-significant one. */
export function damagedArb(textArb: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(textArb, fc.nat(), fc.constantFrom(' ', '  ', '\n', ':', '- ', '#', '"', "'", '{', '}', '[', ']', ',', '&a ', '*a', '!x ', '|', '>', '\t', '\r', '')).map(([t, at, piece]) => {
    const i = t.length === 0 ? 0 : at % t.length;
    return t.slice(0, i) + piece + t.slice(i + (piece === '' ? 1 : 0));
  });
}
