import { Fib, type Route, type RouteType } from '../route/index.js';

/** Slots of each cache: a node looks up a few hundred destinations (pods, nodes, its own addresses). */
const SLOTS = 256;

/**
 * A namespace's FIB with a small destination cache in front of the longest-prefix match, the
 * role the kernel's cached routes (dst entries, nexthop caches) play: every packet asks for its
 * route, and `-m addrtype` rules and local checks ask for an address type, a few times per packet
 * for the same few hundred addresses, while a FIB lookup probes one hash per prefix length.
 *
 * Direct-mapped by a hash of the address; an entry is valid only when stamped with the current
 * generation, and every change to the tables (add, remove) starts a new one, so the answers are
 * always those of the tables now. The caches are allocated on first use: a pod's namespace looks
 * up little.
 */
export class CachedFib extends Fib {
  /** Bumped by every change; 0 is never current, so fresh stamp arrays mean empty caches. */
  private generation = 1;
  private routeCache: AddressCache<Route | null> | null = null;
  private typeCache: AddressCache<RouteType> | null = null;

  override add(route: Route): void {
    super.add(route);
    this.generation++;
  }

  override remove(pred: (r: Route) => boolean): number {
    const n = super.remove(pred);
    if (n > 0) this.generation++;
    return n;
  }

  override lookup(dst: number): Route | null {
    const cache = (this.routeCache ??= new AddressCache<Route | null>(null));
    const slot = slotOf(dst);
    if (cache.holds(slot, dst, this.generation)) return cache.values[slot] as Route | null;
    return cache.store(slot, dst, this.generation, super.lookup(dst));
  }

  override addressType(addr: number): RouteType {
    const cache = (this.typeCache ??= new AddressCache<RouteType>('unicast'));
    const slot = slotOf(addr);
    if (cache.holds(slot, addr, this.generation)) return cache.values[slot] as RouteType;
    return cache.store(slot, addr, this.generation, super.addressType(addr));
  }
}

/** One direct-mapped cache of answers by address, each stamped with the FIB generation it was taken at. */
class AddressCache<V> {
  private readonly keys = new Int32Array(SLOTS);
  private readonly stamps = new Int32Array(SLOTS);
  readonly values: V[];

  constructor(empty: V) {
    this.values = new Array<V>(SLOTS).fill(empty);
  }

  /** Whether `slot` holds the answer for `addr` taken at `generation`. */
  holds(slot: number, addr: number, generation: number): boolean {
    return this.stamps[slot] === generation && this.keys[slot] === (addr | 0);
  }

  store(slot: number, addr: number, generation: number, value: V): V {
    this.keys[slot] = addr | 0;
    this.stamps[slot] = generation;
    this.values[slot] = value;
    return value;
  }
}

/** Fibonacci hashing of a uint32 address onto the slots (consecutive addresses spread out). */
function slotOf(addr: number): number {
  return Math.imul(addr, 0x9e3779b1) >>> 24;
}
