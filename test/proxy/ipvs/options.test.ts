import { describe, expect, it } from 'vitest';
import { KpemuError, ManualClock } from '../../../src/core/index.js';
import { Ipvs, KernelIpvsApi } from '../../../src/ipvs/index.js';
import { IPSET, IPVS_CHAIN, IpvsProxier, assertIpvsUsable, desiredSysctls } from '../../../src/proxy/index.js';
import { makeConfig, makeService, makeSlice } from '../support/objects.js';
import { chainRules, newHarness, savedRules, syncWith, virtualServer, virtualServers } from './support.js';

/** Configuration-driven behaviour: sysctls, timeouts, scheduler flags, masquerade variants, probes. */

const clusterSvc = makeService('ns1', 'svc1', { clusterIP: '10.20.30.41', ports: [{ name: 'p80', port: 80 }] });
const clusterRule = (h: ReturnType<typeof newHarness>) => savedRules(h.iptables, 'nat', IPVS_CHAIN.services).filter((l) => l.includes('KUBE-MARK-MASQ'));

describe('IPVS proxier options', () => {
  it('reports the sysctls kube-proxy sets, by kernel version and strictARP', () => {
    const base = ['net/ipv4/vs/conntrack=1', 'net/ipv4/vs/expire_nodest_conn=1', 'net/ipv4/vs/expire_quiescent_template=1', 'net/ipv4/ip_forward=1'];
    const h = newHarness();
    expect(syncWith(h, []).sysctls).toEqual(base);
    expect(desiredSysctls(makeConfig(), '5.4.0-150-generic')).toEqual(['net/ipv4/vs/conntrack=1', 'net/ipv4/vs/conn_reuse_mode=0', ...base.slice(1)]);
    expect(desiredSysctls(makeConfig(), '5.9')).toEqual(base);
    expect(desiredSysctls(makeConfig(), '4.0.9')).toEqual(base);
    const strict = newHarness({ ipvs: { strictARP: true }, proxier: { kernelVersion: '4.19.0' } });
    expect(strict.proxier.sysctls).toEqual([
      'net/ipv4/vs/conntrack=1',
      'net/ipv4/vs/conn_reuse_mode=0',
      ...base.slice(1),
      'net/ipv4/conf/all/arp_ignore=1',
      'net/ipv4/conf/all/arp_announce=2',
    ]);
    expect(() => newHarness({ proxier: { kernelVersion: 'linux' } })).toThrow(KpemuError);
  });

  it('pushes configured IPVS timeouts once, at construction', () => {
    const h = newHarness({ ipvs: { tcpTimeoutSeconds: 600, udpTimeoutSeconds: 30 } });
    expect(h.ipvsApi.counts.configureTimeouts).toBe(1);
    expect(h.ipvs.timeouts.udp).toBe(30);
    expect(newHarness().ipvsApi.counts.configureTimeouts).toBe(0);
  });

  it('uses the configured scheduler, rr when empty, and sets the source-hash flag for mh', () => {
    const rr = newHarness({ ipvs: { scheduler: '' } });
    syncWith(rr, [clusterSvc]);
    expect(virtualServer(rr, '10.20.30.41:80/TCP')).toMatchObject({ scheduler: 'rr', flags: 0 });
    const mh = newHarness({ ipvs: { scheduler: 'mh' } });
    syncWith(mh, [makeService('ns1', 'svc1', { clusterIP: '10.20.30.41', ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 60 })]);
    expect(virtualServer(mh, '10.20.30.41:80/TCP')).toMatchObject({ scheduler: 'mh', flags: 0x11, timeout: 60 });
    // A kube-proxy restarted with another scheduler updates the virtual servers in place.
    const h = newHarness();
    syncWith(h, [clusterSvc]);
    const config = makeConfig({ mode: 'ipvs', clusterCIDR: '' });
    const restarted = new IpvsProxier({
      nodeName: 'test-node',
      nodeIPs: ['192.168.0.2'],
      hasRandomFully: false,
      config: { ...config, ipvs: { ...config.ipvs, scheduler: 'wrr' } },
      iptables: h.iptables,
      ipset: h.ipsetApi,
      ipvs: h.ipvsApi,
      netlink: h.netlink,
      clock: h.clock,
    });
    restarted.setObjects([clusterSvc], []);
    expect(restarted.sync().ipvsOps).toMatchObject({ vsAdded: 0, vsUpdated: 1, vsDeleted: 0 });
    expect(virtualServer(h, '10.20.30.41:80/TCP')).toMatchObject({ scheduler: 'wrr' });
  });

  it('writes the three ClusterIP masquerade variants', () => {
    const none = newHarness();
    syncWith(none, [clusterSvc]);
    expect(clusterRule(none)).toEqual(['-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP src,dst -j KUBE-MARK-MASQ']);
    const all = newHarness({ config: { masqueradeAll: true } });
    syncWith(all, [clusterSvc]);
    expect(clusterRule(all)).toEqual(['-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ']);
    const cidr = newHarness({ config: { clusterCIDR: '10.244.0.0/16' } });
    const written = syncWith(cidr, [clusterSvc]).payload.split('\n').filter((l) => l.includes('--match-set KUBE-CLUSTER-IP') && l.includes('KUBE-MARK-MASQ'));
    expect(written).toEqual(['-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10.244.0.0/16 -j KUBE-MARK-MASQ']);
    // iptables-save puts the address match first.
    expect(clusterRule(cidr)).toEqual(['-A KUBE-SERVICES ! -s 10.244.0.0/16 -m comment --comment "Kubernetes service cluster ip + port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst -j KUBE-MARK-MASQ']);
  });

  it('writes the default mark as %#08x, takes an override, and adds --random-fully when supported', () => {
    const h = newHarness({ proxier: { hasRandomFully: true } });
    const r = syncWith(h, []);
    expect(r.payload).toContain('-A KUBE-MARK-MASQ -j MARK --or-mark 0x00004000\n');
    expect(r.payload).toContain('-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully\n');
    const bit = newHarness({ config: { masqueradeBit: 3 } });
    expect(syncWith(bit, []).payload).toContain('--or-mark 0x00000008\n');
    const custom = newHarness({ proxier: { masqueradeMark: '0x4000' } });
    expect(syncWith(custom, []).payload).toContain('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT\n');
  });

  it('orders KUBE-SERVICES as upstream with external IPs, when -m physdev is available (TestAcceptIPVSTraffic)', () => {
    const h = newHarness({ iptables: 'fake', proxier: { supportsPhysdevMatch: true } });
    const services = [
      makeService('ns1', 'svc1', { clusterIP: '10.20.30.40', ports: [{ name: 'p80', port: 80, nodePort: 80 }], externalIPs: ['5.6.7.8'] }),
      makeService('ns1', 'svc2', { type: 'LoadBalancer', clusterIP: '10.20.30.41', ports: [{ name: 'p80', port: 80, nodePort: 80 }], loadBalancerIngress: ['1.2.3.4'] }),
      makeService('ns1', 'svc3', { type: 'NodePort', clusterIP: '10.20.30.42', ports: [{ name: 'p80', port: 80, nodePort: 80 }] }),
    ];
    const r = syncWith(h, services);
    expect(r.rulesOmitted).toEqual([]);
    expect(chainRules(h.iptables, IPVS_CHAIN.services)).toEqual([
      { jump: 'RETURN', source: '127.0.0.0/8' },
      { jump: IPVS_CHAIN.loadBalancer, set: IPSET.loadBalancer },
      { jump: IPVS_CHAIN.markMasq, set: IPSET.clusterIP },
      { jump: IPVS_CHAIN.markMasq, set: IPSET.externalIP },
      { jump: 'ACCEPT', set: IPSET.externalIP },
      { jump: 'ACCEPT', set: IPSET.externalIP },
      { jump: IPVS_CHAIN.nodePort },
      { jump: 'ACCEPT', set: IPSET.clusterIP },
      { jump: 'ACCEPT', set: IPSET.loadBalancer },
    ]);
  });

  it('takes NodePort addresses from the node, without loopback or IPv6, and never binds them', () => {
    const h = newHarness({ eth0: ['100.101.102.103', '169.254.1.1', 'fe80::1'] });
    h.netlink.setLocalAddresses('lo', '127.0.0.1', '::1');
    const svc = makeService('ns1', 'svc1', { type: 'NodePort', clusterIP: '10.20.30.41', ports: [{ port: 80, nodePort: 3001 }] });
    syncWith(h, [svc]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '100.101.102.103:3001/TCP', '169.254.1.1:3001/TCP']);
    expect(h.netlink.addresses('kube-ipvs0')).toEqual(['10.20.30.41']);

    const primary = newHarness({ eth0: ['100.101.102.103', '100.101.102.104'], config: { nodePortAddresses: ['primary'] }, proxier: { nodeIPs: ['100.101.102.104'] } });
    syncWith(primary, [svc]);
    expect(virtualServers(primary)).toEqual(['10.20.30.41:80/TCP', '100.101.102.104:3001/TCP']);
  });

  it('a source range covering the primary node IP lets the node in through KUBE-LOAD-BALANCER-SOURCE-IP', () => {
    const h = newHarness({ proxier: { nodeIPs: ['10.1.2.3'] } });
    const svc = makeService('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '10.20.30.41', ports: [{ port: 80 }], loadBalancerIngress: ['1.2.3.4'], loadBalancerSourceRanges: ['10.0.0.0/8'] });
    const r = syncWith(h, [svc], [makeSlice('ns1', 'svc1-1', { service: 'svc1', ports: [{ port: 80 }], endpoints: [{ ip: '10.180.0.1' }] })]);
    expect(h.ipsetApi.listEntries(IPSET.loadBalancerSourceIP)).toEqual(['1.2.3.4,tcp:80,1.2.3.4']);
    expect(r.rulesOmitted).toEqual([]);
    expect(chainRules(h.iptables, IPVS_CHAIN.sourceRangesFirewall)).toEqual([
      { jump: 'RETURN', set: IPSET.loadBalancerSourceCIDR },
      { jump: 'RETURN', set: IPSET.loadBalancerSourceIP },
      { jump: 'DROP' },
    ]);
  });

  it('stops at a missing dummy device or an uncreatable set, as kube-proxy returns there', () => {
    const h = newHarness();
    h.netlink.ensureDummyDevice = () => {
      throw new KpemuError('DEVICE_INVALID', 'operation not permitted');
    };
    const r = h.proxier.sync();
    expect(r).toMatchObject({ ok: false, stage: 'dummy-device', payload: '' });
    expect(r.error?.code).toBe('DEVICE_INVALID');

    const s = newHarness();
    s.registry.create(IPSET.clusterIP, 'hash:ip', {});
    const rs = s.proxier.sync();
    expect(rs).toMatchObject({ ok: false, stage: 'ipset-create' });
    expect(rs.error?.location?.object).toBe(IPSET.clusterIP);
  });

  it('records failed kernel calls and carries on with the rest', () => {
    const h = newHarness();
    const add = h.ipvsApi.addVirtualServer.bind(h.ipvsApi);
    h.ipvsApi.addVirtualServer = (vs) => {
      if (vs.port === 81) throw new KpemuError('IPVS_BAD_SCHEDULER', 'Scheduler not found');
      add(vs);
    };
    h.proxier.setObjects([clusterSvc, makeService('ns1', 'svc2', { clusterIP: '10.20.30.42', ports: [{ port: 81 }] })], []);
    const r = h.proxier.sync();
    expect(r.ok).toBe(true);
    expect(r.failures.map((f) => `${f.op} ${f.target} ${f.error.code}`)).toEqual(['addVirtualServer 10.20.30.42:81/TCP IPVS_BAD_SCHEDULER']);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP']);
    // Not bound either: upstream binds only after the virtual server is in place.
    expect(h.netlink.addresses('kube-ipvs0')).toEqual(['10.20.30.41']);
  });
});

