/**
 * Pearson's chi-square goodness of fit, for endpoint distributions. The critical value uses the
 * Wilson–Hilferty approximation of the chi-square quantile, good to a few percent for df ≥ 1,
 * which is plenty at the tiny significance level used (a seeded run either fits or is broken).
 */

export interface ChiSquare {
  readonly statistic: number;
  readonly df: number;
  readonly critical: number;
  readonly ok: boolean;
}

/** Upper-tail standard normal quantile for p = 1e-6. */
const Z_1E6 = 4.753;

export function chiSquareCritical(df: number, z = Z_1E6): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Observed counts against probabilities (summing to 1). */
export function chiSquare(observed: readonly number[], probabilities: readonly number[]): ChiSquare {
  const total = observed.reduce((s, x) => s + x, 0);
  let statistic = 0;
  observed.forEach((o, i) => {
    const e = total * (probabilities[i] ?? 0);
    statistic += e === 0 ? (o === 0 ? 0 : Number.POSITIVE_INFINITY) : (o - e) ** 2 / e;
  });
  const df = Math.max(1, observed.length - 1);
  const critical = chiSquareCritical(df);
  return { statistic, df, critical, ok: statistic <= critical };
}
