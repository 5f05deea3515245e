import type { SourceEntry, SourceNode, SourceScalar } from './source-node.js';
import { resolvePlainScalar, UNRESOLVED } from './yaml-scalar.js';
import type { YamlDocument } from './yaml-source.js';

/**
 * A fast reader for the YAML that kubectl and generators print: block mappings and sequences
 * (kubectl's `- ` at its parent key's column too), plain and single-line quoted scalars, flow
 * `{}`/`[]` collections (JSON included, over several lines), `|` literal block scalars, comments
 * and `---`/`...` document markers. It builds the same {@link SourceNode} trees, lines included,
 * as the general path through the `yaml` package, some forty times faster.
 *
 * It is a filter, not a second YAML implementation: whatever it does not fully understand
 * (anchors, aliases, tags, merge keys, folded or indented block scalars, multi-line plain or
 * quoted scalars, complex keys, directives, tabs, CR line ends) and every error (syntax, duplicate
 * keys, depth) makes it give up on the whole text, and the caller takes the general path, which
 * then produces the values, and the messages and locations of any errors, as always.
 * test/kube/yaml-fast-path.props.test.ts holds it to the general path on generated documents.
 */

/** Nesting deeper than this goes to the general path (which refuses beyond 200 levels). */
const MAX_DEPTH = 100;
/** Values per document beyond which the general path takes over (and reports). Same as there. */
const MAX_NODES = 20_000_000;
/** The `yaml` package refuses implicit keys longer than this. */
const MAX_IMPLICIT_KEY = 1024;

/**
 * Characters we never handle: CR (CRLF files), tab (its rules on indentation and separation
 * differ), other C0/C1 controls, DEL, byte-order marks and non-characters, Unicode line separators.
 */
const UNHANDLED_CHARACTERS = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]/;

/** Thrown to abandon the fast path; caught once, in {@link parseYamlFast}. */
class GiveUp {
  private constructor() {}
  static readonly instance = new GiveUp();
}

function giveUp(): never {
  throw GiveUp.instance;
}

/** Parses `text` into its documents, or returns null when the general path must read it. */
export function parseYamlFast(text: string): YamlDocument[] | null {
  const docs: YamlDocument[] = [];
  return streamYamlFast(text, (doc) => docs.push(doc)) ? docs : null;
}

/**
 * Hands each document of `text` to `onDocument` as soon as it is read, so that its tree can be
 * dropped before the next is built. Returns false when the fast path gave up part-way: the
 * documents already handed over must then be disregarded and the general path used.
 */
export function streamYamlFast(text: string, onDocument: (doc: YamlDocument) => void): boolean {
  if (UNHANDLED_CHARACTERS.test(text)) return false;
  try {
    new FastYamlReader(text).stream(onDocument);
    return true;
  } catch (e) {
    if (e === GiveUp.instance) return false;
    throw e;
  }
}

const NL = 0x0a;
const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const PIPE = 0x7c;

function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE;
}

/** `c` ends a token in block context: space, newline or end of text (NaN). */
function isBlank(c: number): boolean {
  return c === SPACE || c === NL || Number.isNaN(c);
}

class FastYamlReader {
  private pos = 0;
  /** 1-based line of {@link pos}. */
  private line = 1;
  /** Column of the current content line's first character, or -1 at a document marker or the end. */
  private indent = -1;
  private nodes = 0;
  /** Where {@link isKeyLine} found the `:` of the key it saw, for {@link blockKey}. */
  private keyColon = -1;
  private readonly end: number;

  constructor(private readonly src: string) {
    this.end = src.length;
  }

  private at(offset: number): number {
    return this.src.charCodeAt(offset);
  }

  // ---- stream and documents ---------------------------------------------------------------

