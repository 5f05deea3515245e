import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIpv4, ipv4FromOctets } from '../../src/core/index.js';
import { DROP_REASONS } from '../../src/packet/index.js';
import type { FdbEntry, Neighbour } from '../../src/route/index.js';
import {
  checkInnerMtu,
  describeEncapsulation,
  encodeVxlanPacket,
  flannelProgramming,
  innerMtuVerdict,
  packetDropReason,
  subnetLeases,
  vxlanDecapVerdict,
  vxlanDecapVerdictBytes,
  vxlanDeviceConfig,
  vxlanEncapsulate,
  VxlanOuterPacket,
  type InnerFlow,
  type SubnetLease,
  type VxlanDeviceConfig,
  type VxlanDropReason,
} from '../../src/overlay/index.js';
import { decodeFrame, encodeFrame, formatMac, parseMac, vxlanSourcePortForFrame, type FlowHashFn, type L4Spec } from '../../src/wire/index.js';
import { exampleNodes, MAC_SEED, netConf, V2 } from './objects.js';

const V1 = '7e:f0:08:ca:cd:90';
const conf = netConf();
const leases = subnetLeases(exampleNodes(), conf, { macSeed: MAC_SEED });
const [node0, node1, node2] = leases as [SubnetLease, SubnetLease, SubnetLease];
const underlay = { dev: 'eth0', mtu: 1500 };
const dev0 = vxlanDeviceConfig(node0, conf, underlay);
const dev1 = vxlanDeviceConfig(node1, conf, underlay);
const dev2 = vxlanDeviceConfig(node2, conf, underlay);
const toNode2 = flannelProgramming(node1, leases, conf).remotes.find((r) => r.node === 'node2');
if (toNode2?.kind !== 'vxlan') throw new Error('fixture: node2 is reached over VXLAN');
const neigh: Neighbour = toNode2.neighbour;
const fdb: FdbEntry = toNode2.fdb;
const NODE1_MAC = parseMac('52:54:00:00:01:11');
const NODE2_MAC = parseMac('52:54:00:00:01:12');
const POD_A = ipv4FromOctets(10, 244, 1, 2);
const POD_B = ipv4FromOctets(10, 244, 2, 3);

/** The inner IPv4 packet bytes of a frame spec (the frame minus its 14-byte Ethernet header). */
function innerIp(l4: L4Spec, src: number = POD_A, dst: number = POD_B, ttl = 63, tos = 0): Uint8Array {
  return encodeFrame({ kind: 'ipv4', dstMac: parseMac(V2), srcMac: parseMac(V1), ip: { src, dst, ttl, id: 1, df: true, tos }, l4 }).slice(14);
}
const SYN: L4Spec = { kind: 'tcp', sport: 40000, dport: 8080, seq: 1, ack: 0, flags: 0x02, window: 64240, payload: new Uint8Array(0) };

function flowOf(ip: Uint8Array, l4: { proto: number; sport: number; dport: number; icmpType?: number; icmpId?: number }, mark = 0): InnerFlow {
  const v = new DataView(ip.buffer, ip.byteOffset);
  return { src: v.getUint32(12), dst: v.getUint32(16), proto: l4.proto, sport: l4.sport, dport: l4.dport, icmpType: l4.icmpType ?? 0, icmpId: l4.icmpId ?? 0, length: ip.length, mark };
}

