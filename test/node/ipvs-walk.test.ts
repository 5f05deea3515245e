import { describe, expect, it } from 'vitest';
import { formatIpv4 } from '../../src/core/index.js';
import { KernelIpvsApi } from '../../src/ipvs/index.js';
import { output, PathResult, receive } from '../../src/node/index.js';
import { CT_INFO, Packet, TCP_FLAGS } from '../../src/packet/index.js';
import { ip } from '../support/addr.js';
import { emptyNamespace } from '../support/emulated.js';

function ipvsNode() {
  const ns = emptyNamespace('node');
  ns.sysctl.ipForward = true;
  ns.addDevice('eth0', 'ethernet', '02:00:00:00:00:01');
  ns.addAddress('eth0', ip('192.168.0.2'), 24);
  ns.addDevice('cni0', 'bridge', '02:00:00:00:00:02');
  ns.addAddress('cni0', ip('10.244.1.1'), 16);
  ns.addDevice('kube-ipvs0', 'dummy', '02:00:00:00:00:03');
  ns.addAddress('kube-ipvs0', ip('10.96.0.10'), 32);
  const api = new KernelIpvsApi(ns.enableIpvs().ipvs);
  const vs = { address: ip('10.96.0.10'), protocol: 'TCP' as const, port: 80, scheduler: 'rr', flags: 0, timeout: 0 };
  api.addVirtualServer(vs);
  api.addRealServer(vs, { address: ip('10.244.2.5'), port: 8080, weight: 1 });
  api.addRealServer(vs, { address: ip('10.244.3.5'), port: 8080, weight: 1 });
  return ns;
}

function tcp(src: string, dst: string, sport: number, dport: number, flags: number): Packet {
  const p = new Packet();
  p.src = ip(src);
  p.dst = ip(dst);
  p.proto = 6;
  p.sport = sport;
  p.dport = dport;
  p.tcpFlags = flags;
  return p;
}

describe('IPVS in the namespace walk', () => {
  it('schedules a request to a VIP at LOCAL_IN, sends it on, and gives the reply the VIP back', () => {
    const ns = ipvsNode();
    const res = new PathResult();
    const p = tcp('10.244.1.7', '10.96.0.10', 40000, 80, TCP_FLAGS.SYN);
    receive(ns, p, 'cni0', res);
    expect(res.outcome).toBe('transmitted');
    const rs = formatIpv4(p.dst);
    expect(['10.244.2.5', '10.244.3.5']).toContain(rs);
    expect(p.dport).toBe(8080);
    const reply = tcp(rs, '10.244.1.7', 8080, 40000, TCP_FLAGS.SYN | TCP_FLAGS.ACK);
    receive(ns, reply, 'cni0', res);
    expect(reply.ctInfo).toBe(CT_INFO.ESTABLISHED);
    expect([formatIpv4(reply.src), reply.sport]).toEqual(['10.96.0.10', 80]);
    // The next request goes round-robin to the other real server.
    const q = tcp('10.244.1.7', '10.96.0.10', 40001, 80, TCP_FLAGS.SYN);
    receive(ns, q, 'cni0', res);
    expect(formatIpv4(q.dst)).not.toBe(rs);
  });

  it('schedules local processes at LOCAL_OUT and rejects when a service has no real server', () => {
    const ns = ipvsNode();
    const res = new PathResult();
    const p = tcp('0.0.0.0', '10.96.0.10', 40002, 80, TCP_FLAGS.SYN);
    p.src = 0;
    output(ns, p, res);
    expect(res.outcome).toBe('transmitted');
    expect(['10.244.2.5', '10.244.3.5']).toContain(formatIpv4(p.dst));
    const api = new KernelIpvsApi((ns.ipvsHooks as NonNullable<typeof ns.ipvsHooks>).ipvs);
    api.addVirtualServer({ address: ip('10.96.0.10'), protocol: 'TCP', port: 443, scheduler: 'rr', flags: 0, timeout: 0 });
    receive(ns, tcp('10.244.1.7', '10.96.0.10', 40003, 443, TCP_FLAGS.SYN), 'cni0', res);
    expect(res.outcome).toBe('rejected');
    expect(res.rejectWith).toBe('icmp-port-unreachable');
  });
});
