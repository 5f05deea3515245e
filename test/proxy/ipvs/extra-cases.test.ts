import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../../src/addr/index.js';
import { IPSET, IPVS_CHAINS } from '../../../src/proxy/index.js';
import { makeService, makeSlice, type EndpointSpec } from '../support/objects.js';
import { checkedSync, newHarness, realServers, savedRules, setEntries, syncWith, virtualServers } from './support.js';

/** The extra upstream cases listed after the 15 of reference §5. */
describe('IPVS proxier extra cases (reference §5, after the 15)', () => {
  it('hairpin set and readiness (TestEndpointSliceE2E)', () => {
    const h = newHarness();
    // The Service port number is left unset, so the virtual server listens on port 0.
    const svc = makeService('ns1', 'svc1', { clusterIP: '172.20.1.1', ports: [{ port: 0, targetPort: 80 }] });
    const slice = makeSlice('ns1', 'svc1-1', {
      service: 'svc1',
      ports: [{ port: 80 }],
      endpoints: [
        { ip: '10.0.1.1', nodeName: 'test-node' },
        { ip: '10.0.1.2', nodeName: 'node2' },
        { ip: '10.0.1.3', nodeName: 'node3' },
        { ip: '10.0.1.4', nodeName: 'node3', ready: false, serving: false },
      ],
    });
    syncWith(h, [svc], [slice]);
    expect(virtualServers(h)).toEqual(['172.20.1.1:0/TCP']);
    expect(realServers(h, '172.20.1.1:0/TCP')).toEqual(['10.0.1.1:80', '10.0.1.2:80', '10.0.1.3:80']);
    expect(setEntries(h, IPSET.loopBack)).toEqual(['10.0.1.1,tcp:80,10.0.1.1']);

    h.proxier.onEndpointSliceDelete('ns1', 'svc1-1');
    checkedSync(h);
    expect(virtualServers(h)).toEqual(['172.20.1.1:0/TCP']);
    expect(realServers(h, '172.20.1.1:0/TCP')).toEqual([]);
    expect(setEntries(h, IPSET.loopBack)).toEqual([]);
  });

  describe('serving-terminating fallback', () => {
    const endpoints = (fifthReady: boolean): EndpointSpec[] => [
      { ip: '10.0.1.1', nodeName: 'test-node', ready: false, serving: true, terminating: true },
      { ip: '10.0.1.2', nodeName: 'test-node', ready: false, serving: true, terminating: true },
      { ip: '10.0.1.3', nodeName: 'test-node', ready: false, serving: false, terminating: true },
      { ip: '10.0.1.4', nodeName: 'another-host', ready: false, serving: true, terminating: true },
      fifthReady ? { ip: '10.0.1.5', nodeName: 'another-host' } : { ip: '10.0.1.5', nodeName: 'another-host', ready: false, serving: false, terminating: false },
    ];
    const run = (policy: 'Cluster' | 'Local', fifthReady: boolean) => {
      const h = newHarness();
      const svc = makeService('ns1', 'svc1', {
        type: 'NodePort',
        clusterIP: '172.20.1.1',
        ports: [{ port: 80, nodePort: 30010 }],
        externalIPs: ['1.2.3.4'],
        externalTrafficPolicy: policy,
        healthCheckNodePort: 0,
      });
      syncWith(h, [svc], [makeSlice('ns1', 'svc1-1', { service: 'svc1', ports: [{ port: 80 }], endpoints: endpoints(fifthReady) })]);
      return h;
    };

    it('eTP Cluster: no ready endpoint, so every serving-terminating one is used (Test_EndpointSliceOnlyReadyAndTerminatingCluster)', () => {
      const h = run('Cluster', false);
      expect(virtualServers(h)).toEqual(['1.2.3.4:80/TCP', '172.20.1.1:80/TCP']);
      for (const vs of virtualServers(h)) expect(realServers(h, vs), vs).toEqual(['10.0.1.1:80', '10.0.1.2:80', '10.0.1.4:80']);
      // Every local endpoint, whatever its conditions.
      expect(setEntries(h, IPSET.loopBack)).toEqual(['10.0.1.1,tcp:80,10.0.1.1', '10.0.1.2,tcp:80,10.0.1.2', '10.0.1.3,tcp:80,10.0.1.3']);
    });

    it('eTP Local: the cluster side takes the ready remote one, the local side the local serving-terminating ones', () => {
      const h = run('Local', true);
      expect(realServers(h, '172.20.1.1:80/TCP')).toEqual(['10.0.1.5:80']);
      expect(realServers(h, '1.2.3.4:80/TCP')).toEqual(['10.0.1.1:80', '10.0.1.2:80']);
    });
  });

  it('internalTrafficPolicy Local without local endpoints leaves the ClusterIP empty (TestTestInternalTrafficPolicyE2E)', () => {
    const h = newHarness();
    const svc = makeService('ns1', 'svc1', { clusterIP: '10.20.30.41', ports: [{ port: 80 }], internalTrafficPolicy: 'Local' });
    const slice = (nodeName: string) => makeSlice('ns1', 'svc1-1', { service: 'svc1', ports: [{ port: 80 }], endpoints: [{ ip: '10.0.1.1', nodeName }] });
    syncWith(h, [svc], [slice('other-node')]);
    expect(realServers(h, '10.20.30.41:80/TCP')).toEqual([]);
    syncWith(h, [svc], [slice('test-node')]);
    expect(realServers(h, '10.20.30.41:80/TCP')).toEqual(['10.0.1.1:80']);
  });

  it('eTP Local without local endpoints falls back to cluster endpoints for external addresses (kubernetes#97081)', () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    const svc = makeService('ns1', 'svc1', { type: 'NodePort', clusterIP: '10.20.30.41', ports: [{ port: 80, nodePort: 3001 }], externalTrafficPolicy: 'Local' });
    syncWith(h, [svc], [makeSlice('ns1', 'svc1-1', { service: 'svc1', ports: [{ port: 80 }], endpoints: [{ ip: '10.180.1.1', nodeName: 'other-node' }] })]);
    expect(realServers(h, '100.101.102.103:3001/TCP')).toEqual(['10.180.1.1:80']);
  });

  it('stale virtual servers are deleted except inside excludeCIDRs (TestCleanLegacyService)', () => {
    const h = newHarness({ ipvs: { excludeCIDRs: ['3.3.3.0/24', '4.4.4.0/24'] } });
    const legacy: [string, number][] = [
      ['1.1.1.1', 53],
      ['2.2.2.2', 54],
      ['3.3.3.3', 55],
      ['4.4.4.4', 56],
      ['5.5.5.5', 57],
      ['6.6.6.6', 58],
    ];
    for (const [ip, port] of legacy) h.ipvsApi.addVirtualServer({ address: parseIpv4(ip), port, protocol: 'UDP', scheduler: 'rr', flags: 0, timeout: 0 });
    // A real server on a stale virtual server goes with it (TestCleanLegacyServiceWithRealServers).
    h.ipvsApi.addRealServer({ address: parseIpv4('5.5.5.5'), port: 57, protocol: 'UDP', scheduler: 'rr', flags: 0, timeout: 0 }, { address: parseIpv4('10.0.0.9'), port: 57, weight: 1 });
    const svc = (name: string, ip: string, port: number) => makeService('ns1', name, { clusterIP: ip, ports: [{ name: 'p', port, protocol: 'UDP' }] });
    const r = syncWith(h, [svc('svc1', '1.1.1.1', 53), svc('svc2', '2.2.2.2', 54)]);
    expect(r.virtualServersDeleted).toEqual(['5.5.5.5:57/UDP', '6.6.6.6:58/UDP']);
    expect(r.ipvsOps.vsDeleted).toBe(2);
    expect(virtualServers(h)).toEqual(['1.1.1.1:53/UDP', '2.2.2.2:54/UDP', '3.3.3.3:55/UDP', '4.4.4.4:56/UDP']);
  });

  it('a multi-port Service binds its address once and unbinds it when deleted (TestMultiPortServiceBindAddr)', () => {
    const h = newHarness();
    const svc = makeService('ns1', 'svc1', {
      clusterIP: '172.16.55.4',
      ports: [
        { name: 'port1', port: 1234 },
        { name: 'port2', port: 1235 },
        { name: 'port3', port: 1236, protocol: 'UDP' },
      ],
    });
    const first = syncWith(h, [svc]);
    expect(first.addressesBound).toEqual(['172.16.55.4']);
    expect(h.netlink.addresses('kube-ipvs0')).toEqual(['172.16.55.4']);
    // Like upstream, each port asks for the bind (the listing is from the start of the sync); the kernel says "exists".
    expect(h.netlink.calls.filter((c) => c.startsWith('bind'))).toHaveLength(3);
    expect(setEntries(h, IPSET.ipvsIPs)).toEqual(['172.16.55.4']);
    const second = syncWith(h, []);
    expect(second.addressesUnbound).toEqual(['172.16.55.4']);
    expect(h.netlink.addresses('kube-ipvs0')).toEqual([]);
    expect(setEntries(h, IPSET.ipvsIPs)).toEqual([]);
  });

  it('an external IP already on a node interface is not bound to kube-ipvs0 (shouldBind)', () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    syncWith(h, [makeService('ns1', 'svc1', { clusterIP: '10.20.30.41', ports: [{ port: 80 }], externalIPs: ['100.101.102.103', '50.60.70.81'] })]);
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '100.101.102.103:80/TCP', '50.60.70.81:80/TCP']);
    expect(h.netlink.addresses('kube-ipvs0')).toEqual(['10.20.30.41', '50.60.70.81']);
    expect(h.netlink.addresses('eth0')).toEqual(['100.101.102.103']);
  });

  it('a load-balancer ingress with ipMode Proxy gets no virtual server (TestLoadBalancerIngressRouteTypeProxy)', () => {
    const cases: [string, 'VIP' | 'Proxy' | null, number][] = [
      ['ipMode VIP', 'VIP', 2],
      ['ipMode Proxy', 'Proxy', 1],
      ['ipMode unset', null, 2],
    ];
    for (const [name, ipMode, count] of cases) {
      const h = newHarness();
      const ingress = ipMode === null ? '1.2.3.4' : { ip: '1.2.3.4', ipMode };
      syncWith(h, [makeService('ns1', 'svc1', { type: 'LoadBalancer', clusterIP: '10.20.30.41', ports: [{ port: 80 }], loadBalancerIngress: [ingress] })]);
      expect(virtualServers(h), name).toHaveLength(count);
    }
  });

  it('creates kube-proxy’s chains and built-in jumps (TestCreateAndLinkKubeChain)', () => {
    const h = newHarness();
    const r = syncWith(h, []);
    const declared = (table: string) =>
      r.payload
        .split('*')
        .find((t) => t.startsWith(table))
        ?.split('\n')
        .filter((l) => l.startsWith(':'))
        .map((l) => l.slice(1).split(' ')[0]);
    expect(declared('nat')).toEqual(['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ']);
    expect(declared('filter')).toEqual(['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER']);
    expect(IPVS_CHAINS.map((c) => `${c.table}/${c.chain}`)).toHaveLength(11);

    // Prepending one at a time leaves the built-in chains in reverse list order; a second sync adds nothing.
    checkedSync(h);
    const targets = (table: 'nat' | 'filter', chain: string) => savedRules(h.iptables, table, chain).map((l) => l.split(' -j ')[1]);
    expect(targets('filter', 'INPUT')).toEqual(['KUBE-IPVS-FILTER', 'KUBE-PROXY-FIREWALL', 'KUBE-NODE-PORT']);
    expect(targets('filter', 'FORWARD')).toEqual(['KUBE-PROXY-FIREWALL', 'KUBE-FORWARD']);
    expect(targets('filter', 'OUTPUT')).toEqual(['KUBE-IPVS-OUT-FILTER']);
    expect(targets('nat', 'PREROUTING')).toEqual(['KUBE-SERVICES']);
    expect(targets('nat', 'OUTPUT')).toEqual(['KUBE-SERVICES']);
    expect(targets('nat', 'POSTROUTING')).toEqual(['KUBE-POSTROUTING']);
    expect(savedRules(h.iptables, 'filter', 'INPUT')[0]).toBe('-A INPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-FILTER');
  });
});