  stream(onDocument: (doc: YamlDocument) => void): void {
    /** Line of a `---` whose document has no content yet, else 0. */
    let openMarkerLine = 0;
    for (;;) {
      this.nextContent();
      if (this.indent >= 0) {
        // A directive (`%YAML`): leave to the general path.
        if (this.indent === 0 && this.at(this.pos) === 0x25) giveUp();
        this.nodes = 0;
        const node = this.blockNode(-1, 0);
        if (this.indent >= 0) giveUp(); // content left over, less indented than the document's
        onDocument(node.kind === 'scalar' && node.value === null ? { node: null, line: node.line } : { node, line: node.line });
        openMarkerLine = 0;
        continue;
      }
      if (this.pos >= this.end) break;
      // At a document marker, at column 0. The package's handling of `...` (document end) has
      // corners (an empty document of its own, content after it); it is rare in cluster files.
      if (this.at(this.pos) !== DASH) giveUp();
      if (openMarkerLine !== 0) onDocument({ node: null, line: openMarkerLine });
      openMarkerLine = this.line;
      this.pos += 3;
      this.restOfLine(true);
    }
    if (openMarkerLine !== 0) onDocument({ node: null, line: openMarkerLine });
  }

  /** True at column 0 of a `---` or `...` line. */
  private atDocumentMarker(): boolean {
    const p = this.pos;
    const c = this.at(p);
    if ((c !== DASH && c !== DOT) || this.at(p + 1) !== c || this.at(p + 2) !== c) return false;
    return isBlank(this.at(p + 3));
  }

  /**
   * From a line start, skips blank and comment lines and stops at the first character of the next
   * content line, setting {@link indent} to its column; or at a document marker or the end, with
   * indent -1.
   */
  private nextContent(): void {
    const src = this.src;
    for (;;) {
      const lineStart = this.pos;
      if (lineStart >= this.end) {
        this.indent = -1;
        return;
      }
      let p = lineStart;
      while (src.charCodeAt(p) === SPACE) p++;
      const c = src.charCodeAt(p);
      if (c === HASH) {
        const nl = src.indexOf('\n', p);
        if (nl < 0) {
          this.pos = this.end;
          this.indent = -1;
          return;
        }
        this.pos = nl + 1;
        this.line++;
        continue;
      }
      if (c === NL) {
        this.pos = p + 1;
        this.line++;
        continue;
      }
      if (p >= this.end) {
        this.pos = p;
        this.indent = -1;
        return;
      }
      this.pos = p;
      if (p === lineStart && this.atDocumentMarker()) {
        this.indent = -1;
        return;
      }
      this.indent = p - lineStart;
      return;
    }
  }

  /**
   * After a token: only spaces and a comment may follow on the line; moves to the next line's
   * start. A `#` right after a token is no comment (we give up), except after a `---` marker,
   * whose blank the caller has checked.
   */
  private restOfLine(afterMarker = false): void {
    const src = this.src;
    let p = this.pos;
    const start = p;
    while (src.charCodeAt(p) === SPACE) p++;
    const c = src.charCodeAt(p);
    if (c === HASH && (p > start || afterMarker)) {
      const nl = src.indexOf('\n', p);
      p = nl < 0 ? this.end : nl;
    } else if (c !== NL && p < this.end) giveUp();
    if (p < this.end) {
      this.pos = p + 1;
      this.line++;
    } else this.pos = p;
  }

  private count(depth: number): void {
    if (depth > MAX_DEPTH || ++this.nodes > MAX_NODES) giveUp();
  }

  // ---- block context ----------------------------------------------------------------------

  /**
   * The node whose first character is at {@link pos} (column {@link indent}), inside a block
   * collection of indentation `parent` (-1 for a document). Returns with the reader at the next
   * content line (or marker/end).
   */
  private blockNode(parent: number, depth: number): SourceNode {
    const col = this.indent;
    const c = this.at(this.pos);
    if (c === DASH && isBlank(this.at(this.pos + 1))) return this.blockSeq(col, depth);
    if (this.isKeyLine(c)) return this.blockMap(col, depth);
    return this.inlineValue(parent, depth);
  }

