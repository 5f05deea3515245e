import { describe, expect, it } from 'vitest';
import { parseDirections } from '../../src/ipset/index.js';
import { newRegistry, pkt } from './support.js';

function testSet(reg: ReturnType<typeof newRegistry>['reg'], name: string, p: ReturnType<typeof pkt>, dirs: string): boolean {
  const d = parseDirections(dirs);
  return reg.testIndex(reg.indexOf(name), p, d.dims, d.flags);
}

describe('-m set membership from packets', () => {
  it('hash:ip,port dst,dst matches VIP, port and protocol (KUBE-CLUSTER-IP)', () => {
    const { reg } = newRegistry();
    reg.create('KUBE-CLUSTER-IP', 'hash:ip,port');
    reg.add('KUBE-CLUSTER-IP', '10.96.0.10,udp:53');
    reg.add('KUBE-CLUSTER-IP', '10.96.0.1,tcp:443');
    expect(testSet(reg, 'KUBE-CLUSTER-IP', pkt('10.244.1.5', '10.96.0.10', 33000, 53, 17), 'dst,dst')).toBe(true);
    expect(testSet(reg, 'KUBE-CLUSTER-IP', pkt('10.244.1.5', '10.96.0.10', 33000, 53, 6), 'dst,dst')).toBe(false);
    expect(testSet(reg, 'KUBE-CLUSTER-IP', pkt('10.244.1.5', '10.96.0.1', 33000, 443), 'dst,dst')).toBe(true);
    // src,dst: source address with destination port (kube-proxy's masquerade rule without a local detector).
    expect(testSet(reg, 'KUBE-CLUSTER-IP', pkt('10.96.0.1', '10.0.0.9', 33000, 443), 'src,dst')).toBe(true);
    // Fewer directions than the set's dimensions never match.
    expect(testSet(reg, 'KUBE-CLUSTER-IP', pkt('10.244.1.5', '10.96.0.1', 33000, 443), 'dst')).toBe(false);
    expect(reg.lastProbes).toBe(0);
  });

  it('hash:ip,port,ip dst,dst,src detects hairpin traffic (KUBE-LOOP-BACK)', () => {
    const { reg } = newRegistry();
    reg.create('KUBE-LOOP-BACK', 'hash:ip,port,ip');
    reg.add('KUBE-LOOP-BACK', '10.180.0.1,tcp:80,10.180.0.1');
    expect(testSet(reg, 'KUBE-LOOP-BACK', pkt('10.180.0.1', '10.180.0.1', 40000, 80), 'dst,dst,src')).toBe(true);
    expect(testSet(reg, 'KUBE-LOOP-BACK', pkt('10.180.0.2', '10.180.0.1', 40000, 80), 'dst,dst,src')).toBe(false);
    expect(reg.lastProbes).toBe(1);
  });

  it('hash:ip,port,net matches the longest stored prefix, and nomatch carves holes', () => {
    const { reg } = newRegistry();
    reg.create('KUBE-LOAD-BALANCER-SOURCE-CIDR', 'hash:ip,port,net');
    reg.add('KUBE-LOAD-BALANCER-SOURCE-CIDR', '1.2.3.4,tcp:80,10.0.0.0/8');
    reg.add('KUBE-LOAD-BALANCER-SOURCE-CIDR', '1.2.3.4,tcp:80,10.1.0.0/16', { nomatch: true });
    reg.add('KUBE-LOAD-BALANCER-SOURCE-CIDR', '1.2.3.4,tcp:80,10.1.2.0/24');
    const t = (src: string): boolean => testSet(reg, 'KUBE-LOAD-BALANCER-SOURCE-CIDR', pkt(src, '1.2.3.4', 5555, 80), 'dst,dst,src');
    expect(t('10.9.9.9')).toBe(true);
    expect(t('10.1.9.9')).toBe(false);
    expect(t('10.1.2.9')).toBe(true);
    expect(t('11.0.0.1')).toBe(false);
    // Three stored prefix lengths: /24 then /16 then /8 are tried.
    expect(reg.lastProbes).toBe(3);
  });

  it('hash:net probes each distinct prefix length once, longest first', () => {
    const { reg } = newRegistry();
    reg.create('N', 'hash:net');
    for (let i = 0; i < 50; i++) reg.add('N', `10.${i}.0.0/16`);
    reg.add('N', '192.168.0.0/24');
    expect(testSet(reg, 'N', pkt('10.7.1.1', '1.1.1.1'), 'src')).toBe(true);
    expect(reg.lastProbes).toBe(2);
    expect(testSet(reg, 'N', pkt('192.168.0.7', '1.1.1.1'), 'src')).toBe(true);
    expect(reg.lastProbes).toBe(1);
  });

  it('bitmap:port reads the chosen port of TCP/UDP/SCTP only', () => {
    const { reg } = newRegistry();
    reg.create('KUBE-NODE-PORT-TCP', 'bitmap:port', { range: { from: 0, to: 65535 } });
    reg.add('KUBE-NODE-PORT-TCP', '30080');
    expect(testSet(reg, 'KUBE-NODE-PORT-TCP', pkt('1.1.1.1', '2.2.2.2', 1000, 30080), 'dst')).toBe(true);
    expect(testSet(reg, 'KUBE-NODE-PORT-TCP', pkt('1.1.1.1', '2.2.2.2', 30080, 1000), 'src')).toBe(true);
    expect(testSet(reg, 'KUBE-NODE-PORT-TCP', pkt('1.1.1.1', '2.2.2.2', 1000, 30080, 1), 'dst')).toBe(false);
  });

  it('hash:ip,port keys ICMP by type/code and other protocols by port 0', () => {
    const { reg } = newRegistry();
    reg.create('P', 'hash:ip,port');
    reg.add('P', '2.2.2.2,icmp:echo-request');
    const echo = pkt('1.1.1.1', '2.2.2.2', 0, 0, 1);
    echo.icmpType = 8;
    expect(testSet(reg, 'P', echo, 'dst,dst')).toBe(true);
    echo.icmpType = 0;
    expect(testSet(reg, 'P', echo, 'dst,dst')).toBe(false);
  });

  it('counts matched packets on entries with counters', () => {
    const { reg } = newRegistry();
    reg.create('C', 'hash:ip', { counters: true });
    reg.add('C', '2.2.2.2');
    const p = pkt('1.1.1.1', '2.2.2.2');
    p.length = 84;
    testSet(reg, 'C', p, 'dst');
    testSet(reg, 'C', p, 'dst');
    expect(reg.list('C')[0]?.entries[0]).toMatchObject({ packets: 2, bytes: 168 });
  });

  it('ignores timed-out entries', () => {
    const { reg, clock } = newRegistry();
    reg.create('T', 'hash:ip', { timeout: 5 });
    reg.add('T', '2.2.2.2');
    expect(testSet(reg, 'T', pkt('1.1.1.1', '2.2.2.2'), 'dst')).toBe(true);
    clock.advanceSeconds(6);
    expect(testSet(reg, 'T', pkt('1.1.1.1', '2.2.2.2'), 'dst')).toBe(false);
  });

  it('serves the node namespace provider by name', () => {
    const { reg } = newRegistry();
    reg.create('KUBE-IPVS-IPS', 'hash:ip');
    reg.add('KUBE-IPVS-IPS', '10.96.0.1');
    const prov = reg.provider();
    expect(prov.has('KUBE-IPVS-IPS')).toBe(true);
    expect(prov.test({ name: 'KUBE-IPVS-IPS', directions: ['dst'] }, pkt('1.1.1.1', '10.96.0.1'))).toBe(true);
    expect(prov.test({ name: 'NOPE', directions: ['dst'] }, pkt('1.1.1.1', '10.96.0.1'))).toBe(false);
  });

  it('rejects malformed direction lists', () => {
    expect(() => parseDirections('dst,up')).toThrow(/src or dst/);
    expect(parseDirections(['dst', 'dst', 'src'])).toEqual({ dims: 3, flags: 4 });
  });
});
