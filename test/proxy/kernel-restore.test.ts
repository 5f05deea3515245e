import { expect, it } from 'vitest';
import { IptablesProxier, isServiceChainName } from '../../src/proxy/index.js';
import { describeKernel, withNetns, type Netns } from '../support/netns.js';
import { NODE_IPS, NODE_NAME } from './support/fixture.js';
import { NetnsIptables, NetnsNfacct } from './support/netns-iptables.js';
import { makeConfig, makeService, makeSlice } from './support/objects.js';
import { overallCluster } from './support/overall-cluster.js';
import { parseDump } from './support/sort-rules.js';

/**
 * The payloads load into a real kernel (iptables-legacy in a throw-away namespace): the full
 * TestOverallIPTablesRules payload with the real default mark, and a partial-sync sequence with
 * chain deletion, including the failure a dangling reference causes.
 */
describeKernel('proxier payloads in a real kernel', ['ip', 'iptables-legacy', 'iptables-legacy-restore', 'iptables-legacy-save', 'nfacct'], () => {
  const proxierIn = (ns: Netns) =>
    new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: NODE_IPS, config: makeConfig(), iptables: new NetnsIptables(ns), nfacct: new NetnsNfacct(ns), hasRandomFully: true });

  it('restores the overall payload and saves back the same chains and rule counts', async () => {
    await withNetns(['full'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      const p = proxierIn(ns);
      const { services, slices } = overallCluster();
      p.setObjects(services, slices);
      const r = p.sync();
      expect(r.error).toBeNull();
      expect(r.payload).toContain('--or-mark 0x00004000');
      expect(r.payload).toContain('-j MASQUERADE --random-fully');
      const saved = parseDump(new NetnsIptables(ns).save());
      const written = parseDump(r.payload);
      for (const table of written) {
        const kernel = saved.find((t) => t.name === table.name);
        for (const chain of table.chains) {
          expect(kernel?.chains.find((c) => c.name === chain.name)?.rules.length, `${table.name} ${chain.name}`).toBe(chain.rules.length);
        }
      }
      // The built-in jumps, in reverse list order.
      const input = saved.find((t) => t.name === 'filter')?.chains.find((c) => c.name === 'INPUT')?.rules.map((l) => l.split(' -j ')[1]);
      expect(input).toEqual(['KUBE-FIREWALL', 'KUBE-PROXY-FIREWALL', 'KUBE-NODEPORTS', 'KUBE-EXTERNAL-SERVICES']);
    });
  });

  it('applies partial syncs, deletes stale chains, and recovers from a refused deletion', async () => {
    await withNetns(['part'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      const p = proxierIn(ns);
      const kernel = new NetnsIptables(ns);
      const natChains = () => (parseDump(kernel.save('nat'))[0]?.chains ?? []).map((c) => c.name).filter(isServiceChainName).sort();
      const svc = (n: number) => makeService(`ns${n}`, `svc${n}`, { clusterIP: `172.30.0.4${n}`, ports: [{ name: 'p80', port: 80 }] });
      const slice = (n: number, ...ips: string[]) => makeSlice(`ns${n}`, `svc${n}`, { ports: [{ name: 'p80', port: 80 }], endpoints: ips.map((ip) => ({ ip })) });

      p.setObjects([svc(1), svc(3)], [slice(1, '10.0.1.1'), slice(3, '10.0.3.1')]);
      expect(p.sync()).toMatchObject({ full: true, ok: true });
      p.setObjects([svc(1), svc(3), svc(4)], [slice(1, '10.0.1.1'), slice(3, '10.0.3.2', '10.0.3.3'), slice(4, '10.0.4.1')]);
      expect(p.sync()).toMatchObject({ full: false, ok: true, chainsDeleted: ['KUBE-SEP-BSWRHOQ77KEXZLNL'] });
      expect(natChains()).toEqual([
        'KUBE-SEP-AYCN5HPXMIRJNJXU',
        'KUBE-SEP-DKCFIS26GWF2WLWC',
        'KUBE-SEP-JVVZVJ7BSEPPRNBS',
        'KUBE-SEP-SNQ3ZNILQDEJNDQO',
        'KUBE-SVC-4SW47YFZTEDKD3PK',
        'KUBE-SVC-X27LE4BHSL4DOUIK',
        'KUBE-SVC-XPGD46QRK7WJZT7O',
      ]);

      // A foreign jump into svc4's endpoint chain makes the kernel refuse the deletion.
      ns.execOk(['iptables-legacy', '-t', 'nat', '-A', 'KUBE-SVC-X27LE4BHSL4DOUIK', '-j', 'KUBE-SEP-AYCN5HPXMIRJNJXU']);
      p.setObjects([svc(1), svc(3)], [slice(1, '10.0.1.1'), slice(3, '10.0.3.2', '10.0.3.3')]);
      const failed = p.sync();
      expect(failed).toMatchObject({ full: false, ok: false });
      expect(natChains()).toContain('KUBE-SEP-AYCN5HPXMIRJNJXU');
      const repaired = p.sync();
      expect(repaired).toMatchObject({ full: true, ok: true, chainsDeleted: ['KUBE-SEP-AYCN5HPXMIRJNJXU', 'KUBE-SVC-4SW47YFZTEDKD3PK'] });
      expect(natChains()).not.toContain('KUBE-SEP-AYCN5HPXMIRJNJXU');
    });
  });
});