  /** Whether the content at {@link pos} starts with an implicit key (`key:` then blank). */
  private isKeyLine(c: number): boolean {
    const src = this.src;
    let p = this.pos;
    if (c === DQUOTE || c === SQUOTE) {
      const close = this.quotedEnd(p);
      p = close;
      while (src.charCodeAt(p) === SPACE) p++;
      this.keyColon = p;
      return src.charCodeAt(p) === COLON && isBlank(src.charCodeAt(p + 1));
    }
    if (c === LBRACE || c === LBRACKET) return false; // a flow key gives up later, at its `:`
    for (;;) {
      const d = src.charCodeAt(p);
      if (d === NL || Number.isNaN(d)) return false;
      if (d === COLON && isBlank(src.charCodeAt(p + 1))) {
        this.keyColon = p;
        return true;
      }
      if (d === HASH && src.charCodeAt(p - 1) === SPACE) return false;
      p++;
    }
  }

  private blockMap(col: number, depth: number): SourceNode {
    this.count(depth);
    const line = this.line;
    const entries: SourceEntry[] = [];
    for (;;) {
      const keyLine = this.line;
      const key = this.blockKey();
      // At the blank after `:`.
      let p = this.pos;
      while (this.at(p) === SPACE) p++;
      const c = this.at(p);
      let value: SourceNode;
      if (c === NL || c === HASH || p >= this.end) {
        this.restOfLine();
        this.nextContent();
        if (this.indent > col) value = this.blockNode(col, depth + 1);
        else if (this.indent === col && this.at(this.pos) === DASH && isBlank(this.at(this.pos + 1))) value = this.blockSeq(col, depth + 1);
        else value = this.emptyScalar(keyLine);
      } else {
        this.pos = p;
        value = this.inlineValue(col, depth + 1);
      }
      entries.push({ key, line: keyLine, value });
      if (this.indent < col) break;
      if (this.indent > col) giveUp();
      if (!this.isKeyLine(this.at(this.pos))) giveUp();
    }
    checkUniqueKeys(entries);
    return { kind: 'map', line, entries };
  }

  /**
   * Reads an implicit key and its `:`; the key as the general path's converter names it.
   * Called right after {@link isKeyLine} said yes.
   */
  private blockKey(): string {
    const start = this.pos;
    const c = this.at(start);
    let key: string;
    if (c === DQUOTE || c === SQUOTE) {
      key = this.quoted();
      while (this.at(this.pos) === SPACE) this.pos++;
    } else {
      if (!plainMayStart(c, this.at(start + 1))) giveUp();
      const p = this.keyColon;
      let e = p;
      while (this.at(e - 1) === SPACE) e--;
      this.pos = p;
      key = keyText(this.src.slice(start, e));
    }
    if (this.pos - start > MAX_IMPLICIT_KEY) giveUp();
    this.pos++; // the `:`
    return key;
  }

  private blockSeq(col: number, depth: number): SourceNode {
    this.count(depth);
    const line = this.line;
    const items: SourceNode[] = [];
    for (;;) {
      const dashLine = this.line;
      let p = this.pos + 1;
      while (this.at(p) === SPACE) p++;
      const c = this.at(p);
      let item: SourceNode;
      if (c === NL || c === HASH || p >= this.end) {
        this.pos++;
        this.restOfLine();
        this.nextContent();
        item = this.indent > col ? this.blockNode(col, depth + 1) : this.emptyScalar(dashLine);
      } else {
        // A compact node on the dash's line (`- key: v`, `- - x`): its column is where it starts.
        this.indent = col + (p - this.pos);
        this.pos = p;
        item = this.blockNode(col, depth + 1);
      }
      items.push(item);
      if (this.indent < col) break;
      if (this.indent > col) giveUp();
      if (!(this.at(this.pos) === DASH && isBlank(this.at(this.pos + 1)))) break; // the parent map's next key
    }
    return { kind: 'seq', line, items };
  }

  private emptyScalar(line: number): SourceScalar {
    return { kind: 'scalar', line, value: null, text: '' };
  }

  /**
   * A value that starts on the current line in block context (after `key: `, `- `, or alone on
   * its line): block literal, flow collection, quoted or plain scalar. Leaves the reader at the
   * next content line, which must not be more indented than `parent` (else it would continue a
   * multi-line scalar, or be an error).
   */
  private inlineValue(parent: number, depth: number): SourceNode {
    this.count(depth);
    const c = this.at(this.pos);
    if (c === PIPE) return this.literalBlock(parent);
    let node: SourceNode;
    if (c === LBRACE || c === LBRACKET) node = this.flowCollection(parent, depth);
    else if (c === DQUOTE || c === SQUOTE) {
      const line = this.line;
      const value = this.quoted();
      node = { kind: 'scalar', line, value, text: value };
    } else node = this.blockPlain();
    this.restOfLine();
    this.nextContent();
    if (this.indent > parent) giveUp();
    return node;
  }

