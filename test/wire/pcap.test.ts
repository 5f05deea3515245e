import { describe, expect, it } from 'vitest';
import { type CaptureRecord, readPcap, readPcapng, WireError, writePcap, writePcapng } from '../../src/wire/index.js';
import { thrown, toHex } from './helpers.js';

const frame = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const records: CaptureRecord[] = [
  { timestampUs: 1_700_000_000_123_456, frame: frame(54, 1), device: 'cni0', comment: 'pod A sends SYN' },
  { timestampUs: 1_700_000_000_123_457, frame: frame(104, 2), device: 'eth0' },
  { timestampUs: 1_700_000_000_123_999, frame: frame(55, 3), device: 'cni0' },
  { timestampUs: 5, frame: frame(60, 4) },
];

describe('classic pcap', () => {
  const file = writePcap(records);

  it('starts with the little-endian global header: magic a1b2c3d4, 2.4, snaplen 262144, Ethernet', () => {
    expect(toHex(file.subarray(0, 24))).toBe('d4 c3 b2 a1 02 00 04 00 00 00 00 00 00 00 00 00 00 00 04 00 01 00 00 00');
  });

  it('writes one 16-byte record header per frame: seconds, microseconds, captured and original length', () => {
    expect(toHex(file.subarray(24, 40))).toBe(
      // 1700000000 = 0x6553f100, 123456 = 0x1e240, 54 = 0x36
      '00 f1 53 65 40 e2 01 00 36 00 00 00 36 00 00 00',
    );
    expect(file.length).toBe(24 + records.reduce((n, r) => n + 16 + r.frame.length, 0));
  });

  it('reads back what it wrote (the device labels are not part of classic pcap)', () => {
    const back = readPcap(file);
    expect([back.snaplen, back.linktype]).toEqual([262144, 1]);
    expect(back.records).toEqual(records.map((r) => ({ timestampUs: r.timestampUs, frame: r.frame, originalLength: r.frame.length })));
  });

  it('cuts frames at the snapshot length and keeps their original length', () => {
    const back = readPcap(writePcap(records, { snaplen: 60 }));
    expect(back.records[1]?.frame.length).toBe(60);
    expect(back.records[1]?.originalLength).toBe(104);
  });

  it('reads big-endian files too', () => {
    const be = new Uint8Array(24 + 16 + 2);
    const dv = new DataView(be.buffer);
    dv.setUint32(0, 0xa1b2c3d4);
    dv.setUint16(4, 2);
    dv.setUint16(6, 4);
    dv.setUint32(16, 65535);
    dv.setUint32(20, 1);
    dv.setUint32(24, 10);
    dv.setUint32(28, 20);
    dv.setUint32(32, 2);
    dv.setUint32(36, 2);
    be.set([0xab, 0xcd], 40);
    expect(readPcap(be).records).toEqual([{ timestampUs: 10_000_020, frame: new Uint8Array([0xab, 0xcd]), originalLength: 2 }]);
  });

  it('refuses another magic (UNSUPPORTED) and a cut file (TRUNCATED)', () => {
    expect((thrown(() => readPcap(new Uint8Array(24))) as WireError).code).toBe('WIRE_UNSUPPORTED');
    const e = thrown(() => readPcap(file.subarray(0, 50))) as WireError;
    expect([e.code, e.offset]).toEqual(['WIRE_TRUNCATED', 40]);
  });
});

describe('pcapng', () => {
  const file = writePcapng(records);

  it('is a sequence of 4-byte aligned blocks starting with a Section Header Block', () => {
    expect(toHex(file.subarray(0, 12))).toBe('0a 0d 0d 0a 1c 00 00 00 4d 3c 2b 1a');
    let o = 0;
    const types: number[] = [];
    const dv = new DataView(file.buffer, file.byteOffset);
    while (o < file.length) {
      const len = dv.getUint32(o + 4, true);
      expect(len % 4).toBe(0);
      expect(dv.getUint32(o + len - 4, true)).toBe(len); // trailing copy of the length
      types.push(dv.getUint32(o, true));
      o += len;
    }
    expect(o).toBe(file.length);
    expect(types).toEqual([0x0a0d0d0a, 1, 1, 1, 6, 6, 6, 6]);
  });

  it('describes one interface per device label, in order of first appearance, with if_name', () => {
    const back = readPcapng(file);
    expect(back.interfaces).toEqual([
      { linktype: 1, snaplen: 262144, name: 'cni0', unitsPerSecond: 1_000_000 },
      { linktype: 1, snaplen: 262144, name: 'eth0', unitsPerSecond: 1_000_000 },
      { linktype: 1, snaplen: 262144, name: 'kpemu', unitsPerSecond: 1_000_000 },
    ]);
  });

  it('reads back frames, 64-bit microsecond timestamps, interfaces and comments', () => {
    const back = readPcapng(file);
    expect(back.records).toEqual([
      { interfaceId: 0, timestampUs: records[0]?.timestampUs, frame: records[0]?.frame, originalLength: 54, comment: 'pod A sends SYN' },
      { interfaceId: 1, timestampUs: records[1]?.timestampUs, frame: records[1]?.frame, originalLength: 104 },
      { interfaceId: 0, timestampUs: records[2]?.timestampUs, frame: records[2]?.frame, originalLength: 55 },
      { interfaceId: 2, timestampUs: 5, frame: records[3]?.frame, originalLength: 60 },
    ]);
  });

  it('names unlabelled records after the default device and honours the snaplen', () => {
    const back = readPcapng(writePcapng(records, { defaultDevice: 'node1/eth0', snaplen: 54 }));
    expect(back.interfaces[2]?.name).toBe('node1/eth0');
    expect(back.records[1]?.frame.length).toBe(54);
    expect(back.records[1]?.originalLength).toBe(104);
  });

  it('refuses a file that is not pcapng', () => {
    expect((thrown(() => readPcapng(writePcap(records))) as WireError).code).toBe('WIRE_UNSUPPORTED');
  });
});
