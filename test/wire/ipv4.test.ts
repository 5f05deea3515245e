import { describe, expect, it } from 'vitest';
import { formatIpv4 } from '../../src/core/index.js';
import { Ipv4View, parseIpv4, WireError, writeIpv4 } from '../../src/wire/index.js';
import { hex, thrown as thrownAny, toHex } from './helpers.js';

const thrown = (fn: () => unknown): WireError => thrownAny(fn) as WireError;


// The classic example header: 192.168.0.1 → 192.168.0.199, UDP, total length 115, DF, TTL 64.
const EXAMPLE = '45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7';

describe('IPv4 header', () => {
  it('parses every field of a known header and verifies its checksum', () => {
    const h = parseIpv4(hex(EXAMPLE));
    expect(h).toMatchObject({ headerLength: 20, tos: 0, dscp: 0, ecn: 0, totalLength: 115, id: 0, df: true, mf: false, fragOffset: 0, ttl: 64, proto: 17, checksum: 0xb861, checksumOk: true });
    expect(formatIpv4(h.src)).toBe('192.168.0.1');
    expect(formatIpv4(h.dst)).toBe('192.168.0.199');
    expect(h.options.length).toBe(0);
  });

  it('writes the same bytes, checksum included', () => {
    const out = new Uint8Array(20);
    expect(writeIpv4(out, 0, parseIpv4(hex(EXAMPLE)))).toBe(20);
    expect(toHex(out)).toBe(EXAMPLE);
  });

  it('splits TOS into DSCP and ECN and reads MF and the fragment offset', () => {
    const b = hex(EXAMPLE);
    b[1] = 0xb9; // DSCP 46 (EF), ECN 1
    b[6] = 0x20 | 0x01; // MF, offset high bits
    b[7] = 0x72; // offset 0x172 units of 8 bytes
    const h = new Ipv4View().wrap(b).toHeader();
    expect([h.dscp, h.ecn, h.df, h.mf, h.fragOffset, h.checksumOk]).toEqual([46, 1, false, true, 0x172, false]);
  });

  it('honours IHL > 5: options are carried and the payload starts after them', () => {
    const opts = hex('01 01 01 00'); // NOP NOP NOP EOL
    const out = new Uint8Array(24);
    writeIpv4(out, 0, { tos: 0, totalLength: 24, id: 7, df: false, mf: false, fragOffset: 0, ttl: 1, proto: 2, src: 0x0a000001, dst: 0xe0000001, options: opts });
    expect(out[0]).toBe(0x46);
    const v = new Ipv4View().wrap(out);
    expect(v.headerLength).toBe(24);
    expect(v.payloadOffset).toBe(24);
    expect(toHex(v.options)).toBe('01 01 01 00');
    expect(v.checksumOk()).toBe(true);
  });

  it('edits through the view and refills the checksum', () => {
    const b = hex(EXAMPLE);
    const v = new Ipv4View().wrap(b);
    v.ttl = v.ttl - 1;
    expect(v.checksumOk()).toBe(false);
    v.fillChecksum();
    expect(v.checksumOk()).toBe(true);
    expect(v.checksum).toBe(0xb961); // TTL is the high byte of its word: the sum drops by 0x100
  });

  it('refuses another IP version (UNSUPPORTED), IHL < 5 (MALFORMED) and a short header (TRUNCATED)', () => {
    const v6 = hex(EXAMPLE);
    v6[0] = 0x65;
    expect(thrown(() => parseIpv4(v6)).code).toBe('WIRE_UNSUPPORTED');
    const ihl4 = hex(EXAMPLE);
    ihl4[0] = 0x44;
    expect(thrown(() => parseIpv4(ihl4)).code).toBe('WIRE_MALFORMED');
    const ihl15 = hex(EXAMPLE);
    ihl15[0] = 0x4f;
    const e = thrown(() => parseIpv4(ihl15));
    expect([e.code, e.offset]).toEqual(['WIRE_TRUNCATED', 0]);
    expect(thrown(() => parseIpv4(hex(EXAMPLE).subarray(0, 19))).code).toBe('WIRE_TRUNCATED');
  });
});
