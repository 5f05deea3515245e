import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { it } from 'vitest';
import { isKpemuError } from '../../src/core/index.js';
import { validateClusterObjects, loadClusterText } from '../../src/kube/index.js';
import { kubeTextArb, kubeDocumentsArb } from '../arbitraries/kube-text.js';
const bases = readdirSync('fixtures/clusters').filter((f) => f.endsWith('.yaml')).map((f) => readFileSync(`fixtures/clusters/${f}`, 'utf8'));
it('long fuzz', () => {
  for (const arb of [kubeDocumentsArb, kubeTextArb(bases)]) fc.assert(fc.property(arb, (text) => {
    const r = validateClusterObjects([{ file: 'f', text }]);
    const n = text.split('\n').length;
    for (const i of [...r.errors, ...r.warnings]) { if (!isKpemuError(i) || (i.location?.line ?? 0) < 1 || (i.location?.line ?? 0) > n) throw new Error('bad ' + i.message); }
    for (const s of r.objects.services) if (Number.isNaN(s.spec.sessionAffinityTimeoutSeconds)) throw new Error('nan');
    if (Number.isNaN(r.objects.proxyConfig.minSyncPeriodSeconds) || Number.isNaN(r.objects.proxyConfig.syncPeriodSeconds)) throw new Error('nan sync');
    try { loadClusterText(text, 'f'); } catch (e) { if (!isKpemuError(e)) throw e; }
  }), { numRuns: 3000 });
}, 600000);