  /** A single-line plain scalar in block context, up to ` #` or the line's end. */
  private blockPlain(): SourceScalar {
    const src = this.src;
    const start = this.pos;
    if (!plainMayStart(src.charCodeAt(start), src.charCodeAt(start + 1))) giveUp();
    let p = start;
    let last = start; // one past the last non-space character
    for (;;) {
      const d = src.charCodeAt(p);
      if (d === NL || Number.isNaN(d)) break;
      if (d === SPACE) {
        if (src.charCodeAt(p + 1) === HASH) break;
      } else {
        // `a: b: c` (a mapping on a value's line) is an error.
        if (d === COLON && isBlank(src.charCodeAt(p + 1))) giveUp();
        last = p + 1;
      }
      p++;
    }
    this.pos = last;
    return plainScalar(src.slice(start, last), this.line);
  }

  /** `|`, `|-` or `|+` with content lines more indented than `parent`. */
  private literalBlock(parent: number): SourceScalar {
    const src = this.src;
    const headerLine = this.line;
    this.pos++;
    let chomp = src.charCodeAt(this.pos);
    if (chomp === DASH || chomp === 0x2b) this.pos++;
    else chomp = 0;
    if (!isBlank(this.at(this.pos))) giveUp(); // indentation indicator, or anything odd
    this.restOfLine();
    const lines: string[] = [];
    let contentIndent = -1;
    let endedWithNewline = true;
    while (this.pos < this.end) {
      const lineStart = this.pos;
      let p = lineStart;
      while (src.charCodeAt(p) === SPACE) p++;
      const c = src.charCodeAt(p);
      if (c === NL || p >= this.end) {
        // Only spaces: an empty line of the scalar, unless it has spaces that would be content.
        if (p - lineStart > (contentIndent < 0 ? 0 : contentIndent)) giveUp();
        if (p >= this.end) {
          this.pos = p;
          break;
        }
        lines.push('');
        this.pos = p + 1;
        this.line++;
        continue;
      }
      const n = p - lineStart;
      if (n === 0 && this.atDocumentMarker()) break;
      if (contentIndent < 0) {
        if (n <= parent) break;
        contentIndent = n;
      } else if (n < contentIndent) break;
      const nl = src.indexOf('\n', p);
      const lineEnd = nl < 0 ? this.end : nl;
      lines.push(src.slice(lineStart + contentIndent, lineEnd));
      if (nl < 0) {
        this.pos = this.end;
        endedWithNewline = false;
        break;
      }
      this.pos = nl + 1;
      this.line++;
    }
    // The reader stands at the start of the line that ended the scalar (or at the end).
    if (contentIndent < 0 || !endedWithNewline || chomp === 0x2b) giveUp(); // empty, unterminated or keep
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    const body = lines.slice(0, last).join('\n');
    const value = chomp === DASH ? body : `${body}\n`;
    this.nextContent();
    if (this.indent > parent) giveUp();
    return { kind: 'scalar', line: headerLine, value, text: value, literalHeaderLine: headerLine };
  }

  // ---- scalars ----------------------------------------------------------------------------

  /** Offset just past the closing quote of the single-line quoted scalar at `p`. */
  private quotedEnd(p: number): number {
    const src = this.src;
    const q = src.charCodeAt(p);
    let i = p + 1;
    for (;;) {
      const d = src.charCodeAt(i);
      if (d === NL || Number.isNaN(d)) giveUp(); // multi-line or unterminated
      if (d === q) {
        if (q === SQUOTE && src.charCodeAt(i + 1) === SQUOTE) {
          i += 2;
          continue;
        }
        return i + 1;
      }
      if (d === 0x5c && q === DQUOTE) i++;
      i++;
    }
  }

