import { describe, expect, it } from 'vitest';
import { IPSET, IPVS_CHAIN } from '../../../src/proxy/index.js';
import { makeService, makeSlice, type ServiceSpec } from '../support/objects.js';
import { chainRules, newHarness, realServers, setEntries, syncWith, virtualServer, virtualServers } from './support.js';

/**
 * Reference §5: the 15 IPVS proxier cases of kube-proxy's unit tests (TestNodePortIPv4,
 * TestIPv4Proxier, TestExternalIPsNoEndpoint, ...) with their exact expectations. Common setup as
 * upstream's NewFakeProxier: IPv4, node `test-node`, rr, no local detector, no masqueradeAll, node
 * IPs on a fake eth0. iptables is a NetNamespace's emulated one, so every rule is really parsed.
 */

const p80 = { name: 'p80', port: 80 } as const;
const npService = (protocol: 'TCP' | 'UDP' | 'SCTP', extra: Partial<ServiceSpec> = {}) =>
  makeService('ns1', 'svc1', { type: 'NodePort', clusterIP: '10.20.30.41', ports: [{ ...p80, protocol, nodePort: 3001 }], ...extra });
const slice = (protocol: 'TCP' | 'UDP' | 'SCTP', endpoints: { ip: string; nodeName?: string }[], name = 'svc1-1') =>
  makeSlice('ns1', name, { service: 'svc1', ports: [{ ...p80, protocol }], endpoints });

const HC = { jump: 'ACCEPT', set: IPSET.healthCheckNodePort };
const LOOPBACK_RETURN = { jump: 'RETURN', source: '127.0.0.0/8' };

