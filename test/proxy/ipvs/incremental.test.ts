import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../../src/core/index.js';
import { IPSET, IPSET_INFO } from '../../../src/proxy/index.js';
import { makeService, makeSlice } from '../support/objects.js';
import { checkedSync, newHarness, realServers, setEntries, syncWith, virtualServers } from './support.js';

/**
 * Every sync is a full pass (as upstream's), but it writes only differences: an unchanged world
 * costs reads and no changes, and a change touches only its own virtual servers, real servers and
 * set entries. Counted both on the report and by the kernel API wrappers.
 */

const svc = (n: number, extra: { nodePort?: number; externalIPs?: string[] } = {}) =>
  makeService(`ns${n}`, `svc${n}`, {
    type: extra.nodePort === undefined ? 'ClusterIP' : 'NodePort',
    clusterIP: `172.30.${n >> 8}.${n & 255}`,
    ports: [{ name: 'p80', port: 80, ...(extra.nodePort === undefined ? {} : { nodePort: extra.nodePort }) }],
    ...(extra.externalIPs === undefined ? {} : { externalIPs: extra.externalIPs }),
  });
const slice = (n: number, ...eps: { ip: string; nodeName?: string }[]) =>
  makeSlice(`ns${n}`, `svc${n}-1`, { service: `svc${n}`, ports: [{ name: 'p80', port: 80 }], endpoints: eps });

const mutations = (h: ReturnType<typeof newHarness>) => {
  const c = h.ipvsApi.counts;
  return { vs: c.addVirtualServer + c.updateVirtualServer + c.deleteVirtualServer, rs: c.addRealServer + c.updateRealServer + c.deleteRealServer };
};

