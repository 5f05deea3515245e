import { describe, expect, it } from 'vitest';
import { ManualClock, SeededRng } from '../../../src/core/index.js';
import { parseIpv4 } from '../../../src/addr/index.js';
import { IpsetRegistry, RegistryIpsetApi } from '../../../src/ipset/index.js';
import { NetNamespace } from '../../../src/node/index.js';
import { IPSET_INFO, IPVS_CHAINS, IpvsProxier, type NetlinkApi } from '../../../src/proxy/index.js';
import { describeKernel, withNetns } from '../../support/netns.js';
import { makeConfig } from '../support/objects.js';
import { newHarness, richWorld, setEntries, syncWith } from './support.js';

/**
 * What the proxier renders loads where it should: its set state as `ipset restore` text into a
 * fresh emulated registry and into a real kernel, and its iptables payload into a fresh emulated
 * namespace and into real iptables, with the same contents read back.
 */

const NODE = { eth0: ['100.101.102.103'], proxier: { nodeIPs: ['100.101.102.103'] } } as const;

function sortedDesired(desired: ReadonlyMap<string, ReadonlySet<string>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, entries] of desired) out[name] = [...entries].sort();
  return out;
}

describe('rendered IPVS-mode state loads into the emulated kernel', () => {
  it('fills all 17 sets, and the ipset restore text reproduces them in a fresh registry', () => {
    const h = newHarness(NODE);
    const { services, slices } = richWorld();
    syncWith(h, services, slices);
    const desired = sortedDesired(h.proxier.desiredIpsets());
    for (const info of IPSET_INFO) {
      expect(desired[info.name]?.length, info.name).toBeGreaterThan(0);
      expect(setEntries(h, info.name), info.name).toEqual(desired[info.name]);
    }

    const fresh = new IpsetRegistry(new ManualClock(), new SeededRng(3));
    const text = h.proxier.renderIpsetRestore();
    fresh.restore(text, { exist: true });
    // -exist makes a second load a no-op, as kube-proxy's `create ... -exist` is.
    fresh.restore(text, { exist: true });
    expect(fresh.names()).toEqual(IPSET_INFO.map((i) => i.name));
    for (const info of IPSET_INFO) {
      const [listing] = fresh.list(info.name);
      expect(listing?.type, info.name).toBe(info.type);
      expect(listing?.entries.map((e) => e.text).sort(), info.name).toEqual(desired[info.name]);
    }
  });

  it('the iptables payload restores into a fresh NetNamespace and saves back rule for rule', () => {
    const h = newHarness(NODE);
    const { services, slices } = richWorld();
    const r = syncWith(h, services, slices);
    expect(r.rulesOmitted.map((o) => o.module).sort()).toEqual(['ipvs', 'physdev', 'physdev']);

    const ns = new NetNamespace({ node: 'n2', name: 'host', clock: new ManualClock(), rng: new SeededRng(5) });
    ns.enableIpsets().restore(h.proxier.renderIpsetRestore(), { exist: true });
    ns.iptables.restoreAll(r.payload, { noflush: true, counters: true });
    const written = r.payload.split('\n').filter((l) => l.startsWith('-A ')).length;
    const saved = ['nat', 'filter'].flatMap((t) => ns.iptables.save(t as 'nat' | 'filter').split('\n')).filter((l) => IPVS_CHAINS.some((c) => l.startsWith(`-A ${c.chain} `)));
    expect(saved).toHaveLength(written);
  });

  it('runs against a NetNamespace as its NetlinkApi: VIPs become local addresses of kube-ipvs0', () => {
    const clock = new ManualClock();
    const ns = new NetNamespace({ node: 'test-node', name: 'host', clock, rng: new SeededRng(9) });
    ns.addDevice('eth0', 'ethernet', '02:00:00:00:00:01');
    ns.addAddress('eth0', parseIpv4('100.101.102.103'), 24);
    const netlink: NetlinkApi = ns;
    const h = newHarness(NODE);
    const proxier = new IpvsProxier({
      nodeName: 'test-node',
      nodeIPs: ['100.101.102.103'],
      config: makeConfig({ mode: 'ipvs', clusterCIDR: '' }),
      iptables: ns.iptables,
      ipset: new RegistryIpsetApi(ns.enableIpsets()),
      ipvs: h.ipvsApi,
      netlink,
      hasRandomFully: false,
      clock,
    });
    const { services, slices } = richWorld();
    proxier.setObjects(services, slices);
    const r = proxier.sync();
    expect(r.failures).toEqual([]);
    expect(r.ok).toBe(true);
    // 8 cluster IPs, 2 external IPs, 3 LB VIPs; NodePorts use the node IP, which is never bound.
    expect(r.addressesBound).toHaveLength(8 + 2 + 3);
    expect(ns.isLocal(parseIpv4('10.96.0.10'))).toBe(true);
    expect(ns.isLocal(parseIpv4('1.2.3.6'))).toBe(true);
    expect(r.virtualServers).toContain('100.101.102.103:30080/TCP');
    expect(r.virtualServers.some((k) => k.startsWith('127.'))).toBe(false);
    // A second pass binds nothing new and removes nothing.
    proxier.setObjects(services.slice(1), slices.slice(1));
    const second = proxier.sync();
    expect(second.addressesBound).toEqual([]);
    expect(second.addressesUnbound).toEqual(['10.96.0.10']);
    expect(ns.isLocal(parseIpv4('10.96.0.10'))).toBe(false);
  });

  it('a /32 source range is re-added every sync, as upstream: ipset lists it without the /32', () => {
    const h = newHarness(NODE);
    const { services, slices } = richWorld();
    const host = services.map((s) => (s.metadata.name === 'lb-closed' ? { ...s, spec: { ...s.spec, loadBalancerSourceRanges: ['192.0.2.7/32'] } } : s));
    syncWith(h, host, slices);
    expect(setEntries(h, 'KUBE-LOAD-BALANCER-SOURCE-CIDR')).toContain('1.2.3.5,tcp:443,192.0.2.7');
    const again = syncWith(h, host, slices);
    expect(again.ipsetOps).toEqual({ created: 0, added: 1, deleted: 1 });
  });
});

