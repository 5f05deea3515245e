/**
 * A real-kernel stand-in for node-1 of a generated cluster, built once and reused for every
 * cluster of a run (only the rules change), wired like the emulated node:
 *
 *   ext  (192.168.56.1/24 + the other nodes' IPs + external clients)  ── eth0 192.168.56.11/24
 *   pods (node-1's pods 10.244.1.10–12)                               ── cni0 10.244.1.1/24
 *   remote (pods of node-2/3, 10.244.2.x, 10.244.3.x)                 ── flannel.1 10.244.1.0/32,
 *                                            routes 10.244.N.0/24 via 10.244.N.0 onlink, as flannel's
 *
 * so MASQUERADE picks the same addresses the emulator does (cni0's, flannel.1's, eth0's). Leaves
 * accept only ICMP (endpoints stay silent, so no reset or answer removes a connection before it is
 * read), and the node drops its own TCP resets (no listener) for the same reason. Safety: every
 * namespace is created by netns.ts and deleted afterwards; nothing touches the root namespace.
 */
import { type ConntrackEntry, readConntrack } from '../../support/kernel-lab.js';
import { linkVeth, type Netns, withNetns } from '../../support/netns.js';

export interface NodeLab {
  readonly node: Netns;
  readonly pods: Netns;
  readonly remote: Netns;
  readonly ext: Netns;
}

export const LAB_EXTERNAL_ADDRS = ['192.168.56.12', '192.168.56.13', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.130', '203.0.113.131', '203.0.113.132', '198.51.100.7', '198.51.100.8', '198.51.100.9'];
const NFACCT_COUNTERS = ['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts'];

function silence(ns: Netns): void {
  ns.execOk(['iptables-legacy', '-A', 'INPUT', '-p', 'icmp', '-j', 'ACCEPT']);
  ns.execOk(['iptables-legacy', '-A', 'INPUT', '-j', 'DROP']);
}

export async function withNodeLab<T>(fn: (lab: NodeLab) => Promise<T> | T): Promise<T> {
  return withNetns(['node', 'pods', 'remote', 'ext'], async ([node, pods, remote, ext]) => {
    if (node === undefined || pods === undefined || remote === undefined || ext === undefined) throw new Error('namespaces missing');
    // ICMP errors are rate limited per peer (a burst of 6): one client's many REJECTs must all be seen.
    const sysctls = ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.icmp_ratelimit=0', 'net.ipv4.icmp_msgs_per_sec=100000', 'net.ipv4.icmp_msgs_burst=100000'];
    for (const s of sysctls) node.execOk(['sysctl', '-qw', s]);
    linkVeth(node, 'eth0', '192.168.56.11/24', ext, 'eth0', '192.168.56.1/24');
    for (const a of LAB_EXTERNAL_ADDRS) ext.execOk(['ip', 'addr', 'add', `${a}/32`, 'dev', 'eth0']);
    ext.execOk(['ip', 'route', 'add', 'default', 'via', '192.168.56.11']);
    node.execOk(['ip', 'route', 'add', 'default', 'via', '192.168.56.1', 'dev', 'eth0', 'onlink']);

    linkVeth(node, 'cni0', '10.244.1.1/24', pods, 'eth0', '10.244.1.10/24');
    for (const a of ['10.244.1.11', '10.244.1.12']) pods.execOk(['ip', 'addr', 'add', `${a}/32`, 'dev', 'eth0']);
    pods.execOk(['ip', 'route', 'add', 'default', 'via', '10.244.1.1']);

    node.execOk(['ip', 'link', 'add', 'flannel.1', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', remote.name]);
    node.execOk(['ip', 'addr', 'add', '10.244.1.0/32', 'dev', 'flannel.1']);
    node.execOk(['ip', 'link', 'set', 'flannel.1', 'up']);
    remote.execOk(['ip', 'link', 'set', 'eth0', 'up']);
    for (const n of [2, 3]) for (const h of [0, 10, 11, 12]) remote.execOk(['ip', 'addr', 'add', `10.244.${n}.${h}/32`, 'dev', 'eth0']);
    remote.execOk(['ip', 'route', 'add', 'default', 'dev', 'eth0']);
    const mac = (JSON.parse(remote.execOk(['ip', '-j', 'link', 'show', 'eth0'])) as { address: string }[])[0]?.address ?? '';
    for (const n of [2, 3]) {
      node.execOk(['ip', 'neigh', 'replace', `10.244.${n}.0`, 'lladdr', mac, 'dev', 'flannel.1', 'nud', 'permanent']);
      node.execOk(['ip', 'route', 'add', `10.244.${n}.0/24`, 'via', `10.244.${n}.0`, 'dev', 'flannel.1', 'onlink']);
    }
    for (const c of NFACCT_COUNTERS) node.execOk(['nfacct', 'add', c]);
    for (const ns of [pods, remote, ext]) silence(ns);
    return fn({ node, pods, remote, ext });
  });
}

/**
 * Replaces the node's rules with an emulated node's iptables-save and resets connection state.
 * An empty nat table goes in first so `-m recent` lists of the previous cluster are gone.
 */
export function loadNodeRules(lab: NodeLab, rules: string, routeLocalnet: boolean): void {
  lab.node.execOk(['iptables-legacy-restore'], '*nat\nCOMMIT\n*filter\nCOMMIT\n');
  lab.node.execOk(['iptables-legacy-restore'], rules);
  silenceNodeResets(lab);
  lab.node.execOk(['sysctl', '-qw', `net.ipv4.conf.all.route_localnet=${routeLocalnet ? 1 : 0}`]);
  lab.node.exec(['conntrack', '-F']);
}

/** Nothing listens on the node: its resets would end local connections before conntrack -L reads them. */
export function silenceNodeResets(lab: NodeLab): void {
  lab.node.exec(['iptables-legacy', '-t', 'raw', '-F', 'OUTPUT']);
  lab.node.execOk(['iptables-legacy', '-t', 'raw', '-A', 'OUTPUT', '-p', 'tcp', '--tcp-flags', 'RST', 'RST', '-j', 'DROP']);
}

export function nodeEntries(lab: NodeLab): ConntrackEntry[] {
  return readConntrack(lab.node);
}
