import { LineIndex, type SourceEntry, type SourceNode } from './source-node.js';

/**
 * A strict JSON parser (RFC 8259, as Go's encoding/json reads it) that keeps the position of every
 * key and value. flannel reads `net-conf.json` with Go's json package, so YAML's leniency must not
 * leak in here; and errors need lines, which `JSON.parse` does not give.
 */

export type JsonParseResult =
  | { readonly ok: true; readonly node: SourceNode }
  | {
      readonly ok: false;
      /** 1-based line and column inside the JSON text. */
      readonly line: number;
      readonly column: number;
      readonly message: string;
    };

const MAX_DEPTH = 200;

/**
 * Parses `text`. `toFileLine` maps a 1-based line of the JSON text to the line reported in the
 * user's file (the JSON usually sits in a YAML block scalar a few lines down).
 */
export function parseJsonSource(text: string, toFileLine: (jsonLine: number) => number): JsonParseResult {
  const lines = new LineIndex(text);
  const parser = new JsonParser(text, (offset) => toFileLine(lines.lineOf(offset)));
  try {
    parser.skipSpace();
    const node = parser.value(0);
    parser.skipSpace();
    if (parser.pos < text.length) parser.fail(`unexpected ${parser.describeHere()} after the top-level value`);
    return { ok: true, node };
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    return { ok: false, line: lines.lineOf(e.offset), column: lines.columnOf(e.offset), message: e.message };
  }
}

class JsonSyntaxError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

class JsonParser {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly lineAt: (offset: number) => number,
  ) {}

  fail(message: string, offset = this.pos): never {
    throw new JsonSyntaxError(offset, message);
  }

  describeHere(): string {
    if (this.pos >= this.text.length) return 'end of text';
    return `character ${JSON.stringify(this.text[this.pos])}`;
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  value(depth: number): SourceNode {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
    const start = this.pos;
    const line = this.lineAt(start);
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"': {
        const s = this.string();
        return { kind: 'scalar', line, value: s, text: this.text.slice(start, this.pos) };
      }
      case 't':
        return this.literal('true', true, line);
      case 'f':
        return this.literal('false', false, line);
      case 'n':
        return this.literal('null', null, line);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number(line);
        return this.fail(`expected a JSON value, found ${this.describeHere()}`);
    }
  }

  private literal(word: string, value: boolean | null, line: number): SourceNode {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected a JSON value, found ${this.describeHere()}`);
    this.pos += word.length;
    return { kind: 'scalar', line, value, text: word };
  }

  private number(line: number): SourceNode {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (m === null) return this.fail(`invalid number at ${this.describeHere()}`);
    const text = m[0];
    this.pos += text.length;
    return { kind: 'scalar', line, value: Number(text), text };
  }

  private string(): string {
    const open = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string', open);
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x22) {
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string (newlines and tabs must be escaped)');
      if (c !== 0x5c) {
        out += this.text[this.pos];
        this.pos++;
        continue;
      }
      const e = this.text[this.pos + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape in string');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`invalid escape \\${e ?? ''} in string`);
      }
      this.pos += 2;
    }
  }

  private object(depth: number): SourceNode {
    const line = this.lineAt(this.pos);
    this.pos++;
    const entries: SourceEntry[] = [];
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'map', line, entries };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] !== '"') this.fail(`expected a quoted key, found ${this.describeHere()}`);
      const keyLine = this.lineAt(this.pos);
      const key = this.string();
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after key ${JSON.stringify(key)}, found ${this.describeHere()}`);
      this.pos++;
      this.skipSpace();
      entries.push({ key, line: keyLine, value: this.value(depth + 1) });
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return { kind: 'map', line, entries };
      }
      this.fail(`expected ',' or '}' after a value, found ${this.describeHere()}`);
    }
  }

  private array(depth: number): SourceNode {
    const line = this.lineAt(this.pos);
    this.pos++;
    const items: SourceNode[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'seq', line, items };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return { kind: 'seq', line, items };
      }
      this.fail(`expected ',' or ']' after a value, found ${this.describeHere()}`);
    }
  }
}