describe('encapsulation of pod A → pod B on node1 (reference §5, §7a step 6, invariants 5-6)', () => {
  const ip = innerIp(SYN);
  const flow = flowOf(ip, { proto: 6, sport: 40000, dport: 8080 }, 0x4000);
  const res = describeEncapsulation(flow, dev1, neigh, fdb);
  if (!res.ok) throw new Error(res.drop);
  const o = res.outer;

  it('describes the outer packet exactly', () => {
    expect([formatIpv4(o.src), formatIpv4(o.dst), o.dport, o.ttl, o.df, o.tos, o.vni, o.vxlanFlags]).toEqual(['192.168.1.11', '192.168.1.12', 8472, 64, false, 0, 1, 0x08]);
    expect([o.innerSrcMac, o.innerDstMac]).toEqual([V1, V2]);
    expect(o.length).toBe(ip.length + 50);
    expect(o.udpLength).toBe(ip.length + 30);
    expect(o.udpChecksum).toBe(true);
  });

  it('carries the mark to the outer packet', () => {
    expect(o.mark).toBe(0x4000);
  });

  it('takes the source port from the inner flow hash, in [32768, 60999), as wire computes it from the bytes', () => {
    expect(o.sport).toBeGreaterThanOrEqual(32768);
    expect(o.sport).toBeLessThan(60999);
    const frame = new Uint8Array(14 + ip.length);
    frame.set(parseMac(V2), 0);
    frame.set(parseMac(V1), 6);
    frame[12] = 8;
    frame.set(ip, 14);
    expect(o.sport).toBe(vxlanSourcePortForFrame(frame));
  });

  it('encodes the bytes of the §5 table', () => {
    const bytes = encodeVxlanPacket(o, ip, { src: NODE1_MAC, dst: NODE2_MAC }, 0x1234);
    expect(bytes.length).toBe(ip.length + 50 + 14);
    expect([...bytes.slice(12, 16)]).toEqual([0x08, 0x00, 0x45, 0x00]);
    expect((bytes[16]! << 8) | bytes[17]!).toBe(ip.length + 50);
    expect(bytes[20]! & 0x40).toBe(0); // DF clear
    expect([bytes[22], bytes[23]]).toEqual([64, 17]);
    expect(formatIpv4(new DataView(bytes.buffer).getUint32(26))).toBe('192.168.1.11');
    expect(formatIpv4(new DataView(bytes.buffer).getUint32(30))).toBe('192.168.1.12');
    expect((bytes[34]! << 8) | bytes[35]!).toBe(o.sport);
    expect((bytes[36]! << 8) | bytes[37]!).toBe(8472);
    expect((bytes[38]! << 8) | bytes[39]!).toBe(8 + 8 + 14 + ip.length);
    expect((bytes[40]! << 8) | bytes[41]!).not.toBe(0);
    expect([...bytes.slice(42, 50)]).toEqual([0x08, 0, 0, 0, 0, 0, 0x01, 0]);
    expect(formatMac(bytes, 50)).toBe(V2);
    expect(formatMac(bytes, 56)).toBe(V1);
    expect([bytes[62], bytes[63]]).toEqual([0x08, 0x00]);
    expect([...bytes.slice(64)]).toEqual([...ip]);
    const d = decodeFrame(bytes);
    if (d.kind !== 'ipv4' || d.l4.kind !== 'udp') throw new Error('not UDP');
    expect(d.ip.checksumOk).toBe(true);
    expect(d.l4.checksumOk).toBe(true);
  });

  it('is accepted by node2\'s flannel.1 and refused where the kernel refuses it', () => {
    const bytes = encodeVxlanPacket(o, ip, { src: NODE1_MAC, dst: NODE2_MAC });
    expect(vxlanDecapVerdictBytes(bytes, 42, bytes.length, 8472, dev2)).toBe('ok');
    expect(vxlanDecapVerdictBytes(bytes, 42, bytes.length, 4789, dev2)).toBe('vxlan-wrong-port');
    expect(vxlanDecapVerdictBytes(bytes, 42, bytes.length, 8472, { ...dev2, vni: 2 })).toBe('vxlan-vni-not-found');
    expect(vxlanDecapVerdictBytes(bytes, 42, bytes.length, 8472, dev0)).toBe('vxlan-inner-otherhost');
    expect(vxlanDecapVerdictBytes(bytes, 42, bytes.length, 8472, dev1)).toBe('vxlan-local-mac');
    expect(vxlanDecapVerdictBytes(bytes, 42, 49, 8472, dev2)).toBe('vxlan-truncated');
    expect(vxlanDecapVerdictBytes(bytes, 42, 60, 8472, dev2)).toBe('vxlan-truncated');
    const mutate = (i: number, v: number): Uint8Array => {
      const c = bytes.slice();
      c[i] = v;
      return c;
    };
    expect(vxlanDecapVerdictBytes(mutate(42, 0x00), 42, bytes.length, 8472, dev2)).toBe('vxlan-invalid-header');
    expect(vxlanDecapVerdictBytes(mutate(42, 0x88), 42, bytes.length, 8472, dev2)).toBe('vxlan-invalid-header');
    expect(vxlanDecapVerdictBytes(mutate(43, 0x01), 42, bytes.length, 8472, dev2)).toBe('vxlan-invalid-header');
    expect(vxlanDecapVerdictBytes(mutate(49, 0x01), 42, bytes.length, 8472, dev2)).toBe('vxlan-invalid-header');
    // A group destination (here broadcast) is for the device too.
    const bcast = bytes.slice();
    bcast.fill(0xff, 50, 56);
    expect(vxlanDecapVerdictBytes(bcast, 42, bytes.length, 8472, dev0)).toBe('ok');
  });

  it('checks parsed header fields in the kernel order', () => {
    expect(vxlanDecapVerdict(8472, 0x08, 1, dev2)).toBe('ok');
    expect(vxlanDecapVerdict(8473, 0x00, 9, dev2)).toBe('vxlan-wrong-port');
    expect(vxlanDecapVerdict(8472, 0x00, 9, dev2)).toBe('vxlan-invalid-header');
    expect(vxlanDecapVerdict(8472, 0x08, 9, dev2)).toBe('vxlan-vni-not-found');
    expect(vxlanDecapVerdict(8472, 0x88, 1, dev2)).toBe('vxlan-invalid-header');
    expect(vxlanDecapVerdict(8472, 0x88, 1, { ...dev2, gbp: true })).toBe('ok');
  });
});

