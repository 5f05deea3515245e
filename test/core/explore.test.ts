import { describe, expect, it } from 'vitest';
import { explorePaths } from '../../src/core/index.js';

describe('explorePaths', () => {
  it('enumerates a statistic cascade with exact probabilities', () => {
    // kube-proxy's cascade for three endpoints: 1/3, then 1/2, then the rest.
    const paths = explorePaths((choose) => (choose(1 / 3) ? 'a' : choose(1 / 2) ? 'b' : 'c'));
    expect(paths.map((p) => p.result)).toEqual(['a', 'b', 'c']);
    for (const p of paths) expect(p.probability).toBeCloseTo(1 / 3, 12);
  });

  it('skips impossible branches and handles no decisions', () => {
    expect(explorePaths(() => 42)).toEqual([{ probability: 1, decisions: [], result: 42 }]);
    const paths = explorePaths((choose) => (choose(1) ? 'always' : 'never'));
    expect(paths.map((p) => p.result)).toEqual(['always']);
  });

  it('refuses to run away', () => {
    expect(() => explorePaths((choose) => { let n = 0; while (choose(0.5) && n < 40) n++; return n; }, 10)).toThrow(RangeError);
  });
});
