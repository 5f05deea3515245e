import { formatGoFixed } from './go-fixed.js';

/**
 * Probability strings for `-m statistic --mode random --probability p`, cached: kube-proxy
 * precomputes them too, and a 10,000-service sync asks for the same few values tens of thousands
 * of times. Index n holds the text for 1/n.
 */
const cache: string[] = [];

/**
 * `1/n` formatted like Go's `fmt.Sprintf("%0.10f", 1.0/float64(n))`.
 * Precondition: n is a positive integer (the number of endpoints still to choose from).
 */
export function computeProbability(n: number): string {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`computeProbability needs a positive integer, got ${n}`);
  let text = cache[n];
  if (text === undefined) {
    text = formatGoFixed(1 / n, 10);
    if (n < 1_000_000) cache[n] = text;
  }
  return text;
}
