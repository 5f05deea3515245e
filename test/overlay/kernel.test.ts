/**
 * flannel's programming on a real kernel. Two network namespaces are two "nodes" joined by a
 * veth underlay (eth0, 192.168.56.11/24 and .12/24). In each, flannel.1 is created with the
 * commands vxlanDeviceCommands renders, a "pod" address from the node's lease sits on lo, and
 * exactly what flannelProgramming returns is installed with the rendered ip/bridge commands.
 * A pod-to-pod ping across then proves the programming right; the kernel's own view of the
 * device and tables is compared with the model's. Only namespaces created here are touched
 * (see test/support/netns.ts); every command is bounded (ping -c 1 -W 2, spawn timeouts).
 */
import { expect, it } from 'vitest';
import { formatIpv4, prefix } from '../../src/core/index.js';
import { formatRoute } from '../../src/route/index.js';
import {
  directlyReachableIn,
  flannelIptablesRestore,
  flannelMtu,
  flannelProgramming,
  formatFdbEntry,
  formatNeighbour,
  programmingCommands,
  programmingEntries,
  remoteCommands,
  removalProgramming,
  subnetLeases,
  vxlanDeviceCommands,
  vxlanDeviceConfig,
  type FlannelProgrammingOptions,
  type SubnetLease,
  type VxlanDeviceConfig,
} from '../../src/overlay/index.js';
import type { FlannelNetConf } from '../../src/kube/index.js';
import { describeKernel, linkVeth, withNetns, type Netns } from '../support/netns.js';
import { netConf, node } from './objects.js';

const UNDERLAY = { dev: 'eth0', mtu: 1500 };
const UNDERLAY_NET = prefix(0xc0a83800, 24); // 192.168.56.0/24

function clusterLeases(conf: FlannelNetConf): [SubnetLease, SubnetLease] {
  const leases = subnetLeases(
    [node({ name: 'node1', podCIDR: '10.244.1.0/24', internalIP: '192.168.56.11' }), node({ name: 'node2', podCIDR: '10.244.2.0/24', internalIP: '192.168.56.12' })],
    conf,
    { macSeed: 2024 },
  );
  return leases as [SubnetLease, SubnetLease];
}

/** The node's pod address: its lease's .2, like the first pod host-local hands out. */
function podIp(l: SubnetLease): string {
  return formatIpv4(l.subnet.network + 2);
}

/** Creates flannel.1 and a pod address in `ns`, then installs the node's programming. */
function setUpNode(ns: Netns, self: SubnetLease, all: readonly SubnetLease[], conf: FlannelNetConf, options: FlannelProgrammingOptions = {}): VxlanDeviceConfig {
  const dev = vxlanDeviceConfig(self, conf, UNDERLAY);
  const [create, ...rest] = vxlanDeviceCommands(dev);
  ns.execOk(create as string[]);
  // IPv6 off on flannel.1 so no router solicitation or MLD report moves its counters mid-test.
  ns.execOk(['sh', '-c', `echo 1 > /proc/sys/net/ipv6/conf/${dev.name}/disable_ipv6`]);
  for (const cmd of rest) ns.execOk(cmd);
  ns.execOk(['ip', 'addr', 'add', `${podIp(self)}/32`, 'dev', 'lo']);
  for (const cmd of programmingCommands(flannelProgramming(self, all, conf, options))) ns.execOk(cmd);
  return dev;
}

function ping(from: Netns, src: string, dst: string): boolean {
  return from.exec(['ping', '-n', '-q', '-c', '1', '-W', '2', '-I', src, dst], undefined, 10_000).status === 0;
}

