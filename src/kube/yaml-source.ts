import type { Document } from 'yaml';
import { KpemuError } from '../core/index.js';
import { LineIndex, type SourceEntry, type SourceNode } from './source-node.js';
import { parseYamlFast } from './yaml-fast-path.js';
import { yamlPackage } from './yaml-package.js';

/**
 * YAML text → {@link SourceNode} trees, one per `---` document, each node with its line.
 *
 * We read YAML the way kubectl does (sigs.k8s.io/yaml on go-yaml v2): YAML 1.1 scalars, so
 * `hostNetwork: yes` is a boolean and an unquoted `on`, `y` or `no` in a label is not a string,
 * plus `<<` merge keys and anchors. Duplicate keys are an error there too.
 */

/** One document of a stream; `node` is null for an empty document (only comments, or `---`). */
export interface YamlDocument {
  readonly node: SourceNode | null;
  /** 1-based line where the document's content starts. */
  readonly line: number;
}

export interface YamlParseResult {
  /** Documents that parsed; documents with syntax errors are left out. */
  readonly documents: readonly YamlDocument[];
  /** One KUBE_YAML error per broken document. */
  readonly errors: readonly KpemuError[];
}

/** Nesting deeper than this is refused rather than risking the stack. */
const MAX_DEPTH = 200;
/** Values converted per document (a 10,000-Service `kind: List` holds about a million); an alias reuses its anchor's conversion, so this bounds size, not expansion. */
const MAX_NODES = 20_000_000;

/**
 * Parses a YAML (or JSON) stream. Never throws: syntax problems come back as KUBE_YAML errors.
 * The plain YAML that kubectl prints takes a fast path (see yaml-fast-path.ts); anything else,
 * and anything with an error, goes through the `yaml` package.
 */
export function parseYamlStream(text: string, file: string): YamlParseResult {
  const documents = parseYamlFast(text);
  return documents === null ? parseYamlStreamGeneral(text, file) : { documents, errors: [] };
}

/** {@link parseYamlStream} through the `yaml` package: the reference the fast path is tested against. */
export function parseYamlStreamGeneral(text: string, file: string): YamlParseResult {
  const { parseAllDocuments, isScalar } = yamlPackage();
  const lines = new LineIndex(text);
  const errors: KpemuError[] = [];
  const documents: YamlDocument[] = [];
  let parsed: Document.Parsed[];
  try {
    parsed = parseAllDocuments(text, {
      version: '1.1',
      keepSourceTokens: false,
      prettyErrors: false,
      // Duplicate keys are found while converting (cheaper than the parser's pairwise check).
      uniqueKeys: false,
      logLevel: 'silent',
    });
  } catch (cause) {
    // The parser reports its problems as document errors; a throw would be a parser defect on
    // hostile input. It must still surface as our error, not crash the caller.
    const message = cause instanceof Error ? cause.message : String(cause);
    return { documents, errors: [yamlError(file, 1, `the YAML parser failed: ${message}`, cause)] };
  }
  for (const doc of parsed) {
    const first = doc.errors[0];
    if (first !== undefined) {
      const line = lines.lineOf(first.pos[0]);
      errors.push(yamlError(file, line, `invalid YAML (column ${lines.columnOf(first.pos[0])}): ${first.message}`));
      continue;
    }
    const contents = doc.contents;
    const start = contents?.range?.[0] ?? doc.range[0];
    if (contents === null || (isScalar(contents) && contents.value === null)) {
      documents.push({ node: null, line: lines.lineOf(start) });
      continue;
    }
    try {
      const node = new Converter(doc, lines).convert(contents, lines.lineOf(start), 0);
      documents.push({ node, line: node.line });
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      errors.push(yamlError(file, lines.lineOf(e.offset), e.message));
    }
  }
  return { documents, errors };
}

function yamlError(file: string, line: number, message: string, cause?: unknown): KpemuError {
  return new KpemuError('KUBE_YAML', message, cause === undefined ? { location: { file, line } } : { location: { file, line }, cause });
}

