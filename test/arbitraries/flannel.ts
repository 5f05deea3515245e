/**
 * fast-check arbitraries for flannel clusters: a valid net-conf and a set of Nodes whose pod
 * CIDRs are distinct /SubnetLen subnets of the Network, with distinct underlay addresses on two
 * L2 segments (192.168.1.0/24 and 192.168.2.0/24, for DirectRouting), some nodes carrying a
 * stored backend-data VTEP MAC, and a MAC seed.
 */
import fc from 'fast-check';
import { formatPrefix, maskOfLength, prefix, type Prefix } from '../../src/core/index.js';
import type { FlannelNetConf, Node } from '../../src/kube/index.js';
import { FLANNEL_ANNOTATION } from '../../src/overlay/index.js';
import { netConf, node } from '../overlay/objects.js';

export interface FlannelClusterCase {
  readonly netConf: FlannelNetConf;
  readonly nodes: readonly Node[];
  readonly macSeed: number;
}

/** The L2 segment an underlay address of this arbitrary lies on. */
export function segmentOf(ip: number): Prefix {
  return prefix(ip, 24);
}

export const netConfArb: fc.Arbitrary<FlannelNetConf> = fc
  .record({
    length: fc.integer({ min: 8, max: 22 }),
    base: fc.integer({ min: 0, max: 0xffffffff }),
    extra: fc.integer({ min: 2, max: 8 }),
    defaultLen: fc.boolean(),
    vni: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 0xffffff })),
    port: fc.constantFrom(0, 8472, 4789),
    directRouting: fc.boolean(),
  })
  .map(({ length, base, extra, defaultLen, vni, port, directRouting }) => {
    const network = prefix(base & maskOfLength(length), length);
    // With no SubnetLen flannel picks /24, which is ≥ length + 2 here (length ≤ 22).
    const subnetLen = defaultLen ? 0 : Math.min(length + extra, 28);
    return netConf(formatPrefix(network), subnetLen, { vni, port, directRouting });
  });

/** A cluster of 1..`maxNodes` nodes. */
export function flannelClusterArb(maxNodes = 10): fc.Arbitrary<FlannelClusterCase> {
  return netConfArb.chain((conf) => {
    const [netText, lenText] = conf.network.split('/') as [string, string];
    const netLen = Number(lenText);
    const subnetLen = conf.subnetLen === 0 ? 24 : conf.subnetLen;
    const slots = 2 ** (subnetLen - netLen);
    const netBase = netText.split('.').reduce((a, o) => a * 256 + Number(o), 0);
    return fc.integer({ min: 1, max: Math.min(maxNodes, slots) }).chain((count) =>
      fc
        .record({
          slots: fc.uniqueArray(fc.integer({ min: 0, max: slots - 1 }), { minLength: count, maxLength: count }),
          hosts: fc.uniqueArray(fc.integer({ min: 0, max: 507 }), { minLength: count, maxLength: count }),
          stored: fc.array(fc.boolean(), { minLength: count, maxLength: count }),
          macSeed: fc.integer({ min: 0, max: 0xffffffff }),
        })
        .map(({ slots: sl, hosts, stored, macSeed }) => ({
          netConf: conf,
          macSeed,
          nodes: sl.map((slot, i) => {
            const h = hosts[i] as number;
            const ip = h < 254 ? `192.168.1.${h + 1}` : `192.168.2.${h - 253}`;
            const subnet = formatPrefix(prefix((netBase + slot * 2 ** (32 - subnetLen)) >>> 0, subnetLen));
            const annotations = stored[i] === true ? { [FLANNEL_ANNOTATION.backendData]: `{"VNI":1,"VtepMAC":"0e:aa:00:00:${hex(h >> 8)}:${hex(h & 255)}"}` } : {};
            return node({ name: `node-${i}-${h}`, podCIDR: subnet, internalIP: ip, annotations, line: i + 1 });
          }),
        })),
    );
  });
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}

/** For messages: the nodes as `name podCIDR ip`. */
export function describeCluster(c: FlannelClusterCase): string {
  return c.nodes.map((n) => `${n.metadata.name} ${n.podCIDR} ${n.internalIPs[0] ?? ''}`).join(', ') + ` (${c.netConf.network} /${c.netConf.subnetLen})`;
}
