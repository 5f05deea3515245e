/** A neighbour (ARP) entry: the MAC for an IPv4 address on a device. */
export interface Neighbour {
  readonly addr: number;
  readonly dev: string;
  readonly mac: string;
  /** flanneld installs PERMANENT entries for remote VTEPs. */
  readonly state: 'PERMANENT' | 'REACHABLE';
}

/** The neighbour table of one namespace, keyed by device and address. */
export class NeighbourTable {
  private readonly byDev = new Map<string, Map<number, Neighbour>>();

  set(n: Neighbour): void {
    let m = this.byDev.get(n.dev);
    if (m === undefined) {
      m = new Map();
      this.byDev.set(n.dev, m);
    }
    m.set(n.addr >>> 0, n);
  }

  get(dev: string, addr: number): Neighbour | undefined {
    return this.byDev.get(dev)?.get(addr >>> 0);
  }

  delete(dev: string, addr: number): boolean {
    return this.byDev.get(dev)?.delete(addr >>> 0) ?? false;
  }

  all(): Neighbour[] {
    return [...this.byDev.values()].flatMap((m) => [...m.values()]);
  }
}
