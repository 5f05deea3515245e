import { parseIpv4, parsePrefix } from '../addr/index.js';
import { formatIpv4, KpemuError } from '../core/index.js';
import type { RouteType } from '../route/index.js';
import type { DeviceKind, VxlanConfig } from './device.js';
import type { NetNamespace } from './netns.js';

/**
 * A real node's links, addresses and routes as iproute2 prints them in JSON (`ip -j addr`,
 * `ip -j -d addr`, `ip -j route`), read into plain values and loaded into a namespace. Only IPv4
 * is read (inet6 entries are skipped). Errors are NODE_STATE_PARSE naming the file and the entry.
 */

/** One link of `ip -j addr`. */
export interface IpLink {
  readonly name: string;
  readonly kind: DeviceKind;
  /** True when the kind was guessed from the name (plain `ip -j addr` has no `linkinfo`). */
  readonly kindGuessed: boolean;
  readonly mac: string;
  readonly mtu: number;
  readonly up: boolean;
  /** The bridge this link is a port of, '' when none. */
  readonly master: string;
  /** IPv4 addresses, uint32, with their prefix lengths. */
  readonly addresses: readonly { readonly addr: number; readonly length: number }[];
  /** From `linkinfo.info_data` of a VXLAN link (`ip -d`), null otherwise. */
  readonly vxlan: VxlanConfig | null;
}

/** One route of `ip -j route` (the main table). */
export interface IpRoute {
  readonly network: number;
  readonly length: number;
  readonly type: RouteType;
  /** '' for blackhole/unreachable/prohibit. */
  readonly dev: string;
  readonly gateway: number;
  readonly src: number;
  readonly metric: number;
  readonly onlink: boolean;
}

