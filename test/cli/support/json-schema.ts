/**
 * A small JSON Schema (2020-12) checker for the keywords docs/trace.schema.json uses: type (with
 * "integer" and "null"), const, enum, pattern, minimum, maximum, properties, required,
 * additionalProperties (false or a schema), items, oneOf, and local $ref ("#/$defs/NAME").
 * Returns the problems found, each with its JSON path; an empty list means valid.
 */
export type Schema = { readonly [key: string]: unknown };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function hasType(v: Json, t: string): boolean {
  if (t === 'integer') return typeof v === 'number' && Number.isInteger(v);
  return typeOf(v) === t;
}

export function validateJson(value: unknown, root: Schema): string[] {
  const problems: string[] = [];
  const resolve = (s: Schema): Schema => {
    const ref = s['$ref'];
    if (typeof ref !== 'string') return s;
    const name = ref.replace('#/$defs/', '');
    const defs = root['$defs'] as Record<string, Schema> | undefined;
    const target = defs?.[name];
    if (target === undefined) throw new Error(`unknown $ref ${ref}`);
    return resolve(target);
  };
  const check = (v: Json, schemaIn: Schema, path: string): void => {
    const s = resolve(schemaIn);
    if (s['oneOf'] !== undefined) {
      const matches = (s['oneOf'] as Schema[]).filter((alt) => {
        const saved = problems.length;
        check(v, alt, path);
        const ok = problems.length === saved;
        problems.length = saved;
        return ok;
      }).length;
      if (matches !== 1) problems.push(`${path}: matches ${matches} of the oneOf alternatives (expected exactly 1): ${JSON.stringify(v).slice(0, 120)}`);
      return;
    }
    const t = s['type'];
    if (t !== undefined) {
      const types = Array.isArray(t) ? (t as string[]) : [t as string];
      if (!types.some((x) => hasType(v, x))) {
        problems.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(v)}`);
        return;
      }
    }
    if ('const' in s && JSON.stringify(s['const']) !== JSON.stringify(v)) problems.push(`${path}: expected ${JSON.stringify(s['const'])}, got ${JSON.stringify(v)}`);
    if (s['enum'] !== undefined && !(s['enum'] as Json[]).some((e) => JSON.stringify(e) === JSON.stringify(v))) problems.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s['enum'])}`);
    if (typeof v === 'string' && typeof s['pattern'] === 'string' && !new RegExp(s['pattern']).test(v)) problems.push(`${path}: "${v}" does not match ${s['pattern']}`);
    if (typeof v === 'number') {
      if (typeof s['minimum'] === 'number' && v < s['minimum']) problems.push(`${path}: ${v} < minimum ${s['minimum']}`);
      if (typeof s['maximum'] === 'number' && v > s['maximum']) problems.push(`${path}: ${v} > maximum ${s['maximum']}`);
    }
    if (Array.isArray(v) && s['items'] !== undefined) v.forEach((item, i) => check(item, s['items'] as Schema, `${path}[${i}]`));
    if (typeOf(v) === 'object') {
      const obj = v as { [key: string]: Json };
      const props = (s['properties'] ?? {}) as Record<string, Schema>;
      for (const r of (s['required'] ?? []) as string[]) if (!(r in obj)) problems.push(`${path}: missing required "${r}"`);
      for (const [k, val] of Object.entries(obj)) {
        const p = props[k];
        if (p !== undefined) check(val, p, `${path}.${k}`);
        else if (s['additionalProperties'] === false) problems.push(`${path}: unexpected property "${k}"`);
        else if (typeof s['additionalProperties'] === 'object') check(val, s['additionalProperties'] as Schema, `${path}.${k}`);
      }
    }
  };
  check(value as Json, root, '$');
  return problems;
}
