/**
 * A small, format-neutral tree of parsed values that remembers the source line of every key and
 * value. YAML documents and the JSON text inside flannel's ConfigMap are both turned into this
 * tree, so that one set of readers (see `reader.ts`) can validate either and name the line of the
 * offending field in the user's file.
 */

/** A scalar as the document spelled it, already resolved to a JSON-like value. */
export interface SourceScalar {
  readonly kind: 'scalar';
  /** 1-based line in the user's file. */
  readonly line: number;
  readonly value: string | number | boolean | null;
  /** The text as written (for error messages): `yes`, `010`, `"80"`. */
  readonly text: string;
  /**
   * For a YAML literal block scalar (`key: |`), the line of its header: line n of the value is
   * then file line header + n. Lets errors inside embedded text (flannel's JSON) name a line.
   */
  readonly literalHeaderLine?: number;
}

export interface SourceEntry {
  readonly key: string;
  /** 1-based line of the key in the user's file. */
  readonly line: number;
  readonly value: SourceNode;
}

export interface SourceMap {
  readonly kind: 'map';
  readonly line: number;
  /** In document order; duplicates are only possible in JSON (Go keeps the last one). */
  readonly entries: readonly SourceEntry[];
}

export interface SourceSeq {
  readonly kind: 'seq';
  readonly line: number;
  readonly items: readonly SourceNode[];
}

export type SourceNode = SourceScalar | SourceMap | SourceSeq;

/** Maps an offset in a text to its 1-based line; built once per text. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  /** 1-based line of `offset` (clamped to the text). */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** 1-based column of `offset`. */
  columnOf(offset: number): number {
    const line = this.lineOf(offset);
    return offset - (this.starts[line - 1] ?? 0) + 1;
  }
}

/** How a value is described in an error message: strings quoted, collections by their shape. */
export function describeNode(node: SourceNode): string {
  switch (node.kind) {
    case 'map':
      return 'a mapping';
    case 'seq':
      return 'a list';
    case 'scalar':
      return describeScalar(node);
  }
}

function describeScalar(node: SourceScalar): string {
  const v = node.value;
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  // Show the text as written, so that `yes` (a YAML 1.1 boolean) is not reported as `true`.
  return node.text === String(v) ? String(v) : `${node.text} (read as ${typeof v} ${String(v)})`;
}
