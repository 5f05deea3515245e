import { describe, expect, it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import {
  ARP_OP,
  ArpView,
  broadcastMac,
  ETHERTYPE,
  EthernetView,
  formatMac,
  macEquals,
  parseArp,
  parseEthernet,
  parseMac,
  WireError,
  writeArp,
  writeEthernet,
  zeroMac,
} from '../../src/wire/index.js';
import { hex, thrown, toHex } from './helpers.js';


describe('MAC addresses', () => {
  it('parses and formats aa:bb:cc:dd:ee:ff in either case', () => {
    const m = parseMac('0A:58:0a:F4:01:02');
    expect(Array.from(m)).toEqual([0x0a, 0x58, 0x0a, 0xf4, 0x01, 0x02]);
    expect(formatMac(m)).toBe('0a:58:0a:f4:01:02');
    expect(macEquals(m, parseMac('0a:58:0a:f4:01:02'))).toBe(true);
    expect(formatMac(broadcastMac())).toBe('ff:ff:ff:ff:ff:ff');
    expect(formatMac(zeroMac())).toBe('00:00:00:00:00:00');
  });

  it.each(['', '0a:58:0a:f4:01', '0a-58-0a-f4-01-02', '0a:58:0a:f4:01:0g', '0a:58:0a:f4:01:02:03'])('rejects %j with ADDRESS_INVALID', (t) => {
    const e = thrown(() => parseMac(t));
    expect(isKpemuError(e) && e.code).toBe('ADDRESS_INVALID');
  });
});

describe('Ethernet II header', () => {
  const frame = hex('ff ff ff ff ff ff 02 42 ac 11 00 02 08 06');

  it('reads destination, source and EtherType through a checked view', () => {
    const v = new EthernetView().wrap(frame);
    expect(formatMac(v.dstMac)).toBe('ff:ff:ff:ff:ff:ff');
    expect(formatMac(v.srcMac)).toBe('02:42:ac:11:00:02');
    expect(v.ethertype).toBe(ETHERTYPE.arp);
    expect(v.payloadOffset).toBe(14);
  });

  it('writes what it reads', () => {
    const out = new Uint8Array(14);
    expect(writeEthernet(out, 0, parseEthernet(frame))).toBe(14);
    expect(toHex(out)).toBe(toHex(frame));
  });

  it('reports a short header as WIRE_TRUNCATED with the offset', () => {
    const e = thrown(() => new EthernetView().wrap(new Uint8Array(20), 8));
    expect(e).toBeInstanceOf(WireError);
    expect((e as WireError).code).toBe('WIRE_TRUNCATED');
    expect((e as WireError).offset).toBe(8);
    expect((e as WireError).message).toContain('needs 14 bytes, 12 available');
  });

  it('refuses a MAC that is not 6 bytes', () => {
    const e = thrown(() => writeEthernet(new Uint8Array(14), 0, { dstMac: new Uint8Array(5), srcMac: zeroMac(), ethertype: 0x0800 }));
    expect(isKpemuError(e) && e.code).toBe('ADDRESS_INVALID');
  });
});

describe('ARP (Ethernet/IPv4)', () => {
  // "who-has 192.168.1.1 tell 192.168.1.100" from 00:11:22:33:44:55.
  const request = hex('00 01 08 00 06 04 00 01 00 11 22 33 44 55 c0 a8 01 64 00 00 00 00 00 00 c0 a8 01 01');

  it('parses a request', () => {
    const a = parseArp(request);
    expect(a.op).toBe(ARP_OP.request);
    expect(formatMac(a.senderMac)).toBe('00:11:22:33:44:55');
    expect(a.senderIp).toBe(0xc0a80164);
    expect(formatMac(a.targetMac)).toBe('00:00:00:00:00:00');
    expect(a.targetIp).toBe(0xc0a80101);
  });

  it('writes request and reply byte for byte', () => {
    const out = new Uint8Array(28);
    writeArp(out, 0, parseArp(request));
    expect(toHex(out)).toBe(toHex(request));
    const reply = { op: ARP_OP.reply, senderMac: parseMac('aa:bb:cc:dd:ee:ff'), senderIp: 0xc0a80101, targetMac: parseMac('00:11:22:33:44:55'), targetIp: 0xc0a80164 } as const;
    writeArp(out, 0, reply);
    expect(new ArpView().wrap(out).toPacket()).toEqual(reply);
    expect(toHex(out.subarray(6, 8))).toBe('00 02');
  });

  it('reports other hardware/protocol types and operations as WIRE_UNSUPPORTED', () => {
    const ipv6ish = request.slice();
    ipv6ish[3] = 0xdd; // ptype 0x86dd
    expect((thrown(() => parseArp(ipv6ish)) as WireError).code).toBe('WIRE_UNSUPPORTED');
    const rarp = request.slice();
    rarp[7] = 3;
    const e = thrown(() => parseArp(rarp)) as WireError;
    expect(e.code).toBe('WIRE_UNSUPPORTED');
    expect(e.offset).toBe(6);
  });

  it('reports a short message as WIRE_TRUNCATED', () => {
    expect((thrown(() => parseArp(request.subarray(0, 27))) as WireError).code).toBe('WIRE_TRUNCATED');
  });
});
