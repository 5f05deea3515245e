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
  private routeKeys: Int32Array | null = null;
  private routeStamps: Int32Array | null = null;
  private readonly routeValues: (Route | null)[] = [];
  private typeKeys: Int32Array | null = null;
  private typeStamps: Int32Array | null = null;
  private readonly typeValues: RouteType[] = [];

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
    let keys = this.routeKeys;
    let stamps = this.routeStamps;
    if (keys === null || stamps === null) {
      keys = this.routeKeys = new Int32Array(SLOTS);
      stamps = this.routeStamps = new Int32Array(SLOTS);
      this.routeValues.length = SLOTS;
      this.routeValues.fill(null);
    }
    const slot = slotOf(dst);
    if (stamps[slot] === this.generation && keys[slot] === (dst | 0)) return this.routeValues[slot] as Route | null;
    const route = super.lookup(dst);
    keys[slot] = dst | 0;
    stamps[slot] = this.generation;
    this.routeValues[slot] = route;
    return route;
  }

  override addressType(addr: number): RouteType {
    let keys = this.typeKeys;
    let stamps = this.typeStamps;
    if (keys === null || stamps === null) {
      keys = this.typeKeys = new Int32Array(SLOTS);
      stamps = this.typeStamps = new Int32Array(SLOTS);
      this.typeValues.length = SLOTS;
      this.typeValues.fill('unicast');
    }
    const slot = slotOf(addr);
    if (stamps[slot] === this.generation && keys[slot] === (addr | 0)) return this.typeValues[slot] as RouteType;
    const type = super.addressType(addr);
    keys[slot] = addr | 0;
    stamps[slot] = this.generation;
    this.typeValues[slot] = type;
    return type;
  }
}

/** Fibonacci hashing of a uint32 address onto the slots (consecutive addresses spread out). */
function slotOf(addr: number): number {
  return Math.imul(addr, 0x9e3779b1) >>> 24;
}
