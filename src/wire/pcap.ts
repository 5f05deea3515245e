/**
 * Classic libpcap files (https://www.tcpdump.org/manpages/pcap-savefile.5.html): a 24-byte
 * global header (magic 0xa1b2c3d4 = microsecond timestamps, version 2.4, snaplen, link type)
 * then a 16-byte header per record. Written little-endian, as a little-endian host's libpcap
 * does; read in either byte order.
 *
 * Classic pcap has no per-packet interface: a record's `device` label is not written. A trace
 * that crosses several devices keeps the label in its own events, or uses pcapng (pcapng.ts),
 * which Wireshark and tcpdump show per packet.
 */
import { getU16, getU32, getU32Le, need } from './bytes.js';
import { type CaptureRecord, DEFAULT_SNAPLEN, LINKTYPE_ETHERNET, type ReadRecord, splitMicros } from './capture-record.js';
import { WireError } from './errors.js';

export const PCAP_MAGIC_MICROS = 0xa1b2c3d4;
export const PCAP_MAGIC_NANOS = 0xa1b23c4d;
const GLOBAL_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;

export interface PcapOptions {
  /** Snapshot length, bytes: longer frames are cut (their original length is kept). Default 262144. */
  readonly snaplen?: number;
}

/** A classic pcap file (LINKTYPE_ETHERNET) holding `records` in the order given. */
export function writePcap(records: readonly CaptureRecord[], options: PcapOptions = {}): Uint8Array {
  const snaplen = options.snaplen ?? DEFAULT_SNAPLEN;
  let size = GLOBAL_HEADER_LENGTH;
  for (const r of records) size += RECORD_HEADER_LENGTH + Math.min(r.frame.length, snaplen);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, PCAP_MAGIC_MICROS, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setInt32(8, 0, true); // thiszone: timestamps are UTC
  dv.setUint32(12, 0, true); // sigfigs: always 0 in practice
  dv.setUint32(16, snaplen, true);
  dv.setUint32(20, LINKTYPE_ETHERNET, true);
  let o = GLOBAL_HEADER_LENGTH;
  for (const r of records) {
    const incl = Math.min(r.frame.length, snaplen);
    const { sec, usec } = splitMicros(r.timestampUs);
    dv.setUint32(o, sec, true);
    dv.setUint32(o + 4, usec, true);
    dv.setUint32(o + 8, incl, true);
    dv.setUint32(o + 12, r.frame.length, true);
    out.set(r.frame.subarray(0, incl), o + RECORD_HEADER_LENGTH);
    o += RECORD_HEADER_LENGTH + incl;
  }
  return out;
}

export interface PcapFile {
  readonly snaplen: number;
  readonly linktype: number;
  readonly records: readonly ReadRecord[];
}

/**
 * Reads a classic pcap file (either byte order; micro- or nanosecond magic, nanoseconds being
 * truncated to microseconds). Throws WIRE_UNSUPPORTED for another magic and WIRE_TRUNCATED for
 * a cut file.
 */
export function readPcap(bytes: Uint8Array): PcapFile {
  need(bytes, 0, GLOBAL_HEADER_LENGTH, 'pcap header');
  const magicLe = getU32Le(bytes, 0);
  const magicBe = getU32(bytes, 0);
  const le = magicLe === PCAP_MAGIC_MICROS || magicLe === PCAP_MAGIC_NANOS;
  const magic = le ? magicLe : magicBe;
  if (magic !== PCAP_MAGIC_MICROS && magic !== PCAP_MAGIC_NANOS) {
    throw WireError.unsupported('pcap header', 0, `magic 0x${magicBe.toString(16)} is not a classic pcap file`);
  }
  const u32 = (o: number): number => (le ? getU32Le(bytes, o) : getU32(bytes, o));
  const major = le ? ((bytes[5] as number) << 8) | (bytes[4] as number) : getU16(bytes, 4);
  if (major !== 2) throw WireError.unsupported('pcap header', 4, `version ${major}`);
  const divisor = magic === PCAP_MAGIC_NANOS ? 1000 : 1;
  const records: ReadRecord[] = [];
  let o = GLOBAL_HEADER_LENGTH;
  while (o < bytes.length) {
    need(bytes, o, RECORD_HEADER_LENGTH, 'pcap record header');
    const incl = u32(o + 8);
    need(bytes, o + RECORD_HEADER_LENGTH, incl, 'pcap record');
    const start = o + RECORD_HEADER_LENGTH;
    records.push({
      timestampUs: u32(o) * 1_000_000 + Math.floor(u32(o + 4) / divisor),
      frame: bytes.subarray(start, start + incl),
      originalLength: u32(o + 12),
    });
    o = start + incl;
  }
  return { snaplen: u32(16), linktype: u32(20), records };
}