  /** A single-line quoted scalar at {@link pos}; its value. */
  private quoted(): string {
    const start = this.pos;
    const end = this.quotedEnd(start);
    this.pos = end;
    const inner = this.src.slice(start + 1, end - 1);
    if (this.at(start) === SQUOTE) return inner.includes("'") ? inner.replaceAll("''", "'") : inner;
    return inner.includes('\\') ? unescapeDoubleQuoted(inner) : inner;
  }

  // ---- flow context -----------------------------------------------------------------------

  /**
   * A flow collection inside a block collection of indentation `parent`: every line it continues
   * on must be more indented than that (the package's rule is subtler; we only take the clear
   * cases). Comments inside flow collections give up.
   */
  private flowCollection(parent: number, depth: number): SourceNode {
    const open = this.at(this.pos);
    const line = this.line;
    this.pos++;
    this.flowSpace(parent);
    if (open === LBRACE) {
      const entries: SourceEntry[] = [];
      if (this.at(this.pos) === RBRACE) this.pos++;
      else
        for (;;) {
          const keyLine = this.line;
          const key = this.flowKey(parent);
          this.flowSpace(parent);
          entries.push({ key, line: keyLine, value: this.flowValue(parent, depth + 1) });
          this.flowSpace(parent);
          if (this.flowNext(RBRACE, parent)) break;
        }
      checkUniqueKeys(entries);
      return { kind: 'map', line, entries };
    }
    const items: SourceNode[] = [];
    if (this.at(this.pos) === RBRACKET) this.pos++;
    else
      for (;;) {
        items.push(this.flowValue(parent, depth + 1));
        this.flowSpace(parent);
        if (this.at(this.pos) === COLON) giveUp(); // `[a: 1]`, a pair in a sequence
        if (this.flowNext(RBRACKET, parent)) break;
      }
    return { kind: 'seq', line, items };
  }

  /** After an item: `,` then more (true if the collection closed), or the closing bracket. */
  private flowNext(close: number, parent: number): boolean {
    const c = this.at(this.pos);
    if (c === close) {
      this.pos++;
      return true;
    }
    if (c !== COMMA) giveUp();
    this.pos++;
    this.flowSpace(parent);
    const d = this.at(this.pos);
    if (d === close || d === COMMA) giveUp(); // trailing or doubled comma
    return false;
  }

  /** Skips spaces and line breaks inside a flow collection. */
  private flowSpace(parent: number): void {
    const src = this.src;
    for (;;) {
      const c = src.charCodeAt(this.pos);
      if (c === SPACE) this.pos++;
      else if (c === NL) {
        this.pos++;
        this.line++;
        let p = this.pos;
        while (src.charCodeAt(p) === SPACE) p++;
        const d = src.charCodeAt(p);
        if (d !== NL && (p - this.pos <= parent || p >= this.end || (p === this.pos && this.atDocumentMarker()))) giveUp();
        this.pos = p;
      } else if (c === HASH || Number.isNaN(c)) giveUp();
      else return;
    }
  }

  private flowKey(parent: number): string {
    const c = this.at(this.pos);
    const start = this.pos;
    let key: string;
    if (c === DQUOTE || c === SQUOTE) {
      key = this.quoted();
      while (this.at(this.pos) === SPACE) this.pos++;
      if (this.at(this.pos) !== COLON) giveUp();
    } else {
      const text = this.flowPlainText();
      if (this.at(this.pos) !== COLON || !isBlank(this.at(this.pos + 1))) giveUp();
      key = keyText(text);
    }
    if (this.pos - start > MAX_IMPLICIT_KEY) giveUp();
    this.pos++;
    if (this.at(this.pos) === NL) this.flowSpace(parent);
    return key;
  }

  private flowValue(parent: number, depth: number): SourceNode {
    this.count(depth);
    const c = this.at(this.pos);
    if (c === LBRACE || c === LBRACKET) return this.flowCollection(parent, depth);
    const line = this.line;
    if (c === DQUOTE || c === SQUOTE) {
      const value = this.quoted();
      return { kind: 'scalar', line, value, text: value };
    }
    const text = this.flowPlainText();
    if (this.at(this.pos) === COLON) giveUp();
    return plainScalar(text, line);
  }

