import type { Packet } from '../../packet/index.js';
import type { Dest } from '../dest.js';
import { fls, gcd, hsiphashMod } from '../hash.js';
import type { VirtualService } from '../service.js';
import { SVC_FLAGS } from '../types.js';
import type { Scheduler, SchedulerOptions } from './scheduler.js';
import { hashablePort } from './sh.js';

/** Lookup table sizes, primes[CONFIG_IP_VS_MH_TAB_INDEX - 8]. */
export const MH_PRIMES = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071] as const;

/** The fixed hsiphash keys of ip_vs_mh.c (generate_hash_secret): not random, so results are reproducible. */
const HASH1 = 2654435761;
const HASH2 = 2654446892;

/**
 * Maglev hashing (ip_vs_mh.c, Maglev paper §3.4). Each destination gets a permutation of the M
 * table slots from two hsiphash values of its address and port (offset, skip); destinations then
 * claim their next free preferred slot in turns, `turns` = (last_weight / gcd) >> rshift per round,
 * until all M slots are taken. A client maps to slot hsiphash(src addr [+ src port with mh-port,
 * SCHED2]) % M. Weights come from last_weight, so a quiesced (weight 0) destination keeps its
 * slots and those clients get no destination, unless mh-fallback (SCHED1) probes further.
 */
export class MaglevHashing implements Scheduler {
  readonly name = 'mh';
  /** M, the table size. */
  readonly size: number;
  /** Slot -> index into the service's destination list, -1 for none. */
  readonly lookup: Int32Array;
  private readonly claimed: Uint8Array;
  private readonly tabBits: number;

  constructor(svc: VirtualService, opts: SchedulerOptions) {
    const idx = opts.mhTabIndex - 8;
    const m = MH_PRIMES[idx];
    if (m === undefined) throw new RangeError(`mh table index must be 8..17, got ${opts.mhTabIndex}`);
    this.size = m;
    this.tabBits = Math.trunc(opts.mhTabIndex / 2);
    this.lookup = new Int32Array(m).fill(-1);
    this.claimed = new Uint8Array(m);
    this.reassign(svc);
  }

  /** ip_vs_mh_hashkey with key (k, k) as ip_vs_mh.c uses, reduced modulo `m`. */
  hashKey(addr: number, port: number, key: number, offset: number, m: number): number {
    return hsiphashMod((offset + port + addr) >>> 0, key >>> 0, 0, key >>> 0, 0, m);
  }

  private reassign(svc: VirtualService): void {
    const dests = svc.dests;
    const n = dests.length;
    let g = 0;
    let maxw = 0;
    for (let i = 0; i < n; i++) {
      const w = (dests[i] as Dest).lastWeight;
      if (w > 0) g = g > 0 ? gcd(w, g) : w;
      if (w > maxw) maxw = w;
    }
    if (g < 1) {
      this.lookup.fill(-1);
      return;
    }
    const shift = fls(Math.trunc(maxw / g)) - this.tabBits;
    const rshift = shift >= 0 ? shift : 0;
    const m = this.size;
    const skip = new Int32Array(n);
    const perm = new Int32Array(n);
    const turns = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const d = dests[i] as Dest;
      perm[i] = this.hashKey(d.addr, d.port, HASH1, 0, m);
      skip[i] = this.hashKey(d.addr, d.port, HASH2, 0, m - 1) + 1;
      const t = Math.trunc(d.lastWeight / g) >> rshift;
      turns[i] = t !== 0 ? t : d.lastWeight !== 0 ? 1 : 0;
    }
    this.claimed.fill(0);
    let filled = 0;
    let count = 0;
    while (filled < m) {
      for (let p = 0; p < n; ) {
        if ((turns[p] as number) < 1) {
          p++;
          continue;
        }
        let c = perm[p] as number;
        while (this.claimed[c] === 1) {
          let next = (perm[p] as number) + (skip[p] as number);
          if (next >= m) next -= m;
          perm[p] = next;
          c = next;
        }
        this.claimed[c] = 1;
        this.lookup[c] = p;
        if (++filled === m) return;
        if (++count >= (turns[p] as number)) {
          count = 0;
          p++;
        }
      }
    }
  }

  destAdded(svc: VirtualService): void {
    this.reassign(svc);
  }

  destRemoved(svc: VirtualService): void {
    this.reassign(svc);
  }

  destUpdated(svc: VirtualService): void {
    this.reassign(svc);
  }

  schedule(svc: VirtualService, pkt: Packet): Dest | null {
    const port = (svc.flags & SVC_FLAGS.SCHED2) !== 0 ? hashablePort(pkt) : 0;
    const addr = pkt.src;
    const m = this.size;
    const ihash = this.hashKey(addr, port, HASH1, 0, m);
    const first = this.lookup[ihash] as number;
    if (first < 0) return null;
    const d = svc.dests[first] as Dest;
    if (!d.unavailable) return d;
    if ((svc.flags & SVC_FLAGS.SCHED1) === 0) return null;
    for (let offset = 0; offset < m; offset++) {
      const roffset = (offset + ihash) % m;
      const idx = this.lookup[this.hashKey(addr, port, HASH1, roffset, m)] as number;
      if (idx < 0) break;
      const c = svc.dests[idx] as Dest;
      if (!c.unavailable) return c;
    }
    return null;
  }
}
