/**
 * Enumerates every outcome of a computation that makes random yes/no decisions, with the exact
 * probability of each: depth-first over decision sequences, re-running the computation with a
 * forced prefix each time. `run` must be deterministic given the decisions and must reset any
 * state it changes (each call is a fresh attempt).
 */
export interface ExploredPath<T> {
  /** Product of the probabilities of the decisions taken. */
  readonly probability: number;
  readonly decisions: readonly boolean[];
  readonly result: T;
}

export function explorePaths<T>(run: (choose: (pTrue: number) => boolean) => T, maxPaths = 100_000): ExploredPath<T>[] {
  const paths: ExploredPath<T>[] = [];
  let prefix: boolean[] = [];
  for (let n = 0; n < maxPaths; n++) {
    const taken: boolean[] = [];
    const probs: number[] = [];
    const result = run((pTrue) => {
      const i = taken.length;
      const p = Math.min(1, Math.max(0, pTrue));
      // Forced by the prefix; beyond it take the "true" branch when it is possible at all.
      const d = i < prefix.length ? (prefix[i] as boolean) : p > 0;
      taken.push(d);
      probs.push(p);
      return d;
    });
    let probability = 1;
    for (let i = 0; i < taken.length; i++) probability *= taken[i] ? (probs[i] as number) : 1 - (probs[i] as number);
    if (probability > 0) paths.push({ probability, decisions: taken, result });
    // Backtrack: the deepest decision that took "true" and whose "false" branch is possible.
    let j = taken.length - 1;
    while (j >= 0 && !(taken[j] === true && (probs[j] as number) < 1)) j--;
    if (j < 0) return paths;
    prefix = [...taken.slice(0, j), false];
  }
  throw new RangeError(`more than ${maxPaths} outcomes; narrow the question`);
}
