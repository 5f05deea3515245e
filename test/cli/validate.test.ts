import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO, kpemu, OVERALL, STACK } from './support/cli.js';

let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'kpemu-validate-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('kpemu validate', () => {
  it('a valid cluster: the inventory, 0 errors, exit 0', () => {
    const r = kpemu(['validate', DEMO]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('fixtures/clusters/demo.yaml: 9 Services, 8 EndpointSlices, 3 Nodes, 12 Pods, kube-proxy mode iptables, flannel vxlan on 10.244.0.0/16\n0 errors, 0 warnings\n');
  });

  it('warnings are listed with file:line, object and field; still exit 0', () => {
    const r = kpemu(['validate', OVERALL]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^warning: fixtures\/clusters\/kube-proxy-overall\.yaml:\d+: Service ns4\/svc4 spec\.ports\[0\]\.nodePort: /m);
    expect(r.stdout).toContain('0 errors, 2 warnings');
  });

  it('every error of every object, then exit 1', () => {
    const file = join(tmp, 'bad.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: v1\nkind: Service\nmetadata: {name: a, namespace: x}\nspec:\n  clusterIP: 10.96.0.300\n  ports: [{port: 99999}]',
        'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.2}]}',
        'apiVersion: v1\nkind: Secret\nmetadata: {name: s}',
      ].join('\n---\n'),
    );
    const r = kpemu(['validate', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('skipped: 1 v1/Secret');
    expect(r.stdout).toContain(`error: ${file}:5: Service x/a spec.clusterIP: expected an IPv4 address or "None", got "10.96.0.300"`);
    expect(r.stdout).toContain(`error: ${file}:6: Service x/a spec.ports[0].port: expected a port number 1-65535, got 99999`);
    expect(r.stdout).toContain('2 errors, 0 warnings');
    expect(r.stderr).not.toMatch(STACK);
  });

  it('reports what building the cluster finds (a pod on a node that does not exist)', () => {
    const file = join(tmp, 'conflict.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/24}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.2}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: d}\nspec: {nodeName: n2}\nstatus: {podIP: 10.244.1.5}\n');
    const r = kpemu(['validate', file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/error: .*conflict\.yaml:\d+: Pod d\/p spec\.nodeName: .*"n2" is not a Node/);
  });

  it('an unreadable file is an error in the list', () => {
    const r = kpemu(['validate', join(tmp, 'none.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/error: .*none\.yaml: cannot read cluster file/);
  });
});
