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
 * Written with charCodeAt and slices: a kube-proxy payload has hundreds of thousands of lines.
 */
export function tokenizeLine(line: string, start = 0): string[] {
  const words: string[] = [];
  const n = line.length;
  let i = start;
  while (i < n) {
    let c = line.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10) {
      i++;
      continue;
    }
    if (c !== 34) {
      // A bare word, possibly continuing into a quoted part (`a"b c"`).
      const from = i;
      while (i < n) {
        c = line.charCodeAt(i);
        if (c === 32 || c === 9 || c === 10 || c === 34) break;
        i++;
      }
      if (c === 34 && i < n) {
        const q = readQuoted(line, i + 1);
        push(words, line.slice(from, i) + q.text);
        i = q.end;
      } else {
        push(words, line.slice(from, i));
      }
      continue;
    }
    const q = readQuoted(line, i + 1);
    push(words, q.text);
    i = q.end;
  }
  return words;
}

/** Reads a quoted part starting after its opening quote; returns the text and the index after the closing quote. */
function readQuoted(line: string, from: number): { text: string; end: number } {
  const n = line.length;
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

function push(words: string[], word: string): void {
  if (word.length > 341 && Buffer.byteLength(word) > 1023) throw parseError('Parameter too long!');
  if (words.length >= 254) throw parseError('Parser cannot handle more arguments');
  words.push(word);
}
