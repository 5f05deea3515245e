import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatGoDuration, parseGoDuration } from '../../src/kube/index.js';

describe('parseGoDuration (Go time.ParseDuration)', () => {
  it.each([
    ['0', 0],
    ['1s', 1],
    ['500ms', 0.5],
    ['1m0s', 60],
    ['1h30m', 5400],
    ['2h45m10.5s', 9910.5],
    ['1.5h', 5400],
    ['.5s', 0.5],
    ['1.s', 1],
    ['-1m', -60],
    ['+3s', 3],
    ['100us', 0.0001],
    ['100µs', 0.0001],
    ['100μs', 0.0001],
    ['250ns', 0.00000025],
  ])('%s is %f s', (text, seconds) => {
    expect(parseGoDuration(text)).toEqual({ ok: true, seconds });
  });

  it.each(['', '1', '10', 's', '.s', '1x', '1 s', '1s ', '1h-5m', '--1s', '1d', '9999999999h'])('refuses %j', (text) => {
    expect(parseGoDuration(text).ok).toBe(false);
  });

  it('formats like Go and reads its own output back', () => {
    expect(formatGoDuration(60)).toBe('1m0s');
    expect(formatGoDuration(0.5)).toBe('500ms');
    expect(formatGoDuration(3661)).toBe('1h1m1s');
    expect(formatGoDuration(-5)).toBe('-5s');
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (ms) => {
        const seconds = ms / 1000;
        expect(parseGoDuration(formatGoDuration(seconds))).toEqual({ ok: true, seconds });
      }),
    );
  });
});
