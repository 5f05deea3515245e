/**
 * The hash the restore fast path computes for every word while scanning it (FNV-1a over UTF-16
 * code units), so that tables keyed by words need no second pass over their characters.
 */

export const HASH_SEED = 0x811c9dc5 | 0;

/** One FNV-1a step. */
export function hashStep(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}

/** The hash of `text[from, to)`, as the scanner computes it. */
export function hashRange(text: string, from: number, to: number): number {
  let h = HASH_SEED;
  for (let i = from; i < to; i++) h = hashStep(h, text.charCodeAt(i));
  return h;
}
