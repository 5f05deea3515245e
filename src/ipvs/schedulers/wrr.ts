import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import { gcd } from '../hash.js';
import type { VirtualService } from '../service.js';
import type { Scheduler } from './scheduler.js';

/**
 * Weighted round robin (ip_vs_wrr.c). State: `cl` (list position, -1 = head), `cw` (current
 * weight), `mw` (max weight minus (di - 1)) and `di` (gcd of positive weights). Each pass over the
 * list takes destinations with weight >= cw; wrapping past the head lowers cw by di; cw restarts
 * at mw below 1. Weights A4 B3 C2 give A A B A B C A B C. Any destination change resets `cl` to
 * the head and rescales `cw`, as ip_vs_wrr_dest_changed does.
 */
export class WeightedRoundRobin implements Scheduler {
  readonly name = 'wrr';
  cl = -1;
  cw = 0;
  mw = 0;
  di = 1;

  constructor(svc: VirtualService) {
    this.di = gcdWeight(svc);
    this.mw = maxWeight(svc) - (this.di - 1);
    this.cw = this.mw;
  }

  private changed(svc: VirtualService): void {
    this.cl = -1;
    this.di = gcdWeight(svc);
    this.mw = maxWeight(svc) - (this.di - 1);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.trunc(this.cw / this.di) * this.di + 1;
  }

  destAdded(svc: VirtualService): void {
    this.changed(svc);
  }

  destRemoved(svc: VirtualService): void {
    this.changed(svc);
  }

  destUpdated(svc: VirtualService): void {
    this.changed(svc);
  }

  schedule(svc: VirtualService, _pkt: Packet): Dest | null {
    const dests = svc.dests;
    const n = dests.length;
    if (this.mw === 0) return null;
    const last = this.cl;
    let dest = this.cl;
    let stop = -2;
    let lastPass = false;
    let restarted = false;
    for (;;) {
      for (let i = dest + 1; i < n; i++) {
        const d = dests[i] as Dest;
        if (!d.overloaded && d.weight >= this.cw) {
          this.cl = i;
          return d;
        }
        if (i === stop) {
          this.cl = i;
          return null;
        }
      }
      dest = -1;
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        // Stop if the last pass (weight >= 1) already covered every destination.
        if (lastPass || last === -1) {
          this.cl = -1;
          return null;
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      if (lastPass && restarted && last !== -1) stop = last;
    }
  }
}

function gcdWeight(svc: VirtualService): number {
  let g = 0;
  for (const d of svc.dests) {
    if (d.weight > 0) g = g > 0 ? gcd(d.weight, g) : d.weight;
  }
  return g > 0 ? g : 1;
}

function maxWeight(svc: VirtualService): number {
  let w = 0;
  for (const d of svc.dests) if (d.weight > w) w = d.weight;
  return w;
}
