import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { formatMasqueradeMark, IptablesProxier } from '../../src/proxy/index.js';
import { FakeIptables } from './fake-iptables.js';
import { NODE_IPS, NODE_NAME, makeFixture, syncWith } from './support/fixture.js';
import { makeConfig, makeService, makeSlice } from './support/objects.js';

const svc = makeService('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
const slice = makeSlice('ns1', 'svc1', { ports: [{ name: 'p80', port: 80 }], endpoints: [{ ip: '10.180.0.1' }] });
const lines = (payload: string, needle: string) => payload.split('\n').filter((l) => l.includes(needle));

describe('masquerade mark', () => {
  it("formats 1 << bit like Go's %#08x", () => {
    expect(formatMasqueradeMark(14)).toBe('0x00004000');
    expect(formatMasqueradeMark(0)).toBe('0x00000001');
    expect(formatMasqueradeMark(31)).toBe('0x80000000');
    expect(() => formatMasqueradeMark(32)).toThrow(RangeError);
  });

  it('defaults to what kube-proxy prints; the option overrides it', () => {
    const iptables = new FakeIptables();
    const p = new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: NODE_IPS, config: makeConfig({ masqueradeBit: 14 }), iptables, nfacct: null, hasRandomFully: false });
    expect(p.masqueradeMark).toBe('0x00004000');
    const r = p.sync();
    expect(r.payload).toContain('-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n');
    expect(r.payload).toContain('-A KUBE-POSTROUTING -m mark ! --mark 0x00004000/0x00004000 -j RETURN\n');
    expect(r.payload).toContain('--mark 0x00004000/0x00004000 -j ACCEPT\n');
    expect(makeFixture().proxier.masqueradeMark).toBe('0x4000');
  });

  it('refuses an out-of-range masqueradeBit with a typed error', () => {
    expect(() => makeFixture({ masqueradeBit: 32 })).toThrow(expect.objectContaining({ code: 'VALUE_INVALID' }));
  });
});

describe('node-level options', () => {
  it('adds --random-fully when iptables supports it', () => {
    const f = makeFixture({}, { hasRandomFully: true });
    expect(f.proxier.sync().payload).toContain('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully\n');
  });

  it('omits the INVALID drop with nf_conntrack_tcp_be_liberal', () => {
    const r = makeFixture({ conntrackTcpBeLiberal: true }).proxier.sync();
    expect(r.payload).not.toContain('INVALID');
    expect(r.filterRules).toBe(3);
  });

  it('leaves out -m nfacct when the counters cannot be created, with a warning', () => {
    const f = makeFixture({}, { brokenNfacct: true });
    const r = syncWith(f, [svc], [slice]);
    expect(r.payload).not.toContain('nfacct');
    expect(r.payload).toContain('-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n');
    expect(lines(r.payload, '-A KUBE-NODEPORTS')).toEqual(['-A KUBE-NODEPORTS -m comment --comment ns1/svc1:p80 -m tcp -p tcp --dport 3001 -j KUBE-EXT-XPGD46QRK7WJZT7O']);
    expect(r.warnings.map((w) => w.code)).toEqual(['NFACCT_UNAVAILABLE', 'NFACCT_UNAVAILABLE']);
    const none = new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: NODE_IPS, config: makeConfig(), iptables: new FakeIptables(), nfacct: null, hasRandomFully: false });
    expect(none.sync().payload).not.toContain('nfacct');
  });

  it('masqueradeAll masquerades all ClusterIP traffic', () => {
    const r = syncWith(makeFixture({ masqueradeAll: true }), [svc], [slice]);
    expect(lines(r.payload, '-j KUBE-MARK-MASQ').filter((l) => l.startsWith('-A KUBE-SVC'))).toEqual([
      '-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-MARK-MASQ',
    ]);
  });

  it('without a local detector writes neither the ClusterIP masquerade nor the pod short-circuit', () => {
    const local = makeService('ns1', 'svc1', {
      type: 'LoadBalancer',
      clusterIP: '172.30.0.41',
      ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
      externalTrafficPolicy: 'Local',
      healthCheckNodePort: 30000,
      loadBalancerIngress: ['1.2.3.4'],
    });
    const f = makeFixture({ clusterCIDR: '' });
    expect(f.proxier.detector.kind).toBe('none');
    const r = syncWith(f, [local], [slice]);
    expect(lines(r.payload, '-A KUBE-SVC-').filter((l) => l.includes('KUBE-MARK-MASQ'))).toEqual([]);
    expect(r.payload).not.toContain('pod traffic for');
    expect(r.payload).toContain('"masquerade LOCAL traffic for ns1/svc1:p80 external destinations"');
  });

  it('an interface detector uses -i / ! -i', () => {
    const f = makeFixture({ detectLocalMode: 'InterfaceNamePrefix', detectLocal: { bridgeInterface: '', interfaceNamePrefix: 'veth' } });
    const r = syncWith(f, [svc], [slice]);
    expect(r.payload).toContain('--dport 80 ! -i veth+ -j KUBE-MARK-MASQ\n');
  });

  it('restricts the nodeports tail to node addresses inside nodePortAddresses', () => {
    const r = makeFixture({ nodePortAddresses: ['192.168.0.0/16', '127.0.0.0/8'] }).proxier.sync();
    expect(lines(r.payload, '-j KUBE-NODEPORTS')).toEqual(
      ['127.0.0.1', '192.168.0.2', '192.168.1.2', '192.168.99.11'].map(
        (ip) => `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -d ${ip} -j KUBE-NODEPORTS`,
      ),
    );
    // Loopback outside nodePortAddresses turns localhost NodePorts (and KUBE-FIREWALL) off.
    const f = makeFixture({ nodePortAddresses: ['192.168.0.0/24'] });
    expect(f.proxier.localhostNodePorts).toBe(false);
    const r2 = syncWith(f, [svc], [slice]);
    expect(r2.payload).not.toContain('KUBE-FIREWALL');
    expect(r2.payload).not.toContain('127.0.0.0/8');
  });

  it('localhostNodePorts off excludes 127/8 from the match-all tail', () => {
    const r = makeFixture({ localhostNodePorts: false }).proxier.sync();
    expect(lines(r.payload, '-j KUBE-NODEPORTS')).toEqual([
      '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL ! -d 127.0.0.0/8 -j KUBE-NODEPORTS',
    ]);
  });
});

