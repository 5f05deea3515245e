import { KpemuError, type ErrorCode, type SourceLocation } from '../core/index.js';
import { FieldLines } from './field-lines.js';
import { FieldPaths, type FieldPath } from './field-path.js';
import { describeNode, type SourceNode } from './source-node.js';

/**
 * Typed reading of a {@link SourceNode} tree with Kubernetes-style field paths. Readers never
 * throw: a value of the wrong type is recorded as an error in the object's {@link Scope} (with
 * file, line, object and field) and read as absent, so one pass reports every problem of an
 * object. Absent and `null` are the same thing, as in Go's JSON decoding.
 */

/** Hard errors and warnings of a whole load. */
export class Issues {
  readonly errors: KpemuError[] = [];
  readonly warnings: KpemuError[] = [];
  /** The field paths read during this load, shared by all its objects. */
  readonly paths = new FieldPaths();
}

/** How keys are matched: exactly (Kubernetes), or Go encoding/json style (exact, else case-insensitive). */
export type KeyMatching = 'exact' | 'go-json';

/** The object being read: where it is, what to call it in messages, and what went wrong. */
export class Scope {
  /** Hard errors recorded through this scope. */
  errorCount = 0;
  /** Line of every field path read, for errors found later (duplicates, conflicts). */
  readonly lines = new FieldLines();

  constructor(
    readonly file: string,
    /** e.g. `Service ns1/svc1`; refined once the name is known; '' while even the kind is unknown. */
    public object: string,
    readonly issues: Issues,
    /** The code of field errors: KUBE_INVALID, or FLANNEL_CONFIG inside net-conf.json. */
    readonly code: ErrorCode = 'KUBE_INVALID',
    readonly keys: KeyMatching = 'exact',
  ) {}

  location(line: number, field: string, text?: string): SourceLocation {
    const loc: { file: string; line: number; object?: string; field?: string; text?: string } = { file: this.file, line };
    if (this.object !== '') loc.object = this.object;
    if (field !== '') loc.field = field;
    if (text !== undefined) loc.text = text;
    return loc;
  }
}

/** A place in an object: the value found there (undefined when absent), its path and line. */
export interface Field {
  readonly scope: Scope;
  readonly node: SourceNode | undefined;
  /** Kubernetes field path, e.g. `spec.ports[1].nodePort`; '' for the object itself. */
  readonly path: string;
  /** The key's line when reached through a key, else the value's line, else the parent's line. */
  readonly line: number;
  /** The shared node of {@link path}, when the field came from the readers below (a shortcut). */
  readonly at?: FieldPath;
}

export function rootField(scope: Scope, node: SourceNode, path = ''): Field {
  return { scope, node, path, line: node.line, at: scope.issues.paths.root(path) };
}

/** The shared path node of `f`, unless `f` was built by hand with a path of its own. */
function pathNodeOf(f: Field): FieldPath | undefined {
  const at = f.at;
  return at !== undefined && at.text === f.path ? at : undefined;
}

/** Records a hard error at `f`. */
export function fail(f: Field, message: string, options: { code?: ErrorCode; text?: string } = {}): void {
  f.scope.errorCount++;
  f.scope.issues.errors.push(new KpemuError(options.code ?? f.scope.code, message, { location: f.scope.location(f.line, f.path, options.text) }));
}

/** Records a warning at `f`: the object stays usable. */
export function warn(f: Field, message: string, options: { text?: string } = {}): void {
  f.scope.issues.warnings.push(new KpemuError(f.scope.code, message, { location: f.scope.location(f.line, f.path, options.text) }));
}

/** True when the field holds a value other than null. */
export function isSet(f: Field): boolean {
  return f.node !== undefined && !(f.node.kind === 'scalar' && f.node.value === null);
}

/** The field `key` of the mapping at `f` (absent when `f` is not a mapping). */
export function child(f: Field, key: string): Field {
  const at = pathNodeOf(f)?.child(key);
  const path = at?.text ?? (f.path === '' ? key : `${f.path}.${key}`);
  const node = f.node;
  let found: { line: number; value: SourceNode } | undefined;
  if (node !== undefined && node.kind === 'map') {
    for (const e of node.entries) if (e.key === key) found = e;
    if (found === undefined && f.scope.keys === 'go-json') {
      // Go's decoder prefers an exact match, then takes a case-insensitive one; the last wins.
      const lower = key.toLowerCase();
      for (const e of node.entries) if (e.key.toLowerCase() === lower) found = e;
    }
  }
  const line = found?.line ?? f.line;
  f.scope.lines.set(path, line);
  return at === undefined ? { scope: f.scope, node: found?.value, path, line } : { scope: f.scope, node: found?.value, path, line, at };
}

