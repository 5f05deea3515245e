/**
 * A forwarding database: for a bridge, which port a MAC lives behind; for a VXLAN device, which
 * remote VTEP address a MAC lives behind (`bridge fdb ... dst IP`).
 */
export interface FdbEntry {
  readonly mac: string;
  /** Bridge port name, or the VXLAN device name. */
  readonly dev: string;
  /** Remote VTEP address for VXLAN entries, 0 for bridge entries. */
  readonly dst: number;
  readonly permanent: boolean;
}

export class Fdb {
  private readonly entries = new Map<string, FdbEntry>();

  set(e: FdbEntry): void {
    this.entries.set(e.mac.toLowerCase(), e);
  }

  get(mac: string): FdbEntry | undefined {
    return this.entries.get(mac.toLowerCase());
  }

  delete(mac: string): boolean {
    return this.entries.delete(mac.toLowerCase());
  }

  all(): FdbEntry[] {
    return [...this.entries.values()];
  }
}
