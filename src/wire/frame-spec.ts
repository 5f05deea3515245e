/**
 * From a decoded frame back to the spec that encodes it: `encodeFrame(frameSpecOf(d))`
 * reproduces the frame's bytes when its checksums were correct and it used no bits the spec
 * does not model (Ethernet padding, the IPv4 evil bit, TCP's reserved bits, VXLAN reserved bits
 * and flags other than I and G, a UDP length shorter than the IP payload).
 * Useful to take a captured frame, change a field, and write it again.
 */
import { unreachable } from './never.js';
import type { DecodedFrame, DecodedL4, FrameSpec, Ipv4Spec, L4Spec } from './frame-types.js';
import type { Ipv4Header } from './ipv4.js';

/** The spec of a decoded frame; defaults (no options, no fragment fields) are left out. */
export function frameSpecOf(d: DecodedFrame): FrameSpec {
  switch (d.kind) {
    case 'ipv4':
      return { kind: 'ipv4', dstMac: d.dstMac, srcMac: d.srcMac, ip: ipv4SpecOf(d.ip), l4: l4SpecOf(d.l4) };
    case 'arp':
      return { kind: 'arp', dstMac: d.dstMac, srcMac: d.srcMac, arp: d.arp };
    case 'raw':
      return { kind: 'raw', dstMac: d.dstMac, srcMac: d.srcMac, ethertype: d.ethertype, payload: d.payload };
    default:
      return unreachable(d, 'decoded frame');
  }
}

function ipv4SpecOf(h: Ipv4Header): Ipv4Spec {
  const base = { src: h.src, dst: h.dst, ttl: h.ttl, id: h.id, df: h.df, tos: h.tos };
  return {
    ...base,
    ...(h.mf ? { mf: true } : {}),
    ...(h.fragOffset !== 0 ? { fragOffset: h.fragOffset } : {}),
    ...(h.options.length > 0 ? { options: h.options } : {}),
  };
}

function l4SpecOf(l4: DecodedL4): L4Spec {
  switch (l4.kind) {
    case 'tcp': {
      const base = { kind: 'tcp', sport: l4.sport, dport: l4.dport, seq: l4.seq, ack: l4.ack, flags: l4.flags, window: l4.window, payload: l4.payload } as const;
      return { ...base, ...(l4.urgent !== 0 ? { urgent: l4.urgent } : {}), ...(l4.options.length > 0 ? { options: l4.options } : {}) };
    }
    case 'udp': {
      const payload =
        l4.payload instanceof Uint8Array
          ? l4.payload
          : {
              kind: 'vxlan' as const,
              vni: l4.payload.vni,
              ...(l4.payload.gbp !== undefined ? { gbp: l4.payload.gbp } : {}),
              inner: frameSpecOf(l4.payload.inner),
            };
      return { kind: 'udp', sport: l4.sport, dport: l4.dport, ...(l4.checksum === 0 ? { zeroChecksum: true } : {}), payload };
    }
    case 'sctp':
      return { kind: 'sctp', sport: l4.sport, dport: l4.dport, vtag: l4.vtag, chunks: l4.chunks };
    case 'icmp':
      return { kind: 'icmp', message: l4.message };
    case 'raw':
      return { kind: 'raw', proto: l4.proto, payload: l4.payload };
    default:
      return unreachable(l4, 'decoded transport');
  }
}
