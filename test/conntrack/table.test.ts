import { describe, expect, it } from 'vitest';
import { ManualClock, SeededRng } from '../../src/core/index.js';
import { Conntrack, CT_STATUS, emptyNatRequest, MANIP, TCP_STATE } from '../../src/conntrack/index.js';
import { CT_IN } from '../../src/conntrack/tracker.js';
import { CT_INFO, Packet, TCP_FLAGS } from '../../src/packet/index.js';

const ip = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
const C = ip(10, 0, 0, 2);
const VIP = ip(172, 30, 0, 41);
const EP = ip(10, 180, 0, 1);

function syn(src: number, dst: number, sport: number, dport: number): Packet {
  const p = new Packet();
  p.src = src;
  p.dst = dst;
  p.proto = 6;
  p.sport = sport;
  p.dport = dport;
  p.tcpFlags = TCP_FLAGS.SYN;
  return p;
}

function dnatTo(ct: Conntrack, p: Packet, addr: number, port: number): void {
  const r = emptyNatRequest();
  r.hasAddr = true;
  r.addrLo = r.addrHi = addr;
  r.hasPorts = true;
  r.portLo = r.portHi = port;
  ct.bind(p, MANIP.DST, r);
}

describe('conntrack', () => {
  it('classifies the first packet NEW, the reply ESTABLISHED, and un-NATs the reply', () => {
    const clock = new ManualClock();
    const ct = new Conntrack(clock, new SeededRng(1));
    const p = syn(C, VIP, 40000, 80);
    expect(ct.inbound(p)).toBe(CT_IN.ACCEPT);
    expect(p.ctInfo).toBe(CT_INFO.NEW);
    dnatTo(ct, p, EP, 8080);
    expect(ct.manip(p, MANIP.DST)).toBe(true);
    expect([p.dst, p.dport]).toEqual([EP, 8080]);
    ct.bind(p, MANIP.SRC, emptyNatRequest()); // null binding at POSTROUTING
    expect(ct.manip(p, MANIP.SRC)).toBe(false);
    expect(ct.confirm(p)).toBe(true);

    const reply = new Packet();
    reply.src = EP;
    reply.dst = C;
    reply.proto = 6;
    reply.sport = 8080;
    reply.dport = 40000;
    reply.tcpFlags = TCP_FLAGS.SYN | TCP_FLAGS.ACK;
    ct.inbound(reply);
    expect(reply.ctInfo).toBe(CT_INFO.ESTABLISHED);
    expect(reply.ctDir).toBe(1);
    expect(ct.manip(reply, MANIP.DST)).toBe(false); // no SNAT to undo
    expect(ct.manip(reply, MANIP.SRC)).toBe(true); // reverse DNAT is a source rewrite
    expect([reply.src, reply.sport]).toEqual([VIP, 80]);
    expect(ct.table.tcpState[reply.ctIndex]).toBe(TCP_STATE.SYN_RECV);
    expect(ct.needsNatLookup(reply, MANIP.DST)).toBe(false);
  });

  it('keeps the original source port for SNAT when free and reallocates it on a clash', () => {
    const ct = new Conntrack(new ManualClock(), new SeededRng(7));
    const node = ip(192, 168, 0, 2);
    const masq = emptyNatRequest();
    masq.hasAddr = true;
    masq.addrLo = masq.addrHi = node;
    const first = syn(ip(10, 0, 0, 2), EP, 40000, 80);
    ct.inbound(first);
    ct.bind(first, MANIP.SRC, masq);
    ct.manip(first, MANIP.SRC);
    expect([first.src, first.sport]).toEqual([node, 40000]);
    expect(ct.confirm(first)).toBe(true);
    // A second client using the same source port must not share the reply tuple.
    const second = syn(ip(10, 0, 0, 3), EP, 40000, 80);
    ct.inbound(second);
    ct.bind(second, MANIP.SRC, masq);
    ct.manip(second, MANIP.SRC);
    expect(second.src).toBe(node);
    expect(second.sport).not.toBe(40000);
    expect(second.sport).toBeGreaterThanOrEqual(1024);
    expect(ct.confirm(second)).toBe(true);
    expect(ct.table.status[second.ctIndex]! & CT_STATUS.SRC_NAT).toBeTruthy();
  });

  it('drops new connections when the table is full and expires idle ones on the clock', () => {
    const clock = new ManualClock();
    const ct = new Conntrack(clock, new SeededRng(1), 2);
    for (let i = 0; i < 2; i++) {
      const p = syn(C, EP, 1000 + i, 80);
      expect(ct.inbound(p)).toBe(CT_IN.ACCEPT);
      ct.confirm(p);
    }
    expect(ct.inbound(syn(C, EP, 2000, 80))).toBe(CT_IN.DROP_TABLE_FULL);
    clock.advanceSeconds(121); // SYN_SENT times out after 120 s
    expect(ct.table.liveIndexes()).toHaveLength(0);
    expect(ct.inbound(syn(C, EP, 2000, 80))).toBe(CT_IN.ACCEPT);
  });

  it('marks a TCP RST without a connection INVALID and relates ICMP errors to their connection', () => {
    const ct = new Conntrack(new ManualClock(), new SeededRng(1));
    const rst = syn(C, EP, 1, 2);
    rst.tcpFlags = TCP_FLAGS.RST;
    ct.inbound(rst);
    expect(rst.ctInfo).toBe(CT_INFO.INVALID);

    const p = syn(C, VIP, 40000, 80);
    ct.inbound(p);
    dnatTo(ct, p, EP, 80);
    ct.manip(p, MANIP.DST);
    ct.confirm(p);
    // The endpoint answers with port unreachable; the error embeds what it received.
    const err = new Packet();
    err.src = EP;
    err.dst = C;
    err.proto = 1;
    err.icmpType = 3;
    err.icmpCode = 3;
    err.innerSrc = C;
    err.innerDst = EP;
    err.innerProto = 6;
    err.innerSport = 40000;
    err.innerDport = 80;
    ct.inbound(err);
    expect(err.ctInfo).toBe(CT_INFO.RELATED);
    expect(err.ctDir).toBe(1);
    ct.manip(err, MANIP.SRC);
    expect(err.src).toBe(VIP);
    expect([err.innerDst, err.innerDport]).toEqual([VIP, 80]);
  });
});
