import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../src/core/index.js';
import { isServiceChainName, type SyncReport } from '../../src/proxy/index.js';
import { makeFixture, type Fixture } from './support/fixture.js';
import { makeService, makeSlice } from './support/objects.js';
import { sortIPTablesRules } from './support/sort-rules.js';

/**
 * Upstream's TestSyncProxyRulesRepeated (reference §3.3), step by step against the fake's
 * KEP-3453 restore semantics: which per-service chains each partial payload writes and deletes,
 * and how the nat rule total moves.
 */

const FILTER = `*filter
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-EXTERNAL-SERVICES - [0:0]
:KUBE-FIREWALL - [0:0]
:KUBE-FORWARD - [0:0]
:KUBE-PROXY-FIREWALL - [0:0]
-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT
-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
COMMIT
`;
const NAT_FIXED = `-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN
-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000
-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE`;

const svc = (n: number, port: number, ip: string) =>
  makeService(`ns${n}`, `svc${n}`, { clusterIP: ip, ports: [{ name: `p${port}`, port }] });
const slice = (n: number, port: number, ...ips: string[]) =>
  makeSlice(`ns${n}`, `svc${n}-abc`, { service: `svc${n}`, ports: [{ name: `p${port}`, port }], endpoints: ips.map((ip) => ({ ip })) });

/** Per-service chains of a report, sorted. */
function serviceChains(r: SyncReport): string[] {
  return r.chainsWritten.nat.filter(isServiceChainName).sort();
}

/** The fake's nat rule count, minus the three built-in jumps kube-proxy ensures. */
function kernelNatRules(f: Fixture): number {
  return f.iptables.ruleCount('nat') - 3;
}

function ok(f: Fixture): SyncReport {
  const r = f.proxier.sync();
  expect(r.error).toBeNull();
  expect(r.ok).toBe(true);
  expect(r.natRulesTotal).toBe(kernelNatRules(f));
  return r;
}

