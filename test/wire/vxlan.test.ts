import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import {
  decodeFrame,
  defaultFlowHash,
  ecnEncapsulate,
  encapsulateVxlan,
  encodeFrame,
  type FrameSpec,
  innerFlowHash,
  parseMac,
  parseVxlan,
  VXLAN_OVERHEAD,
  vxlanSourcePort,
  vxlanSourcePortForFrame,
  writeVxlan,
} from '../../src/wire/index.js';
import { thrown, toHex } from './helpers.js';

const V1 = parseMac('0e:00:00:00:01:01'); // node1 flannel.1
const V2 = parseMac('0e:00:00:00:02:01'); // node2 flannel.1
const ETH1 = parseMac('52:54:00:00:00:11');
const ETH2 = parseMac('52:54:00:00:00:12');
const NODE1 = 0xc0a8010b; // 192.168.1.11
const NODE2 = 0xc0a8010c; // 192.168.1.12

/** Reference flannel.md §7(a): pod A 10.244.1.2 → pod B 10.244.2.3:8080, TCP SYN, TTL 63 after node1's forward. */
const innerSyn: FrameSpec = {
  kind: 'ipv4',
  dstMac: V2,
  srcMac: V1,
  ip: { src: 0x0af40102, dst: 0x0af40203, ttl: 63, id: 0x4242, df: true, tos: 0 },
  l4: { kind: 'tcp', sport: 40000, dport: 8080, seq: 1, ack: 0, flags: 0x02, window: 64240, payload: new Uint8Array(0) },
};

describe('VXLAN header', () => {
  it('is 08 00 00 00 00 00 01 00 for VNI 1 (reference §8 item 5)', () => {
    const b = new Uint8Array(8);
    writeVxlan(b, 0, 1);
    expect(toHex(b)).toBe('08 00 00 00 00 00 01 00');
    expect(parseVxlan(b)).toEqual({ flags: 0x08, vni: 1 });
  });

  it('carries a 24-bit VNI big-endian', () => {
    const b = new Uint8Array(8);
    writeVxlan(b, 0, 0xabcdef);
    expect(toHex(b.subarray(4))).toBe('ab cd ef 00');
  });

  it('sets G, D, A and the group policy ID with GBP', () => {
    const b = new Uint8Array(8);
    writeVxlan(b, 0, 1, { dontLearn: true, policyApplied: true, policyId: 0x4000 });
    expect(toHex(b)).toBe('88 48 40 00 00 00 01 00');
    expect(parseVxlan(b)).toEqual({ flags: 0x88, vni: 1, gbp: { dontLearn: true, policyApplied: true, policyId: 0x4000 } });
  });
});

describe('encapsulateVxlan: reference flannel.md §5 byte by byte', () => {
  const inner = encodeFrame(innerSyn);
  const out = encapsulateVxlan({ inner, outerSrcMac: ETH1, outerDstMac: ETH2, outerSrc: NODE1, outerDst: NODE2, srcPort: 45678, vni: 1, ipId: 0x1111 });
  const innerIpLength = inner.length - 14;

  it('adds 50 bytes plus the outer Ethernet header', () => {
    expect(VXLAN_OVERHEAD).toBe(50);
    expect(out.length).toBe(14 + 50 + innerIpLength);
  });

  it('has the §5 layout at each offset', () => {
    const at = (o: number, n: number): string => toHex(out.subarray(o, o + n));
    expect(at(0, 6)).toBe('52 54 00 00 00 12'); // outer dst MAC
    expect(at(6, 6)).toBe('52 54 00 00 00 11'); // outer src MAC
    expect(at(12, 2)).toBe('08 00');
    expect(at(14, 1)).toBe('45');
    expect(at(15, 1)).toBe('00'); // TOS 0, inner ECN 0
    expect((out[16]! << 8) | out[17]!).toBe(20 + 8 + 8 + 14 + innerIpLength);
    expect(at(18, 2)).toBe('11 11'); // identification as given
    expect(at(20, 2)).toBe('00 00'); // DF clear, no fragment
    expect(out[22]).toBe(64); // TTL
    expect(out[23]).toBe(17); // UDP
    expect(at(26, 4)).toBe('c0 a8 01 0b');
    expect(at(30, 4)).toBe('c0 a8 01 0c');
    expect((out[34]! << 8) | out[35]!).toBe(45678);
    expect((out[36]! << 8) | out[37]!).toBe(8472);
    expect((out[38]! << 8) | out[39]!).toBe(8 + 8 + 14 + innerIpLength);
    expect(at(40, 2)).not.toBe('00 00'); // checksum computed (current kernels)
    expect(at(42, 8)).toBe('08 00 00 00 00 00 01 00');
    expect(at(50, 6)).toBe('0e 00 00 00 02 01'); // inner dst MAC = remote VtepMAC
    expect(at(56, 6)).toBe('0e 00 00 00 01 01'); // inner src MAC = local flannel.1
    expect(at(62, 2)).toBe('08 00');
    expect(toHex(out.subarray(64))).toBe(toHex(inner.subarray(14)));
  });

  it('decodes back, every checksum correct, the inner frame intact', () => {
    const d = decodeFrame(out);
    if (d.kind !== 'ipv4' || d.l4.kind !== 'udp' || d.l4.payload instanceof Uint8Array) throw new Error('not VXLAN');
    expect(d.ip.checksumOk && d.l4.checksumOk).toBe(true);
    expect(d.l4.payload.vni).toBe(1);
    expect(encodeFrame(innerSyn)).toEqual(out.slice(50));
  });

  it('sends a zero UDP checksum when asked (older kernels), other ports and DF/TTL on request', () => {
    const z = encapsulateVxlan({ inner, outerSrcMac: ETH1, outerDstMac: ETH2, outerSrc: NODE1, outerDst: NODE2, srcPort: 45678, dstPort: 4789, vni: 7, ttl: 10, df: true, udpChecksum: false });
    expect(toHex(z.subarray(40, 42))).toBe('00 00');
    expect(toHex(z.subarray(36, 38))).toBe('12 b5');
    expect(z[22]).toBe(10);
    expect(z[20]).toBe(0x40);
  });

  it('copies the inner ECN bits into the outer TOS, CE becoming ECT(0)', () => {
    expect(ecnEncapsulate(0, 0b01)).toBe(0b01);
    expect(ecnEncapsulate(0, 0b10)).toBe(0b10);
    expect(ecnEncapsulate(0, 0b11)).toBe(0b10);
    expect(ecnEncapsulate(0xb8, 0b01)).toBe(0xb9);
    const ce = encodeFrame({ ...innerSyn, ip: { ...innerSyn.ip, tos: 0x03 } } as FrameSpec);
    const o = encapsulateVxlan({ inner: ce, outerSrcMac: ETH1, outerDstMac: ETH2, outerSrc: NODE1, outerDst: NODE2, srcPort: 40000, vni: 1 });
    expect(o[15]).toBe(0x02);
  });
});