export interface IpRouteRead {
  readonly routes: readonly IpRoute[];
  /** What was read differently from the dump, one sentence each (multipath routes, other tables). */
  readonly notes: readonly string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function fail(file: string, field: string, message: string): never {
  throw new KpemuError('NODE_STATE_PARSE', message, { location: { file, field } });
}

function parseArray(text: string, file: string, what: string): Json[] {
  let value: Json;
  try {
    value = JSON.parse(text) as Json;
  } catch (cause) {
    throw new KpemuError('NODE_STATE_PARSE', `not JSON (expected the output of \`${what}\`): ${cause instanceof Error ? cause.message : String(cause)}`, { location: { file }, cause });
  }
  if (!Array.isArray(value)) fail(file, '', `expected a JSON array, the output of \`${what}\``);
  return value;
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: { [key: string]: Json }, key: string, file: string, field: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') fail(file, `${field}.${key}`, `expected a non-empty string`);
  return v;
}

function optStr(o: { [key: string]: Json }, key: string, file: string, field: string): string {
  const v = o[key];
  if (v === undefined) return '';
  if (typeof v !== 'string') fail(file, `${field}.${key}`, 'expected a string');
  return v;
}

function optNum(o: { [key: string]: Json }, key: string, file: string, field: string, fallback: number): number {
  const v = o[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(file, `${field}.${key}`, 'expected a non-negative integer');
  return v;
}

function stringList(o: { [key: string]: Json }, key: string): string[] {
  const v = o[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function addr(text: string, file: string, field: string): number {
  try {
    return parseIpv4(text);
  } catch (e) {
    if (e instanceof KpemuError) fail(file, field, e.message);
    throw e;
  }
}

/**
 * The device kind: from `linkinfo.info_kind` when the dump has it (`ip -d`), else from the
 * conventional names on Kubernetes nodes (flannel.N, cni0/docker0, vethXXXX, kube-ipvs0) and
 * from being some other link's master (only bridges are masters here).
 */
function kindOf(link: { [key: string]: Json }, name: string, masters: ReadonlySet<string>): { kind: DeviceKind; guessed: boolean } {
  if (link['link_type'] === 'loopback') return { kind: 'loopback', guessed: false };
  const info = link['linkinfo'];
  const infoKind = isObject(info) ? info['info_kind'] : undefined;
  if (typeof infoKind === 'string') {
    switch (infoKind) {
      case 'vxlan':
        return { kind: 'vxlan', guessed: false };
      case 'bridge':
        return { kind: 'bridge', guessed: false };
      case 'veth':
        return { kind: 'veth', guessed: false };
      case 'dummy':
        return { kind: 'dummy', guessed: false };
      default:
        // bond, vlan, macvlan, ...: to the IP layer they are one more Ethernet-like device.
        return { kind: 'ethernet', guessed: false };
    }
  }
  if (/^(flannel|vxlan)[.-]?\d*$/.test(name)) return { kind: 'vxlan', guessed: true };
  if (masters.has(name) || name === 'cni0' || name === 'docker0' || name === 'cbr0') return { kind: 'bridge', guessed: true };
  if (name.startsWith('veth')) return { kind: 'veth', guessed: true };
  if (name === 'kube-ipvs0' || name === 'nodelocaldns' || name.startsWith('dummy')) return { kind: 'dummy', guessed: true };
  return { kind: 'ethernet', guessed: true };
}

function vxlanOf(link: { [key: string]: Json }, file: string, field: string): VxlanConfig | null {
  const info = link['linkinfo'];
  if (!isObject(info) || info['info_kind'] !== 'vxlan') return null;
  const data = info['info_data'];
  if (!isObject(data)) return null;
  const local = optStr(data, 'local', file, `${field}.linkinfo.info_data`);
  return {
    vni: optNum(data, 'id', file, `${field}.linkinfo.info_data`, 0),
    port: optNum(data, 'port', file, `${field}.linkinfo.info_data`, 8472),
    local: local === '' ? 0 : addr(local, file, `${field}.linkinfo.info_data.local`),
    underlay: optStr(data, 'link', file, `${field}.linkinfo.info_data`) || optStr(data, 'dev', file, `${field}.linkinfo.info_data`),
    learning: data['learning'] === true,
    gbp: data['gbp'] === true,
  };
}

/** Reads `ip -j addr` (or `ip -j -d addr`) output. */
export function parseIpAddrJson(text: string, file: string): IpLink[] {
  const entries = parseArray(text, file, 'ip -j addr');
  const masters = new Set<string>();
  for (const e of entries) if (isObject(e) && typeof e['master'] === 'string') masters.add(e['master']);
  const seen = new Set<string>();
  return entries.map((e, i): IpLink => {
    const field = `[${i}]`;
    if (!isObject(e)) fail(file, field, 'expected an object per link');
    // iproute2 prints a veth as `veth1@if3` in text, but JSON keeps the plain name; strip anyway.
    const name = str(e, 'ifname', file, field).replace(/@.*$/, '');
    if (seen.has(name)) fail(file, `${field}.ifname`, `link "${name}" appears twice`);
    seen.add(name);
    const { kind, guessed } = kindOf(e, name, masters);
    const infos = e['addr_info'];
    const addresses: { addr: number; length: number }[] = [];
    if (infos !== undefined && !Array.isArray(infos)) fail(file, `${field}.addr_info`, 'expected an array');
    (infos ?? []).forEach((a, j) => {
      const af = `${field}.addr_info[${j}]`;
      if (!isObject(a)) fail(file, af, 'expected an object');
      if (a['family'] !== 'inet') return;
      const length = optNum(a, 'prefixlen', file, af, 32);
      if (length > 32) fail(file, `${af}.prefixlen`, `prefix length ${length} is not an IPv4 one`);
      addresses.push({ addr: addr(str(a, 'local', file, af), file, `${af}.local`), length });
    });
    return {
      name,
      kind,
      kindGuessed: guessed,
      mac: optStr(e, 'address', file, field) || '00:00:00:00:00:00',
      mtu: optNum(e, 'mtu', file, field, 1500),
      up: stringList(e, 'flags').includes('UP') || kind === 'loopback',
      master: optStr(e, 'master', file, field),
      addresses,
      vxlan: vxlanOf(e, file, field),
    };
  });
}

const ROUTE_TYPES: ReadonlySet<string> = new Set(['unicast', 'blackhole', 'unreachable', 'prohibit']);

/** Reads `ip -j route` output (main table; entries of other tables are skipped with a note). */
export function parseIpRouteJson(text: string, file: string): IpRouteRead {
  const entries = parseArray(text, file, 'ip -j route');
  const routes: IpRoute[] = [];
  const notes: string[] = [];
  let otherTables = 0;
  entries.forEach((e, i) => {
    const field = `[${i}]`;
    if (!isObject(e)) fail(file, field, 'expected an object per route');
    const table = optStr(e, 'table', file, field);
    const type = optStr(e, 'type', file, field) || 'unicast';
    // Local and broadcast routes come from the addresses; other tables need policy routing, which kpemu does not model.
    if ((table !== '' && table !== 'main') || type === 'local' || type === 'broadcast' || type === 'multicast') {
      otherTables++;
      return;
    }
    if (!ROUTE_TYPES.has(type)) fail(file, `${field}.type`, `route type "${type}" is not modelled (unicast, blackhole, unreachable, prohibit)`);
    const dstText = str(e, 'dst', file, field);
    let network = 0;
    let length = 0;
    if (dstText !== 'default') {
      try {
        const p = parsePrefix(dstText);
        network = p.network;
        length = p.length;
      } catch (err) {
        if (err instanceof KpemuError) fail(file, `${field}.dst`, err.message);
        throw err;
      }
    }
    let gatewayText = optStr(e, 'gateway', file, field);
    let dev = optStr(e, 'dev', file, field);
    let flags = stringList(e, 'flags');
    const hops = e['nexthops'];
    if (Array.isArray(hops) && hops.length > 0) {
      const first = hops[0];
      if (!isObject(first)) fail(file, `${field}.nexthops[0]`, 'expected an object');
      gatewayText = optStr(first, 'gateway', file, `${field}.nexthops[0]`);
      dev = optStr(first, 'dev', file, `${field}.nexthops[0]`);
      flags = [...flags, ...stringList(first, 'flags')];
      notes.push(`${file}: multipath route ${dstText} uses its first next hop only (${gatewayText || dev})`);
    }
    if (type === 'unicast' && dev === '') fail(file, `${field}.dev`, `route ${dstText} has no device`);
    const prefsrc = optStr(e, 'prefsrc', file, field);
    routes.push({
      network,
      length,
      type: type as RouteType,
      dev: type === 'unicast' ? dev : '',
      gateway: gatewayText === '' ? 0 : addr(gatewayText, file, `${field}.gateway`),
      src: prefsrc === '' ? 0 : addr(prefsrc, file, `${field}.prefsrc`),
      metric: optNum(e, 'metric', file, field, 0),
      onlink: flags.includes('onlink'),
    });
  });
  if (otherTables > 0) notes.push(`${file}: ${otherTables} route(s) of the local table or other tables skipped (local routes come from the addresses)`);
  return { routes, notes };
}

/**
 * Creates the links in `ns` with their addresses. The namespace's own `lo` is kept (its
 * 127.0.0.1/8 is already there). With `prefixRoutes: false` the addresses add only their local
 * routes, because a route dump will supply the prefix routes (as `proto kernel` entries).
 */
export function loadIpLinks(ns: NetNamespace, links: readonly IpLink[], options: { readonly prefixRoutes: boolean }): void {
  for (const link of links) {
    const existing = ns.devices.get(link.name);
    const dev = existing ?? ns.addDevice(link.name, link.kind, link.mac, link.mtu);
    dev.up = link.up;
    dev.master = link.master;
    if (link.vxlan !== null) dev.vxlan = link.vxlan;
    for (const a of link.addresses) {
      if (dev.addresses.some((x) => x.addr === a.addr)) continue;
      ns.addAddress(link.name, a.addr, a.length, { noPrefixRoute: !options.prefixRoutes });
    }
  }
}

/** Adds the routes to `ns`'s main table. Every device a route names must exist. */
export function loadIpRoutes(ns: NetNamespace, routes: readonly IpRoute[], file: string): void {
  for (const r of routes) {
    if (r.dev !== '' && !ns.devices.has(r.dev)) {
      throw new KpemuError('NODE_STATE_PARSE', `route ${formatIpv4(r.network)}/${r.length} uses device "${r.dev}", which the node has no link for`, { location: { file } });
    }
    try {
      ns.fib.add({ network: r.network, length: r.length, type: r.type, dev: r.dev, gateway: r.gateway, src: r.src, metric: r.metric, table: 'main', onlink: r.onlink, scope: r.gateway === 0 ? 'link' : 'global' });
    } catch (e) {
      if (e instanceof KpemuError) throw new KpemuError('NODE_STATE_PARSE', e.message, { location: { file }, cause: e });
      throw e;
    }
  }
}
