import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KubeProxyNode } from '../../src/cluster/index.js';
import { sortIPTablesRules } from '../proxy/support/sort-rules.js';
import { loadFixture } from './flow-harness.js';

const EXPECTED = readFileSync(new URL('../../../shared/reference/kube-proxy-overall-expected.rules', import.meta.url), 'utf8');

describe('the TestOverallIPTablesRules cluster from its YAML fixture', () => {
  it('loads, syncs, and yields kube-proxy expected payload line for line', () => {
    // Upstream's fake iptables reports no --random-fully support; so does this node.
    const node = new KubeProxyNode(loadFixture('kube-proxy-overall.yaml'), 'test-node', { hasRandomFully: false });
    expect(node.report.ok).toBe(true);
    expect(sortIPTablesRules(node.report.payload).trimEnd().split('\n')).toEqual(EXPECTED.trimEnd().split('\n'));
  });
});
