import { describe, expect, it } from 'vitest';
import { ICMP_TYPE, ICMP_UNREACH, icmpLength, icmpQuote, IcmpView, type IcmpMessage, parseIcmpQuote, writeIcmp, writeIpv4, writeUdp } from '../../src/wire/index.js';
import { toHex } from './helpers.js';

function encode(m: IcmpMessage): Uint8Array {
  const b = new Uint8Array(icmpLength(m));
  writeIcmp(b, 0, m);
  return b;
}

function decode(b: Uint8Array): IcmpMessage {
  return new IcmpView().wrap(b).toMessage(b.length);
}

/** An IPv4+UDP datagram 10.244.1.2:5353 → 10.96.0.10:53 with 20 payload bytes. */
function udpDatagram(): Uint8Array {
  const b = new Uint8Array(48);
  writeIpv4(b, 0, { tos: 0, totalLength: 48, id: 0x1234, df: true, mf: false, fragOffset: 0, ttl: 63, proto: 17, src: 0x0af40102, dst: 0x0a60000a, options: new Uint8Array(0) });
  writeUdp(b, 20, 5353, 53, 28);
  return b;
}

describe('ICMP', () => {
  it('round-trips an echo request and reply with id, sequence and data', () => {
    for (const kind of ['echo-request', 'echo-reply'] as const) {
      const m: IcmpMessage = { kind, id: 0x4d2, seq: 7, data: new Uint8Array([1, 2, 3]) };
      const b = encode(m);
      expect(b[0]).toBe(kind === 'echo-request' ? 8 : 0);
      expect(toHex(b.subarray(4, 8))).toBe('04 d2 00 07');
      expect(decode(b)).toEqual(m);
      expect(new IcmpView().wrap(b).checksumOk(b.length)).toBe(true);
    }
  });

  it('writes fragmentation-needed with the next-hop MTU in bytes 6-7 and the quoted header + 8 bytes', () => {
    const original = icmpQuote(udpDatagram());
    expect(original.length).toBe(28);
    const m: IcmpMessage = { kind: 'dest-unreachable', code: ICMP_UNREACH.fragNeeded, nextHopMtu: 1450, original };
    const b = encode(m);
    expect(toHex(b.subarray(0, 2))).toBe('03 04');
    expect(toHex(b.subarray(4, 8))).toBe('00 00 05 aa');
    expect(decode(b)).toEqual(m);
    const v = new IcmpView().wrap(b);
    expect(v.nextHopMtu).toBe(1450);
    expect(v.checksumOk(b.length)).toBe(true);
  });

  it('reads the quoted datagram of an error: addresses, protocol and ports', () => {
    const q = parseIcmpQuote(icmpQuote(udpDatagram()));
    expect(q).toEqual({ src: 0x0af40102, dst: 0x0a60000a, proto: 17, ttl: 63, id: 0x1234, totalLength: 48, sport: 5353, dport: 53, icmpType: 0, icmpCode: 0, icmpId: 0, l4Length: 8 });
    expect(parseIcmpQuote(new Uint8Array(19))).toBeUndefined();
  });

  it('reads a quoted ICMP echo (the id conntrack uses as a port)', () => {
    const inner = new Uint8Array(28);
    writeIpv4(inner, 0, { tos: 0, totalLength: 84, id: 1, df: true, mf: false, fragOffset: 0, ttl: 1, proto: 1, src: 1, dst: 2, options: new Uint8Array(0) });
    writeIcmp(inner, 20, { kind: 'echo-request', id: 99, seq: 1, data: new Uint8Array(0) });
    const m: IcmpMessage = { kind: 'time-exceeded', code: 0, original: inner };
    const b = encode(m);
    expect(b[0]).toBe(ICMP_TYPE.timeExceeded);
    expect(decode(b)).toEqual(m);
    expect(parseIcmpQuote(inner)).toMatchObject({ proto: 1, icmpType: 8, icmpId: 99, sport: 0 });
  });

  it('keeps other types, and echo with a non-zero code, as raw messages', () => {
    const redirect: IcmpMessage = { kind: 'other', type: 5, code: 1, rest: 0x0a000001, data: new Uint8Array([9]) };
    expect(decode(encode(redirect))).toEqual(redirect);
    const oddEcho = encode({ kind: 'other', type: 8, code: 1, rest: 0x00010002, data: new Uint8Array(0) });
    expect(decode(oddEcho).kind).toBe('other');
  });

  it('quotes header + 8 bytes by default, more on request, never past the datagram', () => {
    const d = udpDatagram();
    expect(icmpQuote(d).length).toBe(28);
    expect(icmpQuote(d, 548).length).toBe(48);
  });
});
