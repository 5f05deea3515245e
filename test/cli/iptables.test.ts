import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kpemu, ROOT, STACK } from './support/cli.js';

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kpemu-iptables-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('kpemu iptables FILE', () => {
  it("prints the normalised iptables-save view (kube-proxy's nfacct counters exist by default)", () => {
    const r = kpemu(['iptables', 'fixtures/golden/kube-proxy-overall.rules']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(join(ROOT, 'fixtures/golden/kube-proxy-overall.iptables-save'), 'utf8'));
  });

  it('normalises the way iptables-save prints: /32 on hosts, -m tcp after --dport, --set-xmark', () => {
    const path = file('n.rules', '*nat\n:KUBE-MARK-MASQ - [0:0]\n:X - [0:0]\n-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n-A X -p tcp --dport 80 -d 10.0.0.1 -j DNAT --to-destination 10.1.0.1:8080\nCOMMIT\n');
    const r = kpemu(['iptables', path]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000');
    expect(r.stdout).toContain('-A X -d 10.0.0.1/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.1.0.1:8080');
  });

  it('--check prints only OK', () => {
    const r = kpemu(['iptables', 'fixtures/golden/kube-proxy-overall.rules', '--check']);
    expect(r).toEqual({ status: 0, stdout: 'OK\n', stderr: '' });
  });

  it('reports a bad line with its file and line number, exit 1, and applies nothing', () => {
    const path = file('bad.rules', '*filter\n:FOO - [0:0]\n-A FOO -j ACCEPT\n-A FOO -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n');
    for (const extra of [[], ['--check']]) {
      const r = kpemu(['iptables', path, ...extra]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^kpemu: ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4: `));
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(STACK);
    }
  });

  it('an nfacct match needs its counter; --nfacct creates it', () => {
    const path = file('acct.rules', '*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m nfacct --nfacct-name my_counter -j ACCEPT\nCOMMIT\n');
    const without = kpemu(['iptables', path]);
    expect(without.status).toBe(1);
    // The kernel refuses the table when it is committed, so the error names the COMMIT line, as iptables-restore does.
    expect(without.stderr).toMatch(/^kpemu: .*acct\.rules:4: .*nfacct object "my_counter" does not exist/);
    const withIt = kpemu(['iptables', path, '--nfacct', 'my_counter', '--nfacct', 'other']);
    expect(withIt.status).toBe(0);
    expect(withIt.stdout).toContain('-A INPUT -m nfacct --nfacct-name  my_counter -j ACCEPT');
  });

  it('reads stdin with "-" and keeps counters with --counters', () => {
    const r = kpemu(['iptables', '-', '--counters'], { input: '*filter\n:INPUT DROP [5:300]\nCOMMIT\n' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(':INPUT DROP [5:300]');
    const bad = kpemu(['iptables', '-'], { input: '*filter\n-A NOPE -j ACCEPT\nCOMMIT\n' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^kpemu: <stdin>:2: /);
  });

  it('an unreadable file: one line, exit 1', () => {
    const r = kpemu(['iptables', join(tmp, 'missing.rules')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^kpemu: cannot read the rules file .*missing\.rules: no such file or directory\n$/);
  });
});
