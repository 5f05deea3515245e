/**
 * Text for flannel's programming: the `ip` / `bridge` commands that install it on a real kernel
 * (argv arrays; join with spaces for a shell or a trace, no quoting is ever needed) and the lines
 * `ip route`, `ip neigh` and `bridge fdb` print for it (used in traces and compared against a
 * real kernel in the tests).
 */
import { formatIpv4, formatPrefix } from '../core/index.js';
import { formatRoute, type FdbEntry, type Neighbour, type Route } from '../route/index.js';
import { programmingEntries, type NodeProgramming, type RemoteProgramming } from './programming.js';
import { unreachable } from './never.js';
import type { VxlanDeviceConfig } from './vtep.js';

/** `replace` installs or updates (what flanneld's netlink calls do); `del` removes. */
export type ProgramOp = 'replace' | 'del';

/** `ip neigh replace 10.244.2.0 lladdr V2 dev flannel.1 nud permanent` / `ip neigh del 10.244.2.0 dev flannel.1`. */
export function neighbourCommand(n: Neighbour, op: ProgramOp): string[] {
  switch (op) {
    case 'replace':
      return ['ip', 'neigh', 'replace', formatIpv4(n.addr), 'lladdr', n.mac.toLowerCase(), 'dev', n.dev, 'nud', n.state.toLowerCase()];
    case 'del':
      return ['ip', 'neigh', 'del', formatIpv4(n.addr), 'dev', n.dev];
    default:
      return unreachable(op, 'program op');
  }
}

/**
 * `bridge fdb replace V2 dev flannel.1 dst 192.168.1.12 self permanent` (a VXLAN entry: flannel's
 * NTF_SELF, NUD_PERMANENT) / `bridge fdb del V2 dev flannel.1 dst 192.168.1.12 self`. An entry
 * without `dst` is a bridge port entry and renders with `master`.
 */
export function fdbCommand(f: FdbEntry, op: ProgramOp): string[] {
  const where = f.dst !== 0 ? ['dst', formatIpv4(f.dst), 'self'] : ['master'];
  switch (op) {
    case 'replace':
      return ['bridge', 'fdb', 'replace', f.mac.toLowerCase(), 'dev', f.dev, ...where, ...(f.permanent ? ['permanent'] : [])];
    case 'del':
      return ['bridge', 'fdb', 'del', f.mac.toLowerCase(), 'dev', f.dev, ...where];
    default:
      return unreachable(op, 'program op');
  }
}

/** `ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink` (or `del`). */
export function routeCommand(r: Route, op: ProgramOp): string[] {
  return ['ip', 'route', op, ...formatRoute(r).split(' ')];
}

/**
 * The commands for one remote node in flanneld's order: neighbour, FDB entry, route (the route
 * last so the kernel never ARPs for its gateway) — for `del` too, as flanneld deletes in that
 * order. A direct remote is its route alone.
 */
export function remoteCommands(r: RemoteProgramming, op: ProgramOp): string[][] {
  switch (r.kind) {
    case 'vxlan':
      return [neighbourCommand(r.neighbour, op), fdbCommand(r.fdb, op), routeCommand(r.route, op)];
    case 'direct':
      return [routeCommand(r.route, op)];
    default:
      return unreachable(r, 'remote programming');
  }
}

/** Every command of a node's programming, remote by remote. */
export function programmingCommands(p: NodeProgramming): string[][] {
  return p.remotes.flatMap((r) => remoteCommands(r, 'replace'));
}

/**
 * The commands that create flannel.<VNI> as flanneld does (MAC and MTU given at creation, since
 * v0.15.1), address it with the lease's /32 and bring it up.
 */
export function vxlanDeviceCommands(d: VxlanDeviceConfig): string[][] {
  return [
    [
      'ip', 'link', 'add', d.name, 'address', d.mac, 'mtu', String(d.mtu),
      'type', 'vxlan', 'id', String(d.vni), 'local', formatIpv4(d.local), 'dev', d.link, 'dstport', String(d.port),
      d.learning ? 'learning' : 'nolearning',
      ...(d.gbp ? ['gbp'] : []),
    ],
    ['ip', 'addr', 'add', formatPrefix(d.address), 'dev', d.name],
    ['ip', 'link', 'set', d.name, 'up'],
  ];
}

/** Joins an argv for traces and shells (arguments never contain spaces here). */
export function commandText(argv: readonly string[]): string {
  return argv.join(' ');
}

/** An `ip neigh show` line: `10.244.2.0 dev flannel.1 lladdr V2 PERMANENT`. */
export function formatNeighbour(n: Neighbour): string {
  return `${formatIpv4(n.addr)} dev ${n.dev} lladdr ${n.mac.toLowerCase()} ${n.state}`;
}

/** A `bridge fdb show` line: `V2 dev flannel.1 dst 192.168.1.12 self permanent`. */
export function formatFdbEntry(f: FdbEntry): string {
  const where = f.dst !== 0 ? `dst ${formatIpv4(f.dst)} self` : 'master';
  return `${f.mac.toLowerCase()} dev ${f.dev} ${where}${f.permanent ? ' permanent' : ''}`;
}

/** The device summary line of reference §6b: `flannel.1 10.244.1.0/32 mtu 1450 vxlan id 1 local 192.168.1.11 dstport 8472 nolearning`. */
export function formatVxlanDevice(d: VxlanDeviceConfig): string {
  return `${d.name} ${formatPrefix(d.address)} mtu ${d.mtu} vxlan id ${d.vni} local ${formatIpv4(d.local)} dstport ${d.port} ${d.learning ? 'learning' : 'nolearning'}${d.gbp ? ' gbp' : ''}`;
}

/** A node's programming as the routes, then neighbours, then FDB entries, one show-line each. */
export function formatProgramming(p: NodeProgramming): string[] {
  const e = programmingEntries(p);
  return [...e.routes.map(formatRoute), ...e.neighbours.map(formatNeighbour), ...e.fdb.map(formatFdbEntry)];
}
