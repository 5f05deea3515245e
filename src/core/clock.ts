/**
 * Injected time. Conntrack, `-m recent`, IPVS persistence and connection timeouts read it, so
 * tests move time forward instead of sleeping. Units: milliseconds since an arbitrary epoch.
 */
export interface Clock {
  nowMs(): number;
}

export class ManualClock implements Clock {
  constructor(private ms = 0) {}
  nowMs(): number {
    return this.ms;
  }
  /** Moves time forward by `ms` milliseconds (negative values are refused). */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('time cannot move backwards');
    this.ms += ms;
  }
  advanceSeconds(s: number): void {
    this.advance(s * 1000);
  }
}

export const systemClock: Clock = { nowMs: () => Date.now() };