  /** A plain scalar inside a flow collection, on one line; stops before `,[]{}`, `: `, ` #` or the line's end. */
  private flowPlainText(): string {
    const src = this.src;
    const start = this.pos;
    if (!plainMayStart(src.charCodeAt(start), src.charCodeAt(start + 1))) giveUp();
    let p = start;
    let last = start;
    for (;;) {
      const d = src.charCodeAt(p);
      if (d === NL || Number.isNaN(d) || isFlowIndicator(d)) break;
      // `image: nginx:1.27`: a colon not followed by a blank or flow indicator is text.
      if (d === COLON) {
        const e = src.charCodeAt(p + 1);
        if (isBlank(e) || isFlowIndicator(e)) break;
      }
      if (d === SPACE) {
        if (src.charCodeAt(p + 1) === HASH) break;
      } else last = p + 1;
      p++;
    }
    if (last === start) giveUp(); // an empty value: `{a: }`, `[, x]`
    this.pos = last;
    // Spaces then a line break: a multi-line plain scalar would continue there, or the collection
    // goes on; the next flowSpace/flowNext decides (continuation text gives up there).
    return src.slice(start, last);
  }
}

/** Whether a plain scalar may start with `c` (followed by `next`), in either context. */
function plainMayStart(c: number, next: number): boolean {
  switch (c) {
    case DASH:
    case 0x3f: // ?
    case COLON:
      return !isBlank(next) && !isFlowIndicator(next) && c === DASH;
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 0x26: // &
    case 0x2a: // *
    case 0x21: // !
    case PIPE:
    case 0x3e: // >
    case SQUOTE:
    case DQUOTE:
    case 0x25: // %
    case 0x40: // @
    case 0x60: // `
    case SPACE:
    case NL:
      return false;
    default:
      return !Number.isNaN(c);
  }
}

/** A plain scalar node: its value resolved as the general path resolves it. */
function plainScalar(text: string, line: number): SourceScalar {
  const v = resolvePlainScalar(text, false);
  if (v === UNRESOLVED) giveUp();
  if (v !== null && typeof v === 'object') return { kind: 'scalar', line, value: text, text };
  return { kind: 'scalar', line, value: v, text };
}

/** A plain key's name: Kubernetes turns scalar keys into strings (`true`, `8` for `010`). */
function keyText(text: string): string {
  const v = resolvePlainScalar(text, true);
  if (v === UNRESOLVED || text === '') giveUp();
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v.other === 'merge-key') giveUp();
  return text;
}

/** Duplicate keys are an error, which the general path words and places. */
function checkUniqueKeys(entries: readonly SourceEntry[]): void {
  const n = entries.length;
  if (n < 2) return;
  if (n <= 16) {
    for (let i = 1; i < n; i++) {
      const k = entries[i]!.key;
      for (let j = 0; j < i; j++) if (entries[j]!.key === k) giveUp();
    }
    return;
  }
  const seen = new Set<string>();
  for (const e of entries) {
    if (seen.has(e.key)) giveUp();
    seen.add(e.key);
  }
}

const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

/** The escapes of a single-line double-quoted scalar, as the `yaml` package reads them. */
function unescapeDoubleQuoted(inner: string): string {
  let out = '';
  let i = 0;
  while (i < inner.length) {
    const bs = inner.indexOf('\\', i);
    if (bs < 0) {
      out += inner.slice(i);
      break;
    }
    out += inner.slice(i, bs);
    const e = inner[bs + 1];
    if (e === undefined) giveUp();
    const simple = Object.hasOwn(ESCAPES, e) ? ESCAPES[e] : undefined;
    if (simple !== undefined) {
      out += simple;
      i = bs + 2;
      continue;
    }
    const length = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (length === 0) giveUp();
    const hex = inner.slice(bs + 2, bs + 2 + length);
    if (hex.length !== length || !/^[0-9a-fA-F]+$/.test(hex)) giveUp();
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) giveUp();
    out += String.fromCodePoint(code);
    i = bs + 2 + length;
  }
  return out;
}
