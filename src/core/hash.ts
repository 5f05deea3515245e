/**
 * Seeded 32-bit hashing of numeric keys (murmur3's mixing steps). Used by the open-addressing
 * tables; a seed per table keeps clusters of similar keys from colliding the same way everywhere.
 */
export function mix32(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

export function finalize32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hash2(seed: number, a: number, b: number): number {
  return finalize32(mix32(mix32(seed, a), b));
}

export function hash3(seed: number, a: number, b: number, c: number): number {
  return finalize32(mix32(mix32(mix32(seed, a), b), c));
}

export function hash4(seed: number, a: number, b: number, c: number, d: number): number {
  return finalize32(mix32(mix32(mix32(mix32(seed, a), b), c), d));
}
