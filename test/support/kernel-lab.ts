/**
 * A small real-kernel lab for NAT comparisons: one "router" namespace (the node under test) and
 * leaf namespaces (clients, endpoints), each leaf joined to the router by its own veth pair.
 * Everything lives in namespaces created through netns.ts; nothing touches the root namespace.
 */
import { linkVeth, type Netns, withNetns } from './netns.js';

export interface LeafSpec {
  /** Short label, also the leaf's device name suffix. */
  readonly label: string;
  /** Leaf address with prefix, e.g. "10.0.0.2/24". */
  readonly cidr: string;
  /** Router-side address on the link, e.g. "10.0.0.1/24". */
  readonly routerCidr: string;
  /** Extra addresses the leaf answers for (e.g. several endpoints behind one leaf). */
  readonly extraAddrs?: readonly string[];
  /**
   * Silently drop incoming TCP in the leaf. An endpoint that answers a SYN with a reset makes the
   * router's kernel delete the connection at once, leaving nothing to compare.
   */
  readonly silent?: boolean;
}

export interface Lab {
  readonly router: Netns;
  readonly leaves: ReadonlyMap<string, Netns>;
  /** Router-side device name of each leaf's link. */
  readonly routerDev: ReadonlyMap<string, string>;
}

export interface ConntrackEntry {
  readonly proto: string;
  readonly orig: { src: string; dst: string; sport: number; dport: number };
  readonly reply: { src: string; dst: string; sport: number; dport: number };
  readonly raw: string;
}

function ipOf(cidr: string): string {
  return cidr.split('/')[0] as string;
}

/** Builds the lab, runs `fn`, always tears it down. */
export async function withLab<T>(leaves: readonly LeafSpec[], fn: (lab: Lab) => Promise<T> | T): Promise<T> {
  return withNetns(['router', ...leaves.map((l) => l.label)], async (all) => {
    const [router, ...leafNs] = all;
    if (router === undefined) throw new Error('no router namespace');
    router.execOk(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    const map = new Map<string, Netns>();
    const devs = new Map<string, string>();
    leaves.forEach((spec, i) => {
      const ns = leafNs[i] as Netns;
      const rdev = `r${i}`;
      linkVeth(router, rdev, spec.routerCidr, ns, 'eth0', spec.cidr);
      ns.execOk(['ip', 'route', 'add', 'default', 'via', ipOf(spec.routerCidr)]);
      for (const extra of spec.extraAddrs ?? []) ns.execOk(['ip', 'addr', 'add', extra, 'dev', 'eth0']);
      if (spec.silent === true) ns.execOk(['iptables-legacy', '-A', 'INPUT', '-p', 'tcp', '-j', 'DROP']);
      map.set(spec.label, ns);
      devs.set(spec.label, rdev);
    });
    return fn({ router, leaves: map, routerDev: devs });
  });
}

/**
 * Sends one TCP SYN (a connect attempt) or one UDP datagram from a leaf, bounded by a short
 * timeout. Nothing needs to answer: the router's conntrack records the attempt either way.
 */
export function sendProbe(from: Netns, proto: 'tcp' | 'udp', dst: string, dport: number, sport: number): void {
  const script = [
    'import socket,sys',
    `s=socket.socket(socket.AF_INET, socket.SOCK_STREAM if "${proto}"=="tcp" else socket.SOCK_DGRAM)`,
    's.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    `s.bind(("0.0.0.0", ${sport}))`,
    's.settimeout(0.3)',
    'try:',
    `  s.connect(("${dst}", ${dport})) if "${proto}"=="tcp" else s.sendto(b"kpemu", ("${dst}", ${dport}))`,
    'except Exception:',
    '  pass',
    's.close()',
  ].join('\n');
  from.exec(['python3', '-c', script], undefined, 5000);
}

/** Parses `conntrack -L` output into tuples. */
export function readConntrack(ns: Netns): ConntrackEntry[] {
  const r = ns.exec(['conntrack', '-L']);
  const out: ConntrackEntry[] = [];
  for (const line of r.stdout.split('\n')) {
    const proto = line.trim().split(/\s+/)[0];
    if (proto === undefined || proto === '') continue;
    const src = [...line.matchAll(/src=(\S+)/g)].map((m) => m[1] as string);
    const dst = [...line.matchAll(/dst=(\S+)/g)].map((m) => m[1] as string);
    const sport = [...line.matchAll(/sport=(\d+)/g)].map((m) => Number(m[1]));
    const dport = [...line.matchAll(/dport=(\d+)/g)].map((m) => Number(m[1]));
    if (src.length < 2 || dst.length < 2) continue;
    out.push({
      proto,
      orig: { src: src[0] as string, dst: dst[0] as string, sport: sport[0] ?? 0, dport: dport[0] ?? 0 },
      reply: { src: src[1] as string, dst: dst[1] as string, sport: sport[1] ?? 0, dport: dport[1] ?? 0 },
      raw: line,
    });
  }
  return out;
}

/** Packet counters of every rule, from `iptables-legacy -L -v -x -n` of a table, keyed `CHAIN#n`. */
export function ruleCounters(ns: Netns, table: string): Map<string, number> {
  const r = ns.exec(['iptables-legacy', '-t', table, '-L', '-v', '-x', '-n', '--line-numbers']);
  const out = new Map<string, number>();
  let chain = '';
  for (const line of r.stdout.split('\n')) {
    const head = /^Chain (\S+)/.exec(line);
    if (head !== null) {
      chain = head[1] as string;
      continue;
    }
    const m = /^\s*(\d+)\s+(\d+)\s+\d+/.exec(line);
    if (m !== null) out.set(`${chain}#${m[1]}`, Number(m[2]));
  }
  return out;
}
