import {
  formatIpv4,
  formatPrefix,
  type IpLink,
  type IpRoute,
  isKpemuError,
  KpemuError,
  loadIpLinks,
  loadIpRoutes,
  ManualClock,
  NetNamespace,
  parseIpAddrJson,
  parseIpRouteJson,
  type Prefix,
  SeededRng,
} from '../../index.js';
import { readTextFile } from '../io.js';
import { loadIpsetDump, loadIpvsadmDump } from '../ipvs.js';
import { type RuleHints, ruleHints } from './assume.js';

/** The files of a real node, as `kpemu replay` takes them. */
export interface NodeDumpFiles {
  readonly iptablesSave: string;
  readonly ipsetSave: string | undefined;
  readonly ipvsadm: string | undefined;
  readonly ipAddr: string | undefined;
  readonly ipRoute: string | undefined;
}

export interface ReplayNodeOptions {
  readonly name: string;
  readonly seed: number;
  /** The node's address when there is no `ip -j addr` dump (`--node-ip`). */
  readonly nodeIp: number | undefined;
  /**
   * Without `--node-ip`: an address the question itself shows to be the node's (a NodePort's
   * destination), with the reason, or undefined.
   */
  readonly guessNodeIp: (hints: RuleHints) => { readonly addr: number; readonly why: string } | undefined;
}

export interface ReplayNode {
  readonly ns: NetNamespace;
  readonly saveText: string;
  readonly hints: RuleHints;
  /** What kpemu assumed or left out, one sentence each. */
  readonly notes: readonly string[];
}

/** The node address assumed when nothing tells it: 192.0.2.10, a documentation address (RFC 5737). */
const DOC_NODE_IP = 0xc000020a;

function gatewayOf(addr: number, length: number): number {
  const mask = length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
  return (((addr & mask) >>> 0) + 1) >>> 0;
}

/** The links kpemu assumes without `ip -j addr`: eth0 with the node address, cni0 and flannel.1 from flannel's rules. */
function assumedLinks(hints: RuleHints, nodeIp: number, nodeIpWhy: string, notes: string[]): IpLink[] {
  const links: IpLink[] = [];
  const base = { kindGuessed: false, mtu: 1500, up: true, master: '', vxlan: null } as const;
  links.push({ ...base, name: 'eth0', kind: 'ethernet', mac: '02:00:00:00:00:01', addresses: [{ addr: nodeIp, length: 24 }] });
  const described = [`eth0 ${formatIpv4(nodeIp)}/24${nodeIpWhy === '' ? '' : ` (${nodeIpWhy})`}`];
  const pods: Prefix | null = hints.podSubnet ?? hints.clusterCIDR;
  if (pods !== null) {
    links.push({ ...base, name: 'cni0', kind: 'bridge', mac: '02:00:00:00:00:02', mtu: 1450, addresses: [{ addr: gatewayOf(pods.network, pods.length), length: pods.length }] });
    described.push(`cni0 ${formatIpv4(gatewayOf(pods.network, pods.length))}/${pods.length} (the pod ${hints.podSubnet !== null ? "subnet in flannel's rules" : "network in kube-proxy's rules"})`);
  }
  if (hints.flannelNetwork !== null && hints.podSubnet !== null) {
    links.push({ ...base, name: 'flannel.1', kind: 'vxlan', mac: '02:00:00:00:00:03', mtu: 1450, addresses: [{ addr: hints.podSubnet.network, length: 32 }] });
    described.push(`flannel.1 ${formatIpv4(hints.podSubnet.network)}/32`);
  }
  notes.push(`no --ip-addr: assumed links lo, ${described.join(', ')}`);
  return links;
}

/** The routes kpemu assumes without `ip -j route`: a default route, and the flannel network through flannel.1. */
function assumedRoutes(ns: NetNamespace, hints: RuleHints, notes: string[]): IpRoute[] {
  const routes: IpRoute[] = [];
  const described: string[] = [];
  const uplink = [...ns.devices.values()].find((d) => d.kind === 'ethernet' && d.addresses.length > 0);
  const first = uplink?.addresses[0];
  if (uplink !== undefined && first !== undefined) {
    const gw = gatewayOf(first.addr, first.length);
    routes.push({ network: 0, length: 0, type: 'unicast', dev: uplink.name, gateway: gw, src: 0, metric: 0, onlink: true });
    described.push(`default via ${formatIpv4(gw)} dev ${uplink.name}`);
  }
  if (hints.flannelNetwork !== null && ns.devices.has('flannel.1')) {
    routes.push({ network: hints.flannelNetwork.network, length: hints.flannelNetwork.length, type: 'unicast', dev: 'flannel.1', gateway: 0, src: 0, metric: 0, onlink: true });
    described.push(`${formatPrefix(hints.flannelNetwork)} dev flannel.1 (standing in for flannel's per-node routes)`);
  }
  notes.push(`no --ip-route: assumed the connected routes of the addresses${described.length > 0 ? `, ${described.join(', ')}` : ''}`);
  return routes;
}