/** Thrown inside the converter only; turned into a KUBE_YAML error per document. */
class ConversionError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** Walks the yaml package's node tree, resolving aliases and merge keys. */
class Converter {
  /** Converted alias targets, so that each anchor is converted once. */
  private readonly memo = new Map<unknown, SourceNode>();
  /** Anchors being converted right now: an alias to one of them is a cycle. */
  private readonly active = new Set<unknown>();
  private count = 0;
  private readonly yaml = yamlPackage();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineIndex,
  ) {}

  convert(node: unknown, fallbackLine: number, depth: number): SourceNode {
    if (depth > MAX_DEPTH) throw new ConversionError(this.offsetOf(node), `nesting deeper than ${MAX_DEPTH} levels`);
    if (++this.count > MAX_NODES) throw new ConversionError(this.offsetOf(node), `more than ${MAX_NODES} values (too many alias expansions?)`);
    if (node === null || node === undefined) return { kind: 'scalar', line: fallbackLine, value: null, text: '' };
    if (this.yaml.isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) throw new ConversionError(this.offsetOf(node), `unknown alias *${node.source}`);
      const done = this.memo.get(target);
      if (done !== undefined) return done;
      if (this.active.has(target)) throw new ConversionError(this.offsetOf(node), `alias *${node.source} refers to a value that contains it`);
      this.active.add(target);
      const converted = this.convert(target, fallbackLine, depth + 1);
      this.active.delete(target);
      this.memo.set(target, converted);
      return converted;
    }
    // An anchored node is converted once more when reached directly; aliases then reuse the memo.
    this.active.add(node);
    try {
      return this.convertNode(node, fallbackLine, depth);
    } finally {
      this.active.delete(node);
    }
  }

  private convertNode(node: unknown, fallbackLine: number, depth: number): SourceNode {
    const line = this.lineOfNode(node, fallbackLine);
    if (this.yaml.isScalar(node)) {
      const v = node.value;
      const text = typeof node.source === 'string' ? node.source : String(v);
      if (typeof v === 'string' && node.type === 'BLOCK_LITERAL') return { kind: 'scalar', line, value: v, text, literalHeaderLine: line };
      if (v === null || typeof v === 'string' || typeof v === 'boolean') return { kind: 'scalar', line, value: v, text };
      if (typeof v === 'number') return { kind: 'scalar', line, value: v, text };
      // Timestamps, !!binary and other YAML 1.1 types: Kubernetes sees the JSON string form.
      return { kind: 'scalar', line, value: text, text };
    }
    if (this.yaml.isMap(node)) {
      const explicit: SourceEntry[] = [];
      const merged: SourceEntry[] = [];
      const keys = new Set<string>();
      for (const pair of node.items) {
        if (this.yaml.isScalar(pair.key) && typeof pair.key.value === 'symbol') {
          this.mergeInto(merged, pair.value, line, depth);
          continue;
        }
        const key = this.keyOf(pair.key);
        const keyLine = this.lineOfNode(pair.key, line);
        if (keys.has(key)) throw new ConversionError(this.offsetOf(pair.key), `Map keys must be unique: ${JSON.stringify(key)} appears twice`);
        keys.add(key);
        explicit.push({ key, line: keyLine, value: this.convert(pair.value, keyLine, depth + 1) });
      }
      // Explicit keys win over merged ones; earlier merge sources win over later ones.
      const entries = explicit;
      for (const e of merged) {
        if (keys.has(e.key)) continue;
        keys.add(e.key);
        entries.push(e);
      }
      return { kind: 'map', line, entries };
    }
    if (this.yaml.isSeq(node)) {
      const items: SourceNode[] = [];
      for (const item of node.items) {
        if (this.yaml.isPair(item)) {
          // `[a: 1]` is a sequence holding a one-entry mapping.
          const keyLine = this.lineOfNode(item.key, line);
          const entry: SourceEntry = { key: this.keyOf(item.key), line: keyLine, value: this.convert(item.value, keyLine, depth + 1) };
          items.push({ kind: 'map', line: keyLine, entries: [entry] });
        } else items.push(this.convert(item, line, depth + 1));
      }
      return { kind: 'seq', line, items };
    }
    throw new ConversionError(this.offsetOf(node), 'unsupported YAML node');
  }

  /** `<<: *base` or `<<: [*a, *b]`. */
  private mergeInto(out: SourceEntry[], value: unknown, line: number, depth: number): void {
    const source = this.convert(value, line, depth + 1);
    const maps = source.kind === 'seq' ? source.items : [source];
    for (const m of maps) {
      if (m.kind !== 'map') throw new ConversionError(this.offsetOf(value), 'a merge key (<<) needs a mapping or a list of mappings');
      out.push(...m.entries);
    }
  }

  /** Kubernetes turns scalar keys into JSON strings; other keys cannot be represented. */
  private keyOf(key: unknown): string {
    if (this.yaml.isScalar(key)) {
      const v = key.value;
      if (typeof v === 'string') return v;
      if (v === null) return 'null';
      if (typeof v === 'number' || typeof v === 'boolean') return String(v);
      return typeof key.source === 'string' ? key.source : String(v);
    }
    if (this.yaml.isAlias(key)) {
      const target = key.resolve(this.doc);
      if (target !== undefined && this.yaml.isScalar(target)) return this.keyOf(target);
    }
    if (key === null || key === undefined) return 'null';
    throw new ConversionError(this.offsetOf(key), 'mapping keys must be strings (a collection cannot be a key)');
  }

  private offsetOf(node: unknown): number {
    if (node !== null && typeof node === 'object' && 'range' in node) {
      const range = (node as { range?: readonly number[] | null }).range;
      if (range !== null && range !== undefined && range[0] !== undefined) return range[0];
    }
    return 0;
  }

  private lineOfNode(node: unknown, fallback: number): number {
    if (node !== null && typeof node === 'object' && 'range' in node) {
      const range = (node as { range?: readonly number[] | null }).range;
      if (range !== null && range !== undefined && range[0] !== undefined) return this.lines.lineOf(range[0]);
    }
    return fallback;
  }
}
