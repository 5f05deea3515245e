import { describe, expect, it } from 'vitest';
import { IptablesProxier } from '../../src/proxy/index.js';
import { FakeNfacct } from './fake-iptables.js';
import { NODE_IPS, NODE_NAME } from './support/fixture.js';
import { makeConfig, makeService } from './support/objects.js';
import { nullIptables, scaleCluster } from './support/scale.js';

/**
 * Behaviour at 10,000 Services × 5 endpoints: large-cluster mode, the rule-count formulas,
 * deterministic full payloads, and a partial sync that writes only the changed service.
 * (How long these take is measured in bench/, not here.)
 */
describe('scale', () => {
  it('syncs 10,000 × 5 in large-cluster mode with the expected counts, and partially', () => {
    const { services, slices } = scaleCluster(10_000, 5);
    const p = new IptablesProxier({ nodeName: NODE_NAME, nodeIPs: NODE_IPS, config: makeConfig(), iptables: nullIptables, nfacct: new FakeNfacct(), hasRandomFully: true });
    p.setObjects(services, slices);
    const cold = p.sync();
    expect(cold.full).toBe(true);
    expect(cold.largeClusterMode).toBe(true);
    // Per service: 1 KUBE-SERVICES, 1 masquerade, 5 SVC jumps, 10 SEP rules.
    expect(cold.natRules).toBe(5 + 10_000 * 17);
    expect(cold.chainLines).toBe(6 + 4 + 10_000 * 6);

    p.forceFullSync();
    expect(p.sync().payload).toBe(cold.payload);
    const changed = services.map((s, i) => (i === 1234 ? makeService(s.metadata.namespace, s.metadata.name, { clusterIP: '172.31.0.1', ports: [{ name: 'http', port: 80 }] }) : s));
    p.setObjects(changed, slices);
    const partial = p.sync();
    expect(partial.full).toBe(false);
    expect(partial.servicesWritten).toEqual(['ns34/svc1234']);
    expect(partial.natRulesTotal).toBe(cold.natRulesTotal);

  });
});