describe('IPVS proxier acceptance (reference §5)', () => {
  it('1: NodePort TCP with IPv4 and IPv6 slices programs only IPv4', () => {
    const h = newHarness({ eth0: ['100.101.102.103', '2001:db8::1:1'] });
    const v6 = makeSlice('ns1', 'svc1-2', { service: 'svc1', addressType: 'IPv6', ports: [{ ...p80, protocol: 'TCP' }], endpoints: [{ ip: '1002:ab8::2:10' }] });
    syncWith(h, [npService('TCP')], [slice('TCP', [{ ip: '10.180.0.1' }]), v6]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '100.101.102.103:3001/TCP']);
    expect(realServers(h, '10.20.30.41:80/TCP')).toEqual(['10.180.0.1:80']);
    expect(realServers(h, '100.101.102.103:3001/TCP')).toEqual(['10.180.0.1:80']);
    expect(setEntries(h, IPSET.clusterIP)).toEqual(['10.20.30.41,tcp:80']);
    expect(setEntries(h, IPSET.nodePortTCP)).toEqual(['3001']);
  });

  it('2: NodePort UDP with nodePortAddresses 0.0.0.0/0, rules in upstream order', () => {
    const h = newHarness({ eth0: ['100.101.102.103'], config: { nodePortAddresses: ['0.0.0.0/0'] } });
    syncWith(h, [npService('UDP')], [slice('UDP', [{ ip: '10.180.0.1' }])]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/UDP', '100.101.102.103:3001/UDP']);
    expect(realServers(h, '10.20.30.41:80/UDP')).toEqual(['10.180.0.1:80']);
    expect(realServers(h, '100.101.102.103:3001/UDP')).toEqual(['10.180.0.1:80']);
    expect(setEntries(h, IPSET.nodePortUDP)).toEqual(['3001']);
    expect(chainRules(h.iptables, IPVS_CHAIN.nodePort)).toEqual([{ jump: IPVS_CHAIN.markMasq, set: IPSET.nodePortUDP }, HC]);
    expect(chainRules(h.iptables, IPVS_CHAIN.services)).toEqual([
      LOOPBACK_RETURN,
      { jump: IPVS_CHAIN.markMasq, set: IPSET.clusterIP },
      { jump: IPVS_CHAIN.nodePort },
      { jump: 'ACCEPT', set: IPSET.clusterIP },
    ]);
  });

  it('3: NodePort without endpoints has both virtual servers and no real servers', () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    syncWith(h, [npService('TCP')]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '100.101.102.103:3001/TCP']);
    expect(realServers(h, '10.20.30.41:80/TCP')).toEqual([]);
    expect(realServers(h, '100.101.102.103:3001/TCP')).toEqual([]);
  });

  it('4: SCTP NodePort on several node IPs uses one hash:ip,port entry per node IP', () => {
    const h = newHarness({ eth0: ['100.101.102.103', '100.101.102.104', '100.101.102.105', '2001:db8::1:1', '2001:db8::1:2', '2001:db8::1:3'] });
    syncWith(h, [npService('SCTP')], [slice('SCTP', [{ ip: '10.180.0.1' }])]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/SCTP', '100.101.102.103:3001/SCTP', '100.101.102.104:3001/SCTP', '100.101.102.105:3001/SCTP']);
    for (const vs of virtualServers(h)) expect(realServers(h, vs), vs).toEqual(['10.180.0.1:80']);
    expect(setEntries(h, IPSET.nodePortSCTP)).toEqual(['100.101.102.103,sctp:3001', '100.101.102.104,sctp:3001', '100.101.102.105,sctp:3001']);
  });

  it('5: SCTP NodePort with externalTrafficPolicy Local', () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    const eps = [{ ip: '10.180.0.1', nodeName: 'test-node' }, { ip: '10.180.1.1', nodeName: 'other-node' }];
    syncWith(h, [npService('SCTP', { externalTrafficPolicy: 'Local' })], [slice('SCTP', eps)]);
    expect(realServers(h, '10.20.30.41:80/SCTP')).toEqual(['10.180.0.1:80', '10.180.1.1:80']);
    expect(realServers(h, '100.101.102.103:3001/SCTP')).toEqual(['10.180.0.1:80']);
    expect(setEntries(h, IPSET.nodePortSCTP)).toEqual(['100.101.102.103,sctp:3001']);
    expect(setEntries(h, IPSET.nodePortLocalSCTP)).toEqual(['100.101.102.103,sctp:3001']);
    expect(chainRules(h.iptables, IPVS_CHAIN.nodePort)).toEqual([
      { jump: 'RETURN', set: IPSET.nodePortLocalSCTP },
      { jump: IPVS_CHAIN.markMasq, set: IPSET.nodePortSCTP },
      HC,
    ]);
  });

  it('6: an IPv4 proxier ignores IPv6 ClusterIPs and slices', () => {
    const h = newHarness();
    const svc2 = makeService('ns2', 'svc2', { clusterIP: '1002:ab8::2:1', ports: [{ name: 'p8080', port: 8080 }] });
    const slice2 = makeSlice('ns2', 'svc2-1', { service: 'svc2', addressType: 'IPv6', ports: [{ name: 'p8080', port: 8080 }], endpoints: [{ ip: '1009:ab8::5:6' }] });
    const svc1 = makeService('ns1', 'svc1', { clusterIP: '10.20.30.41', ports: [p80] });
    syncWith(h, [svc1, svc2], [slice('TCP', [{ ip: '10.180.0.1' }]), slice2]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP']);
    expect(realServers(h, '10.20.30.41:80/TCP')).toEqual(['10.180.0.1:80']);
  });

  it('7: ClusterIP without endpoints: a virtual server with no real servers, VIP bound', () => {
    const h = newHarness();
    syncWith(h, [makeService('ns1', 'svc1', { clusterIP: '10.20.30.41', ports: [p80] })]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP']);
    expect(realServers(h, '10.20.30.41:80/TCP')).toEqual([]);
    expect(h.netlink.addresses('kube-ipvs0')).toEqual(['10.20.30.41']);
  });

  it('8: externalIP without endpoints', () => {
    const h = newHarness();
    const r = syncWith(h, [makeService('ns1', 'svc1', { clusterIP: '10.20.30.41', ports: [p80], externalIPs: ['50.60.70.81'] })]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '50.60.70.81:80/TCP']);
    expect(realServers(h, '50.60.70.81:80/TCP')).toEqual([]);
    expect(setEntries(h, IPSET.externalIP)).toEqual(['50.60.70.81,tcp:80']);
    expect(h.netlink.addresses('kube-ipvs0')).toEqual(['10.20.30.41', '50.60.70.81']);
    // The emulated iptables has no -m physdev: that one ACCEPT rule is left out and said so.
    expect(r.rulesOmitted.map((o) => o.module)).toEqual(['physdev']);
  });

  it('9: externalIPs with externalTrafficPolicy Local use only local endpoints and the LOCAL set', () => {
    const h = newHarness();
    const svc = npService('TCP', { externalIPs: ['50.60.70.81', '2012::51', '127.0.0.1'], externalTrafficPolicy: 'Local' });
    syncWith(h, [svc], [slice('TCP', [{ ip: '10.180.0.1', nodeName: 'test-node' }, { ip: '10.180.1.1', nodeName: 'other-node' }])]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '127.0.0.1:80/TCP', '50.60.70.81:80/TCP']);
    expect(realServers(h, '50.60.70.81:80/TCP')).toEqual(['10.180.0.1:80']);
    expect(realServers(h, '127.0.0.1:80/TCP')).toEqual(['10.180.0.1:80']);
    expect(setEntries(h, IPSET.externalIPLocal)).toEqual(['127.0.0.1,tcp:80', '50.60.70.81,tcp:80']);
    expect(setEntries(h, IPSET.externalIP)).toEqual([]);
  });

  it('10: LoadBalancer without node IPs: ClusterIP and ingress virtual servers, KUBE-SERVICES order', () => {
    const h = newHarness();
    const svc = makeService('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '10.20.30.41', ports: [{ ...p80, nodePort: 3001 }], loadBalancerIngress: ['1.2.3.4'] });
    // Upstream's slice declares the port as UDP, so it matches no TCP port; real servers are not asserted.
    syncWith(h, [svc], [slice('UDP', [{ ip: '10.180.0.1' }])]);
    expect(virtualServers(h)).toEqual(['1.2.3.4:80/TCP', '10.20.30.41:80/TCP']);
    expect(setEntries(h, IPSET.loadBalancer)).toEqual(['1.2.3.4,tcp:80']);
    expect(chainRules(h.iptables, IPVS_CHAIN.services)).toEqual([
      LOOPBACK_RETURN,
      { jump: IPVS_CHAIN.loadBalancer, set: IPSET.loadBalancer },
      { jump: IPVS_CHAIN.markMasq, set: IPSET.clusterIP },
      { jump: IPVS_CHAIN.nodePort },
      { jump: 'ACCEPT', set: IPSET.clusterIP },
      { jump: 'ACCEPT', set: IPSET.loadBalancer },
    ]);
    expect(chainRules(h.iptables, IPVS_CHAIN.loadBalancer)).toEqual([{ jump: IPVS_CHAIN.markMasq }]);
  });

  it('11: loadBalancerSourceRanges fill the firewall sets; the node, outside the ranges, is shut out', () => {
    const svc = makeService('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '10.20.30.41', ports: [p80], loadBalancerIngress: ['1.2.3.4'], loadBalancerSourceRanges: ['10.0.0.0/8'] });
    const eps = [slice('TCP', [{ ip: '10.180.0.1' }])];
    const outFilter = '-A KUBE-IPVS-OUT-FILTER -s 1.2.3.4 -m ipvs --vaddr 1.2.3.4 --vproto tcp --vport 80 -j DROP';

    const h = newHarness();
    const r = syncWith(h, [svc], eps);
    expect(virtualServers(h)).toHaveLength(2);
    expect(realServers(h, '1.2.3.4:80/TCP')).toEqual(['10.180.0.1:80']);
    expect(setEntries(h, IPSET.loadBalancer)).toEqual(['1.2.3.4,tcp:80']);
    expect(setEntries(h, IPSET.loadBalancerFW)).toEqual(['1.2.3.4,tcp:80']);
    expect(setEntries(h, IPSET.loadBalancerSourceCIDR)).toEqual(['1.2.3.4,tcp:80,10.0.0.0/8']);
    expect(setEntries(h, IPSET.loadBalancerSourceIP)).toEqual([]);
    expect(chainRules(h.iptables, IPVS_CHAIN.proxyFirewall)).toEqual([{ jump: IPVS_CHAIN.sourceRangesFirewall, set: IPSET.loadBalancerFW }]);
    expect(chainRules(h.iptables, IPVS_CHAIN.sourceRangesFirewall)).toEqual([{ jump: 'RETURN', set: IPSET.loadBalancerSourceCIDR }, { jump: 'DROP' }]);
    // The emulated iptables has no -m ipvs: the drop is reported, not silently lost.
    expect(r.rulesOmitted).toEqual([{ table: 'filter', rule: outFilter, module: 'ipvs' }]);
    expect(chainRules(h.iptables, IPVS_CHAIN.ipvsOutFilter)).toEqual([]);

    // Where the match exists, the rule is written as kube-proxy writes it.
    const f = newHarness({ iptables: 'fake', proxier: { supportsIpvsMatch: true } });
    const rf = syncWith(f, [svc], eps);
    expect(rf.rulesOmitted).toEqual([]);
    expect(f.fakeIptables?.rules('filter', IPVS_CHAIN.ipvsOutFilter)).toEqual([outFilter]);
  });

  it('12: LoadBalancer with externalTrafficPolicy Local', () => {
    const h = newHarness();
    const svc = makeService('ns1', 'svc1', {
      type: 'LoadBalancer',
      clusterIP: '10.20.30.41',
      ports: [{ ...p80, nodePort: 3001 }],
      loadBalancerIngress: ['1.2.3.4'],
      externalTrafficPolicy: 'Local',
    });
    syncWith(h, [svc], [slice('TCP', [{ ip: '10.180.0.1', nodeName: 'test-node' }, { ip: '10.180.1.1', nodeName: 'other-node' }])]);
    expect(virtualServers(h)).toHaveLength(2);
    expect(realServers(h, '1.2.3.4:80/TCP')).toEqual(['10.180.0.1:80']);
    expect(setEntries(h, IPSET.loadBalancer)).toEqual(['1.2.3.4,tcp:80']);
    expect(setEntries(h, IPSET.loadBalancerLocal)).toEqual(['1.2.3.4,tcp:80']);
    expect(chainRules(h.iptables, IPVS_CHAIN.loadBalancer)).toEqual([{ jump: 'RETURN', set: IPSET.loadBalancerLocal }, { jump: IPVS_CHAIN.markMasq }]);
  });

  it('13: NodePort eTP Local limited by nodePortAddresses', () => {
    const h = newHarness({ eth0: ['100.101.102.103'], config: { nodePortAddresses: ['100.101.102.0/24'] } });
    h.netlink.setLocalAddresses('eth1', '2001:db8::');
    syncWith(h, [npService('TCP', { externalTrafficPolicy: 'Local' })], [slice('TCP', [{ ip: '10.180.0.1', nodeName: 'test-node' }, { ip: '10.180.1.1', nodeName: 'other-node' }])]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '100.101.102.103:3001/TCP']);
    expect(realServers(h, '100.101.102.103:3001/TCP')).toEqual(['10.180.0.1:80']);
    expect(setEntries(h, IPSET.nodePortTCP)).toEqual(['3001']);
    expect(setEntries(h, IPSET.nodePortLocalTCP)).toEqual(['3001']);
    expect(chainRules(h.iptables, IPVS_CHAIN.nodePort)).toEqual([
      { jump: 'RETURN', set: IPSET.nodePortLocalTCP },
      { jump: IPVS_CHAIN.markMasq, set: IPSET.nodePortTCP },
      HC,
    ]);
  });

  it('14: only eTP Local LoadBalancers contribute health-check node ports; changes follow', () => {
    const h = newHarness({ eth0: ['100.101.102.103'], config: { nodePortAddresses: ['100.101.102.0/24'] } });
    const lb = (name: string, policy: 'Local' | 'Cluster', hc: number) =>
      makeService('ns1', name, { type: 'LoadBalancer', clusterIP: '10.20.30.41', ports: [{ ...p80, nodePort: 3000 }], externalTrafficPolicy: policy, healthCheckNodePort: hc });
    syncWith(h, [lb('valid-svc1', 'Local', 30000), lb('valid-svc2', 'Local', 30001), lb('invalid-svc3', 'Cluster', 30002)]);
    expect(setEntries(h, IPSET.healthCheckNodePort)).toEqual(['30000', '30001']);
    expect(chainRules(h.iptables, IPVS_CHAIN.nodePort)).toEqual([
      { jump: 'RETURN', set: IPSET.nodePortLocalTCP },
      { jump: IPVS_CHAIN.markMasq, set: IPSET.nodePortTCP },
      HC,
    ]);

    // TestHealthCheckNodePortE2E: a changed port replaces the entry, a deleted Service empties the set.
    const e = newHarness({ eth0: ['100.101.102.103'] });
    syncWith(e, [lb('svc1', 'Local', 30000)]);
    expect(setEntries(e, IPSET.healthCheckNodePort)).toEqual(['30000']);
    syncWith(e, [lb('svc1', 'Local', 30001)]);
    expect(setEntries(e, IPSET.healthCheckNodePort)).toEqual(['30001']);
    syncWith(e, []);
    expect(setEntries(e, IPSET.healthCheckNodePort)).toEqual([]);
  });

  it('15: ClientIP session affinity makes every virtual server persistent with its timeout', () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    syncWith(h, [npService('TCP', { externalIPs: ['50.60.70.81'], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 10800 })]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '100.101.102.103:3001/TCP', '50.60.70.81:80/TCP']);
    for (const key of virtualServers(h)) {
      expect(virtualServer(h, key), key).toMatchObject({ timeout: 10800, flags: 0x1, scheduler: 'rr' });
    }
  });
});
