import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KpemuError } from '../../src/core/index.js';
import { emptyNamespace } from '../support/emulated.js';

const REFERENCE = readFileSync(new URL('../../../shared/reference/kube-proxy-overall-expected.rules', import.meta.url), 'utf8');
const GOLDEN_SAVE = readFileSync(new URL('../../fixtures/golden/kube-proxy-overall.iptables-save', import.meta.url), 'utf8');

function withCounters() {
  const ns = emptyNamespace();
  // kube-proxy creates these nfacct objects before restoring; -m nfacct requires them.
  ns.ensureCounter('ct_state_invalid_dropped_pkts');
  ns.ensureCounter('localhost_nps_accepted_pkts');
  return ns;
}

function caught(fn: () => unknown): KpemuError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KpemuError) return e;
    throw e;
  }
  throw new Error('expected a KpemuError');
}

describe('iptables-restore then iptables-save', () => {
  it("prints what the real iptables-legacy-save prints for kube-proxy's expected payload", () => {
    const ns = withCounters();
    ns.iptables.restoreAll(REFERENCE, { noflush: false, counters: false });
    expect(ns.iptables.save()).toBe(GOLDEN_SAVE);
  });

  it('is a fixed point: restoring the saved text and saving again changes nothing', () => {
    const ns = withCounters();
    ns.iptables.restoreAll(REFERENCE, { noflush: false, counters: false });
    const once = ns.iptables.save();
    ns.iptables.restoreAll(once, { noflush: false, counters: true });
    expect(ns.iptables.save()).toBe(once);
    // In a fresh namespace the tables register in file order, and the kernel lists the newest
    // first, so only the order of the table blocks may differ.
    const fresh = withCounters();
    fresh.iptables.restoreAll(once, { noflush: false, counters: true });
    const blocks = (text: string) => text.split(/(?=^\*)/m).sort();
    expect(blocks(fresh.iptables.save())).toEqual(blocks(once));
  });

  it('refuses -m nfacct when the counter does not exist, at the COMMIT line, changing nothing', () => {
    const ns = emptyNamespace();
    const e = caught(() => ns.iptables.restoreAll(REFERENCE, { noflush: false, counters: false }));
    expect(e.code).toBe('IPTABLES_BAD_CONTEXT');
    expect(e.message).toContain('ct_state_invalid_dropped_pkts');
    // The real tool says "iptables-restore: line 18 failed": the filter table's COMMIT.
    expect(e.location?.line).toBe(18);
    expect(ns.iptables.save()).toBe('');
  });

  it('keeps every table as it was when a later line fails', () => {
    const ns = emptyNamespace();
    ns.iptables.restoreAll('*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n', { noflush: false, counters: false });
    const before = ns.iptables.save();
    const bad = '*filter\n:INPUT ACCEPT [0:0]\n-F INPUT\nCOMMIT\n*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j NO-SUCH-CHAIN\nCOMMIT\n';
    const e = caught(() => ns.iptables.restoreAll(bad, { noflush: false, counters: false }));
    expect(e.location?.line).toBe(7);
    expect(ns.iptables.save()).toBe(before);
  });

  it('rejects jump loops at COMMIT and targets outside their table or hook', () => {
    const ns = emptyNamespace();
    const loop = caught(() => ns.iptables.restoreAll('*filter\n:A - [0:0]\n:B - [0:0]\n-A A -j B\n-A B -j A\n-A INPUT -j A\nCOMMIT\n', { noflush: false, counters: false }));
    expect(loop.code).toBe('IPTABLES_LOOP');
    expect(loop.location?.line).toBe(7);
    const dnatInFilter = caught(() => ns.iptables.restoreAll('*filter\n-A INPUT -p tcp -j DNAT --to-destination 10.0.0.1:80\nCOMMIT\n', { noflush: false, counters: false }));
    expect(dnatInFilter.code).toBe('IPTABLES_BAD_CONTEXT');
    const masqInPrerouting = caught(() => ns.iptables.restoreAll('*nat\n:X - [0:0]\n-A X -j MASQUERADE\n-A PREROUTING -j X\nCOMMIT\n', { noflush: false, counters: false }));
    expect(masqInPrerouting.code).toBe('IPTABLES_BAD_CONTEXT');
    expect(masqInPrerouting.message).toContain('PREROUTING');
  });

  it('with --noflush, a declared user chain is flushed and others are untouched', () => {
    const ns = emptyNamespace();
    ns.iptables.restoreAll('*nat\n:KEEP - [0:0]\n:REDO - [0:0]\n-A KEEP -j RETURN\n-A REDO -j RETURN\n-A REDO -j RETURN\nCOMMIT\n', { noflush: false, counters: false });
    ns.iptables.restoreAll('*nat\n:REDO - [0:0]\n-A REDO -s 10.0.0.0/8 -j RETURN\nCOMMIT\n', { noflush: true, counters: false });
    expect(ns.iptables.save('nat')).toContain('-A KEEP -j RETURN\n-A REDO -s 10.0.0.0/8 -j RETURN\n');
    expect(ns.iptables.save('nat').match(/-A REDO/g)).toHaveLength(1);
  });
});

describe('single iptables commands (kube-proxy EnsureRule)', () => {
  it('ensureRule checks, then prepends once', () => {
    const ns = emptyNamespace();
    ns.iptables.ensureChain('nat', 'KUBE-SERVICES');
    const args = ['-m', 'comment', '--comment', 'kubernetes service portals', '-j', 'KUBE-SERVICES'];
    expect(ns.iptables.ensureRule('prepend', 'nat', 'PREROUTING', args)).toBe(false);
    expect(ns.iptables.ensureRule('prepend', 'nat', 'PREROUTING', args)).toBe(true);
    expect(ns.iptables.save('nat').match(/-A PREROUTING/g)).toHaveLength(1);
    expect(() => ns.iptables.deleteChain('nat', 'KUBE-SERVICES')).toThrow(/jump/);
    const listing = ns.iptables.command(['-t', 'nat', '-L', 'PREROUTING', '-n', '--line-numbers']).stdout;
    expect(listing).toContain('KUBE-SERVICES');
    expect(listing).toMatch(/^1\s+KUBE-SERVICES/m);
  });
});
