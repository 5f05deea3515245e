import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefixContains } from '../../src/core/index.js';
import { Fib } from '../../src/route/index.js';
import {
  diffProgramming,
  directlyReachableIn,
  flannelProgramming,
  isLocalUnicastMac,
  programmingEntries,
  removalProgramming,
  resolveFlannelNetwork,
  subnetLeases,
  vxlanDeviceConfig,
  type FlannelProgrammingOptions,
  type NodeProgramming,
  type SubnetLease,
} from '../../src/overlay/index.js';
import { flannelClusterArb, segmentOf } from '../arbitraries/flannel.js';

function optionsFor(self: SubnetLease): FlannelProgrammingOptions {
  return { directlyReachable: directlyReachableIn(segmentOf(self.ifaceIp)), underlayDev: 'eth0' };
}

describe('flannel programming over random clusters (properties)', () => {
  it('every node: exactly one route / neighbour / FDB entry per remote node, none for itself, all consistent', () => {
    fc.assert(
      fc.property(flannelClusterArb(), (c) => {
        const net = resolveFlannelNetwork(c.netConf);
        const leases = subnetLeases(c.nodes, net, { macSeed: c.macSeed });
        for (const self of leases) {
          expect(isLocalUnicastMac(self.vtepMac)).toBe(true);
          const p = flannelProgramming(self, leases, net, optionsFor(self));
          expect(p.remotes.map((r) => r.node).sort()).toEqual(leases.filter((l) => l !== self).map((l) => l.node).sort());
          const e = programmingEntries(p);
          expect(e.routes).toHaveLength(leases.length - 1);
          const fib = new Fib();
          for (const r of e.routes) fib.add(r); // throws on a duplicate destination
          for (const remote of leases) {
            const hit = fib.lookup(remote.subnet.network);
            if (remote === self) {
              expect(hit).toBeNull();
              expect(e.neighbours.some((n) => n.addr === self.subnet.network)).toBe(false);
              expect(e.fdb.some((f) => f.mac === self.vtepMac)).toBe(false);
              continue;
            }
            const direct = net.directRouting && prefixContains(segmentOf(self.ifaceIp), remote.publicIp);
            const neighbours = e.neighbours.filter((n) => n.addr === remote.subnet.network);
            const fdb = e.fdb.filter((f) => f.mac === remote.vtepMac);
            if (direct) {
              expect(hit).toMatchObject({ gateway: remote.publicIp, dev: 'eth0', onlink: false });
              expect([neighbours, fdb]).toEqual([[], []]);
            } else {
              expect(hit).toMatchObject({ gateway: remote.subnet.network, dev: net.deviceName, onlink: true, length: remote.subnet.length });
              expect(neighbours).toEqual([{ addr: remote.subnet.network, dev: net.deviceName, mac: remote.vtepMac, state: 'PERMANENT' }]);
              expect(fdb).toEqual([{ mac: remote.vtepMac, dev: net.deviceName, dst: remote.publicIp, permanent: true }]);
            }
          }
          expect(e.neighbours.length).toBe(e.fdb.length);
          // Nothing covers the whole Network: only per-subnet routes.
          expect(e.routes.every((r) => r.length === net.subnetLen)).toBe(true);
        }
      }),
    );
  });

  it('is symmetric: A programs B exactly when B programs A', () => {
    fc.assert(
      fc.property(flannelClusterArb(), (c) => {
        const leases = subnetLeases(c.nodes, c.netConf, { macSeed: c.macSeed });
        const byNode = new Map(leases.map((l) => [l.node, flannelProgramming(l, leases, c.netConf, optionsFor(l))] as const));
        for (const a of leases) {
          for (const b of leases) {
            if (a === b) continue;
            const ab = byNode.get(a.node)?.remotes.find((r) => r.node === b.node);
            const ba = byNode.get(b.node)?.remotes.find((r) => r.node === a.node);
            expect(ab).toBeDefined();
            expect(ba).toBeDefined();
            // Same L2 segment is a symmetric relation, so both sides choose the same kind.
            expect(ab?.kind).toBe(ba?.kind);
          }
        }
      }),
    );
  });

  it('removing a node removes exactly its entries on every other node and adds nothing', () => {
    fc.assert(
      fc.property(
        flannelClusterArb().filter((c) => c.nodes.length >= 2),
        fc.nat(),
        (c, pick) => {
          const leases = subnetLeases(c.nodes, c.netConf, { macSeed: c.macSeed });
          const gone = leases[pick % leases.length] as SubnetLease;
          const rest = leases.filter((l) => l !== gone);
          for (const self of rest) {
            const before: NodeProgramming = flannelProgramming(self, leases, c.netConf, optionsFor(self));
            const after = flannelProgramming(self, rest, c.netConf, optionsFor(self));
            const diff = diffProgramming(before, after);
            const removed = removalProgramming(self, gone, c.netConf, optionsFor(self));
            expect(diff.add).toEqual({ routes: [], neighbours: [], fdb: [] });
            expect(diff.remove.routes).toEqual([removed.route]);
            expect(diff.remove.neighbours).toEqual(removed.kind === 'vxlan' ? [removed.neighbour] : []);
            expect(diff.remove.fdb).toEqual(removed.kind === 'vxlan' ? [removed.fdb] : []);
            // Adding it back restores the same programming.
            expect(flannelProgramming(self, [...rest, gone], c.netConf, optionsFor(self))).toEqual(before);
          }
        },
      ),
    );
  });

  it('every device is flannel.<VNI> with the lease /32, local = its node address, MTU underlay − 50', () => {
    fc.assert(
      fc.property(flannelClusterArb(), fc.integer({ min: 1280, max: 9216 }), (c, mtu) => {
        const net = resolveFlannelNetwork(c.netConf);
        for (const l of subnetLeases(c.nodes, net, { macSeed: c.macSeed })) {
          const d = vxlanDeviceConfig(l, net, { dev: 'eth0', mtu });
          expect([d.name, d.vni, d.mtu, d.local, d.mac, d.address.network, d.address.length]).toEqual([`flannel.${net.vni}`, net.vni, mtu - 50, l.ifaceIp, l.vtepMac, l.subnet.network, 32]);
        }
      }),
    );
  });
});
