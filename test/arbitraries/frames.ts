/**
 * fast-check arbitraries for wire-format frame specs. Every spec generated here is canonical:
 * it is exactly what `frameSpecOf(decodeFrame(encodeFrame(spec)))` gives back (optional fields
 * are absent or non-default; raw payloads never sit where the decoder would read a structure).
 */
import fc from 'fast-check';
import type {
  ArpFrameSpec,
  FrameSpec,
  IcmpMessage,
  Ipv4FrameSpec,
  Ipv4Spec,
  L4Spec,
  RawFrameSpec,
  SctpChunk,
  VxlanGbp,
} from '../../src/wire/index.js';

export const u8 = fc.integer({ min: 0, max: 0xff });
export const u16 = fc.integer({ min: 0, max: 0xffff });
export const u32 = fc.integer({ min: 0, max: 0xffffffff });
export const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });

const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ minLength: 0, maxLength: max });
/** Non-empty option bytes, a multiple of 4 up to 40. */
const optionBytes = fc.integer({ min: 1, max: 10 }).chain((n) => fc.uint8Array({ minLength: n * 4, maxLength: n * 4 }));
const VXLAN_PORTS = [8472, 4789];
const notVxlanPort = u16.filter((p) => !VXLAN_PORTS.includes(p));

export const ipv4SpecArb: fc.Arbitrary<Ipv4Spec> = fc.record(
  {
    src: u32,
    dst: u32,
    ttl: u8,
    id: u16,
    df: fc.boolean(),
    tos: u8,
    options: optionBytes,
  },
  { requiredKeys: ['src', 'dst', 'ttl', 'id', 'df', 'tos'] },
);

const tcpArb: fc.Arbitrary<L4Spec> = fc.record(
  {
    kind: fc.constant('tcp' as const),
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: u8,
    window: u16,
    urgent: fc.integer({ min: 1, max: 0xffff }),
    options: optionBytes,
    payload: bytes(64),
  },
  { requiredKeys: ['kind', 'sport', 'dport', 'seq', 'ack', 'flags', 'window', 'payload'] },
);

const plainUdpArb: fc.Arbitrary<L4Spec> = fc.record(
  { kind: fc.constant('udp' as const), sport: u16, dport: notVxlanPort, zeroChecksum: fc.constant(true as const), payload: bytes(64) },
  { requiredKeys: ['kind', 'sport', 'dport', 'payload'] },
);

export const sctpChunkArb: fc.Arbitrary<SctpChunk> = fc.oneof(
  fc.record({
    kind: fc.constant('init' as const),
    flags: u8,
    initiateTag: u32,
    aRwnd: u32,
    outStreams: u16,
    inStreams: u16,
    initialTsn: u32,
    params: bytes(24),
  }),
  fc.record({ kind: fc.constant('raw' as const), type: u8.filter((t) => t !== 1), flags: u8, value: bytes(24) }),
);

const sctpArb: fc.Arbitrary<L4Spec> = fc.record({
  kind: fc.constant('sctp' as const),
  sport: u16,
  dport: u16,
  vtag: u32,
  chunks: fc.array(sctpChunkArb, { maxLength: 3 }),
});

export const icmpMessageArb: fc.Arbitrary<IcmpMessage> = fc.oneof(
  fc.record({ kind: fc.constantFrom('echo-request' as const, 'echo-reply' as const), id: u16, seq: u16, data: bytes(48) }),
  fc.record({ kind: fc.constant('dest-unreachable' as const), code: u8, nextHopMtu: u16, original: bytes(48) }),
  fc.record({ kind: fc.constant('time-exceeded' as const), code: u8, original: bytes(48) }),
  fc.record({ kind: fc.constant('other' as const), type: u8.filter((t) => ![0, 3, 8, 11].includes(t)), code: u8, rest: u32, data: bytes(32) }),
);

const icmpArb: fc.Arbitrary<L4Spec> = icmpMessageArb.map((message) => ({ kind: 'icmp' as const, message }));

const rawL4Arb: fc.Arbitrary<L4Spec> = fc.record({
  kind: fc.constant('raw' as const),
  proto: u8.filter((p) => ![1, 6, 17, 132].includes(p)),
  payload: bytes(48),
});

const gbpArb: fc.Arbitrary<VxlanGbp> = fc.record({ dontLearn: fc.boolean(), policyApplied: fc.boolean(), policyId: u16 });

function vxlanUdpArb(depth: number): fc.Arbitrary<L4Spec> {
  return fc.record(
    {
      kind: fc.constant('udp' as const),
      sport: u16,
      dport: fc.constantFrom(...VXLAN_PORTS),
      zeroChecksum: fc.constant(true as const),
      payload: fc.record(
        { kind: fc.constant('vxlan' as const), vni: fc.integer({ min: 0, max: 0xffffff }), gbp: gbpArb, inner: frameSpecArb(depth - 1) },
        { requiredKeys: ['kind', 'vni', 'inner'] },
      ),
    },
    { requiredKeys: ['kind', 'sport', 'dport', 'payload'] },
  );
}

/** An IP fragment: MF set or a non-zero offset, so the transport stays raw bytes. */
const fragmentArb: fc.Arbitrary<Ipv4FrameSpec> = fc
  .record({
    dstMac: macArb,
    srcMac: macArb,
    ip: ipv4SpecArb,
    mf: fc.boolean(),
    fragOffset: fc.integer({ min: 1, max: 0x1fff }),
    proto: u8,
    payload: bytes(48),
  })
  .map(({ dstMac, srcMac, ip, mf, fragOffset, proto, payload }) => ({
    kind: 'ipv4' as const,
    dstMac,
    srcMac,
    ip: { ...ip, ...(mf ? { mf: true } : {}), fragOffset },
    l4: { kind: 'raw' as const, proto, payload },
  }));

export function ipv4FrameArb(depth: number): fc.Arbitrary<Ipv4FrameSpec> {
  const l4s = [tcpArb, plainUdpArb, sctpArb, icmpArb, rawL4Arb];
  const l4 = depth > 0 ? fc.oneof(...l4s, vxlanUdpArb(depth)) : fc.oneof(...l4s);
  return fc.record({ kind: fc.constant('ipv4' as const), dstMac: macArb, srcMac: macArb, ip: ipv4SpecArb, l4 });
}

export const arpFrameArb: fc.Arbitrary<ArpFrameSpec> = fc.record({
  kind: fc.constant('arp' as const),
  dstMac: macArb,
  srcMac: macArb,
  arp: fc.record({ op: fc.constantFrom(1 as const, 2 as const), senderMac: macArb, senderIp: u32, targetMac: macArb, targetIp: u32 }),
});

export const rawFrameArb: fc.Arbitrary<RawFrameSpec> = fc.record({
  kind: fc.constant('raw' as const),
  dstMac: macArb,
  srcMac: macArb,
  ethertype: u16.filter((t) => t !== 0x0800 && t !== 0x0806),
  payload: bytes(64),
});

/** Any frame spec; VXLAN nests at most `depth` levels (default 2). */
export function frameSpecArb(depth = 2): fc.Arbitrary<FrameSpec> {
  return fc.oneof(
    { weight: 6, arbitrary: ipv4FrameArb(depth) },
    { weight: 1, arbitrary: fragmentArb },
    { weight: 1, arbitrary: arpFrameArb },
    { weight: 1, arbitrary: rawFrameArb },
  );
}