describe('encapsulation details', () => {
  const ip = innerIp(SYN);
  const flow = flowOf(ip, { proto: 6, sport: 40000, dport: 8080 });

  it('drops without a neighbour or FDB remote, naming the reason', () => {
    const out = new VxlanOuterPacket();
    expect(vxlanEncapsulate(out, flow, dev1, undefined, fdb)).toBe('vxlan-no-neighbour');
    expect(vxlanEncapsulate(out, flow, dev1, { ...neigh, dev: 'cni0' }, fdb)).toBe('vxlan-no-neighbour');
    expect(vxlanEncapsulate(out, flow, dev1, neigh, undefined)).toBe('vxlan-no-remote');
    expect(vxlanEncapsulate(out, flow, dev1, neigh, { ...fdb, mac: '0a:00:00:00:00:01' })).toBe('vxlan-no-remote');
    expect(vxlanEncapsulate(out, flow, dev1, neigh, { ...fdb, dst: 0 })).toBe('vxlan-no-remote');
    expect(vxlanEncapsulate(out, flow, dev1, { ...neigh, mac: V2.toUpperCase() }, fdb)).toBe('ok');
    expect(describeEncapsulation(flow, dev1, undefined, fdb)).toEqual({ ok: false, drop: 'vxlan-no-neighbour' });
  });

  it('copies the inner ECN bits into the outer TOS (CE becomes ECT(0))', () => {
    const ecn = innerIp(SYN, POD_A, POD_B, 63, 0xb8 | 0x03);
    const r = describeEncapsulation(flowOf(ecn, { proto: 6, sport: 40000, dport: 8080 }), dev1, neigh, fdb, undefined, 0xbb);
    if (!r.ok) throw new Error(r.drop);
    expect(r.outer.tos).toBe(0x02);
    const bytes = encodeVxlanPacket(r.outer, ecn, { src: NODE1_MAC, dst: NODE2_MAC });
    expect(bytes[15]).toBe(0x02);
  });

  it('with GBP puts the G flag and the policy ID from the mark into the header', () => {
    const gdev: VxlanDeviceConfig = { ...dev1, gbp: true };
    const r = describeEncapsulation({ ...flow, mark: (1 << 22) | 0x0123 }, gdev, neigh, fdb);
    if (!r.ok) throw new Error(r.drop);
    expect([r.outer.vxlanFlags, r.outer.gbpFlags, r.outer.gbpPolicyId]).toEqual([0x88, 0x40, 0x0123]);
    const bytes = encodeVxlanPacket(r.outer, ip, { src: NODE1_MAC, dst: NODE2_MAC });
    expect([...bytes.slice(42, 50)]).toEqual([0x88, 0x40, 0x01, 0x23, 0, 0, 1, 0]);
    expect(vxlanDecapVerdictBytes(bytes, 42, bytes.length, 8472, { ...dev2, gbp: true })).toBe('ok');
    expect(vxlanDecapVerdictBytes(bytes, 42, bytes.length, 8472, dev2)).toBe('vxlan-invalid-header');
  });

  it('reuses one outer object per packet', () => {
    const out = new VxlanOuterPacket();
    expect(vxlanEncapsulate(out, flow, dev1, neigh, fdb)).toBe('ok');
    const first = out.clone();
    expect(vxlanEncapsulate(out, { ...flow, sport: 40001 }, dev1, neigh, fdb)).toBe('ok');
    expect(out.length).toBe(first.length);
    expect(first).toBeInstanceOf(VxlanOuterPacket);
  });

  it('refuses to encode bytes of another length than computed', () => {
    const r = describeEncapsulation(flow, dev1, neigh, fdb);
    if (!r.ok) throw new Error(r.drop);
    expect(() => encodeVxlanPacket(r.outer, ip.slice(1), { src: NODE1_MAC, dst: NODE2_MAC })).toThrow(/computed for/);
  });

  it('source port: in range, stable per flow, equal to wire\'s byte-level computation, also on the MAC-hash fallback', () => {
    type L4Case = readonly [L4Spec, { proto: number; sport: number; dport: number; icmpType?: number; icmpId?: number }];
    const port = fc.integer({ min: 0, max: 0xffff });
    const notVxlan = port.map((d) => (d === 8472 || d === 4789 ? 53 : d));
    const l4Arb: fc.Arbitrary<L4Case> = fc.oneof(
      fc.tuple(port, port).map(([s, d]): L4Case => [{ ...SYN, sport: s, dport: d }, { proto: 6, sport: s, dport: d }]),
      fc.tuple(port, notVxlan).map(([s, d]): L4Case => [{ kind: 'udp', sport: s, dport: d, payload: new Uint8Array(4) }, { proto: 17, sport: s, dport: d }]),
      fc.tuple(port, fc.boolean()).map(([id, req]): L4Case => [
        { kind: 'icmp', message: { kind: req ? 'echo-request' : 'echo-reply', id, seq: 1, data: new Uint8Array(8) } },
        { proto: 1, sport: 0, dport: 0, icmpType: req ? 8 : 0, icmpId: id },
      ]),
    );
    const zero: FlowHashFn = () => 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), l4Arb, fc.boolean(), (src, dst, [spec, l4], useZero) => {
        const ipBytes = innerIp(spec, src, dst);
        const hash = useZero ? zero : undefined;
        const a = describeEncapsulation(flowOf(ipBytes, l4), dev1, neigh, fdb, hash);
        const b = describeEncapsulation(flowOf(ipBytes, l4), dev1, neigh, fdb, hash);
        if (!a.ok || !b.ok) throw new Error('drop');
        expect(a.outer.sport).toBe(b.outer.sport);
        expect(a.outer.sport).toBeGreaterThanOrEqual(32768);
        expect(a.outer.sport).toBeLessThan(60999);
        const bytes = encodeVxlanPacket(a.outer, ipBytes, { src: NODE1_MAC, dst: NODE2_MAC });
        expect(a.outer.sport).toBe(vxlanSourcePortForFrame(bytes.slice(50), hash));
        expect(bytes.length).toBe(ipBytes.length + 64);
      }),
    );
  });

  it('replies normally get another source port than requests', () => {
    let same = 0;
    for (let p = 1024; p < 1124; p++) {
      const req = describeEncapsulation({ ...flow, sport: p }, dev1, neigh, fdb);
      const rep = describeEncapsulation({ ...flow, src: flow.dst, dst: flow.src, sport: 8080, dport: p }, dev1, neigh, fdb);
      if (req.ok && rep.ok && req.outer.sport === rep.outer.sport) same++;
    }
    expect(same).toBeLessThan(3);
  });
});

