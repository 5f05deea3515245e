import { encapsulateVxlan, encodeFrame, frameSpecFromPacket, parseMac, type CaptureRecord, writePcap, writePcapng } from '../wire/index.js';
import type { CapturedFields, TraceEvent } from './events.js';

/** One frame per capture point a journey crossed, in order, labelled `node/netns/dev`. */
export function captureRecords(events: readonly TraceEvent[], startUs = 0): CaptureRecord[] {
  const out: CaptureRecord[] = [];
  let t = startUs;
  for (const e of events) {
    if (e.kind !== 'capture') continue;
    const f = e.frame;
    const srcMac = parseMac(f.srcMac);
    const dstMac = parseMac(f.dstMac);
    let bytes: Uint8Array;
    if (f.encap === null) {
      bytes = encodeFrame(frameSpecFromPacket(f.fields, { srcMac, dstMac }));
    } else {
      const inner = encodeFrame(frameSpecFromPacket(f.encap.inner, { srcMac: parseMac(f.encap.innerSrcMac), dstMac: parseMac(f.encap.innerDstMac) }));
      bytes = encapsulateVxlan({ inner, outerSrcMac: srcMac, outerDstMac: dstMac, outerSrc: f.fields.src, outerDst: f.fields.dst, srcPort: f.fields.sport, dstPort: f.fields.dport, vni: f.encap.vni, ttl: f.fields.ttl });
    }
    const where = e.place.netns === 'host' ? e.place.node : `${e.place.node}/${e.place.netns}`;
    out.push({ timestampUs: t, frame: bytes, device: `${where}/${e.dev}`, comment: `${e.direction === 'in' ? 'in on' : 'out of'} ${e.dev} at ${where}` });
    t += 1;
  }
  return out;
}

/** The journey as a pcapng file (one interface per device crossed) or classic pcap. */
export function journeyCapture(events: readonly TraceEvent[], format: 'pcapng' | 'pcap' = 'pcapng', startUs = 0): Uint8Array {
  const records = captureRecords(events, startUs);
  return format === 'pcap' ? writePcap(records) : writePcapng(records);
}

export type { CapturedFields };