describe('vxlanSourcePort: udp_flow_src_port', () => {
  /** The kernel formula in 64-bit integer arithmetic, as a reference. */
  function reference(hash: number, min: number, max: number): number {
    let h = BigInt(hash >>> 0);
    h = (h ^ (h << 16n)) & 0xffffffffn;
    return Number(((h * BigInt(max - min)) >> 32n) + BigInt(min));
  }

  it('matches the 64-bit formula for every hash and range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (hash, a, b) => {
        const min = Math.min(a, b);
        const max = Math.max(a, b);
        if (min === max) return;
        expect(vxlanSourcePort(hash, min, max)).toBe(reference(hash, min, max));
      }),
      { numRuns: 2000 },
    );
  });

  it('stays in [32768, 60999) with the default ip_local_port_range', () => {
    expect(vxlanSourcePort(0)).toBe(32768);
    expect(vxlanSourcePort(0xffff0000)).toBe(reference(0xffff0000, 32768, 60999));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (h) => {
        const p = vxlanSourcePort(h);
        expect(p).toBeGreaterThanOrEqual(32768);
        expect(p).toBeLessThan(60999);
      }),
    );
  });

  it('refuses an empty or inverted range', () => {
    const e = thrown(() => vxlanSourcePort(1, 5000, 5000));
    expect(isKpemuError(e) && e.code).toBe('VALUE_INVALID');
  });

  it('hashes the inner 5-tuple: stable per flow, another port for the reply, injectable', () => {
    const fwd = encodeFrame(innerSyn);
    const reply = encodeFrame({
      kind: 'ipv4',
      dstMac: V1,
      srcMac: V2,
      ip: { src: 0x0af40203, dst: 0x0af40102, ttl: 63, id: 1, df: true, tos: 0 },
      l4: { kind: 'tcp', sport: 8080, dport: 40000, seq: 9, ack: 2, flags: 0x12, window: 65160, payload: new Uint8Array(0) },
    });
    expect(innerFlowHash(fwd)).toBe(defaultFlowHash(0x0af40102, 0x0af40203, 6, 40000, 8080));
    expect(vxlanSourcePortForFrame(fwd)).toBe(vxlanSourcePortForFrame(encodeFrame({ ...innerSyn, ip: { ...innerSyn.ip, id: 9 } } as FrameSpec)));
    expect(vxlanSourcePortForFrame(fwd)).not.toBe(vxlanSourcePortForFrame(reply));
    const seen: number[] = [];
    expect(innerFlowHash(fwd, (s, d, p, sp, dp) => (seen.push(s, d, p, sp, dp), 0x12345678))).toBe(0x12345678);
    expect(seen).toEqual([0x0af40102, 0x0af40203, 6, 40000, 8080]);
  });

  it('falls back to a MAC hash for non-IP frames or a zero flow hash', () => {
    const arp = encodeFrame({ kind: 'arp', dstMac: V2, srcMac: V1, arp: { op: 1, senderMac: V1, senderIp: 1, targetMac: new Uint8Array(6), targetIp: 2 } });
    const h = innerFlowHash(arp);
    expect(h).not.toBe(0);
    expect(innerFlowHash(encodeFrame(innerSyn), () => 0)).toBe(innerFlowHash(encodeFrame({ ...innerSyn, ip: { ...innerSyn.ip, src: 5 } } as FrameSpec), () => 0));
  });
});
