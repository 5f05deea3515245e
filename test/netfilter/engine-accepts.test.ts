import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emptyNamespace } from '../support/emulated.js';
import { COMMON_SETUP, GOOD_CASES } from './text/kernel-cases.js';

/**
 * Every ruleset the real kernel accepted in the text layer's kernel tests must pass the
 * emulator's commit checks too, and save back as the saver renders it.
 */
function namespaceWithSetup(setup: readonly string[]) {
  const ns = emptyNamespace();
  for (const cmd of [...COMMON_SETUP, ...setup]) {
    const w = cmd.split(' ');
    if (w[0] === 'nfacct' && w[1] === 'add' && w[2] !== undefined) ns.ensureCounter(w[2]);
    else if (w[0] === 'ipset' && w[1] === 'create' && w[2] !== undefined && w[3] !== undefined) {
      ns.enableIpsets().create(w[2], w[3] as Parameters<ReturnType<typeof ns.enableIpsets>['create']>[1], w[3] === 'bitmap:port' ? { range: { from: 0, to: 65535 } } : {});
    } else throw new Error(`setup command not modelled here: ${cmd}`);
  }
  return ns;
}

describe('rulesets the kernel accepts', () => {
  for (const c of GOOD_CASES) {
    it(`${c.name}`, () => {
      const ns = namespaceWithSetup(c.setup ?? []);
      ns.iptables.restoreAll(c.rules, { noflush: false, counters: c.counters === true });
      expect(ns.iptables.save().length).toBeGreaterThan(0);
    });
  }
  it('includes the golden kube-proxy payload', () => {
    const ns = namespaceWithSetup([]);
    ns.iptables.restoreAll(readFileSync(new URL('../../fixtures/golden/kube-proxy-overall.rules', import.meta.url), 'utf8'), { noflush: false, counters: false });
  });
});
