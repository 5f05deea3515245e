import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ANSI, kpemu, STACK } from './support/cli.js';

describe('kpemu demo', () => {
  it('traces pod → Service and the reply in iptables mode, then in IPVS mode', () => {
    const r = kpemu(['demo']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toContain('kpemu demo: fixtures/clusters/demo.yaml, 3 nodes, 9 Services, 12 Pods');
    expect(out).toContain('━━ iptables mode: pod/default/client → svc/default/web, and the reply ━━');
    expect(out).toContain('encapsulate VXLAN VNI 1');
    expect(out).toContain('✔ delivered to pod/default/web-1 on node-1 (5 namespace crossings)');
    expect(out).toContain('✔ reply delivered to pod/default/client on node-2, from 10.96.0.20:80');
    const ipvs = out.slice(out.indexOf('━━ ipvs mode: pod/default/client → svc/default/web, and the reply ━━'));
    expect(ipvs).toMatch(/IPVS scheduled new connection 10\.244\.2\.50:43210 → 10\.96\.0\.20:80 → real server 10\.244\.\d\.10:8080 \(Masq\)/);
    expect(ipvs).toContain('✔ reply delivered to pod/default/client on node-2, from 10.96.0.20:80');
    expect(out).not.toMatch(ANSI);
    expect(out).not.toMatch(STACK);
  });

  it('runs from any working directory (the cluster file is found next to the package)', () => {
    const r = kpemu(['demo', '--seed', '1'], { cwd: tmpdir() });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kpemu demo: fixtures/clusters/demo.yaml');
  });
});
