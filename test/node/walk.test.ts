import { describe, expect, it } from 'vitest';
import { formatIpv4 } from '../../src/core/index.js';
import { output, PathResult, receive } from '../../src/node/index.js';
import { CT_INFO, Packet, TCP_FLAGS } from '../../src/packet/index.js';
import { CollectingSink } from '../../src/trace/index.js';
import { ip } from '../support/addr.js';
import { emptyNamespace } from '../support/emulated.js';

/** A router-like node: eth0 towards clients, eth1 towards endpoints. */
function router() {
  const ns = emptyNamespace('node');
  ns.sysctl.ipForward = true;
  ns.addDevice('eth0', 'ethernet', '02:00:00:00:00:01');
  ns.addAddress('eth0', ip('192.168.0.2'), 24);
  ns.addDevice('eth1', 'ethernet', '02:00:00:00:00:02');
  ns.addAddress('eth1', ip('10.180.0.254'), 16);
  ns.addRoute({ network: 0, length: 0, dev: 'eth0', gateway: ip('192.168.0.1') });
  return ns;
}

function tcp(src: string, dst: string, sport: number, dport: number, flags: number = TCP_FLAGS.SYN): Packet {
  const p = new Packet();
  p.src = ip(src);
  p.dst = ip(dst);
  p.proto = 6;
  p.sport = sport;
  p.dport = dport;
  p.tcpFlags = flags;
  return p;
}

const RULES = `*nat
:SVC - [0:0]
-A PREROUTING -d 172.30.0.41/32 -p tcp --dport 80 -j SVC
-A OUTPUT -d 172.30.0.41/32 -p tcp --dport 80 -j SVC
-A SVC -j MARK --or-mark 0x4000
-A SVC -p tcp -j DNAT --to-destination 10.180.0.1:8080
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
-A INPUT -p tcp --dport 23 -j REJECT --reject-with tcp-reset
-A FORWARD -d 10.180.9.9/32 -j DROP
COMMIT
`;

describe('the namespace walk', () => {
  it('DNATs in PREROUTING, masquerades in POSTROUTING, and un-NATs the reply via conntrack', () => {
    const ns = router();
    ns.iptables.restoreAll(RULES, { noflush: false, counters: false });
    const res = new PathResult();
    const p = tcp('203.0.113.2', '172.30.0.41', 40000, 80);
    receive(ns, p, 'eth0', res);
    expect(res.outcome).toBe('transmitted');
    expect(res.outDev).toBe('eth1');
    expect([formatIpv4(p.dst), p.dport]).toEqual(['10.180.0.1', 8080]);
    expect(formatIpv4(p.src)).toBe('10.180.0.254'); // MASQUERADE picks eth1's address
    const masqPort = p.sport;

    const reply = tcp('10.180.0.1', '10.180.0.254', 8080, masqPort, TCP_FLAGS.SYN | TCP_FLAGS.ACK);
    receive(ns, reply, 'eth1', res);
    expect(res.outcome).toBe('transmitted');
    expect(res.outDev).toBe('eth0');
    expect(reply.ctInfo).toBe(CT_INFO.ESTABLISHED);
    expect([formatIpv4(reply.src), reply.sport, formatIpv4(reply.dst), reply.dport]).toEqual(['172.30.0.41', 80, '203.0.113.2', 40000]);
  });

  it('consults nat only for the first packet: later packets keep the binding after the rules change', () => {
    const ns = router();
    ns.iptables.restoreAll(RULES, { noflush: false, counters: false });
    const res = new PathResult();
    receive(ns, tcp('203.0.113.2', '172.30.0.41', 40001, 80), 'eth0', res);
    ns.iptables.restoreAll(RULES.replace('10.180.0.1:8080', '10.180.0.2:8080'), { noflush: false, counters: false });
    const sink = new CollectingSink();
    ns.trace = sink;
    const ack = tcp('203.0.113.2', '172.30.0.41', 40001, 80, TCP_FLAGS.ACK);
    receive(ns, ack, 'eth0', res);
    expect(formatIpv4(ack.dst)).toBe('10.180.0.1');
    expect(sink.events.some((e) => e.kind === 'rule' && e.table === 'nat')).toBe(false);
    const fresh = tcp('203.0.113.2', '172.30.0.41', 40002, 80);
    receive(ns, fresh, 'eth0', res);
    expect(formatIpv4(fresh.dst)).toBe('10.180.0.2');
  });

  it('DNATs local traffic in OUTPUT and reroutes it', () => {
    const ns = router();
    ns.iptables.restoreAll(RULES, { noflush: false, counters: false });
    const res = new PathResult();
    const p = tcp('0.0.0.0', '172.30.0.41', 40003, 80);
    p.src = 0;
    output(ns, p, res);
    expect(res.outcome).toBe('transmitted');
    expect(res.outDev).toBe('eth1');
    expect(formatIpv4(p.dst)).toBe('10.180.0.1');
    expect(formatIpv4(p.src)).toBe('10.180.0.254');
  });

  it('reports REJECT and DROP with the deciding rule, and drops with reasons', () => {
    const ns = router();
    ns.iptables.restoreAll(RULES, { noflush: false, counters: false });
    const res = new PathResult();
    receive(ns, tcp('203.0.113.2', '192.168.0.2', 40004, 23), 'eth0', res);
    expect(res.outcome).toBe('rejected');
    expect(res.rejectWith).toBe('tcp-reset');
    expect(res.decidedBy).toBe('filter/INPUT#1');
    receive(ns, tcp('203.0.113.2', '10.180.9.9', 40005, 80), 'eth0', res);
    expect(res.outcome).toBe('dropped');
    expect(res.dropReason).toBe('netfilter-drop');
    receive(ns, tcp('203.0.113.2', '127.0.0.1', 40006, 80), 'eth0', res);
    expect(res.dropReason).toBe('martian-destination');
    ns.sysctl.ipForward = false;
    receive(ns, tcp('203.0.113.2', '10.180.0.7', 40007, 80), 'eth0', res);
    expect(res.dropReason).toBe('forwarding-disabled');
  });

  it('delivers to a local address and loops local traffic through lo', () => {
    const ns = router();
    const res = new PathResult();
    receive(ns, tcp('203.0.113.2', '192.168.0.2', 40008, 22), 'eth0', res);
    expect(res.outcome).toBe('delivered');
    const p = tcp('127.0.0.1', '127.0.0.1', 40009, 22);
    output(ns, p, res);
    expect(res.outcome).toBe('delivered');
    expect(p.inDev).toBe('lo');
  });
});