/** Links named by routes, with the routes' preferred sources as addresses (a route dump without an address dump). */
function linksFromRoutes(routes: readonly IpRoute[], notes: string[]): IpLink[] {
  const byDev = new Map<string, { addr: number; length: number }[]>();
  for (const r of routes) {
    if (r.dev === '') continue;
    const list = byDev.get(r.dev) ?? [];
    if (r.src !== 0 && r.gateway === 0 && r.length > 0 && !list.some((a) => a.addr === r.src)) list.push({ addr: r.src, length: r.length });
    byDev.set(r.dev, list);
  }
  const links = [...byDev].map(([name, addresses], i): IpLink => {
    const kind = /^(flannel|vxlan)/.test(name) ? 'vxlan' : name === 'cni0' || name === 'docker0' || name === 'cbr0' ? 'bridge' : name === 'kube-ipvs0' ? 'dummy' : 'ethernet';
    return { name, kind, kindGuessed: true, mac: `02:00:00:00:01:${(i + 1).toString(16).padStart(2, '0')}`, mtu: 1500, up: true, master: '', addresses, vxlan: null };
  });
  notes.push(`no --ip-addr: links ${links.map((l) => l.name).join(', ')} taken from the routes, their addresses from the routes' preferred sources`);
  return links;
}

function atFile(e: unknown, file: string): unknown {
  return isKpemuError(e) ? e.withLocation({ file }) : e;
}

/**
 * Rebuilds a real node in one namespace: links and addresses, routes, the sysctls kube-proxy
 * sets, its nfacct counters, then its iptables rules (and, in IPVS mode, sets and virtual servers).
 */
export function buildReplayNode(files: NodeDumpFiles, options: ReplayNodeOptions): ReplayNode {
  const saveText = readTextFile(files.iptablesSave, 'the iptables-save file');
  const hints = ruleHints(saveText);
  const notes: string[] = [];
  const ns = new NetNamespace({ node: options.name, name: 'host', clock: new ManualClock(0), rng: new SeededRng(options.seed) });
  // Every Kubernetes node forwards; kube-proxy sets route_localnet with its localnet guard rule.
  ns.sysctl.ipForward = true;
  ns.sysctl.routeLocalnet = hints.routeLocalnet;

  const routeRead = files.ipRoute === undefined ? null : parseIpRouteJson(readTextFile(files.ipRoute, 'the ip -j route file'), files.ipRoute);
  if (routeRead !== null) notes.push(...routeRead.notes);
  let links: IpLink[];
  if (files.ipAddr !== undefined) {
    links = parseIpAddrJson(readTextFile(files.ipAddr, 'the ip -j addr file'), files.ipAddr);
    const guessed = links.filter((l) => l.kindGuessed && l.kind !== 'ethernet').map((l) => `${l.name} (${l.kind})`);
    if (guessed.length > 0) notes.push(`device kinds guessed from their names (\`ip -j -d addr\` has them): ${guessed.join(', ')}`);
  } else if (routeRead !== null) {
    links = linksFromRoutes(routeRead.routes, notes);
  } else {
    const guess = options.nodeIp === undefined ? options.guessNodeIp(hints) : undefined;
    const [addr, why] =
      options.nodeIp !== undefined ? [options.nodeIp, ''] : guess !== undefined ? [guess.addr, guess.why] : [DOC_NODE_IP, 'a documentation address: give --node-ip or --ip-addr for the real one'];
    links = assumedLinks(hints, addr, why, notes);
  }
  // With a route dump, the connected routes come from it (as "proto kernel" entries), not from the addresses.
  loadIpLinks(ns, links, { prefixRoutes: routeRead === null });
  if (routeRead !== null && files.ipRoute !== undefined) loadIpRoutes(ns, routeRead.routes, files.ipRoute);
  else loadIpRoutes(ns, assumedRoutes(ns, hints, notes), '<assumed routes>');

  // The rules could only be loaded on the real node because these counters exist there.
  for (const name of hints.nfacctNames) ns.ensureCounter(name);
  if (files.ipsetSave !== undefined) loadIpsetDump(ns, readTextFile(files.ipsetSave, 'the ipset save file'), files.ipsetSave);
  else if (hints.usesIpsets) throw new KpemuError('CLI_USAGE', `the rules in ${files.iptablesSave} match ipsets (-m set, as kube-proxy's IPVS mode writes): give the node's "ipset save" output with --ipset-save`);
  if (files.ipvsadm !== undefined) {
    const vips = loadIpvsadmDump(ns, readTextFile(files.ipvsadm, 'the ipvsadm file'), files.ipvsadm);
    // IPVS only sees packets for local addresses: kube-proxy binds every virtual address to kube-ipvs0.
    const unbound = vips.filter((a) => !ns.isLocal(a));
    if (unbound.length > 0) {
      const dev = ns.devices.get('kube-ipvs0') ?? ns.addDevice('kube-ipvs0', 'dummy', '02:00:00:00:00:04');
      for (const a of unbound) ns.addAddress(dev.name, a, 32);
      notes.push(`${unbound.length} virtual address${unbound.length === 1 ? '' : 'es'} of ${files.ipvsadm} bound to kube-ipvs0, as kube-proxy does${files.ipAddr !== undefined ? ` (missing from ${files.ipAddr})` : ''}`);
    }
  }
  try {
    ns.iptables.restoreText(saveText, { noflush: false, counters: false });
  } catch (e) {
    throw atFile(e, files.iptablesSave);
  }
  return { ns, saveText, hints, notes };
}
