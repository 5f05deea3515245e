/**
 * A seeded random source (sfc32). Everything random in kpemu (`-m statistic`, IPVS schedulers,
 * VXLAN source ports, MASQUERADE port choice) draws from one of these so a run replays from its seed.
 */
export interface Rng {
  /** A uniformly distributed uint32. */
  nextU32(): number;
  /** A float in [0, 1). */
  nextFloat(): number;
  /** An integer in [0, n) for n >= 1. */
  nextInt(n: number): number;
}

export class SeededRng implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }

  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}

/**
 * A source that replays fixed uint32 values, for tests and for enumerating every outcome
 * (`--all-paths`). After the list is used up it repeats the last value.
 */
export class ScriptedRng implements Rng {
  private i = 0;
  constructor(private readonly values: readonly number[]) {}
  nextU32(): number {
    const v = this.values[Math.min(this.i, this.values.length - 1)] ?? 0;
    this.i++;
    return v >>> 0;
  }
  nextFloat(): number {
    return this.nextU32() / 4294967296;
  }
  nextInt(n: number): number {
    return Math.floor(this.nextFloat() * n);
  }
}
