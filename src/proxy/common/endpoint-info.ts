/**
 * One endpoint of one service port as the proxiers see it: an address, the port from the
 * EndpointSlice, and the conditions that decide whether traffic may go there.
 */
export interface EndpointInfo {
  /** Canonical address text (leading zeros removed). */
  readonly ip: string;
  /** The endpoint (target) port from the slice, 1..65535. */
  readonly port: number;
  /**
   * `ip:port` (`[ip]:port` for IPv6), as Go's net.JoinHostPort prints it. It is the sort key, the
   * DNAT target and part of the KUBE-SEP chain hash, so it must match upstream exactly.
   */
  readonly endpoint: string;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** The endpoint's nodeName equals this proxier's node name. */
  readonly isLocal: boolean;
  /** '' when the slice did not say. */
  readonly nodeName: string;
  readonly zone: string;
  /** Topology hints (zone names). Carried for completeness; the proxiers do not use them. */
  readonly zoneHints: readonly string[];
}

/** `host:port`, bracketing IPv6 literals like Go's net.JoinHostPort. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Orders endpoints by their `ip:port` string, byte by byte. kube-proxy sorts this way (so
 * "10.1.1.11:11" comes before "10.1.1.1:11"), and the load-balancing chain follows this order.
 */
export function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return a.endpoint < b.endpoint ? -1 : a.endpoint > b.endpoint ? 1 : 0;
}

/** An endpoint usable as a last resort: still serving while its pod shuts down. */
export function isServingTerminating(ep: EndpointInfo): boolean {
  return ep.serving && ep.terminating;
}
