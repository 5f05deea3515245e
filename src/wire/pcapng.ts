/**
 * pcapng files (draft-ietf-opsawg-pcapng): one Section Header Block, one Interface Description
 * Block per distinct device label (with `if_name`, so Wireshark shows which device of a journey
 * each frame was seen on), then one Enhanced Packet Block per frame (with the record's comment
 * as `opt_comment`). Written little-endian with microsecond timestamps (`if_tsresol` 6, the
 * default, written explicitly). tcpdump 4.99 reads these files but prints no interface names.
 */
import { getU16, getU32, getU32Le, need } from './bytes.js';
import { type CaptureRecord, DEFAULT_SNAPLEN, LINKTYPE_ETHERNET, type ReadRecord } from './capture-record.js';
import { WireError } from './errors.js';

export const PCAPNG_BLOCK = { sectionHeader: 0x0a0d0d0a, interfaceDescription: 1, enhancedPacket: 6 } as const;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_END = 0;
const OPT_COMMENT = 1;
const OPT_IF_NAME = 2;
const OPT_IF_TSRESOL = 9;

export interface PcapngOptions {
  /** Snapshot length of every interface, bytes. Default 262144. */
  readonly snaplen?: number;
  /** Interface name for records without a device label. Default `kpemu`. */
  readonly defaultDevice?: string;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Bytes of an option with a value of `len` bytes (code, length, padded value). */
function optionSize(len: number): number {
  return 4 + pad4(len);
}

/**
 * A pcapng file holding `records` in the order given. Interfaces are numbered in order of the
 * first appearance of their device label; each has LINKTYPE_ETHERNET and `if_name` = the label.
 */
export function writePcapng(records: readonly CaptureRecord[], options: PcapngOptions = {}): Uint8Array {
  const snaplen = options.snaplen ?? DEFAULT_SNAPLEN;
  const fallback = options.defaultDevice ?? 'kpemu';
  const ifIndex = new Map<string, number>();
  const ifNames: Uint8Array[] = [];
  const recIf: number[] = [];
  const recComment: (Uint8Array | undefined)[] = [];
  for (const r of records) {
    const name = r.device ?? fallback;
    let i = ifIndex.get(name);
    if (i === undefined) {
      i = ifNames.length;
      ifIndex.set(name, i);
      ifNames.push(utf8.encode(name));
    }
    recIf.push(i);
    recComment.push(r.comment === undefined ? undefined : utf8.encode(r.comment));
  }

  const shbLen = 28;
  const idbLen = (name: Uint8Array): number => 20 + optionSize(name.length) + optionSize(1) + 4;
  const epbLen = (incl: number, comment: Uint8Array | undefined): number => 32 + pad4(incl) + (comment === undefined ? 0 : optionSize(comment.length) + 4);
  let size = shbLen;
  for (const n of ifNames) size += idbLen(n);
  records.forEach((r, k) => (size += epbLen(Math.min(r.frame.length, snaplen), recComment[k])));

  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  let o = 0;
  const u16 = (v: number): void => {
    dv.setUint16(o, v, true);
    o += 2;
  };
  const u32 = (v: number): void => {
    dv.setUint32(o, v, true);
    o += 4;
  };
  const option = (code: number, value: Uint8Array): void => {
    u16(code);
    u16(value.length);
    out.set(value, o);
    o += pad4(value.length); // the buffer is zero-filled, so padding is already zero
  };

  // Section Header Block: byte-order magic, version 1.0, section length unknown (-1), no options.
  u32(PCAPNG_BLOCK.sectionHeader);
  u32(shbLen);
  u32(BYTE_ORDER_MAGIC);
  u16(1);
  u16(0);
  u32(0xffffffff);
  u32(0xffffffff);
  u32(shbLen);

  for (const name of ifNames) {
    const len = idbLen(name);
    u32(PCAPNG_BLOCK.interfaceDescription);
    u32(len);
    u16(LINKTYPE_ETHERNET);
    u16(0);
    u32(snaplen);
    option(OPT_IF_NAME, name);
    option(OPT_IF_TSRESOL, TSRESOL_MICROS);
    u16(OPT_END);
    u16(0);
    u32(len);
  }

  records.forEach((r, k) => {
    const incl = Math.min(r.frame.length, snaplen);
    const comment = recComment[k];
    const len = epbLen(incl, comment);
    u32(PCAPNG_BLOCK.enhancedPacket);
    u32(len);
    u32(recIf[k] as number);
    u32(Math.floor(r.timestampUs / 0x1_0000_0000));
    u32(r.timestampUs % 0x1_0000_0000);
    u32(incl);
    u32(r.frame.length);
    out.set(r.frame.subarray(0, incl), o);
    o += pad4(incl);
    if (comment !== undefined) {
      option(OPT_COMMENT, comment);
      u16(OPT_END);
      u16(0);
    }
    u32(len);
  });
  return out;
}

const TSRESOL_MICROS = new Uint8Array([6]);

export interface PcapngInterface {
  readonly linktype: number;
  readonly snaplen: number;
  /** `if_name`, when the block has one. */
  readonly name?: string;
  /** Timestamp units per second (10^6 unless `if_tsresol` says otherwise). */
  readonly unitsPerSecond: number;
}

export interface PcapngRecord extends ReadRecord {
  /** Index into {@link PcapngFile.interfaces}. */
  readonly interfaceId: number;
  readonly comment?: string;
}

export interface PcapngFile {
  readonly interfaces: readonly PcapngInterface[];
  readonly records: readonly PcapngRecord[];
}

/**
 * Reads a single-section pcapng file in either byte order: interface descriptions and enhanced
 * packets; other blocks are skipped. Timestamps are converted to microseconds. Throws
 * WIRE_UNSUPPORTED when it does not start with a Section Header Block, WIRE_TRUNCATED or
 * WIRE_MALFORMED for damaged blocks.
 */
export function readPcapng(bytes: Uint8Array): PcapngFile {
  need(bytes, 0, 28, 'pcapng section header');
  if (getU32(bytes, 0) !== PCAPNG_BLOCK.sectionHeader) throw WireError.unsupported('pcapng section header', 0, 'not a pcapng file');
  const le = getU32Le(bytes, 8) === BYTE_ORDER_MAGIC;
  if (!le && getU32(bytes, 8) !== BYTE_ORDER_MAGIC) throw WireError.malformed('pcapng section header', 8, 'bad byte-order magic');
  const u32 = (o: number): number => (le ? getU32Le(bytes, o) : getU32(bytes, o));
  const u16 = (o: number): number => (le ? ((bytes[o + 1] as number) << 8) | (bytes[o] as number) : getU16(bytes, o));

  const interfaces: PcapngInterface[] = [];
  const records: PcapngRecord[] = [];
  let o = 0;
  while (o < bytes.length) {
    need(bytes, o, 12, 'pcapng block');
    const type = u32(o);
    const len = u32(o + 4);
    if (len < 12 || len % 4 !== 0) throw WireError.malformed('pcapng block', o, `block length ${len}`);
    need(bytes, o, len, 'pcapng block');
    const end = o + len - 4;
    if (type === PCAPNG_BLOCK.interfaceDescription) {
      need(bytes, o, 20, 'pcapng interface description', end);
      let name: string | undefined;
      let unitsPerSecond = 1_000_000;
      readOptions(bytes, o + 16, end, u16, (code, value) => {
        if (code === OPT_IF_NAME) name = utf8Decoder.decode(value);
        if (code === OPT_IF_TSRESOL && value.length >= 1) {
          const r = value[0] as number;
          unitsPerSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        }
      });
      const base = { linktype: u16(o + 8), snaplen: u32(o + 12), unitsPerSecond };
      interfaces.push(name === undefined ? base : { ...base, name });
    } else if (type === PCAPNG_BLOCK.enhancedPacket) {
      need(bytes, o, 28, 'pcapng enhanced packet', end);
      const interfaceId = u32(o + 8);
      const ifc = interfaces[interfaceId];
      if (ifc === undefined) throw WireError.malformed('pcapng enhanced packet', o + 8, `interface ${interfaceId} is not described`);
      const ts = u32(o + 12) * 0x1_0000_0000 + u32(o + 16);
      const incl = u32(o + 20);
      need(bytes, o + 28, incl, 'pcapng packet data', end);
      let comment: string | undefined;
      readOptions(bytes, o + 28 + pad4(incl), end, u16, (code, value) => {
        if (code === OPT_COMMENT) comment = utf8Decoder.decode(value);
      });
      const rec = {
        interfaceId,
        timestampUs: ifc.unitsPerSecond === 1_000_000 ? ts : Math.floor((ts / ifc.unitsPerSecond) * 1_000_000),
        frame: bytes.subarray(o + 28, o + 28 + incl),
        originalLength: u32(o + 24),
      };
      records.push(comment === undefined ? rec : { ...rec, comment });
    }
    o += len;
  }
  return { interfaces, records };
}

function readOptions(bytes: Uint8Array, start: number, end: number, u16: (o: number) => number, onOption: (code: number, value: Uint8Array) => void): void {
  let o = start;
  while (o + 4 <= end) {
    const code = u16(o);
    const len = u16(o + 2);
    if (code === OPT_END) return;
    need(bytes, o + 4, len, 'pcapng option', end);
    onOption(code, bytes.subarray(o + 4, o + 4 + len));
    o += 4 + pad4(len);
  }
}
