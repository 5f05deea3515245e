/**
 * Small statistics for benchmark samples: median, mean, and the relative margin of error at 95 %
 * confidence computed as benchmark.js does (Student's t for the sample size, standard error of
 * the mean, as a percentage of the mean).
 */

/** Two-sided 95 % critical values of Student's t by degrees of freedom (benchmark.js's table). */
const T_TABLE: readonly number[] = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08,
  2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

function tCritical(df: number): number {
  if (df < 1) return Number.NaN;
  return T_TABLE[df - 1] ?? 1.96;
}

export interface SampleSummary {
  /** Median of the samples, in the samples' unit. */
  readonly median: number;
  readonly mean: number;
  readonly min: number;
  /** Relative margin of error at 95 %, in percent of the mean (NaN with one sample). */
  readonly rmePct: number;
  readonly samples: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function summarize(xs: readonly number[]): SampleSummary {
  const n = xs.length;
  if (n === 0) return { median: Number.NaN, mean: Number.NaN, min: Number.NaN, rmePct: Number.NaN, samples: 0 };
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  for (const x of xs) {
    sum += x;
    if (x < min) min = x;
  }
  const mean = sum / n;
  let sq = 0;
  for (const x of xs) sq += (x - mean) * (x - mean);
  const sd = n > 1 ? Math.sqrt(sq / (n - 1)) : Number.NaN;
  const sem = sd / Math.sqrt(n);
  const rme = n > 1 && mean > 0 ? ((sem * tCritical(n - 1)) / mean) * 100 : Number.NaN;
  return { median: median(xs), mean, min, rmePct: rme, samples: n };
}

/**
 * Least-squares fit of y = a + b·x + c·x² (c fixed to 0 when `quadratic` is false) over points;
 * used to extrapolate the per-rule CLI strategy, which is only measured at small scales.
 */
export function polyFit(points: readonly { x: number; y: number }[], quadratic: boolean): (x: number) => number {
  const k = quadratic ? 3 : 2;
  // Normal equations, solved by Gaussian elimination (k ≤ 3).
  const m: number[][] = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (const p of points) {
    const basis = quadratic ? [1, p.x, p.x * p.x] : [1, p.x];
    for (let r = 0; r < k; r++) {
      for (let c = 0; c < k; c++) (m[r] as number[])[c] = ((m[r] as number[])[c] as number) + (basis[r] as number) * (basis[c] as number);
      (m[r] as number[])[k] = ((m[r] as number[])[k] as number) + (basis[r] as number) * p.y;
    }
  }
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs((m[r] as number[])[col] as number) > Math.abs((m[pivot] as number[])[col] as number)) pivot = r;
    const tmp = m[col] as number[];
    m[col] = m[pivot] as number[];
    m[pivot] = tmp;
    const p = (m[col] as number[])[col] as number;
    if (p === 0) continue;
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const f = ((m[r] as number[])[col] as number) / p;
      for (let c = col; c <= k; c++) (m[r] as number[])[c] = ((m[r] as number[])[c] as number) - f * ((m[col] as number[])[c] as number);
    }
  }
  const coef = m.map((row, i) => ((row[i] as number) === 0 ? 0 : (row[k] as number) / (row[i] as number)));
  return (x: number) => (coef[0] ?? 0) + (coef[1] ?? 0) * x + (quadratic ? (coef[2] ?? 0) * x * x : 0);
}
