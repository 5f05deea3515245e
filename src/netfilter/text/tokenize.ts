import { parseError } from './errors.js';

/**
 * Splits one iptables-restore line into words with the rules of iptables 1.8.9's
 * `add_param_to_argv`:
 * - space, tab and newline separate words; other characters (also `'` and `\r`) are ordinary;
 * - `"` opens a quoted part that may hold separators; inside it `\x` is `x` for any character;
 *   the closing `"` always ends the word, even an empty one (`""` is an empty argument,
 *   `"a"b` is two words `a` and `b`);
 * - outside quotes a backslash is an ordinary character.
 * Unlike iptables (which then swallows the line's newline into the word) an unclosed quote is an
 * error. iptables caps a word at 1023 bytes and a line at 254 words; so does this.
 *
 * Written with charCodeAt and slices, and with a word cache: a kube-proxy payload has hundreds
 * of thousands of lines repeating the same option words and chain names, and every string not
 * allocated is one the garbage collector need not copy.
 */

const MAX_WORDS = 254;
const CACHE_BITS = 14;
const CACHE_MASK = (1 << CACHE_BITS) - 1;
/**
 * Only short words are cached: V8 copies the characters of a slice shorter than 13 characters
 * into a new string, while a longer slice is a small view onto the payload, cheaper to make than
 * to compare.
 */
const CACHE_MAX_LEN = 12;

/**
 * A direct-mapped cache of recent words, so that repeated words share one string. The slot is
 * chosen from the word's length and a few of its characters (cheap: no pass over the word) and a
 * hit is confirmed character by character, so a collision only costs a fresh slice. Bounded
 * (one word per slot, newest wins) and per payload.
 */
export class WordCache {
  private readonly words: (string | undefined)[] = new Array<string | undefined>(CACHE_MASK + 1).fill(undefined);
  private marks: Marks | null = null;

  /** The mark positions of `text` (kept while the same text is being tokenized). */
  marksFor(text: string): Marks {
    if (this.marks === null || this.marks.text !== text) this.marks = new Marks(text);
    return this.marks;
  }

  /** The word `line[from, to)` (0 < to - from <= CACHE_MAX_LEN), shared when seen before. */
  get(line: string, from: number, to: number): string {
    const len = to - from;
    const key =
      Math.imul(len, 0x9e3779b1) ^
      Math.imul(line.charCodeAt(from), 0x85ebca6b) ^
      Math.imul(line.charCodeAt(to - 1), 0xc2b2ae35) ^
      Math.imul(line.charCodeAt(from + (len >> 1)), 0x27d4eb2f) ^
      Math.imul(line.charCodeAt(to - 2 > from ? to - 3 : from), 0x165667b1);
    const slot = (key ^ (key >>> 15)) & CACHE_MASK;
    const cached = this.words[slot];
    if (cached !== undefined && cached.length === len) {
      let k = 0;
      while (k < len && cached.charCodeAt(k) === line.charCodeAt(from + k)) k++;
      if (k === len) return cached;
    }
    const word = line.slice(from, to);
    this.words[slot] = word;
    return word;
  }
}

/**
 * Tokenizes `line[start, end)` into `out[0..count)` and returns `count`; `out` is reused by the
 * caller across lines (its other slots are stale). `line` may be a whole payload: reading a flat
 * string by index is much faster than reading a slice of it. Throws IPTABLES_PARSE.
 */
export function tokenizeInto(line: string, start: number, end: number, out: string[], cache: WordCache | null): number {
  let count = 0;
  const n = end;
  let i = start;
  // Lines without tabs or newlines (nearly all) find word ends with the native indexOf, which
  // scans much faster than a loop over charCodeAt. The next tab, newline and quote of the text
  // are tracked across calls so that every search starts where the previous one ended (linear
  // over a whole payload).
  const marks = cache === null ? new Marks(line) : cache.marksFor(line);
  const simple = marks.next(TAB, start) >= n && marks.next(NEWLINE, start) >= n;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10) {
      i++;
      continue;
    }
    if (count >= MAX_WORDS) throw parseError('Parser cannot handle more arguments');
    const from = i;
    if (c !== 34) {
      // A bare word, possibly continuing into a quoted part (`a"b c"`).
      if (simple) {
        const quote = marks.next(QUOTE, i);
        const space = Math.min(marks.next(SPACE, i), n);
        if (quote < space) {
          i = quote;
          c = 34;
        } else {
          i = space;
          c = 32;
        }
      } else {
        while (i < n) {
          c = line.charCodeAt(i);
          if (c === 32 || c === 9 || c === 10 || c === 34) break;
          i++;
        }
      }
      if (c === 34 && i < n) {
        const q = readQuoted(line, i + 1, n);
        out[count++] = checked(line.slice(from, i) + q.text);
        i = q.end;
      } else {
        out[count++] = cache !== null && i - from <= CACHE_MAX_LEN ? cache.get(line, from, i) : checked(line.slice(from, i));
      }
      continue;
    }
    // A quoted word: without escapes it is a plain slice (and may be cached).
    let j = i + 1;
    while (j < n) {
      c = line.charCodeAt(j);
      if (c === 34 || c === 92) break;
      j++;
    }
    if (j < n && c === 34) {
      const len = j - i - 1;
      out[count++] = cache !== null && len > 0 && len <= CACHE_MAX_LEN ? cache.get(line, i + 1, j) : checked(line.slice(i + 1, j));
      i = j + 1;
      continue;
    }
    const q = readQuoted(line, i + 1, n);
    out[count++] = checked(q.text);
    i = q.end;
  }
  return count;
}

const TAB = 0;
const NEWLINE = 1;
const QUOTE = 2;
const SPACE = 3;
const MARK_CHARS = ['\t', '\n', '"', ' '];

/**
 * The next position of a tab, a newline, a quote and a space in one text, found with indexOf and kept, so
 * a caller moving forward through the text searches each stretch once. Searching backwards (an
 * earlier `from`) restarts the search.
 */
class Marks {
  private readonly pos = [-1, -1, -1, -1];
  private readonly from = [0, 0, 0, 0];

  constructor(readonly text: string) {}

  /** Index of the first mark `kind` at or after `at`, or the text length when there is none. */
  next(kind: number, at: number): number {
    const known = this.pos[kind] as number;
    if (known >= at && (this.from[kind] as number) <= at) return known;
    const k = this.text.indexOf(MARK_CHARS[kind] as string, at);
    const p = k < 0 ? this.text.length : k;
    this.pos[kind] = p;
    this.from[kind] = at;
    return p;
  }
}

/** Splits a line into a fresh array of words (see {@link tokenizeInto}). */
export function tokenizeLine(line: string, start = 0): string[] {
  const out: string[] = [];
  const count = tokenizeInto(line, start, line.length, out, null);
  out.length = count;
  return out;
}

/** Reads a quoted part starting after its opening quote; returns the text and the index after the closing quote. */
function readQuoted(line: string, from: number, n: number): { text: string; end: number } {
  let i = from;
  let text = '';
  let chunk = from;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (c === 34) return { text: text + line.slice(chunk, i), end: i + 1 };
    if (c === 92) {
      text += line.slice(chunk, i);
      if (i + 1 < n) text += line[i + 1];
      i += 2;
      chunk = i;
      continue;
    }
    i++;
  }
  throw parseError('unterminated quoted string (a `"` is missing)');
}

function checked(word: string): string {
  if (word.length > 341 && Buffer.byteLength(word) > 1023) throw parseError('Parameter too long!');
  return word;
}