describe('TestSyncProxyRulesRepeated', () => {
  it('runs the partial-sync sequence of §3.3', () => {
    const f = makeFixture();
    const p = f.proxier;
    p.onServiceUpdate(svc(1, 80, '172.30.0.41'));
    p.onServiceUpdate(svc(2, 8080, '172.30.0.42'));
    p.onEndpointSliceUpdate(slice(1, 80, '10.0.1.1'));
    p.onEndpointSliceUpdate(slice(2, 8080, '10.0.2.1'));

    // 1. The first sync is full and writes everything.
    const r1 = ok(f);
    expect(r1.full).toBe(true);
    expect(serviceChains(r1)).toEqual(['KUBE-SEP-SNQ3ZNILQDEJNDQO', 'KUBE-SEP-UHEGFW77JX3KXTOV', 'KUBE-SVC-2VJB64SDSIJUP5T6', 'KUBE-SVC-XPGD46QRK7WJZT7O']);
    expect(r1.natRulesTotal).toBe(15);

    // 2. Adding svc3 writes only its chains; KUBE-SERVICES is complete.
    p.onServiceUpdate(svc(3, 80, '172.30.0.43'));
    p.onEndpointSliceUpdate(slice(3, 80, '10.0.3.1'));
    const r2 = ok(f);
    expect(r2.full).toBe(false);
    expect(r2.servicesWritten).toEqual(['ns3/svc3']);
    expect(r2.chainsDeleted).toEqual([]);
    expect(r2.natRulesTotal - r1.natRulesTotal).toBe(5);
    expect(sortIPTablesRules(r2.payload)).toBe(
      FILTER +
        `*nat
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-BSWRHOQ77KEXZLNL - [0:0]
:KUBE-SVC-X27LE4BHSL4DOUIK - [0:0]
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SERVICES -m comment --comment "ns2/svc2:p8080 cluster IP" -m tcp -p tcp -d 172.30.0.42 --dport 8080 -j KUBE-SVC-2VJB64SDSIJUP5T6
-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
${NAT_FIXED}
-A KUBE-SEP-BSWRHOQ77KEXZLNL -m comment --comment ns3/svc3:p80 -s 10.0.3.1 -j KUBE-MARK-MASQ
-A KUBE-SEP-BSWRHOQ77KEXZLNL -m comment --comment ns3/svc3:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.3.1:80
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ
-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.1:80" -j KUBE-SEP-BSWRHOQ77KEXZLNL
COMMIT
`,
    );

    // 3. Deleting svc2 flushes and deletes its chains.
    p.onServiceDelete('ns2', 'svc2');
    p.onEndpointSliceDelete('ns2', 'svc2-abc');
    const r3 = ok(f);
    expect(r3.full).toBe(false);
    expect(serviceChains(r3)).toEqual([]);
    expect(r3.chainsDeleted).toEqual(['KUBE-SEP-UHEGFW77JX3KXTOV', 'KUBE-SVC-2VJB64SDSIJUP5T6']);
    expect(r3.natRulesTotal - r2.natRulesTotal).toBe(-5);
    expect(sortIPTablesRules(r3.payload)).toBe(
      FILTER +
        `*nat
:KUBE-NODEPORTS - [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-MARK-MASQ - [0:0]
:KUBE-POSTROUTING - [0:0]
:KUBE-SEP-UHEGFW77JX3KXTOV - [0:0]
:KUBE-SVC-2VJB64SDSIJUP5T6 - [0:0]
-A KUBE-SERVICES -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 -j KUBE-SVC-XPGD46QRK7WJZT7O
-A KUBE-SERVICES -m comment --comment "ns3/svc3:p80 cluster IP" -m tcp -p tcp -d 172.30.0.43 --dport 80 -j KUBE-SVC-X27LE4BHSL4DOUIK
${NAT_FIXED}
-X KUBE-SEP-UHEGFW77JX3KXTOV
-X KUBE-SVC-2VJB64SDSIJUP5T6
COMMIT
`,
    );
    expect(f.iptables.hasChain('nat', 'KUBE-SVC-2VJB64SDSIJUP5T6')).toBe(false);
    expect(f.iptables.hasChain('nat', 'KUBE-SEP-UHEGFW77JX3KXTOV')).toBe(false);

    // 4. A Service without endpoints only gets a filter REJECT.
    p.onServiceUpdate(svc(4, 80, '172.30.0.44'));
    const r4 = ok(f);
    expect(serviceChains(r4)).toEqual([]);
    expect(r4.chainsDeleted).toEqual([]);
    expect(r4.natRulesTotal - r3.natRulesTotal).toBe(0);
    expect(r4.payload).toContain('-A KUBE-SERVICES -m comment --comment "ns4/svc4:p80 has no endpoints" -m tcp -p tcp -d 172.30.0.44 --dport 80 -j REJECT\n');
    expect(r4.filterRules).toBe(5);

    // 5. Its endpoint arrives: SVC and SEP chains appear.
    p.onEndpointSliceUpdate(slice(4, 80, '10.0.4.1'));
    const r5 = ok(f);
    expect(serviceChains(r5)).toEqual(['KUBE-SEP-AYCN5HPXMIRJNJXU', 'KUBE-SVC-4SW47YFZTEDKD3PK']);
    expect(r5.natRulesTotal - r4.natRulesTotal).toBe(5);
    expect(r5.filterRules).toBe(4);

    // 6. svc3's endpoint changes address: SVC rewritten, new SEP, old SEP deleted.
    p.onEndpointSliceUpdate(slice(3, 80, '10.0.3.2'));
    const r6 = ok(f);
    expect(serviceChains(r6)).toEqual(['KUBE-SEP-DKCFIS26GWF2WLWC', 'KUBE-SVC-X27LE4BHSL4DOUIK']);
    expect(r6.chainsDeleted).toEqual(['KUBE-SEP-BSWRHOQ77KEXZLNL']);
    expect(r6.natRulesTotal - r5.natRulesTotal).toBe(0);

    // 7. A second endpoint for svc3: a probability rule and one more SEP.
    p.onEndpointSliceUpdate(slice(3, 80, '10.0.3.2', '10.0.3.3'));
    const r7 = ok(f);
    expect(serviceChains(r7)).toEqual(['KUBE-SEP-DKCFIS26GWF2WLWC', 'KUBE-SEP-JVVZVJ7BSEPPRNBS', 'KUBE-SVC-X27LE4BHSL4DOUIK']);
    expect(r7.payload).toContain(
      '-A KUBE-SVC-X27LE4BHSL4DOUIK -m comment --comment "ns3/svc3:p80 -> 10.0.3.2:80" -m statistic --mode random --probability 0.5000000000 -j KUBE-SEP-DKCFIS26GWF2WLWC\n',
    );
    expect(r7.natRulesTotal - r6.natRulesTotal).toBe(3);

    // 8. Nothing changed: only the top-level chains.
    const r8 = ok(f);
    expect(r8.full).toBe(false);
    expect(r8.chainsWritten.nat).toEqual(['KUBE-SERVICES', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']);
    expect(r8.chainsDeleted).toEqual([]);
    expect(r8.natRulesTotal - r7.natRulesTotal).toBe(0);
    // Unchanged slices re-sent as new objects are not changes either.
    p.onEndpointSliceUpdate(slice(3, 80, '10.0.3.2', '10.0.3.3'));
    expect(serviceChains(ok(f))).toEqual([]);

    // 9. A foreign rule still jumps to svc4's SEP chain, so deleting svc4 fails the partial
    //    restore; the next sync is full and repairs everything.
    f.iptables.appendRaw('nat', '-A KUBE-SVC-X27LE4BHSL4DOUIK -j KUBE-SEP-AYCN5HPXMIRJNJXU');
    p.onServiceDelete('ns4', 'svc4');
    p.onEndpointSliceDelete('ns4', 'svc4-abc');
    const r9 = p.sync();
    expect(r9.full).toBe(false);
    expect(r9.ok).toBe(false);
    expect(r9.error?.code).toBe('IPTABLES_CHAIN_IN_USE');
    expect(r9.chainsDeleted).toEqual(['KUBE-SEP-AYCN5HPXMIRJNJXU', 'KUBE-SVC-4SW47YFZTEDKD3PK']);
    expect(p.metrics.partialRestoreFailures).toBe(1);
    expect(p.metrics.restoreFailures).toBe(1);
    expect(p.nextSyncIsFull).toBe(true);
    expect(f.iptables.hasChain('nat', 'KUBE-SEP-AYCN5HPXMIRJNJXU')).toBe(true);

    const r10 = ok(f);
    expect(r10.full).toBe(true);
    expect(serviceChains(r10)).toEqual([
      'KUBE-SEP-DKCFIS26GWF2WLWC',
      'KUBE-SEP-JVVZVJ7BSEPPRNBS',
      'KUBE-SEP-SNQ3ZNILQDEJNDQO',
      'KUBE-SVC-X27LE4BHSL4DOUIK',
      'KUBE-SVC-XPGD46QRK7WJZT7O',
    ]);
    expect(r10.chainsDeleted).toEqual(['KUBE-SEP-AYCN5HPXMIRJNJXU', 'KUBE-SVC-4SW47YFZTEDKD3PK']);
    expect(r10.natRulesTotal).toBe(18);
    expect(f.iptables.rules('nat', 'KUBE-SVC-X27LE4BHSL4DOUIK').some((r) => r.includes('AYCN5HPXMIRJNJXU'))).toBe(false);
    expect(p.metrics).toMatchObject({ syncs: 11, fullSyncs: 2, partialSyncs: 9 });
  });

  it('installs the built-in jumps on full syncs only, prepending them in list order', () => {
    const f = makeFixture();
    f.proxier.sync();
    expect(f.iptables.rules('filter', 'INPUT')).toEqual([
      '-A INPUT -j KUBE-FIREWALL',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
      '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]);
    expect(f.iptables.rules('filter', 'FORWARD')).toEqual([
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    ]);
    expect(f.iptables.rules('filter', 'OUTPUT')).toEqual([
      '-A OUTPUT -j KUBE-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
      '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    ]);
    expect(f.iptables.rules('nat', 'PREROUTING')).toEqual(['-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    expect(f.iptables.rules('nat', 'OUTPUT')).toEqual(['-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES']);
    expect(f.iptables.rules('nat', 'POSTROUTING')).toEqual(['-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING']);
    expect([...f.nfacct.counters].sort()).toEqual(['ct_state_invalid_dropped_pkts', 'localhost_nps_accepted_pkts']);

    const before = f.iptables.calls.length;
    expect(f.proxier.sync().full).toBe(false);
    expect(f.iptables.calls.length).toBe(before);
    // A second full sync finds the jumps in place and does not duplicate them.
    f.proxier.forceFullSync();
    expect(f.proxier.sync().full).toBe(true);
    expect(f.iptables.rules('filter', 'INPUT')).toHaveLength(4);
  });

  it('forces a full sync when the canary chains disappear', () => {
    const f = makeFixture();
    expect(f.proxier.checkCanaries()).toBe(false);
    f.proxier.sync();
    expect(f.proxier.checkCanaries()).toBe(false);
    expect(f.proxier.nextSyncIsFull).toBe(false);
    f.iptables.deleteChain('nat', 'KUBE-PROXY-CANARY');
    expect(f.proxier.checkCanaries()).toBe(true);
    expect(f.proxier.nextSyncIsFull).toBe(true);
  });

  it('keeps syncing fully after a failed full restore, counting only a restore failure', () => {
    const f = makeFixture();
    f.iptables.failNextRestore = new KpemuError('IPTABLES_PARSE', 'injected');
    const r1 = f.proxier.sync();
    expect(r1).toMatchObject({ full: true, ok: false });
    expect(r1.error?.code).toBe('IPTABLES_PARSE');
    expect(f.proxier.metrics).toMatchObject({ restoreFailures: 1, partialRestoreFailures: 0 });
    expect(f.proxier.sync()).toMatchObject({ full: true, ok: true });
    expect(f.proxier.sync()).toMatchObject({ full: false, ok: true });
  });

  it('stops before building the payload when a built-in jump cannot be ensured', () => {
    const f = makeFixture();
    const ensureRule = f.iptables.ensureRule.bind(f.iptables);
    let broken = true;
    f.iptables.ensureRule = (pos, table, chain, args) => {
      if (broken && chain === 'POSTROUTING') throw new KpemuError('IPTABLES_NO_CHAIN', 'no POSTROUTING here');
      return ensureRule(pos, table, chain, args);
    };
    const r = f.proxier.sync();
    expect(r).toMatchObject({ full: true, ok: false, payload: '', lines: 0 });
    expect(r.error?.code).toBe('IPTABLES_NO_CHAIN');
    expect(f.iptables.restores).toHaveLength(0);
    broken = false;
    expect(f.proxier.sync()).toMatchObject({ full: true, ok: true });
  });

  it('lets errors that are not KpemuErrors (bugs) propagate', () => {
    const f = makeFixture();
    f.iptables.restoreAll = () => {
      throw new TypeError('bug');
    };
    expect(() => f.proxier.sync()).toThrow(TypeError);
  });
});