describe('MTU of flannel.1 for forwarded packets', () => {
  it('fits up to the device MTU; beyond it DF means "fragmentation needed" with the MTU to report', () => {
    expect(innerMtuVerdict(1450, true, dev1.mtu)).toBe('fits');
    expect(innerMtuVerdict(1451, false, dev1.mtu)).toBe('fragment');
    expect(innerMtuVerdict(1451, true, dev1.mtu)).toBe('frag-needed');
    expect(checkInnerMtu(1500, true, dev1)).toEqual({ kind: 'frag-needed', mtu: 1450, icmpType: 3, icmpCode: 4 });
    expect(checkInnerMtu(1500, false, 1450)).toEqual({ kind: 'fragment', mtu: 1450 });
    expect(checkInnerMtu(60, true, dev1)).toEqual({ kind: 'fits' });
  });
});

describe('drop reasons', () => {
  it('map onto the packet layer\'s reasons', () => {
    const all: VxlanDropReason[] = [
      'vxlan-no-neighbour',
      'vxlan-no-remote',
      'vxlan-wrong-port',
      'vxlan-truncated',
      'vxlan-invalid-header',
      'vxlan-vni-not-found',
      'vxlan-local-mac',
      'vxlan-inner-otherhost',
      'vxlan-frag-needed',
    ];
    for (const r of all) expect(DROP_REASONS).toContain(packetDropReason(r));
    expect(packetDropReason('vxlan-no-remote')).toBe('vxlan-no-fdb');
    expect(packetDropReason('vxlan-frag-needed')).toBe('mtu-exceeded');
    expect(packetDropReason('vxlan-wrong-port')).toBe('no-listener');
  });
});
