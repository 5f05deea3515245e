import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kpemu, REPLAY, ROOT, STACK } from './support/cli.js';
import { type Schema, validateJson } from './support/json-schema.js';

const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'docs/trace.schema.json'), 'utf8')) as Schema;
const SAVE = ['--iptables-save', `${REPLAY}/iptables-save.txt`];
const IPVS = 'fixtures/replay/node-1-ipvs';
const IPVS_DUMPS = ['--iptables-save', `${IPVS}/iptables-save.txt`, '--ipset-save', `${IPVS}/ipset-save.txt`, '--ipvsadm', `${IPVS}/ipvsadm.txt`, '--ip-route', `${IPVS}/ip-route.json`, '--node-name', 'node-1'];
const DUMPS = [...SAVE, '--ip-addr', `${REPLAY}/ip-addr.json`, '--ip-route', `${REPLAY}/ip-route.json`, '--node-name', 'node-1'];

describe('kpemu replay (a real node from its dumps)', () => {
  it('traces a pod → Service call through the dumped node, with the rules from the real iptables-save', () => {
    const r = kpemu(['replay', ...DUMPS, '--from', '10.244.1.10', '--to', 'svc/default/web', '--seed', '3']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('note:');
    expect(r.stdout).toContain('10.244.1.10 (a pod behind cni0) → svc/default/web:http (10.96.0.20:80/tcp)');
    expect(r.stdout).toContain('← in on cni0');
    expect(r.stdout).toMatch(/✓ nat\/KUBE-SERVICES #\d+ +-d 10\.96\.0\.20\/32 -p tcp -m comment --comment "default\/web:http cluster IP"/);
    expect(r.stdout).toMatch(/✔ sent out of (cni0|flannel\.1) on node\/node-1/);
  });

  it('--all-paths: a local endpoint (hairpin, masqueraded) and a remote one through flannel.1', () => {
    const r = kpemu(['replay', ...DUMPS, '--from', '10.244.1.10', '--to', 'svc/default/web', '--all-paths']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/50% \(1\/2\) +sent out of cni0 on node\/node-1 +10\.244\.1\.10:8080 +10\.244\.1\.1 \(masquerade\)/);
    expect(r.stdout).toMatch(/50% \(1\/2\) +sent out of flannel\.1 on node\/node-1 +10\.244\.2\.10:8080 +not translated/);
  });

  it('a NodePort from outside arrives on eth0; --reply comes back in on the device the packet left by', () => {
    const r = kpemu(['replay', ...DUMPS, '--from', '203.0.113.7', '--to', '192.168.56.11:30080', '--reply', '--seed', '3']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('203.0.113.7 arriving on eth0 → 192.168.56.11:30080');
    expect(r.stdout).toMatch(/reply 10\.244\.\d\.10:8080 → 10\.244\.1\.\d:\d+/);
    expect(r.stdout).toMatch(/✔ reply sent out of eth0 on node\/node-1, from 192\.168\.56\.11:30080/);
  });

  it('a Service without endpoints is rejected by the rule that says so', () => {
    const r = kpemu(['replay', ...DUMPS, '--from', '10.244.2.7', '--to', 'svc/default/orphan', '--format', 'json']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { mode: string; outcomes: { verdict: string; decidedBy: string; hops: { events: { kind: string; dev?: string }[] }[] }[] };
    expect(validateJson(doc, SCHEMA)).toEqual([]);
    expect(doc.mode).toBe('replay');
    expect(doc.outcomes[0]?.verdict).toBe('rejected');
    expect(doc.outcomes[0]?.decidedBy).toMatch(/^filter\/KUBE-SERVICES#\d+$/);
    // 10.244.2.0/24 is routed via flannel.1 on this node, so that is where its packets arrive.
    expect(doc.outcomes[0]?.hops[0]?.events.find((e) => e.kind === 'device')?.dev).toBe('flannel.1');
  });

  it('without ip-addr/ip-route files, derives the node from the rules and says what it assumed', () => {
    const r = kpemu(['replay', ...SAVE, '--from', '10.244.1.10', '--to', 'svc/default/web', '--all-paths']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("note: no --ip-addr: assumed links lo, eth0 192.0.2.10/24 (a documentation address: give --node-ip or --ip-addr for the real one), cni0 10.244.1.1/24 (the pod subnet in flannel's rules), flannel.1 10.244.1.0/32");
    expect(r.stdout).toContain("note: no --ip-route: assumed the connected routes of the addresses, default via 192.0.2.1 dev eth0, 10.244.0.0/16 dev flannel.1 (standing in for flannel's per-node routes)");
    expect(r.stdout).toContain('2 possible outcomes');
  });

  it('takes the destination of a NodePort as the node address when nothing else tells it', () => {
    const r = kpemu(['replay', ...SAVE, '--from', '203.0.113.7', '--to', '192.168.56.11:30080', '--format', 'json', '--all-paths']);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout) as { notes: string[]; outcomes: { source: { by: string | null } }[] };
    expect(doc.notes[0]).toContain("eth0 192.168.56.11/24 (the destination 192.168.56.11:30080 is a NodePort, so taken as this node's address)");
    expect(doc.outcomes.map((o) => o.source.by)).toEqual(['masquerade', 'masquerade']);
  });

  it('reads plain `ip -j addr` (no link kinds) and says which kinds it guessed', () => {
    const r = kpemu(['replay', ...SAVE, '--ip-addr', 'test/cli/fixtures/ip-addr-plain.json', '--ip-route', `${REPLAY}/ip-route.json`, '--from', 'node', '--to', 'svc/default/web']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('note: device kinds guessed from their names (`ip -j -d addr` has them): cni0 (bridge), flannel.1 (vxlan), veth3f9a21c0 (veth)');
  });

  it('an IPVS-mode node: sets, virtual servers bound to kube-ipvs0, and the scheduler', () => {
    const r = kpemu(['replay', ...IPVS_DUMPS, '--from', '10.244.1.10', '--to', '10.96.0.20:80', '--all-paths']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`note: 10 virtual addresses of ${IPVS}/ipvsadm.txt bound to kube-ipvs0, as kube-proxy does`);
    expect(r.stdout).toMatch(/50% \(1\/2\) +sent out of cni0 on node\/node-1 +10\.244\.1\.10:8080 +10\.244\.1\.1 \(masquerade\)/);
    expect(r.stdout).toMatch(/50% \(1\/2\) +sent out of flannel\.1 on node\/node-1 +10\.244\.2\.10:8080 +not translated/);
    const nodePort = kpemu(['replay', ...IPVS_DUMPS, '--from', '203.0.113.7', '--to', '192.168.56.11:30080']);
    expect(nodePort.status).toBe(0);
    expect(nodePort.stdout).toMatch(/IPVS scheduled new connection 203\.0\.113\.7:43210 → 192\.168\.56\.11:30080 → real server 10\.244\.\d\.10:8080 \(Masq\)/);
    expect(nodePort.stdout).toMatch(/source +203\.0\.113\.7:43210 → 192\.168\.56\.11:\d+ \(MASQUERADE on node\/node-1\)/);
  });

  const errors: { name: string; args: string[]; status: number; message: RegExp }[] = [
    { name: 'unknown service, with close matches', args: ['replay', ...SAVE, '--from', 'node', '--to', 'svc/default/wbe'], status: 1, message: /no service default\/wbe in the node's rules \(did you mean: svc\/default\/web/ },
    { name: 'pods are not known by name', args: ['replay', ...SAVE, '--from', 'pod/default/client', '--to', 'svc/default/web'], status: 2, message: /a replay knows no pods by name/ },
    { name: 'unreadable dump', args: ['replay', '--iptables-save', 'nope.txt', '--from', 'node', '--to', '10.96.0.20:80'], status: 1, message: /^kpemu: cannot read the iptables-save file nope\.txt: no such file or directory$/m },
    { name: 'not JSON', args: ['replay', ...SAVE, '--ip-addr', `${REPLAY}/iptables-save.txt`, '--from', 'node', '--to', '10.96.0.20:80'], status: 1, message: /iptables-save\.txt: not JSON \(expected the output of `ip -j addr`\)/ },
    { name: 'a bad rule line', args: ['replay', '--iptables-save', 'fixtures/clusters/demo.yaml', '--from', 'node', '--to', '10.96.0.20:80'], status: 1, message: /^kpemu: fixtures\/clusters\/demo\.yaml:\d+: / },
    { name: 'rules with -m set need the ipset dump', args: ['replay', '--iptables-save', `${IPVS}/iptables-save.txt`, '--from', 'node', '--to', '10.96.0.20:80'], status: 2, message: /match ipsets \(-m set, as kube-proxy's IPVS mode writes\): give the node's "ipset save" output with --ipset-save/ },
    { name: 'a bad ipset dump line', args: ['replay', ...SAVE, '--ipset-save', `${REPLAY}/ip-route.json`, '--from', 'node', '--to', '10.96.0.20:80'], status: 1, message: /^kpemu: fixtures\/replay\/node-1\/ip-route\.json:1: / },
    { name: 'a bad ipvsadm dump line', args: ['replay', ...SAVE, '--ipvsadm', `${REPLAY}/ip-route.json`, '--from', 'node', '--to', '10.96.0.20:80'], status: 1, message: /^kpemu: fixtures\/replay\/node-1\/ip-route\.json:1: / },
    { name: '--node-ip with --ip-addr', args: ['replay', ...DUMPS, '--node-ip', '192.168.56.11', '--from', 'node', '--to', '10.96.0.20:80'], status: 2, message: /--node-ip is for replays without --ip-addr/ },
    { name: 'missing --iptables-save', args: ['replay', '--from', 'node', '--to', '10.96.0.20:80'], status: 2, message: /required option '--iptables-save <file>' not specified/ },
    { name: 'unknown ingress device', args: ['replay', ...DUMPS, '--from', '203.0.113.7', '--in-dev', 'eth9', '--to', '10.96.0.20:80'], status: 1, message: /no device eth9 on node node-1 \(devices: lo, eth0, cni0, flannel\.1, veth3f9a21c0\)/ },
  ];
  it.each(errors)('$name: exit $status, one line', ({ args, status, message }) => {
    const r = kpemu(args);
    expect(r.status).toBe(status);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(STACK);
  });
});
