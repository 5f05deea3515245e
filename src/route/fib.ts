import { formatIpv4, KpemuError, maskOfLength } from '../core/index.js';
import { RouteTable } from './route-table.js';

/** Route types that kpemu models (rtm_type). */
export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';

/** One route. Addresses are uint32; `gateway` 0 means directly connected. */
export interface Route {
  readonly network: number;
  readonly length: number;
  readonly type: RouteType;
  /** Output device ('' for blackhole/unreachable/prohibit). */
  readonly dev: string;
  readonly gateway: number;
  /** Preferred source address (0 = choose from the device). */
  readonly src: number;
  readonly metric: number;
  /** 'local' routes live in the local table; everything else in main. */
  readonly table: 'local' | 'main';
  /** `onlink`: the gateway is reachable on `dev` even outside its subnets (flannel uses it). */
  readonly onlink: boolean;
  /** Scope: 'host' for local, 'link' for connected, 'global' otherwise. */
  readonly scope: 'host' | 'link' | 'global';
}

/**
 * A namespace's routing tables (local and main) with longest-prefix match. Lookups go to the
 * local table first, like the kernel's default rules (0: local, 32766: main). Each table is a
 * hash table of networks per prefix length (see {@link RouteTable}), so lookups and inserts stay
 * cheap when kube-proxy's IPVS mode binds one /32 per ClusterIP to kube-ipvs0.
 */
export class Fib {
  private readonly local = new RouteTable();
  private readonly main = new RouteTable();

  add(route: Route): void {
    const table = route.table === 'local' ? this.local : this.main;
    if (route.length < 0 || route.length > 32) throw new KpemuError('ROUTE_INVALID', `invalid prefix length ${route.length}`);
    const mask = maskOfLength(route.length);
    const normalized: Route = { ...route, network: (route.network & mask) >>> 0 };
    const dup = table.group(normalized.network, normalized.length)?.find((r) => r.metric === normalized.metric && r.type === normalized.type);
    if (dup !== undefined) throw new KpemuError('ROUTE_INVALID', `route ${formatIpv4(normalized.network)}/${normalized.length} already exists (RTNETLINK answers: File exists)`);
    table.insert(normalized);
  }

  /** Removes routes matching the predicate; returns how many. */
  remove(pred: (r: Route) => boolean): number {
    return this.local.remove(pred) + this.main.remove(pred);
  }

  /** Longest-prefix match in the local table, then main; null when nothing matches. */
  lookup(dst: number): Route | null {
    const l = this.local.lookup(dst);
    if (l !== null) return l;
    return this.main.lookup(dst);
  }

  /** The local-table route type of an address (inet_addr_type): local, broadcast, or unicast. */
  addressType(addr: number): RouteType {
    const l = this.local.lookup(addr);
    if (l !== null) return l.type;
    const m = this.main.lookup(addr);
    if (m !== null && (m.type === 'blackhole' || m.type === 'unreachable' || m.type === 'prohibit')) return m.type;
    return 'unicast';
  }

  /** A table's routes, longest prefix first, then by metric, then in insertion order. */
  routes(table: 'local' | 'main'): readonly Route[] {
    return table === 'local' ? this.local.list() : this.main.list();
  }
}

/** `ip route` style text of a route. */
export function formatRoute(r: Route): string {
  const dst = r.length === 0 ? 'default' : r.length === 32 ? formatIpv4(r.network) : `${formatIpv4(r.network)}/${r.length}`;
  const parts = [r.type === 'unicast' ? dst : `${r.type} ${dst}`];
  if (r.gateway !== 0) parts.push(`via ${formatIpv4(r.gateway)}`);
  if (r.dev !== '') parts.push(`dev ${r.dev}`);
  if (r.table === 'local') parts.push('table local');
  if (r.scope !== 'global' && r.type === 'unicast') parts.push(`scope ${r.scope}`);
  if (r.src !== 0) parts.push(`src ${formatIpv4(r.src)}`);
  if (r.metric !== 0) parts.push(`metric ${r.metric}`);
  if (r.onlink) parts.push('onlink');
  return parts.join(' ');
}
