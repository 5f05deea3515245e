import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRestore, renderSave } from '../../../src/netfilter/index.js';
import { naiveApply } from './naive-apply.js';

const ROOT = new URL('../../../', import.meta.url);

describe('golden: kube-proxy overall rules', () => {
  it('parse → apply → renderSave equals what a real kernel saves for the same restore input', () => {
    // The restore input is kube-proxy's TestOverallIPTablesRules expectation (copied from shared/reference).
    const input = readFileSync(new URL('fixtures/golden/kube-proxy-overall.rules', ROOT), 'utf8');
    const expected = readFileSync(new URL('fixtures/golden/kube-proxy-overall.iptables-save', ROOT), 'utf8');
    const tables = naiveApply(parseRestore(input));
    // The real kernel created filter first and nat second; legacy save lists the newest table first.
    expect(tables.map((t) => t.table)).toEqual(['nat', 'filter']);
    expect(renderSave(tables)).toBe(expected);
  });
});
