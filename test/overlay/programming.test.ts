import { describe, expect, it } from 'vitest';
import { formatIpv4, ipv4FromOctets, isKpemuError, prefix } from '../../src/core/index.js';
import { Fib, formatRoute } from '../../src/route/index.js';
import {
  commandText,
  diffProgramming,
  directlyReachableByFib,
  directlyReachableIn,
  flannelProgramming,
  formatProgramming,
  programmingCommands,
  programmingEntries,
  remoteCommands,
  removalProgramming,
  resolveFlannelNetwork,
  subnetLeases,
  vxlanDeviceCommands,
  vxlanDeviceConfig,
  type SubnetLease,
} from '../../src/overlay/index.js';
import { exampleNodes, MAC_SEED, netConf, node, V2 } from './objects.js';

const V0 = '3a:77:1d:62:3f:db';
const V1 = '7e:f0:08:ca:cd:90';
const conf = netConf();
const leases = subnetLeases(exampleNodes(), conf, { macSeed: MAC_SEED });
const [node0, node1, node2] = leases as [SubnetLease, SubnetLease, SubnetLease];

describe('what flanneld programs per remote node (reference §4, §6b, invariant 4)', () => {
  it('node1 of §6b: one onlink route, one permanent neighbour, one permanent FDB entry per remote node', () => {
    const p = flannelProgramming(node1, leases, conf);
    expect(p.node).toBe('node1');
    expect(p.device).toBe('flannel.1');
    expect(formatProgramming(p)).toEqual([
      '10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink',
      '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
      `10.244.0.0 dev flannel.1 lladdr ${V0} PERMANENT`,
      `10.244.2.0 dev flannel.1 lladdr ${V2} PERMANENT`,
      `${V0} dev flannel.1 dst 192.168.1.10 self permanent`,
      `${V2} dev flannel.1 dst 192.168.1.12 self permanent`,
    ]);
  });

  it('gives the §4 commands in flanneld order (neighbour, FDB, route) for remote 10.244.2.0/24', () => {
    const p = flannelProgramming(node1, leases, conf);
    expect(programmingCommands(p).map(commandText).slice(3)).toEqual([
      `ip neigh replace 10.244.2.0 lladdr ${V2} dev flannel.1 nud permanent`,
      `bridge fdb replace ${V2} dev flannel.1 dst 192.168.1.12 self permanent`,
      'ip route replace 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
    ]);
  });

  it('gives node2 the mirror image, with node1\'s seeded MAC', () => {
    const p = flannelProgramming(node2, leases, conf);
    expect(formatProgramming(p)).toEqual([
      '10.244.0.0/24 via 10.244.0.0 dev flannel.1 onlink',
      '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink',
      `10.244.0.0 dev flannel.1 lladdr ${V0} PERMANENT`,
      `10.244.1.0 dev flannel.1 lladdr ${V1} PERMANENT`,
      `${V0} dev flannel.1 dst 192.168.1.10 self permanent`,
      `${V1} dev flannel.1 dst 192.168.1.11 self permanent`,
    ]);
  });

  it('returns the route/neigh/FDB shapes of src/route', () => {
    const r = flannelProgramming(node1, leases, conf).remotes[1];
    expect(r).toEqual({
      kind: 'vxlan',
      node: 'node2',
      neighbour: { addr: 0x0af40200, dev: 'flannel.1', mac: V2, state: 'PERMANENT' },
      fdb: { mac: V2, dev: 'flannel.1', dst: 0xc0a8010c, permanent: true },
      route: { network: 0x0af40200, length: 24, type: 'unicast', dev: 'flannel.1', gateway: 0x0af40200, src: 0, metric: 0, table: 'main', onlink: true, scope: 'global' },
    });
  });

  it('programs nothing for the node itself and nothing for the whole Network', () => {
    const p = flannelProgramming(node1, leases, conf);
    const e = programmingEntries(p);
    expect(e.routes.some((r) => r.network === node1.subnet.network)).toBe(false);
    expect(e.routes.some((r) => r.length === 16)).toBe(false);
    expect(e.fdb.some((f) => f.mac === node1.vtepMac)).toBe(false);
    expect(flannelProgramming(node1, [node1], conf).remotes).toEqual([]);
  });

  it('loads into a Fib whose lookups send remote pods via the remote .0 on flannel.1', () => {
    const fib = new Fib();
    for (const r of programmingEntries(flannelProgramming(node1, leases, conf)).routes) fib.add(r);
    const hit = fib.lookup(0x0af40203); // pod B 10.244.2.3
    expect(hit && formatRoute(hit)).toBe('10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink');
    expect(fib.lookup(0x0af40102)).toBeNull(); // own pods are cni0's connected route, not flannel's
  });
});

