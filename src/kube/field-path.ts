/**
 * Field paths (`spec.ports[1].nodePort`) as shared nodes of a tree, one tree per load. Every
 * object of a kind reads the same paths; building each path's text once, instead of once per
 * object, spares the allocation and, above all, the retention of millions of strings, as the
 * path of every field read is kept for later error messages (see {@link FieldLines}).
 */
export class FieldPath {
  private children: Map<string, FieldPath> | undefined;
  private items: FieldPath[] | undefined;
  private entries: Map<string, FieldPath> | undefined;

  constructor(
    /** The path as error messages print it; '' for an object itself. */
    readonly text: string,
  ) {}

  /** `text.key` (or `key` at the root). */
  child(key: string): FieldPath {
    this.children ??= new Map();
    let p = this.children.get(key);
    if (p === undefined) {
      p = new FieldPath(this.text === '' ? key : `${this.text}.${key}`);
      this.children.set(key, p);
    }
    return p;
  }

  /** `text[i]`, a list item. */
  item(i: number): FieldPath {
    this.items ??= [];
    let p = this.items[i];
    if (p === undefined) {
      p = new FieldPath(`${this.text}[${i}]`);
      this.items[i] = p;
    }
    return p;
  }

  /** `text[key]`, an entry of a user map (labels, data). */
  entry(key: string): FieldPath {
    this.entries ??= new Map();
    let p = this.entries.get(key);
    if (p === undefined) {
      p = new FieldPath(`${this.text}[${key}]`);
      this.entries.set(key, p);
    }
    return p;
  }
}

/** The roots of one load's path tree, by their text. */
export class FieldPaths {
  private readonly roots = new Map<string, FieldPath>();

  root(text: string): FieldPath {
    let p = this.roots.get(text);
    if (p === undefined) {
      p = new FieldPath(text);
      this.roots.set(text, p);
    }
    return p;
  }
}
