import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { Packet, TCP_FLAGS } from '../../src/packet/index.js';
import {
  decodeFrame,
  encapsulateVxlan,
  encodeFrame,
  fillPacketFromFrame,
  frameSpecFromPacket,
  frameSpecOf,
  type FrameSpec,
  icmpQuote,
  innermostFrame,
  type PacketFields,
  parseMac,
  WireError,
} from '../../src/wire/index.js';
import { thrown, toHex } from './helpers.js';

const A = parseMac('02:00:00:00:00:0a');
const B = parseMac('02:00:00:00:00:0b');
const POD_A = 0x0af40102; // 10.244.1.2
const POD_B = 0x0af40203; // 10.244.2.3

const syn: FrameSpec = {
  kind: 'ipv4',
  dstMac: B,
  srcMac: A,
  ip: { src: POD_A, dst: POD_B, ttl: 64, id: 1, df: true, tos: 0 },
  l4: { kind: 'tcp', sport: 40000, dport: 8080, seq: 1000, ack: 0, flags: TCP_FLAGS.SYN, window: 64240, payload: new Uint8Array(0) },
};

function wireError(fn: () => unknown): WireError {
  const e = thrown(fn);
  if (e instanceof WireError) return e;
  throw e;
}

describe('encodeFrame / decodeFrame', () => {
  it('builds a TCP SYN with the lengths and checksums tcpdump accepts', () => {
    const b = encodeFrame(syn);
    expect(b.length).toBe(54);
    expect(toHex(b.subarray(12, 24))).toBe('08 00 45 00 00 28 00 01 40 00 40 06');
    // tcpdump 4.99.3 -vv prints "cksum 0xdc4c (correct)" for this very segment (see tcpdump.test.ts).
    expect(toHex(b.subarray(50, 52))).toBe('dc 4c');
    const d = decodeFrame(b);
    if (d.kind !== 'ipv4' || d.l4.kind !== 'tcp') throw new Error('not TCP');
    expect(d.ip.checksumOk && d.l4.checksumOk).toBe(true);
    expect([d.l4.sport, d.l4.dport, d.l4.flags, d.l4.seq, d.l4.window]).toEqual([40000, 8080, 2, 1000, 64240]);
    expect(frameSpecOf(d)).toEqual(syn);
  });

  it('pads to the Ethernet minimum on request; the padding comes back as the trailer', () => {
    const b = encodeFrame(syn, { minLength: 60 });
    expect(b.length).toBe(60);
    const d = decodeFrame(b);
    if (d.kind !== 'ipv4') throw new Error('not IPv4');
    expect(d.ip.totalLength).toBe(40);
    expect(d.trailer.length).toBe(6);
  });

  it('reports bad checksums as fields, not exceptions', () => {
    const b = encodeFrame(syn);
    b[24] = (b[24] as number) ^ 0xff; // IP checksum
    b[50] = (b[50] as number) ^ 0xff; // TCP checksum
    const d = decodeFrame(b);
    if (d.kind !== 'ipv4' || d.l4.kind !== 'tcp') throw new Error('not TCP');
    expect([d.ip.checksumOk, d.l4.checksumOk]).toEqual([false, false]);
  });

  it('reports a datagram longer than the frame as WIRE_TRUNCATED at the IP header', () => {
    const e = wireError(() => decodeFrame(encodeFrame(syn).subarray(0, 50)));
    expect([e.code, e.offset]).toEqual(['WIRE_TRUNCATED', 14]);
    expect(e.message).toBe('ipv4 datagram truncated at offset 14: needs 40 bytes, 36 available');
    expect(wireError(() => decodeFrame(new Uint8Array(10))).offset).toBe(0);
  });

  it('reports contradicting lengths as WIRE_MALFORMED', () => {
    const b = encodeFrame(syn);
    b[17] = 19; // total length 19 < 20-byte header
    expect(wireError(() => decodeFrame(b)).code).toBe('WIRE_MALFORMED');
    const u = encodeFrame({ ...syn, l4: { kind: 'udp', sport: 1, dport: 2, payload: new Uint8Array(4) } } as FrameSpec);
    u[38] = 0;
    u[39] = 13; // UDP length 13 > 12 bytes of IP payload
    const e = wireError(() => decodeFrame(u));
    expect([e.code, e.offset]).toEqual(['WIRE_MALFORMED', 34]);
  });

  it('keeps fragments and unknown protocols as raw payloads', () => {
    const frag: FrameSpec = { kind: 'ipv4', dstMac: B, srcMac: A, ip: { src: POD_A, dst: POD_B, ttl: 64, id: 9, df: false, tos: 0, mf: true }, l4: { kind: 'raw', proto: 17, payload: new Uint8Array(16) } };
    const d = decodeFrame(encodeFrame(frag));
    expect(d.kind === 'ipv4' && d.l4.kind).toBe('raw');
    expect(frameSpecOf(d)).toEqual(frag);
  });

  it('decodes a UDP datagram to 8472 or 4789 as VXLAN, recursively, and leaves other ports alone', () => {
    const inner = encodeFrame(syn);
    for (const dstPort of [8472, 4789]) {
      const d = decodeFrame(encapsulateVxlan({ inner, outerSrcMac: A, outerDstMac: B, outerSrc: 1, outerDst: 2, srcPort: 50000, dstPort, vni: 1 }));
      const { frame, depth } = innermostFrame(d);
      expect(depth).toBe(1);
      expect(frameSpecOf(frame)).toEqual(syn);
    }
    const other = decodeFrame(encapsulateVxlan({ inner, outerSrcMac: A, outerDstMac: B, outerSrc: 1, outerDst: 2, srcPort: 50000, dstPort: 9999, vni: 1 }));
    expect(other.kind === 'ipv4' && other.l4.kind === 'udp' && other.l4.payload instanceof Uint8Array).toBe(true);
    const twice = encapsulateVxlan({ inner: encapsulateVxlan({ inner, outerSrcMac: A, outerDstMac: B, outerSrc: 1, outerDst: 2, srcPort: 50000, vni: 1 }), outerSrcMac: A, outerDstMac: B, outerSrc: 3, outerDst: 4, srcPort: 50001, vni: 2 });
    expect(innermostFrame(decodeFrame(twice)).depth).toBe(2);
    expect(innermostFrame(decodeFrame(twice, { maxVxlanDepth: 1 })).depth).toBe(1);
    expect(innermostFrame(decodeFrame(twice, { vxlanPorts: [] })).depth).toBe(0);
  });

  it('reports a VXLAN payload too short for its inner Ethernet header as WIRE_TRUNCATED', () => {
    const b = encapsulateVxlan({ inner: new Uint8Array(6), outerSrcMac: A, outerDstMac: B, outerSrc: 1, outerDst: 2, srcPort: 50000, vni: 1 });
    const e = wireError(() => decodeFrame(b));
    expect([e.code, e.offset]).toEqual(['WIRE_TRUNCATED', 50]);
  });

  it('refuses values that do not fit their field with VALUE_INVALID naming it', () => {
    const bad = (spec: FrameSpec): string | undefined => {
      const e = thrown(() => encodeFrame(spec));
      return isKpemuError(e) && e.code === 'VALUE_INVALID' ? e.location?.field : undefined;
    };
    expect(bad({ ...syn, l4: { ...syn.l4, sport: 70000 } } as FrameSpec)).toBe('tcp.sport');
    expect(bad({ ...syn, ip: { ...syn.ip, ttl: 256 } } as FrameSpec)).toBe('ip.ttl');
    expect(bad({ ...syn, ip: { ...syn.ip, options: new Uint8Array(3) } } as FrameSpec)).toBe('ip.options');
    expect(bad({ ...syn, l4: { kind: 'udp', sport: 1, dport: 8472, payload: { kind: 'vxlan', vni: 1 << 24, inner: new Uint8Array(14) } } } as FrameSpec)).toBe('vxlan.vni');
    expect(bad({ ...syn, l4: { kind: 'raw', proto: 99, payload: new Uint8Array(65516) } } as FrameSpec)).toBe('ip.totalLength');
  });
});

