/**
 * What the IPVS proxier asks of the kernel's links and addresses (kube-proxy's `NetLinkHandle`),
 * for the `kube-ipvs0` dummy device and for the node addresses NodePorts listen on. Addresses are
 * canonical text; every method throws KpemuError on failure.
 */
export interface NetlinkApi {
  /** Creates a dummy link named `name` when missing; returns true when it already existed. */
  ensureDummyDevice(name: string): boolean;
  /** The addresses assigned to `dev`. */
  listBindAddresses(dev: string): string[];
  /**
   * Assigns `addr` as a host address (/32) to `dev`. Returns true when the address was added,
   * false when it was already there (the opposite sense of kube-proxy's `EnsureAddressBind`,
   * matching the node namespace's implementation).
   */
  bindAddress(addr: string, dev: string): boolean;
  /** Removes `addr` from `dev`; removing an address that is not there is not an error. */
  unbindAddress(addr: string, dev: string): void;
  /**
   * Every local address of every link except `excludeDev`, of any family and loopback included:
   * the proxier applies kube-proxy's filter (own family, no loopback) itself.
   */
  listLocalAddresses(excludeDev: string): string[];
}