describe('large-cluster mode', () => {
  const big = (n: number) =>
    makeSlice('ns3', 'svc3', { ports: [{ name: 'p8081', port: 8081 }], endpoints: Array.from({ length: n }, (_, i) => ({ ip: `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}` })) });
  const service = makeService('ns3', 'svc3', { clusterIP: '172.30.0.43', ports: [{ name: 'p8081', port: 8081 }] });

  it('drops comments from endpoint rules above 1000 endpoints only', () => {
    const small = syncWith(makeFixture(), [service], [big(1000)]);
    expect(small.largeClusterMode).toBe(false);
    expect(small.payload).toContain('-A KUBE-SEP-');
    expect(lines(small.payload, '-A KUBE-SEP-').every((l) => l.includes('--comment ns3/svc3:p8081'))).toBe(true);

    const r = syncWith(makeFixture(), [service], [big(1001)]);
    expect(r.largeClusterMode).toBe(true);
    const seps = lines(r.payload, '-A KUBE-SEP-');
    expect(seps).toHaveLength(2002);
    expect(seps.some((l) => l.includes('--comment'))).toBe(false);
    expect(lines(r.payload, '-A KUBE-SVC-').filter((l) => l.includes(' -> '))).toEqual([]);
    // Not affected: KUBE-SERVICES and the ClusterIP masquerade rule keep their comments.
    expect(r.payload).toContain('-A KUBE-SERVICES -m comment --comment "ns3/svc3:p8081 cluster IP"');
    expect(r.payload).toMatch(/-A KUBE-SVC-\S+ -m comment --comment "ns3\/svc3:p8081 cluster IP"/);
    expect(r.payload).toMatch(/\n-A KUBE-SEP-(\S+) -m tcp -p tcp -j DNAT --to-destination 203\.0\.0\.1:8081\n/);
  });

  it('looks for stale chains at most once per syncPeriod', () => {
    const clock = new ManualClock(1_000_000);
    const f = makeFixture({ syncPeriodSeconds: 30 }, { clock });
    const other = makeService('ns1', 'svc1', { clusterIP: '172.30.0.41', ports: [{ name: 'p80', port: 80 }] });
    syncWith(f, [service, other], [big(1001), slice]);
    // svc1 goes away right after the (cleanup-running) full sync: not cleaned up yet.
    const r1 = syncWith(f, [service], [big(1001)]);
    expect(r1.chainsDeleted).toEqual([]);
    clock.advanceSeconds(31);
    const r2 = syncWith(f, [service], [big(1001)]);
    expect(r2.chainsDeleted).toEqual(['KUBE-SEP-SXIVWICOYRO3J4NJ', 'KUBE-SVC-XPGD46QRK7WJZT7O']);
  });
});

