import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../../src/core/index.js';
import { tokenizeLine } from '../../../src/netfilter/index.js';
import { tokenizeInto, WordCache } from '../../../src/netfilter/text/tokenize.js';

/** iptables-restore 1.8.9's quoting, as observed on the real tool. */
describe('tokenizeLine', () => {
  it.each([
    ['-A X -j ACCEPT', ['-A', 'X', '-j', 'ACCEPT']],
    ['  -A\tX   -j  ACCEPT  ', ['-A', 'X', '-j', 'ACCEPT']],
    ['--comment "hello world"', ['--comment', 'hello world']],
    ['--comment ""', ['--comment', '']],
    ['--comment """"', ['--comment', '', '']],
    ['--comment "a"b', ['--comment', 'a', 'b']],
    ['--comment x"y z"w', ['--comment', 'xy z', 'w']],
    ['--comment a"b c"', ['--comment', 'ab c']],
    ['--comment "a\\"b"', ['--comment', 'a"b']],
    ['--comment "a\\\\b"', ['--comment', 'a\\b']],
    ['--comment "a\\nb"', ['--comment', 'anb']],
    ['--comment "a\'b"', ['--comment', "a'b"]],
    ["--comment 'single quoted'", ['--comment', "'single", "quoted'"]],
    ['--comment a\\b', ['--comment', 'a\\b']],
    ['--comment "tab\tx"', ['--comment', 'tab\tx']],
    ['a\rb', ['a\rb']],
    ['', []],
  ])('%j', (line, words) => {
    expect(tokenizeLine(line)).toEqual(words);
  });

  it('refuses an unclosed quote (iptables would swallow the newline into the word)', () => {
    try {
      tokenizeLine('--comment "abc');
      expect.unreachable();
    } catch (e) {
      expect(isKpemuError(e) && e.code).toBe('IPTABLES_PARSE');
    }
  });

  it('caps a line at 254 words and a word at 1023 bytes, like iptables', () => {
    expect(() => tokenizeLine(Array.from({ length: 255 }, () => 'w').join(' '))).toThrow(/more arguments/);
    expect(tokenizeLine(Array.from({ length: 254 }, () => 'w').join(' '))).toHaveLength(254);
    expect(() => tokenizeLine(`"${'x'.repeat(1024)}"`)).toThrow(/too long/);
  });

  it('tokenizes a range of a larger text and shares repeated words through the cache', () => {
    const text = 'junk\n-A KUBE-SEP-ABC -j ACCEPT\n-A KUBE-SEP-ABC -j DROP\n';
    const out: string[] = [];
    const cache = new WordCache();
    const l1 = text.indexOf('\n') + 1;
    const l2 = text.indexOf('\n', l1) + 1;
    const n1 = tokenizeInto(text, l1, l2 - 1, out, cache);
    const first = out.slice(0, n1);
    const n2 = tokenizeInto(text, l2, text.length - 1, out, cache);
    expect(first).toEqual(['-A', 'KUBE-SEP-ABC', '-j', 'ACCEPT']);
    expect(out.slice(0, n2)).toEqual(['-A', 'KUBE-SEP-ABC', '-j', 'DROP']);
    expect(out[1]).toBe(first[1]);
  });
});

/** A plain transcription of iptables 1.8.9's add_param_to_argv, the reference for the fast tokenizer. */
function referenceTokenize(line: string): string[] | 'unterminated' {
  const words: string[] = [];
  let quoteOpen = false;
  let escaped = false;
  let param = '';
  let has = false;
  for (const ch of line) {
    if (quoteOpen) {
      if (escaped) {
        param += ch;
        escaped = false;
        continue;
      } else if (ch === '\\') {
        escaped = true;
        continue;
      } else if (ch === '"') {
        quoteOpen = false;
      } else {
        param += ch;
        continue;
      }
    } else if (ch === '"') {
      quoteOpen = true;
      has = true;
      continue;
    }
    if (ch === '"') {
      words.push(param);
      param = '';
      has = false;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (param.length === 0 && !has) continue;
      words.push(param);
      param = '';
      has = false;
      continue;
    }
    param += ch;
  }
  if (quoteOpen) return 'unterminated';
  if (param.length > 0) words.push(param);
  return words;
}

describe('tokenizer against a transcription of iptables add_param_to_argv (fast-check)', () => {
  const unit = fc.constantFrom(' ', ' ', ' ', '\t', '\n', '"', '\\', "'", 'a', 'b', '-', '--x', 'é', '!');
  it('tokenizeLine agrees on random lines', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (line) => {
        const want = referenceTokenize(line);
        if (want === 'unterminated') expect(() => tokenizeLine(line)).toThrow();
        else expect(tokenizeLine(line)).toEqual(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('tokenizeInto over a shared payload and word cache agrees line by line', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: fc.constantFrom(' ', ' ', '\t', '"', '\\', 'a', 'b', '-x', 'KUBE-SEP-ABCDEFGHIJKL'), maxLength: 30 }), { maxLength: 12 }), (lines) => {
        const text = `${lines.join('\n')}\n`;
        const cache = new WordCache();
        const out: string[] = [];
        let pos = 0;
        for (const line of lines) {
          const want = referenceTokenize(line);
          if (want === 'unterminated') {
            expect(() => tokenizeInto(text, pos, pos + line.length, out, cache)).toThrow();
          } else {
            const n = tokenizeInto(text, pos, pos + line.length, out, cache);
            expect(out.slice(0, n)).toEqual(want);
          }
          pos += line.length + 1;
        }
      }),
      { numRuns: 1000 },
    );
  });
});
