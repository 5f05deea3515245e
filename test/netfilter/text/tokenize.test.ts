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