describe('frames and Packet', () => {
  it('Packet satisfies PacketFields, so the bridge needs no import of src/packet', () => {
    const p: PacketFields = new Packet();
    expect(p.ttl).toBe(64);
  });

  it('fills a Packet from a decoded TCP frame', () => {
    const p = new Packet();
    p.mark = 0x4000;
    expect(fillPacketFromFrame(decodeFrame(encodeFrame(syn)), p)).toBe(true);
    expect([p.src, p.dst, p.proto, p.sport, p.dport, p.tcpFlags, p.ttl, p.df, p.length]).toEqual([POD_A, POD_B, 6, 40000, 8080, TCP_FLAGS.SYN, 64, true, 40]);
    expect(p.mark).toBe(0x4000); // not the frame's business
  });

  it('fills the inner tuple from an ICMP error quote', () => {
    const udp = encodeFrame({ ...syn, l4: { kind: 'udp', sport: 5353, dport: 53, payload: new Uint8Array(20) } } as FrameSpec);
    const err: FrameSpec = {
      kind: 'ipv4',
      dstMac: A,
      srcMac: B,
      ip: { src: 0x0af40101, dst: POD_A, ttl: 64, id: 0, df: false, tos: 0xc0 },
      l4: { kind: 'icmp', message: { kind: 'dest-unreachable', code: 4, nextHopMtu: 1450, original: icmpQuote(udp.subarray(14)) } },
    };
    const p = new Packet();
    fillPacketFromFrame(decodeFrame(encodeFrame(err)), p);
    expect([p.proto, p.icmpType, p.icmpCode, p.innerSrc, p.innerDst, p.innerProto, p.innerSport, p.innerDport]).toEqual([1, 3, 4, POD_A, POD_B, 17, 5353, 53]);
  });

  it('returns false for ARP and leaves the Packet alone', () => {
    const p = new Packet();
    const arp = decodeFrame(encodeFrame({ kind: 'arp', dstMac: B, srcMac: A, arp: { op: 1, senderMac: A, senderIp: 1, targetMac: new Uint8Array(6), targetIp: 2 } }));
    expect(fillPacketFromFrame(arp, p)).toBe(false);
    expect(p.src).toBe(0);
  });

  it.each([
    ['TCP', { proto: 6, sport: 40000, dport: 8080, tcpFlags: TCP_FLAGS.SYN | TCP_FLAGS.ACK, length: 60 }],
    ['UDP', { proto: 17, sport: 5353, dport: 53, length: 73 }],
    ['SCTP', { proto: 132, sport: 5000, dport: 38412, length: 52 }],
    ['ICMP echo', { proto: 1, icmpType: 8, icmpCode: 0, icmpId: 77, length: 84 }],
    ['ICMP frag-needed', { proto: 1, icmpType: 3, icmpCode: 4, length: 56, innerSrc: POD_B, innerDst: POD_A, innerProto: 6, innerSport: 8080, innerDport: 40000 }],
    ['ICMP time-exceeded quoting an echo', { proto: 1, icmpType: 11, icmpCode: 0, length: 56, innerSrc: POD_A, innerDst: POD_B, innerProto: 1, innerSport: 77 }],
    ['GRE', { proto: 47, length: 24 }],
  ] as const)('round-trips a %s Packet through bytes', (_name, fields) => {
    const p = Object.assign(new Packet(), { src: POD_A, dst: POD_B, ttl: 62, df: false }, fields);
    const spec = frameSpecFromPacket(p, { srcMac: A, dstMac: B, ipId: 5, nextHopMtu: 1450 });
    const bytes = encodeFrame(spec);
    expect(bytes.length).toBe(14 + p.length);
    const back = new Packet();
    fillPacketFromFrame(decodeFrame(bytes), back);
    expect(back).toEqual(p);
  });
});