function txPackets(ns: Netns, dev: string): number {
  const j = JSON.parse(ns.execOk(['ip', '-s', '-j', 'link', 'show', dev])) as Array<{ stats64: { tx: { packets: number } } }>;
  return j[0]?.stats64.tx.packets ?? -1;
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

describeKernel('flannel VXLAN programming on a real kernel', ['ip', 'bridge', 'ping'], () => {
  it('pods on two nodes reach each other through flannel.1 programmed from flannelProgramming', async () => {
    const conf = netConf();
    const [l1, l2] = clusterLeases(conf);
    await withNetns(['node1', 'node2'], ([a, b]) => {
      if (a === undefined || b === undefined) throw new Error('namespaces missing');
      linkVeth(a, 'eth0', '192.168.56.11/24', b, 'eth0', '192.168.56.12/24');
      const dev1 = setUpNode(a, l1, [l1, l2], conf);
      setUpNode(b, l2, [l1, l2], conf);

      // The kernel's device is the modelled one.
      const [info] = JSON.parse(a.execOk(['ip', '-d', '-j', 'link', 'show', 'flannel.1'])) as Array<{
        mtu: number;
        address: string;
        linkinfo: { info_kind: string; info_data: { id: number; local: string; link: string; port: number; learning: boolean; ttl: number; df: string; udp_csum: boolean } };
      }>;
      expect(info?.mtu).toBe(dev1.mtu);
      expect(info?.address).toBe(dev1.mac);
      expect(info?.linkinfo.info_kind).toBe('vxlan');
      expect(info?.linkinfo.info_data).toMatchObject({ id: 1, local: '192.168.56.11', link: 'eth0', port: 8472, learning: false, ttl: 0, df: 'unset', udp_csum: true });
      expect(lines(a.execOk(['ip', '-4', 'addr', 'show', 'dev', 'flannel.1'])).some((l) => l.startsWith('inet 10.244.1.0/32 '))).toBe(true);

      // The kernel's tables print exactly the modelled entries.
      const e = programmingEntries(flannelProgramming(l1, [l1, l2], conf));
      // `ip route show dev X` leaves out the `dev X` it was asked for.
      expect(lines(a.execOk(['ip', 'route', 'show', 'dev', 'flannel.1']))).toEqual(e.routes.map((r) => formatRoute(r).replace(' dev flannel.1', '')));
      expect(lines(a.execOk(['ip', 'neigh', 'show'])).filter((l) => l.includes('dev flannel.1'))).toEqual(e.neighbours.map(formatNeighbour));
      expect(lines(a.execOk(['bridge', 'fdb', 'show'])).filter((l) => l.includes('dev flannel.1'))).toEqual(e.fdb.map(formatFdbEntry));

      // Pod A → pod B over VXLAN, and the reply back.
      const before = txPackets(a, 'flannel.1');
      expect(ping(a, podIp(l1), podIp(l2))).toBe(true);
      expect(txPackets(a, 'flannel.1')).toBeGreaterThan(before);
      expect(ping(b, podIp(l2), podIp(l1))).toBe(true);

      // Node2 goes away: node1 deletes what removalProgramming says, and nothing of it is left.
      for (const cmd of remoteCommands(removalProgramming(l1, l2, conf), 'del')) a.execOk(cmd);
      expect(lines(a.execOk(['ip', 'route', 'show', 'dev', 'flannel.1']))).toEqual([]);
      expect(lines(a.execOk(['ip', 'neigh', 'show', 'dev', 'flannel.1']))).toEqual([]);
      expect(lines(a.execOk(['bridge', 'fdb', 'show', 'dev', 'flannel.1']))).toEqual([]);
      expect(ping(a, podIp(l1), podIp(l2))).toBe(false);
    });
  });

  it('DirectRouting: a node on the same L2 subnet is reached by a plain route, not through flannel.1', async () => {
    const conf = netConf('10.244.0.0/16', 0, { directRouting: true });
    const [l1, l2] = clusterLeases(conf);
    const options: FlannelProgrammingOptions = { directlyReachable: directlyReachableIn(UNDERLAY_NET), underlayDev: 'eth0' };
    await withNetns(['dnode1', 'dnode2'], ([a, b]) => {
      if (a === undefined || b === undefined) throw new Error('namespaces missing');
      linkVeth(a, 'eth0', '192.168.56.11/24', b, 'eth0', '192.168.56.12/24');
      setUpNode(a, l1, [l1, l2], conf, options);
      setUpNode(b, l2, [l1, l2], conf, options);
      expect(lines(a.execOk(['ip', 'route', 'show', '10.244.2.0/24']))).toEqual(['10.244.2.0/24 via 192.168.56.12 dev eth0']);
      const before = txPackets(a, 'flannel.1');
      expect(ping(a, podIp(l1), podIp(l2))).toBe(true);
      expect(txPackets(a, 'flannel.1')).toBe(before);
    });
  });

  it('the kernel clamps flannel.1 to the underlay MTU − 50 as vxlanDeviceConfig says', async () => {
    const conf = netConf('10.244.0.0/16', 0, { mtu: 1530 });
    const [l1] = clusterLeases(conf);
    await withNetns(['mtu'], ([a]) => {
      if (a === undefined) throw new Error('namespace missing');
      a.execOk(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0']);
      const dev = vxlanDeviceConfig(l1, conf, UNDERLAY);
      // What flanneld asks for: net-conf MTU − 50 = 1480 on a 1500 underlay.
      const asked = flannelMtu(conf, UNDERLAY.mtu);
      const create = (vxlanDeviceCommands(dev)[0] as string[]).map((w, i, all) => (all[i - 1] === 'mtu' ? String(asked) : w));
      a.execOk(create);
      const [info] = JSON.parse(a.execOk(['ip', '-j', 'link', 'show', 'flannel.1'])) as Array<{ mtu: number }>;
      expect(asked).toBe(1480);
      expect(info?.mtu).toBe(dev.mtu);
      expect(dev.mtu).toBe(1450);
    });
  });
});

describeKernel("flannel's iptables rules on a real kernel", ['ip', 'ping', 'iptables-legacy-restore', 'iptables-legacy-save'], () => {
  it('load with iptables-restore --noflush, save back identically, and leave pod-to-pod traffic un-NATed', async () => {
    const conf = netConf();
    const [l1, l2] = clusterLeases(conf);
    await withNetns(['inode1', 'inode2'], ([a, b]) => {
      if (a === undefined || b === undefined) throw new Error('namespaces missing');
      linkVeth(a, 'eth0', '192.168.56.11/24', b, 'eth0', '192.168.56.12/24');
      setUpNode(a, l1, [l1, l2], conf);
      setUpNode(b, l2, [l1, l2], conf);
      const payload = flannelIptablesRestore(l1, conf);
      a.execOk(['iptables-legacy-restore', '--noflush'], payload);
      b.execOk(['iptables-legacy-restore', '--noflush'], flannelIptablesRestore(l2, conf));

      const ours = lines(payload).filter((l) => l.startsWith('-A ') || l.startsWith(':FLANNEL'));
      const saved = lines(a.execOk(['iptables-legacy-save'])).filter((l) => l.includes('FLANNEL'));
      expect(saved.sort()).toEqual([...ours].sort());

      expect(ping(a, podIp(l1), podIp(l2))).toBe(true);
      // With counters: the pod-to-pod RETURN matched, neither MASQUERADE did.
      const counted = lines(a.execOk(['iptables-legacy-save', '-c', '-t', 'nat']));
      const packets = (needle: string): number => {
        const l = counted.find((x) => x.includes(needle));
        const m = l === undefined ? null : /^\[(\d+):\d+\]/.exec(l);
        return m === null ? -1 : Number(m[1]);
      };
      expect(packets('-s 10.244.1.0/24 -d 10.244.0.0/16')).toBeGreaterThanOrEqual(1);
      expect(packets('-s 10.244.0.0/16 ! -d 224.0.0.0/4')).toBe(0);
      expect(packets('! -s 10.244.0.0/16 -d 10.244.0.0/16')).toBe(0);
    });
  });
});
