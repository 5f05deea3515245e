import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IPSET, IPSET_INFO } from '../../../src/proxy/index.js';
import { makeService, makeSlice } from '../support/objects.js';
import { newHarness, setEntries, syncWith, virtualServer, virtualServers, weightedRealServers } from './support.js';

/**
 * The full restore payload of reference §3.3, derived from upstream's writeIptablesRules for one
 * NodePort TCP Service (upstream's IPVS tests have no full-text dump), with the IPVS and ipset
 * state that goes with it. The golden file was written from the reference, not from our output.
 */
describe('IPVS proxier golden dump (reference §3.3)', () => {
  const golden = readFileSync(new URL('./golden/nodeport-tcp.restore', import.meta.url), 'utf8');
  const run = () => {
    const h = newHarness({ eth0: ['100.101.102.103'] });
    const svc = makeService('ns1', 'svc1', { type: 'NodePort', clusterIP: '10.20.30.41', ports: [{ name: 'p80', port: 80, nodePort: 3001 }] });
    const slice = makeSlice('ns1', 'svc1-1', { service: 'svc1', ports: [{ name: 'p80', port: 80 }], endpoints: [{ ip: '10.180.0.1', nodeName: 'test-node' }] });
    return { h, r: syncWith(h, [svc], [slice]) };
  };

  it('writes exactly the derived payload', () => {
    const { r } = run();
    expect(r.payload).toBe(golden);
    expect(r.iptablesLines).toBe(golden.trimEnd().split('\n').length);
    expect(r.rulesOmitted).toEqual([]);
  });

  it('leaves the matching IPVS, ipset and kube-ipvs0 state', () => {
    const { h } = run();
    expect(virtualServers(h)).toEqual(['10.20.30.41:80/TCP', '100.101.102.103:3001/TCP']);
    for (const key of virtualServers(h)) {
      expect(virtualServer(h, key)).toMatchObject({ scheduler: 'rr', flags: 0, timeout: 0 });
      expect(weightedRealServers(h, key)).toEqual(['10.180.0.1:80=1']);
    }
    const expected: Record<string, string[]> = {
      [IPSET.clusterIP]: ['10.20.30.41,tcp:80'],
      [IPSET.nodePortTCP]: ['3001'],
      [IPSET.loopBack]: ['10.180.0.1,tcp:80,10.180.0.1'],
      [IPSET.ipvsIPs]: ['10.20.30.41'],
    };
    for (const info of IPSET_INFO) expect(setEntries(h, info.name), info.name).toEqual(expected[info.name] ?? []);
    expect(h.netlink.addresses('kube-ipvs0')).toEqual(['10.20.30.41']);
  });
});