describe('assertIpvsUsable (CanUseIPVSProxier)', () => {
  const fresh = () => {
    const ipvs = new KernelIpvsApi(new Ipvs({ clock: new ManualClock() }));
    const ipset = { getVersion: () => 'v7.17' } as Parameters<typeof assertIpvsUsable>[1];
    return { ipvs, ipset };
  };

  it('probes the scheduler with a throw-away virtual server and leaves nothing behind', () => {
    const { ipvs, ipset } = fresh();
    assertIpvsUsable(ipvs, ipset, '');
    expect(ipvs.counts).toMatchObject({ addVirtualServer: 1, deleteVirtualServer: 1 });
    expect(ipvs.getVirtualServers()).toEqual([]);
  });

  it('refuses an unmodelled scheduler and an old ipset tool', () => {
    const { ipvs, ipset } = fresh();
    let caught: unknown;
    try {
      assertIpvsUsable(ipvs, ipset, 'lblc');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(KpemuError);
    expect((caught as KpemuError).code).toBe('IPVS_PROXIER_UNUSABLE');
    const old = { getVersion: () => 'v5.4' } as Parameters<typeof assertIpvsUsable>[1];
    expect(() => assertIpvsUsable(ipvs, old, 'rr')).toThrow(/older than 6.0/);
  });

  it('skips the probe when a virtual server already uses the scheduler', () => {
    const { ipvs, ipset } = fresh();
    ipvs.addVirtualServer({ address: 0x0a000001, port: 80, protocol: 'TCP', scheduler: 'rr', flags: 0, timeout: 0 });
    assertIpvsUsable(ipvs, ipset, 'rr');
    expect(ipvs.counts.addVirtualServer).toBe(1);
  });
});
