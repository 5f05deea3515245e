/**
 * " (did you mean: a, b?)" for a name that was not found, from the candidates closest by edit
 * distance (and those containing it); '' when nothing is close.
 */
export function closeMatches(wanted: string, candidates: readonly string[], prefix = ''): string {
  const scored = candidates
    .map((c) => ({ c, d: c.includes(wanted) || wanted.includes(c) ? 0 : distance(wanted, c) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(wanted.length / 3)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, 3)
    .map((x) => `${prefix}${x.c}`);
  return scored.length === 0 ? '' : ` (did you mean: ${scored.join(', ')}?)`;
}

/** Levenshtein distance. */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min((prev[j] as number) + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}