describe('IPVS proxier incremental syncs', () => {
  it('a first sync creates everything, a repeated one changes nothing', () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    const services = [svc(1, { nodePort: 30001 }), svc(2), svc(3, { externalIPs: ['50.60.70.81'] })];
    const slices = [slice(1, { ip: '10.0.1.1', nodeName: 'test-node' }, { ip: '10.0.1.2' }), slice(2, { ip: '10.0.2.1' }), slice(3, { ip: '10.0.3.1' })];
    const first = syncWith(h, services, slices);
    expect(first.ipvsOps).toMatchObject({ vsAdded: 5, vsUpdated: 0, vsDeleted: 0, rsAdded: 7, rsUpdated: 0, rsDeleted: 0 });
    expect(first.ipsetOps).toEqual({ created: 17, added: 10, deleted: 0 });
    expect(first.addressesBound).toEqual(['172.30.0.1', '172.30.0.2', '172.30.0.3', '50.60.70.81']);
    expect(first.virtualServers).toEqual(virtualServers(h));

    const before = mutations(h);
    const ipsetCalls = { add: h.ipsetApi.counts.addEntry, del: h.ipsetApi.counts.delEntry };
    const again = checkedSync(h);
    expect(again.ipvsOps).toMatchObject({ vsAdded: 0, vsUpdated: 0, vsDeleted: 0, rsAdded: 0, rsUpdated: 0, rsDeleted: 0 });
    // Reads stay: upstream asks the kernel about every virtual server twice and lists its real servers.
    expect(again.ipvsOps.reads).toBe(5 * 3 + 1);
    expect(again.ipsetOps).toEqual({ created: 0, added: 0, deleted: 0 });
    expect(again.addressesBound).toEqual([]);
    expect(again.addressesUnbound).toEqual([]);
    expect(mutations(h)).toEqual(before);
    expect(h.ipsetApi.counts.addEntry - ipsetCalls.add).toBe(0);
    expect(h.ipsetApi.counts.delEntry - ipsetCalls.del).toBe(0);
    // The iptables part is a constant set of rules, rewritten identically.
    expect(again.payload).toBe(first.payload);
  });

  it('an endpoint change touches only that Service’s real servers and set entries', () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    const services = [svc(1, { nodePort: 30001 }), svc(2)];
    syncWith(h, services, [slice(1, { ip: '10.0.1.1' }), slice(2, { ip: '10.0.2.1' })]);
    const before = mutations(h);

    // A new local endpoint for svc1: one real server per virtual server of svc1, one hairpin entry.
    const r = syncWith(h, services, [slice(1, { ip: '10.0.1.1' }, { ip: '10.0.1.9', nodeName: 'test-node' }), slice(2, { ip: '10.0.2.1' })]);
    expect(r.ipvsOps).toMatchObject({ vsAdded: 0, vsUpdated: 0, vsDeleted: 0, rsAdded: 2, rsUpdated: 0, rsDeleted: 0 });
    expect(r.ipsetOps).toEqual({ created: 0, added: 1, deleted: 0 });
    expect(mutations(h)).toEqual({ vs: before.vs, rs: before.rs + 2 });
    expect(setEntries(h, IPSET.loopBack)).toEqual(['10.0.1.9,tcp:80,10.0.1.9']);
    expect(realServers(h, '100.101.102.103:30001/TCP')).toEqual(['10.0.1.1:80', '10.0.1.9:80']);
    expect(realServers(h, '172.30.0.2:80/TCP')).toEqual(['10.0.2.1:80']);
  });

  it('a Service change updates its virtual servers in place; a deletion removes exactly its state', () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    syncWith(h, [svc(1, { nodePort: 30001 }), svc(2)], [slice(1, { ip: '10.0.1.1' }), slice(2, { ip: '10.0.2.1' })]);

    // Affinity changes flags and timeout: both svc1 virtual servers are updated, nothing else.
    const sticky = makeService('ns1', 'svc1', { type: 'NodePort', clusterIP: '172.30.0.1', ports: [{ name: 'p80', port: 80, nodePort: 30001 }], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600 });
    const upd = syncWith(h, [sticky, svc(2)], [slice(1, { ip: '10.0.1.1' }), slice(2, { ip: '10.0.2.1' })]);
    expect(upd.ipvsOps).toMatchObject({ vsAdded: 0, vsUpdated: 2, vsDeleted: 0, rsAdded: 0, rsUpdated: 0, rsDeleted: 0 });
    expect(upd.ipsetOps).toEqual({ created: 0, added: 0, deleted: 0 });

    // Deleting svc1: its two virtual servers (with their real servers), its set entries, its address.
    h.proxier.onServiceDelete('ns1', 'svc1');
    h.proxier.onEndpointSliceDelete('ns1', 'svc1-1');
    const del = checkedSync(h);
    expect(del.ipvsOps).toMatchObject({ vsAdded: 0, vsUpdated: 0, vsDeleted: 2, rsAdded: 0, rsDeleted: 0 });
    expect(del.virtualServersDeleted).toEqual(['100.101.102.103:30001/TCP', '172.30.0.1:80/TCP']);
    // KUBE-CLUSTER-IP, KUBE-NODE-PORT-TCP and KUBE-IPVS-IPS each lose one entry.
    expect(del.ipsetOps).toEqual({ created: 0, added: 0, deleted: 3 });
    expect(del.addressesUnbound).toEqual(['172.30.0.1']);
    expect(virtualServers(h)).toEqual(['172.30.0.2:80/TCP']);
    for (const info of IPSET_INFO) expect(setEntries(h, info.name).some((e) => e.includes('172.30.0.1') || e === '30001'), info.name).toBe(false);
  });

  it('a new Service adds only its own virtual server, real servers, entries and address', () => {
    const h = newHarness();
    const services = Array.from({ length: 50 }, (_, i) => svc(i + 1));
    const slices = services.map((_, i) => slice(i + 1, { ip: `10.1.${i}.1` }, { ip: `10.1.${i}.2` }));
    syncWith(h, services, slices);
    const before = mutations(h);
    h.proxier.onServiceUpdate(svc(51));
    h.proxier.onEndpointSliceUpdate(slice(51, { ip: '10.1.51.1' }));
    const r = checkedSync(h);
    expect(r.ipvsOps).toMatchObject({ vsAdded: 1, vsUpdated: 0, vsDeleted: 0, rsAdded: 1, rsUpdated: 0, rsDeleted: 0 });
    expect(r.ipsetOps).toEqual({ created: 0, added: 2, deleted: 0 });
    expect(r.addressesBound).toEqual(['172.30.0.51']);
    expect(mutations(h)).toEqual({ vs: before.vs + 1, rs: before.rs + 1 });
  });

  it('a failed iptables restore stops the sync before unbinding and cleanup; the next sync finishes the job', () => {
    const h = newHarness({ iptables: 'fake' });
    syncWith(h, [svc(1), svc(2)]);
    const fake = h.fakeIptables;
    if (fake === null) throw new Error('fake iptables expected');
    h.proxier.setObjects([svc(1)], []);
    fake.failNextRestore = new KpemuError('IPTABLES_PARSE', 'iptables-restore: line 3 failed');
    const stopped = h.proxier.sync();
    expect(stopped).toMatchObject({ ok: false, stage: 'iptables-restore', addressesUnbound: [], virtualServersDeleted: [] });
    expect(stopped.error?.code).toBe('IPTABLES_PARSE');
    expect(stopped.payload).not.toBe('');
    // As upstream: svc2's address and virtual server outlive the failed sync...
    expect(h.netlink.addresses('kube-ipvs0')).toEqual(['172.30.0.1', '172.30.0.2']);
    expect(virtualServers(h)).toEqual(['172.30.0.1:80/TCP', '172.30.0.2:80/TCP']);
    // ...and the next full pass removes them.
    const repaired = checkedSync(h);
    expect(repaired.addressesUnbound).toEqual(['172.30.0.2']);
    expect(repaired.virtualServersDeleted).toEqual(['172.30.0.2:80/TCP']);
  });
});
