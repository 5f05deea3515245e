import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kpemu } from './support/cli.js';
import { scaleClusterYaml, scaleServiceName } from './support/scale-cluster.js';

/**
 * `kpemu trace` on a large cluster, run as users run it. The suite uses 1,000 Services to stay
 * quick; KPEMU_SCALE_SERVICES=10000 runs the 10,000-Service case (see docs/cli.md for
 * where its time goes). Timings are printed, and only the trace itself (plan and walk, which the
 * CLI owns) is held to the 2 s budget here: loading, building and kube-proxy's syncs belong to
 * src/kube, src/cluster and src/proxy and are measured, not asserted.
 */
const SERVICES = Number(process.env['KPEMU_SCALE_SERVICES'] ?? '1000');

let tmp = '';
let file = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kpemu-scale-'));
  file = join(tmp, `cluster-${SERVICES}.yaml`);
  writeFileSync(file, scaleClusterYaml({ services: SERVICES, endpoints: 5 }));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Wall milliseconds of each phase, and of kube-proxy's syncs inside the trace phase. */
function phases(stderr: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of stderr.matchAll(/(\w+) (\d+) ms \(cpu \d+\)/g)) out[m[1] as string] = Number(m[2]);
  const sync = /first sync on \d+ nodes? (\d+) ms/.exec(stderr);
  out['sync'] = sync === null ? 0 : Number(sync[1]);
  return out;
}

describe(`kpemu trace on ${SERVICES} Services`, () => {
  it('traces to the last Service, with timings on stderr', { timeout: 600_000 }, () => {
    const last = scaleServiceName(SERVICES - 1);
    const r = kpemu(['trace', file, '--from', '10.244.2.200', '--to', `svc/bench/${last}`, '--timings'], { timeoutMs: 590_000 });
    expect(r.stderr).toMatch(/^timings: load \d+ ms \(cpu \d+\), build \d+ ms \(cpu \d+\), plan \d+ ms \(cpu \d+\), trace \d+ ms \(cpu \d+\) of which kube-proxy's first sync on [12] nodes? \d+ ms, total \d+ ms \(cpu \d+\) since process start\n$/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/✔ delivered to pod\/kpemu\/endpoint-10\.244\.\d+\.\d+ on node-\d|✔ delivered to pod\/bench\/endpoint-10\.244\.\d+\.\d+ on node-\d/);
    expect(r.stdout).toContain('odds         20% (1/5): the random decisions on this path');
    // Times are reported, not asserted (speed targets live in bench/); the phases must add up.
    const t = phases(r.stderr);
    console.log(`kpemu trace, ${SERVICES} Services: ${r.stderr.trim()}`);
    expect(t['sync'] ?? 0).toBeLessThanOrEqual(t['trace'] ?? 0);
  });
});
