import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeFixture, syncWith } from './support/fixture.js';
import { overallCluster } from './support/overall-cluster.js';
import { checkRuleJumps, sortIPTablesRules } from './support/sort-rules.js';

const EXPECTED = readFileSync('/work/shared/reference/kube-proxy-overall-expected.rules', 'utf8');

describe('TestOverallIPTablesRules', () => {
  it('produces the expected payload after upstream normalisation', () => {
    const f = makeFixture();
    const { services, slices } = overallCluster();
    const report = syncWith(f, services, slices);
    expect(report.full).toBe(true);
    const got = sortIPTablesRules(report.payload).split('\n');
    const want = EXPECTED.split('\n');
    for (let i = 0; i < Math.max(got.length, want.length); i++) expect(`${i + 1}: ${got[i]}`).toBe(`${i + 1}: ${want[i]}`);
  });

  it('counts 10 filter rules, 55 nat rules and 26 chain lines', () => {
    const f = makeFixture();
    const { services, slices } = overallCluster();
    const report = syncWith(f, services, slices);
    expect(report.filterRules).toBe(10);
    expect(report.natRules).toBe(55);
    expect(report.natRulesTotal).toBe(55);
    expect(report.chainLines).toBe(26);
    expect(report.lines).toBe(4 + 10 + 55 + 26);
    expect(report.payload.split('\n').length - 1).toBe(report.lines);
    expect(report.warnings).toEqual([]);
  });

  it('passes the jump check (every jump target declared and non-empty, no orphan chains)', () => {
    const f = makeFixture();
    const { services, slices } = overallCluster();
    expect(checkRuleJumps(syncWith(f, services, slices).payload)).toEqual([]);
  });

  it('writes the payload in kube-proxy order, services sorted by name (golden head)', () => {
    const f = makeFixture();
    const { services, slices } = overallCluster();
    const lines = syncWith(f, services, slices).payload.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '*filter',
      ':KUBE-SERVICES - [0:0]',
      ':KUBE-EXTERNAL-SERVICES - [0:0]',
      ':KUBE-FORWARD - [0:0]',
      ':KUBE-NODEPORTS - [0:0]',
      ':KUBE-PROXY-FIREWALL - [0:0]',
      ':KUBE-FIREWALL - [0:0]',
      '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
      '-A KUBE-EXTERNAL-SERVICES -m comment --comment "ns2/svc2:p80 has no local endpoints" -m tcp -p tcp -d 192.168.99.22 --dport 80 -j DROP',
    ]);
    const nat = lines.indexOf('*nat');
    expect(lines.slice(nat + 1, nat + 5)).toEqual([':KUBE-SERVICES - [0:0]', ':KUBE-NODEPORTS - [0:0]', ':KUBE-POSTROUTING - [0:0]', ':KUBE-MARK-MASQ - [0:0]']);
    expect(lines.at(-3)).toBe('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS');
    expect(lines.at(-2)).toBe('COMMIT');
  });
});
