import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checksumReplace16,
  checksumReplace32,
  crc32c,
  foldSum,
  internetChecksum,
  pseudoHeaderSum,
  sum16,
  verifyInternetChecksum,
} from '../../src/wire/index.js';
import { hex } from './helpers.js';

describe('Internet checksum (RFC 1071)', () => {
  it('matches the worked example of RFC 1071 §3', () => {
    // 00 01 f2 03 f4 f5 f6 f7: the one's-complement sum is 0xddf2, so the checksum is 0x220d.
    const b = hex('00 01 f2 03 f4 f5 f6 f7');
    expect(foldSum(sum16(b, 0, b.length))).toBe(0xddf2);
    expect(internetChecksum(b, 0, b.length)).toBe(0x220d);
  });

  it('gives the well-known IPv4 header checksum 0xb861 (192.168.0.1 → 192.168.0.199, UDP, length 0x73)', () => {
    const header = hex('45 00 00 73 00 00 40 00 40 11 00 00 c0 a8 00 01 c0 a8 00 c7');
    expect(internetChecksum(header, 0, header.length)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(verifyInternetChecksum(header, 0, header.length)).toBe(true);
    header[15] = (header[15] as number) ^ 1;
    expect(verifyInternetChecksum(header, 0, header.length)).toBe(false);
  });

  it('pads an odd trailing byte with zero', () => {
    expect(sum16(hex('01 02 03'), 0, 3)).toBe(0x0102 + 0x0300);
  });

  it('sums the IPv4 pseudo-header from host-order addresses', () => {
    // 10.0.0.1 → 10.0.0.2, TCP, 20 bytes: 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 6 + 20.
    expect(pseudoHeaderSum(0x0a000001, 0x0a000002, 6, 20)).toBe(0x0a00 + 1 + 0x0a00 + 2 + 6 + 20);
  });

  it('updates incrementally (RFC 1624) exactly like a full recomputation', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (data, at, word) => {
        const b = data.length % 2 === 0 ? data : data.subarray(0, data.length - 1);
        const before = internetChecksum(b, 0, b.length);
        const i = (at % (b.length / 2)) * 2;
        const old = ((b[i] as number) << 8) | (b[i + 1] as number);
        b[i] = word >>> 8;
        b[i + 1] = word & 0xff;
        const full = internetChecksum(b, 0, b.length);
        const incremental = checksumReplace16(before, old, word);
        // 0x0000 and 0xffff are the same number in one's complement; RFC 1624 §3 explains
        // which one each method produces. Only all-zero data can make them differ.
        expect(foldSum(incremental) === foldSum(full) || (incremental ^ full) === 0xffff).toBe(true);
        if (b.some((x) => x !== 0)) expect(incremental).toBe(full);
      }),
    );
  });

  it('updates an address in a pseudo-header-covered checksum (what NAT does)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 1, max: 0xffffffff }), (seg, src, newSrc) => {
        const dst = 0x0a000002;
        const before = internetChecksum(seg, 0, 20, pseudoHeaderSum(src, dst, 6, 20));
        const after = internetChecksum(seg, 0, 20, pseudoHeaderSum(newSrc, dst, 6, 20));
        const inc = checksumReplace32(before, src, newSrc);
        expect(inc === after || (inc ^ after) === 0xffff).toBe(true);
      }),
    );
  });
});

describe('CRC32c', () => {
  it('has the standard check value for "123456789"', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });

  it('matches the iSCSI test vectors of RFC 3720 §B.4', () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('continues over split data', () => {
    const b = new TextEncoder().encode('123456789');
    expect(crc32c(b, 4, 9, crc32c(b, 0, 4))).toBe(0xe3069283);
  });
});
