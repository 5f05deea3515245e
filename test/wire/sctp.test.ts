import { describe, expect, it } from 'vitest';
import {
  crc32c,
  fillSctpChecksum,
  parseSctpChunks,
  SctpView,
  sctpChunkWireLength,
  type SctpChunk,
  WireError,
  writeSctpChunk,
  writeSctpHeader,
} from '../../src/wire/index.js';
import { thrown, toHex } from './helpers.js';

const init: SctpChunk = { kind: 'init', flags: 0, initiateTag: 0x12345678, aRwnd: 106496, outStreams: 10, inStreams: 65535, initialTsn: 0xabcdef01, params: new Uint8Array(0) };

function packet(chunks: readonly SctpChunk[]): Uint8Array {
  const len = 12 + chunks.reduce((n, c) => n + sctpChunkWireLength(c), 0);
  const b = new Uint8Array(len);
  let o = writeSctpHeader(b, 0, 5000, 38412, 0);
  for (const c of chunks) o = writeSctpChunk(b, o, c);
  fillSctpChecksum(b, 0, len);
  return b;
}

describe('SCTP', () => {
  it('writes an INIT chunk with the RFC 9260 layout', () => {
    const b = packet([init]);
    expect(b.length).toBe(32);
    expect(toHex(b.subarray(0, 8))).toBe('13 88 96 0c 00 00 00 00');
    expect(toHex(b.subarray(12))).toBe('01 00 00 14 12 34 56 78 00 01 a0 00 00 0a ff ff ab cd ef 01');
  });

  it('stores CRC32c least significant byte first, over the packet with the field zeroed', () => {
    const b = packet([init]);
    const stored = b.slice(8, 12);
    const zeroed = b.slice();
    zeroed.fill(0, 8, 12);
    const crc = crc32c(zeroed);
    expect(Array.from(stored)).toEqual([crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, crc >>> 24]);
    const v = new SctpView().wrap(b);
    expect(v.checksum).toBe(crc);
    expect(v.checksumOk(b.length)).toBe(true);
    b[20] = (b[20] as number) ^ 0x10;
    expect(v.checksumOk(b.length)).toBe(false);
  });

  it('pads chunks to 4 bytes and reads several back', () => {
    const data: SctpChunk = { kind: 'raw', type: 0, flags: 3, value: new Uint8Array([0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x61]) };
    const withParams: SctpChunk = { ...init, params: new Uint8Array([0, 0x0c, 0, 6, 0, 5]) };
    const b = packet([withParams, data]);
    expect(sctpChunkWireLength(data)).toBe(20); // 4 + 13, padded
    expect(parseSctpChunks(b, 12, b.length)).toEqual([withParams, data]);
  });

  it('refuses a chunk length below 4 (MALFORMED), an INIT below 20 (MALFORMED), a chunk past the end (TRUNCATED)', () => {
    const b = packet([init]);
    b[15] = 2;
    expect((thrown(() => parseSctpChunks(b, 12, b.length)) as WireError).code).toBe('WIRE_MALFORMED');
    b[15] = 16;
    expect((thrown(() => parseSctpChunks(b, 12, b.length)) as WireError).code).toBe('WIRE_MALFORMED');
    b[15] = 24;
    const e = thrown(() => parseSctpChunks(b, 12, b.length)) as WireError;
    expect([e.code, e.offset]).toEqual(['WIRE_TRUNCATED', 12]);
  });
});