describe('sync scheduling', () => {
  it('forces a full sync when the last one is more than an hour old', () => {
    const clock = new ManualClock(0);
    const f = makeFixture({}, { clock });
    expect(f.proxier.sync().full).toBe(true);
    clock.advanceSeconds(3599);
    expect(f.proxier.sync().full).toBe(false);
    clock.advanceSeconds(2);
    expect(f.proxier.sync().full).toBe(true);
  });

  it('rewrites every port of a changed Service and nothing of unchanged ones', () => {
    const f = makeFixture();
    const multi = makeService('ns2', 'svc2', { clusterIP: '172.30.0.42', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }] });
    const s2 = (ip: string) => makeSlice('ns2', 'svc2', { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }], endpoints: [{ ip }] });
    syncWith(f, [svc, multi], [slice, s2('10.0.2.1')]);
    const r = syncWith(f, [svc, multi], [slice, s2('10.0.2.2')]);
    expect(r.servicesWritten).toEqual(['ns2/svc2']);
    expect(r.chainsWritten.nat.filter((c) => c.startsWith('KUBE-SVC-'))).toHaveLength(2);
    expect(r.chainsDeleted).toHaveLength(2);
  });

  it('treats re-sent identical objects as no change', () => {
    const f = makeFixture();
    syncWith(f, [svc], [slice]);
    const copy = structuredClone(svc);
    const r = syncWith(f, [copy], [structuredClone(slice)]);
    expect(r.servicesWritten).toEqual([]);
    expect(r.natRulesSkipped).toBe(r.natRulesTotal - r.natRules);
  });
});

describe('endpoint conditions in rules', () => {
  it('falls back to serving-terminating endpoints, and rejects when none serve', () => {
    const s = (eps: Parameters<typeof makeSlice>[2]['endpoints']) => makeSlice('ns1', 'svc1', { ports: [{ name: 'p80', port: 80 }], endpoints: eps });
    const r = syncWith(makeFixture(), [svc], [s([{ ip: '10.0.0.1', ready: false, terminating: true }, { ip: '10.0.0.2', ready: false, serving: false, terminating: true }])]);
    expect(lines(r.payload, '-j DNAT').map((l) => l.split(' ').at(-1))).toEqual(['10.0.0.1:80']);
    const none = syncWith(makeFixture(), [svc], [s([{ ip: '10.0.0.2', ready: false, serving: false, terminating: true }])]);
    expect(none.payload).toContain('"ns1/svc1:p80 has no endpoints"');
    expect(none.payload).not.toContain('-j DNAT');
  });

  it('writes affinity checks into the Local policy chain too', () => {
    const local = makeService('ns1', 'svc1', {
      type: 'NodePort',
      clusterIP: '172.30.0.41',
      ports: [{ name: 'p80', port: 80, nodePort: 3001 }],
      externalTrafficPolicy: 'Local',
      sessionAffinity: 'ClientIP',
      sessionAffinityTimeoutSeconds: 600,
    });
    const s = makeSlice('ns1', 'svc1', { ports: [{ name: 'p80', port: 80 }], endpoints: [{ ip: '10.180.0.1', nodeName: NODE_NAME }, { ip: '10.180.0.2' }] });
    const r = syncWith(makeFixture(), [local], [s]);
    const svl = lines(r.payload, '-A KUBE-SVL-');
    expect(svl).toHaveLength(2);
    expect(svl[0]).toMatch(/^-A KUBE-SVL-XPGD46QRK7WJZT7O -m comment --comment "ns1\/svc1:p80 -> 10\.180\.0\.1:80" -m recent --name KUBE-SEP-\S+ --rcheck --seconds 600 --reap -j KUBE-SEP-\S+$/);
    expect(lines(r.payload, '-A KUBE-SVC-').filter((l) => l.includes('--rcheck'))).toHaveLength(2);
    expect(lines(r.payload, '--set')).toHaveLength(2);
  });
});
