import { describe, expect, it } from 'vitest';
import {
  fillTcpChecksum,
  fillUdpChecksum,
  foldSum,
  parseTcp,
  pseudoHeaderSum,
  sum16,
  TCP_FLAG,
  TcpView,
  UdpView,
  WireError,
  writeTcp,
  writeUdp,
} from '../../src/wire/index.js';
import { thrown, toHex } from './helpers.js';

const SRC = 0x0af40102; // 10.244.1.2
const DST = 0x0af40203; // 10.244.2.3

describe('UDP', () => {
  it('writes the header, fills the checksum over the pseudo-header, and reads it back', () => {
    const b = new Uint8Array(13);
    writeUdp(b, 0, 5353, 53, 13);
    b.set([1, 2, 3, 4, 5], 8);
    const c = fillUdpChecksum(b, 0, 13, SRC, DST);
    const v = new UdpView().wrap(b);
    expect(v.toHeader()).toEqual({ sport: 5353, dport: 53, length: 13, checksum: c });
    expect(v.payloadOffset).toBe(8);
    expect(v.checksumOk(SRC, DST)).toBe(true);
    expect(v.checksumOk(SRC + 1, DST)).toBe(false); // the pseudo-header covers the addresses
  });

  it('treats a zero checksum as "none" (correct), and sends a computed zero as 0xffff', () => {
    const b = new Uint8Array(10);
    writeUdp(b, 0, 1, 2, 10);
    expect(new UdpView().wrap(b).checksumOk(SRC, DST)).toBe(true);
    // Choose the last payload word so that the data sums to 0xffff: the checksum is then 0.
    const s = foldSum(sum16(b, 0, 10, pseudoHeaderSum(SRC, DST, 17, 10)));
    const w = 0xffff - s;
    b[8] = w >>> 8;
    b[9] = w & 0xff;
    expect(fillUdpChecksum(b, 0, 10, SRC, DST)).toBe(0xffff);
    expect(new UdpView().wrap(b).checksumOk(SRC, DST)).toBe(true);
  });

  it('edits ports through the view', () => {
    const b = new Uint8Array(8);
    const v = new UdpView().wrap(b);
    v.sport = 40000;
    v.dport = 8472;
    expect(toHex(b.subarray(0, 4))).toBe('9c 40 21 18');
  });

  it('reports fewer than 8 bytes as WIRE_TRUNCATED', () => {
    const e = thrown(() => new UdpView().wrap(new Uint8Array(30), 24)) as WireError;
    expect([e.code, e.offset]).toEqual(['WIRE_TRUNCATED', 24]);
  });
});

describe('TCP', () => {
  const fields = { sport: 40000, dport: 8080, seq: 0xdeadbeef, ack: 0x01020304, flags: TCP_FLAG.SYN | TCP_FLAG.ACK, window: 64240, urgent: 0, options: new Uint8Array(0) };

  it('round-trips every header field and verifies the checksum', () => {
    const b = new Uint8Array(24);
    expect(writeTcp(b, 0, fields)).toBe(20);
    b.set([0xca, 0xfe, 0xba, 0xbe], 20);
    const c = fillTcpChecksum(b, 0, 24, SRC, DST);
    const v = new TcpView().wrap(b);
    expect(v.toHeader()).toEqual({ ...fields, headerLength: 20, checksum: c });
    expect(v.checksumOk(SRC, DST, 24)).toBe(true);
    b[23] = 0xbf;
    expect(v.checksumOk(SRC, DST, 24)).toBe(false);
  });

  it('puts flags in byte 13 and the data offset in the high nibble of byte 12', () => {
    const b = new Uint8Array(20);
    writeTcp(b, 0, { ...fields, flags: TCP_FLAG.FIN | TCP_FLAG.PSH | TCP_FLAG.ACK | TCP_FLAG.CWR });
    expect(b[12]).toBe(0x50);
    expect(b[13]).toBe(0x99);
  });

  it('honours a data offset above 5: options are skipped, the payload starts after them', () => {
    const mss = new Uint8Array([0x02, 0x04, 0x05, 0xb4]); // MSS 1460
    const b = new Uint8Array(24);
    writeTcp(b, 0, { ...fields, options: mss });
    const h = parseTcp(b);
    expect(h.headerLength).toBe(24);
    expect(toHex(h.options)).toBe('02 04 05 b4');
    expect(new TcpView().wrap(b).payloadOffset).toBe(24);
  });

  it('refuses a data offset below 5 (MALFORMED) and options past the end (TRUNCATED)', () => {
    const b = new Uint8Array(20);
    writeTcp(b, 0, fields);
    b[12] = 0x40;
    expect((thrown(() => parseTcp(b)) as WireError).code).toBe('WIRE_MALFORMED');
    b[12] = 0x60;
    expect((thrown(() => parseTcp(b)) as WireError).code).toBe('WIRE_TRUNCATED');
  });
});