/** Describes what was found, for "expected X, got Y" messages. */
export function got(f: Field): string {
  return f.node === undefined ? 'nothing' : describeNode(f.node);
}

function textOf(f: Field): string | undefined {
  return f.node?.kind === 'scalar' ? f.node.text : undefined;
}

function typeError(f: Field, expected: string): void {
  const text = textOf(f);
  fail(f, `expected ${expected}, got ${got(f)}`, text === undefined ? {} : { text });
}

/** A string value; numbers and booleans are errors, as they are for the API server. */
export function str(f: Field, expected = 'a string'): string | undefined {
  if (!isSet(f)) return undefined;
  if (f.node?.kind === 'scalar' && typeof f.node.value === 'string') return f.node.value;
  typeError(f, expected);
  return undefined;
}

export function bool(f: Field): boolean | undefined {
  if (!isSet(f)) return undefined;
  if (f.node?.kind === 'scalar' && typeof f.node.value === 'boolean') return f.node.value;
  typeError(f, 'true or false');
  return undefined;
}

/**
 * An integer in `[min, max]`. `expected` completes "expected …" in the message, e.g.
 * `a port number 1-65535`.
 */
export function int(f: Field, expected: string, min: number, max: number): number | undefined {
  if (!isSet(f)) return undefined;
  const n = f.node;
  if (n?.kind === 'scalar' && typeof n.value === 'number' && Number.isInteger(n.value) && n.value >= min && n.value <= max) return n.value;
  typeError(f, expected);
  return undefined;
}

/** True when `f` is absent, null or a mapping; records an error otherwise. */
export function expectMap(f: Field): boolean {
  if (!isSet(f) || f.node?.kind === 'map') return true;
  typeError(f, 'a mapping');
  return false;
}

/** The items of a list, each as a field `path[i]`; absent or null is an empty list. */
export function list(f: Field): Field[] {
  if (!isSet(f)) return [];
  const n = f.node;
  if (n?.kind !== 'seq') {
    typeError(f, 'a list');
    return [];
  }
  const base = pathNodeOf(f);
  return n.items.map((item, i) => {
    const at = base?.item(i);
    const path = at?.text ?? `${f.path}[${i}]`;
    f.scope.lines.set(path, item.line);
    return at === undefined ? { scope: f.scope, node: item, path, line: item.line } : { scope: f.scope, node: item, path, line: item.line, at };
  });
}

/** The entries of a user map (labels, selector, data), each as a field `path[key]`. */
export function mapEntries(f: Field): { key: string; field: Field }[] {
  if (!isSet(f)) return [];
  const n = f.node;
  if (n?.kind !== 'map') {
    typeError(f, 'a mapping');
    return [];
  }
  const base = pathNodeOf(f);
  return n.entries.map((e) => {
    const at = base?.entry(e.key);
    const path = at?.text ?? `${f.path}[${e.key}]`;
    f.scope.lines.set(path, e.line);
    const field: Field = at === undefined ? { scope: f.scope, node: e.value, path, line: e.line } : { scope: f.scope, node: e.value, path, line: e.line, at };
    return { key: e.key, field };
  });
}

/** A map of strings (labels, annotations, selector, ConfigMap data). */
export function stringMap(f: Field): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, field } of mapEntries(f)) {
    // Go decodes null into a map entry as the empty string.
    const v = isSet(field) ? str(field) : '';
    if (v === undefined) continue;
    // `__proto__` is the one key an assignment would not store as an ordinary entry (it is the
    // only accessor on Object.prototype): defineProperty makes it one. Every other key is
    // assigned, which creates the same own, enumerable, writable property, many times faster.
    if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
    else out[key] = v;
  }
  return out;
}

/** A list of strings, with each item's field for later errors. */
export function stringList(f: Field): { value: string; field: Field }[] {
  const out: { value: string; field: Field }[] = [];
  for (const item of list(f)) {
    const v = str(item);
    if (v !== undefined) out.push({ value: v, field: item });
  }
  return out;
}

/**
 * Warns about keys that are not fields of the type: a typo such as `extrenalTrafficPolicy`
 * would otherwise silently leave the default in place. (kubectl's strict field validation
 * rejects them; kube-proxy warns and decodes leniently.)
 */
export function warnUnknownFields(f: Field, known: ReadonlySet<string>): void {
  const n = f.node;
  if (n?.kind !== 'map') return;
  for (const e of n.entries) {
    if (known.has(e.key)) continue;
    const path = f.path === '' ? e.key : `${f.path}.${e.key}`;
    warn({ scope: f.scope, node: e.value, path, line: e.line }, `unknown field "${e.key}" is ignored`);
  }
}
