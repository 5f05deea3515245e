/**
 * Hash functions the IPVS schedulers use, bit-exact with the kernel so that sh, dh and mh pick the
 * same real server the kernel picks for the same client.
 */

/** GOLDEN_RATIO_32 of include/linux/hash.h. */
const GOLDEN_RATIO_32 = 0x61c88647;

/** hash_32(val, bits): the top `bits` bits of val * GOLDEN_RATIO_32 (generic C version, as on x86). */
export function hash32(val: number, bits: number): number {
  return Math.imul(val | 0, GOLDEN_RATIO_32) >>> (32 - bits);
}

/** The multiplicative hash older kernels used in sh/dh: (val * 2654435761) mod 2^32. */
export function goldenMultiply(val: number): number {
  return Math.imul(val | 0, 0x9e3779b1 | 0) >>> 0;
}

export function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** fls: position of the most significant set bit, 1-based; 0 for 0. */
export function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

// SipHash state as 32-bit halves in a typed array (v0 hi, v0 lo, v1 hi, ...): module-level
// `let` numbers above 2^30 would be boxed on every write, a typed array stores them unboxed.
const S = new Uint32Array(8);

/** One SipRound on the state (64-bit adds with carry, rotations on hi/lo halves). */
function sipRound(): void {
  let v0h = S[0] as number;
  let v0l = S[1] as number;
  let v1h = S[2] as number;
  let v1l = S[3] as number;
  let v2h = S[4] as number;
  let v2l = S[5] as number;
  let v3h = S[6] as number;
  let v3l = S[7] as number;
  let lo: number;
  let t: number;
  // v0 += v1; v1 = rol(v1, 13); v1 ^= v0; v0 = rol(v0, 32)
  lo = (v0l + v1l) >>> 0;
  v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  t = ((v1h << 13) | (v1l >>> 19)) >>> 0;
  v1l = ((v1l << 13) | (v1h >>> 19)) >>> 0;
  v1h = t;
  v1h = (v1h ^ v0h) >>> 0;
  v1l = (v1l ^ v0l) >>> 0;
  t = v0h;
  v0h = v0l;
  v0l = t;
  // v2 += v3; v3 = rol(v3, 16); v3 ^= v2
  lo = (v2l + v3l) >>> 0;
  v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  t = ((v3h << 16) | (v3l >>> 16)) >>> 0;
  v3l = ((v3l << 16) | (v3h >>> 16)) >>> 0;
  v3h = t;
  v3h = (v3h ^ v2h) >>> 0;
  v3l = (v3l ^ v2l) >>> 0;
  // v0 += v3; v3 = rol(v3, 21); v3 ^= v0
  lo = (v0l + v3l) >>> 0;
  v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  t = ((v3h << 21) | (v3l >>> 11)) >>> 0;
  v3l = ((v3l << 21) | (v3h >>> 11)) >>> 0;
  v3h = t;
  v3h = (v3h ^ v0h) >>> 0;
  v3l = (v3l ^ v0l) >>> 0;
  // v2 += v1; v1 = rol(v1, 17); v1 ^= v2; v2 = rol(v2, 32)
  lo = (v2l + v1l) >>> 0;
  v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  t = ((v1h << 17) | (v1l >>> 15)) >>> 0;
  v1l = ((v1l << 17) | (v1h >>> 15)) >>> 0;
  v1h = t;
  v1h = (v1h ^ v2h) >>> 0;
  v1l = (v1l ^ v2l) >>> 0;
  t = v2h;
  v2h = v2l;
  v2l = t;
  S[0] = v0h;
  S[1] = v0l;
  S[2] = v1h;
  S[3] = v1l;
  S[4] = v2h;
  S[5] = v2l;
  S[6] = v3h;
  S[7] = v3l;
}

/**
 * The kernel's hsiphash() of one u32 on a 64-bit build, where "HalfSipHash-1-3" is really
 * SipHash-1-3 with a 128-bit key (lib/siphash.c): message = the 4 bytes of `value` (little-endian),
 * result = the low 32 bits. The key is two 64-bit words given as 32-bit halves.
 */
export function hsiphashU32(value: number, k0lo: number, k0hi: number, k1lo: number, k1hi: number): number {
  return hsiphashMod(value, k0lo, k0hi, k1lo, k1hi, 0x100000000);
}

/**
 * {@link hsiphashU32} reduced modulo `m` inside the function, so the per-packet callers (mh) get
 * a small integer back instead of a boxed heap number.
 */
export function hsiphashMod(value: number, k0lo: number, k0hi: number, k1lo: number, k1hi: number, m: number): number {
  // "somepseudorandomlygeneratedbytes"; b = len << 56 | the 4 message bytes
  const bh = 0x04000000;
  const bl = value >>> 0;
  S[0] = 0x736f6d65 ^ k0hi;
  S[1] = 0x70736575 ^ k0lo;
  S[2] = 0x646f7261 ^ k1hi;
  S[3] = 0x6e646f6d ^ k1lo;
  S[4] = 0x6c796765 ^ k0hi;
  S[5] = 0x6e657261 ^ k0lo;
  S[6] = 0x74656462 ^ k1hi ^ bh;
  S[7] = 0x79746573 ^ k1lo ^ bl;
  sipRound();
  S[0] = (S[0] as number) ^ bh;
  S[1] = (S[1] as number) ^ bl;
  S[5] = (S[5] as number) ^ 0xff;
  sipRound();
  sipRound();
  sipRound();
  return (((S[1] as number) ^ (S[3] as number) ^ (S[5] as number) ^ (S[7] as number)) >>> 0) % m;
}