describe('DirectRouting (reference §4)', () => {
  const direct = netConf('10.244.0.0/16', 0, { directRouting: true });
  const far = subnetLeases([...exampleNodes(), node({ name: 'node9', podCIDR: '10.244.9.0/24', internalIP: '172.16.0.9' })], direct, { macSeed: MAC_SEED });
  const self = far[1] as SubnetLease;

  it('installs only `<subnet> via <public IP> dev eth0` for nodes on the same L2 subnet, VXLAN for the others', () => {
    const p = flannelProgramming(self, far, direct, { directlyReachable: directlyReachableIn(prefix(0xc0a80100, 24)) });
    expect(p.remotes.map((r) => r.kind)).toEqual(['direct', 'direct', 'vxlan']);
    expect(formatProgramming(p)).toEqual([
      '10.244.0.0/24 via 192.168.1.10 dev eth0',
      '10.244.2.0/24 via 192.168.1.12 dev eth0',
      '10.244.9.0/24 via 10.244.9.0 dev flannel.1 onlink',
      `10.244.9.0 dev flannel.1 lladdr ${far[3]?.vtepMac} PERMANENT`,
      `${far[3]?.vtepMac} dev flannel.1 dst 172.16.0.9 self permanent`,
    ]);
    expect(remoteCommands(p.remotes[1]!, 'replace').map(commandText)).toEqual(['ip route replace 10.244.2.0/24 via 192.168.1.12 dev eth0']);
  });

  it('decides like ip.DirectRouting over a routing table: one route without a gateway', () => {
    const fib = new Fib();
    fib.add({ network: 0xc0a80100, length: 24, type: 'unicast', dev: 'ens3', gateway: 0, src: 0xc0a8010b, metric: 0, table: 'main', onlink: false, scope: 'link' });
    fib.add({ network: 0, length: 0, type: 'unicast', dev: 'ens3', gateway: 0xc0a80101, src: 0, metric: 0, table: 'main', onlink: false, scope: 'global' });
    const p = flannelProgramming(self, far, direct, { directlyReachable: directlyReachableByFib(fib), underlayDev: 'ens3' });
    expect(p.remotes.map((r) => [r.node, r.kind])).toEqual([
      ['node0', 'direct'],
      ['node2', 'direct'],
      ['node9', 'vxlan'],
    ]);
    expect(formatRoute(p.remotes[0]!.route)).toBe('10.244.0.0/24 via 192.168.1.10 dev ens3');
  });

  it('needs to know what is directly reachable', () => {
    try {
      flannelProgramming(self, far, direct);
      expect.unreachable();
    } catch (e) {
      expect(isKpemuError(e) && e.code).toBe('FLANNEL_CONFIG');
      if (isKpemuError(e)) expect(e.location?.field).toBe('Backend.DirectRouting');
    }
  });
});

describe('node removal (reference §4 "Lease removed")', () => {
  it('removes exactly the removed node\'s neighbour, FDB entry and route, in flanneld order', () => {
    const gone = removalProgramming(node1, node2, conf);
    expect(remoteCommands(gone, 'del').map(commandText)).toEqual([
      'ip neigh del 10.244.2.0 dev flannel.1',
      `bridge fdb del ${V2} dev flannel.1 dst 192.168.1.12 self`,
      'ip route del 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
    ]);
    const before = flannelProgramming(node1, leases, conf);
    const after = flannelProgramming(node1, [node0, node1], conf);
    const diff = diffProgramming(before, after);
    expect(diff.add).toEqual({ routes: [], neighbours: [], fdb: [] });
    expect(diff.remove).toEqual({ routes: [gone.kind === 'vxlan' && gone.route], neighbours: [gone.kind === 'vxlan' && gone.neighbour], fdb: [gone.kind === 'vxlan' && gone.fdb] });
  });

  it('refuses to remove a node from itself', () => {
    expect(() => removalProgramming(node1, node1, conf)).toThrow(/own lease/);
  });

  it('a changed VTEP MAC or public IP is a replace, not a delete', () => {
    const moved: SubnetLease = { ...node2, vtepMac: '0a:00:00:00:00:99', publicIp: ipv4FromOctets(192, 168, 1, 99) };
    const diff = diffProgramming(flannelProgramming(node1, leases, conf), flannelProgramming(node1, [node0, node1, moved], conf));
    expect(diff.add.routes).toEqual([]);
    expect(diff.add.neighbours.map((n) => n.mac)).toEqual(['0a:00:00:00:00:99']);
    expect(diff.add.fdb.map((f) => [f.mac, formatIpv4(f.dst)])).toEqual([['0a:00:00:00:00:99', '192.168.1.99']]);
    expect(diff.remove.neighbours).toEqual([]);
    expect(diff.remove.fdb.map((f) => f.mac)).toEqual([V2]);
  });
});

describe('device commands', () => {
  it('create flannel.1 as flanneld does: MAC and MTU at creation, /32 address, up', () => {
    const d = vxlanDeviceConfig(node1, resolveFlannelNetwork(conf), { dev: 'eth0', mtu: 1500 });
    expect(vxlanDeviceCommands(d).map(commandText)).toEqual([
      `ip link add flannel.1 address ${V1} mtu 1450 type vxlan id 1 local 192.168.1.11 dev eth0 dstport 8472 nolearning`,
      'ip addr add 10.244.1.0/32 dev flannel.1',
      'ip link set flannel.1 up',
    ]);
  });
});

