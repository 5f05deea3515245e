import { formatIpv4, KpemuError, maskOfLength } from '../core/index.js';

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
 * local table first, like the kernel's default rules (0: local, 32766: main). Routes are kept
 * sorted by prefix length, longest first, so the first hit wins; node tables hold tens of
 * routes, so a scan beats a trie here.
 */
export class Fib {
  private local: Route[] = [];
  private main: Route[] = [];

  add(route: Route): void {
    const list = route.table === 'local' ? this.local : this.main;
    if (route.length < 0 || route.length > 32) throw new KpemuError('ROUTE_INVALID', `invalid prefix length ${route.length}`);
    const mask = maskOfLength(route.length);
    const normalized: Route = { ...route, network: (route.network & mask) >>> 0 };
    const dup = list.find((r) => r.network === normalized.network && r.length === normalized.length && r.metric === normalized.metric && r.type === normalized.type);
    if (dup !== undefined) throw new KpemuError('ROUTE_INVALID', `route ${formatIpv4(normalized.network)}/${normalized.length} already exists (RTNETLINK answers: File exists)`);
    list.push(normalized);
    list.sort((a, b) => b.length - a.length || a.metric - b.metric);
  }

  /** Removes routes matching the predicate; returns how many. */
  remove(pred: (r: Route) => boolean): number {
    const before = this.local.length + this.main.length;
    this.local = this.local.filter((r) => !pred(r));
    this.main = this.main.filter((r) => !pred(r));
    return before - (this.local.length + this.main.length);
  }

  /** Longest-prefix match in the local table, then main; null when nothing matches. */
  lookup(dst: number): Route | null {
    const l = scan(this.local, dst);
    if (l !== null) return l;
    return scan(this.main, dst);
  }

  /** The local-table route type of an address (inet_addr_type): local, broadcast, or unicast. */
  addressType(addr: number): RouteType {
    const l = scan(this.local, addr);
    if (l !== null) return l.type;
    const m = scan(this.main, addr);
    if (m !== null && (m.type === 'blackhole' || m.type === 'unreachable' || m.type === 'prohibit')) return m.type;
    return 'unicast';
  }

  routes(table: 'local' | 'main'): readonly Route[] {
    return table === 'local' ? this.local : this.main;
  }
}

function scan(list: readonly Route[], dst: number): Route | null {
  for (let i = 0; i < list.length; i++) {
    const r = list[i] as Route;
    const mask = r.length === 0 ? 0 : (0xffffffff << (32 - r.length)) | 0;
    if ((dst & mask) === (r.network & mask)) return r;
  }
  return null;
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