describeKernel('rendered IPVS-mode state in a real kernel', ['ip', 'ipset', 'iptables-legacy-restore', 'iptables-legacy-save'], () => {
  it('loads the ipset restore text and the payload; the kernel lists exactly the entries kube-proxy would compare', async () => {
    // The real kernel here has xt_physdev but no IPVS (so no xt_ipvs).
    const h = newHarness({ ...NODE, iptables: 'fake', proxier: { ...NODE.proxier, supportsPhysdevMatch: true } });
    const { services, slices } = richWorld();
    const r = syncWith(h, services, slices);
    expect(r.rulesOmitted.map((o) => o.module)).toEqual(['ipvs']);
    const desired = sortedDesired(h.proxier.desiredIpsets());
    await withNetns(['ipvs'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      ns.execOk(['ipset', '-exist', 'restore'], h.proxier.renderIpsetRestore());
      for (const info of IPSET_INFO) {
        const out = ns.execOk(['ipset', 'list', info.name]);
        const members = out.slice(out.indexOf('Members:\n') + 'Members:\n'.length).split('\n').filter((l) => l.trim() !== '').sort();
        expect(members, info.name).toEqual(desired[info.name]);
        expect(out, info.name).toContain(`Type: ${info.type}`);
      }
      ns.execOk(['iptables-legacy-restore', '-w', '--noflush', '--counters'], r.payload);
      const saved = ns.execOk(['iptables-legacy-save']).split('\n');
      const written = r.payload.split('\n').filter((l) => l.startsWith('-A '));
      expect(saved.filter((l) => IPVS_CHAINS.some((c) => l.startsWith(`-A ${c.chain} `)))).toHaveLength(written.length);
      expect(saved).toContain(
        '-A KUBE-SERVICES -m comment --comment "Kubernetes service external ip + port for masquerade and filter purpose" -m set --match-set KUBE-EXTERNAL-IP dst,dst -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT',
      );
    });
  });
});
