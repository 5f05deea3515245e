import { describe, expect, it } from 'vitest';
import { ipWord, jhash2, portBits } from '../../src/ipset/index.js';
import { ip } from './support.js';

// Expected buckets computed with an independent Python transcription of include/linux/jhash.h
// and confirmed by the order a live kernel listed these elements in.
describe('jhash2 and element words', () => {
  it('hashes hash:ip elements to the kernel buckets', () => {
    const iv = 0x8c9a9a65;
    const b = (a: string): number => jhash2([ipWord(ip(a))], 0, 1, iv) & 1023;
    expect([b('10.0.0.1'), b('10.0.0.2'), b('10.0.0.3')]).toEqual([1016, 463, 526]);
  });

  it('hashes hash:ip,port elements (port in network order, proto in the third byte)', () => {
    const iv = 0xdcc242f5;
    const b = (proto: number, port: number): number => jhash2([ipWord(ip('10.0.0.1')), (portBits(port) | (proto << 16)) >>> 0], 0, 2, iv) & 1023;
    expect([b(17, 53), b(6, 81), b(6, 80), b(132, 9)]).toEqual([234, 398, 503, 662]);
  });

  it('byte-swaps addresses and ports like a little-endian kernel', () => {
    expect(ipWord(ip('10.0.0.1'))).toBe(0x0100000a);
    expect(portBits(80)).toBe(0x5000);
    expect(portBits(0x1234)).toBe(0x3412);
  });

  it('handles keys longer than three words (mix rounds)', () => {
    // lookup3 reference: hashword of zero words with initval 0 is 0xdeadbeef.
    expect(jhash2([], 0, 0, 0)).toBe(0xdeadbeef);
    const k = [1, 2, 3, 4, 5];
    expect(jhash2(k, 0, 5, 7)).toBe(jhash2(new Uint32Array(k), 0, 5, 7));
  });
});
