import { describe, expect, it } from 'vitest';
import { computeProbability, formatGoFixed } from '../../src/proxy/index.js';

describe('computeProbability (Go %0.10f of 1/n)', () => {
  it.each([
    [1, '1.0000000000'],
    [2, '0.5000000000'],
    [3, '0.3333333333'],
    [4, '0.2500000000'],
    [10, '0.1000000000'],
    [100, '0.0100000000'],
    [1000, '0.0010000000'],
    [10000, '0.0001000000'],
    [100000, '0.0000100000'],
    [100001, '0.0000099999'],
  ])('n=%i → %s (upstream TestComputeProbability and §1.5)', (n, want) => {
    expect(computeProbability(n)).toBe(want);
  });

  it('rounds the exact tie 1/2048 = 0.00048828125 to even, unlike toFixed', () => {
    expect(computeProbability(2048)).toBe('0.0004882812');
    expect((1 / 2048).toFixed(10)).toBe('0.0004882813');
  });

  it('agrees with toFixed everywhere else in 1..100001 (the reference found n=2048 the only tie)', () => {
    const mismatches: number[] = [];
    for (let n = 1; n <= 100001; n++) if (computeProbability(n) !== (1 / n).toFixed(10)) mismatches.push(n);
    expect(mismatches).toEqual([2048]);
  });

  it('strictly increases as n decreases from 100000 to 2', () => {
    const notIncreasing: number[] = [];
    let prev = computeProbability(100000);
    for (let n = 99999; n >= 2; n--) {
      const p = computeProbability(n);
      if (!(Number(p) > Number(prev))) notIncreasing.push(n);
      prev = p;
    }
    expect(notIncreasing).toEqual([]);
  });

  it('refuses n < 1', () => {
    expect(() => computeProbability(0)).toThrow(RangeError);
  });
});

describe('formatGoFixed', () => {
  it('rounds exact binary ties to even', () => {
    expect(formatGoFixed(0.5, 0)).toBe('0');
    expect(formatGoFixed(1.5, 0)).toBe('2');
    expect(formatGoFixed(2.5, 0)).toBe('2');
    expect(formatGoFixed(0.125, 2)).toBe('0.12');
    expect(formatGoFixed(0.375, 2)).toBe('0.38');
  });
  it('uses the exact binary value, so 0.15 (just under) rounds down', () => {
    expect(formatGoFixed(0.15, 1)).toBe('0.1');
    expect(formatGoFixed(1.005, 2)).toBe('1.00');
  });
  it('handles large, small, negative and zero values', () => {
    expect(formatGoFixed(12345.678, 2)).toBe('12345.68');
    expect(formatGoFixed(1e-20, 3)).toBe('0.000');
    expect(formatGoFixed(-0.5, 1)).toBe('-0.5');
    expect(formatGoFixed(0, 3)).toBe('0.000');
    expect(formatGoFixed(2 ** 60, 1)).toBe('1152921504606846976.0');
  });
});
