import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSI, DEMO, hasTool, kpemu, kpemuOnTty, requireBuiltCli, ROOT, STACK } from './support/cli.js';
import { type Schema, validateJson } from './support/json-schema.js';

const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'docs/trace.schema.json'), 'utf8')) as Schema;
const CLIENT_TO_WEB = ['trace', DEMO, '--from', 'pod/default/client', '--to', 'svc/default/web'];

let tmp = '';
beforeAll(() => {
  requireBuiltCli();
  tmp = mkdtempSync(join(tmpdir(), 'kpemu-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Doc {
  version: number;
  mode: string;
  possibleOutcomes: number | null;
  outcomes: { probability: number | null; verdict: string; destination: { addr: string; port: number; translated: boolean }; source: { translated: boolean; by: string | null }; reply: { verdict: string; endedAt: { netns: string }; source: { addr: string; port: number; translated: boolean; by: string | null } } | null; hops: { node: string; netns: string; events: { kind: string; matched?: boolean }[] }[]; decidedBy: string | null; rejectWith: string | null }[];
  count: { connections: number; distribution: { connections: number; probability: number }[] } | null;
}

function json(args: readonly string[]): Doc {
  const r = kpemu([...args, '--format', 'json']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const doc = JSON.parse(r.stdout) as unknown;
  expect(validateJson(doc, SCHEMA)).toEqual([]);
  return doc as Doc;
}

describe('kpemu trace (text)', () => {
  it('shows a pod → Service journey hop by hop, grouped by namespace, with the matched rules and the DNAT', () => {
    const r = kpemu(CLIENT_TO_WEB);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const out = r.stdout;
    expect(out).toContain('▸ pod/default/client (on node-2)');
    expect(out).toContain('▸ node node-2');
    expect(out).toMatch(/✓ nat\/KUBE-SERVICES #\d+ +-d 10\.96\.0\.20\/32 -p tcp -m comment --comment "default\/web:http cluster IP"/);
    expect(out).toMatch(/DNAT 10\.96\.0\.20:80 → 10\.244\.\d\.10:8080/);
    expect(out).toMatch(/✔ delivered to pod\/default\/web-\d on node-\d/);
    expect(out).toMatch(/odds +50% \(1\/2\): the random decisions on this path \(--all-paths lists every outcome\)/);
    expect(out).not.toMatch(ANSI);
    // Only matched rules by default.
    expect(out).not.toContain(' · ');
  });

  it('-v shows the rules that were evaluated without matching', () => {
    const r = kpemu([...CLIENT_TO_WEB, '-v']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/ · nat\/KUBE-SERVICES #1 /);
  });

  it('--reply follows the answer back, un-DNATed to the ClusterIP', () => {
    const r = kpemu([...CLIENT_TO_WEB, '--reply', '--seed', '3']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/reply 10\.244\.1\.10:8080 → 10\.244\.2\.50:43210/);
    expect(r.stdout).toContain('UN-DNAT 10.244.1.10:8080 → 10.96.0.20:80');
    expect(r.stdout).toContain('✔ reply delivered to pod/default/client on node-2, from 10.96.0.20:80');
    expect(r.stdout).toContain('encapsulate VXLAN VNI 1');
  });

  it('--all-paths lists every endpoint with its exact probability', () => {
    const r = kpemu([...CLIENT_TO_WEB, '--all-paths']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('2 possible outcomes');
    expect(r.stdout).toMatch(/50% \(1\/2\) +delivered to pod\/default\/web-1 on node-1 +10\.244\.1\.10:8080/);
    expect(r.stdout).toMatch(/50% \(1\/2\) +delivered to pod\/default\/web-2 on node-2 +10\.244\.2\.10:8080/);
  });

  it('--count N opens N connections and shows the distribution next to the exact odds', () => {
    const r = kpemu([...CLIENT_TO_WEB, '--count', '200']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('200 new connections pod/default/client → svc/default/web:http (10.96.0.20:80/tcp), source ports 43210-43409, seed 1');
    const counts = [...r.stdout.matchAll(/^ {2}(\d+) +\d+(?:\.\d)?% +50% \(1\/2\) +delivered/gm)].map((m) => Number(m[1]));
    expect(counts).toHaveLength(2);
    expect((counts[0] ?? 0) + (counts[1] ?? 0)).toBe(200);
  });

  it('the same seed gives the same answer, another seed may not', () => {
    const a = kpemu([...CLIENT_TO_WEB, '--count', '50', '--seed', '7']).stdout;
    expect(kpemu([...CLIENT_TO_WEB, '--count', '50', '--seed', '7']).stdout).toBe(a);
  });

  it('names the rule that dropped a packet (a Local-policy NodePort on a node without an endpoint)', () => {
    const r = kpemu(['trace', DEMO, '--from', '192.168.56.1', '--to', '192.168.56.12:30081']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('✓ filter/KUBE-EXTERNAL-SERVICES #1  -p tcp -m comment --comment "default/echo-local:http has no local endpoints"');
    expect(r.stdout).toContain('✘ dropped on node/node-2 by filter/KUBE-EXTERNAL-SERVICES#1');
  });

  it('colours only on a terminal, and never with NO_COLOR', () => {
    const tty = kpemuOnTty(CLIENT_TO_WEB);
    if (tty === null) return; // no util-linux `script` on this machine: the non-TTY checks above still hold
    expect(tty.status).toBe(0);
    expect(tty.stdout).toMatch(ANSI);
    const plain = kpemuOnTty(CLIENT_TO_WEB, { NO_COLOR: '1' });
    expect(plain?.stdout).not.toMatch(ANSI);
    expect(kpemu(CLIENT_TO_WEB, { env: { NO_COLOR: '1' } }).stdout).not.toMatch(ANSI);
  });
});

describe('kpemu trace --format json', () => {
  it('gives the seeded outcome with probability, verdict, DNAT destination, source and hops, valid against the schema', () => {
    const doc = json([...CLIENT_TO_WEB, '--reply', '--seed', '3']);
    expect(doc.version).toBe(1);
    expect(doc.mode).toBe('iptables');
    // The journey view follows one path and does not explore the others.
    expect(doc.possibleOutcomes).toBeNull();
    const o = doc.outcomes[0];
    expect(o?.probability).toBeCloseTo(0.5, 9);
    expect(o?.verdict).toBe('delivered');
    expect(o?.destination).toEqual({ addr: '10.244.1.10', port: 8080, translated: true, by: 'dnat' });
    expect(o?.source.translated).toBe(false);
    expect(o?.hops.map((h) => `${h.node}/${h.netns}`)).toEqual(['node-2/pod/default/client', 'node-2/host', 'node-1/host', 'node-1/pod/default/web-1']);
    expect(o?.reply?.verdict).toBe('delivered');
    expect(o?.reply?.endedAt.netns).toBe('pod/default/client');
    // The answer comes from the ClusterIP: conntrack undid the DNAT on the client's node.
    expect(o?.reply?.source).toEqual({ addr: '10.96.0.20', port: 80, translated: true, by: 'un-dnat' });
  });

  it('--all-paths: every outcome with probabilities summing to 1', () => {
    const doc = json(['trace', DEMO, '--from', 'pod/default/client', '--to', 'svc/kube-system/kube-dns:dns', '--all-paths']);
    expect(doc.outcomes.length).toBe(doc.possibleOutcomes);
    expect(doc.outcomes.reduce((s, o) => s + (o.probability ?? 0), 0)).toBeCloseTo(1, 9);
    expect(new Set(doc.outcomes.map((o) => o.destination.addr)).size).toBe(doc.outcomes.length);
  });

  it('says when and to what the source was masqueraded', () => {
    const doc = json(['trace', DEMO, '--from', '192.168.56.1', '--to', '192.168.56.12:30080', '--all-paths']);
    for (const o of doc.outcomes) {
      expect(o.source.translated).toBe(true);
      expect(o.source.by).toBe('masquerade');
    }
  });

  it('names the rule that rejected a packet', () => {
    const doc = json(['trace', DEMO, '--from', 'node/node-1', '--to', 'svc/default/orphan']);
    const o = doc.outcomes[0];
    expect(o?.verdict).toBe('rejected');
    expect(o?.decidedBy).toMatch(/^filter\/KUBE-SERVICES#\d+$/);
    expect(o?.rejectWith).toBe('icmp-port-unreachable');
  });

  it('--count: the distribution', () => {
    const doc = json([...CLIENT_TO_WEB, '--count', '40']);
    expect(doc.outcomes).toEqual([]);
    expect(doc.count?.connections).toBe(40);
    expect(doc.count?.distribution.reduce((s, r) => s + r.connections, 0)).toBe(40);
  });

  it('-v adds the rules that did not match to the hops', () => {
    const doc = json([...CLIENT_TO_WEB, '-v']);
    expect(doc.outcomes[0]?.hops.some((h) => h.events.some((e) => e.kind === 'rule' && e.matched === false))).toBe(true);
  });
});

describe('kpemu trace --mode ipvs', () => {
  it('goes through IPVS: the virtual server picks the real server, and the reply gets the virtual address back', () => {
    const r = kpemu([...CLIENT_TO_WEB, '--mode', 'ipvs', '--reply']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/IPVS scheduled new connection 10\.244\.2\.50:43210 → 10\.96\.0\.20:80 → real server 10\.244\.\d\.10:8080 \(Masq\)/);
    expect(r.stdout).toMatch(/destination +10\.96\.0\.20:80 → 10\.244\.\d\.10:8080 \(IPVS on node\/node-2\)/);
    // rr decides from its own state, not from a random draw: no path probability.
    expect(r.stdout).toContain('odds         chosen by the IPVS scheduler from its state');
    expect(r.stdout).toContain('✔ reply delivered to pod/default/client on node-2, from 10.96.0.20:80');
  });

  it('--all-paths: each real server with its long-run share; --count: rr alternates exactly', () => {
    const all = json([...CLIENT_TO_WEB, '--mode', 'ipvs', '--all-paths']);
    expect(all.mode).toBe('ipvs');
    expect(all.outcomes.map((o) => [o.probability, o.destination.addr]).sort()).toEqual([
      [0.5, '10.244.1.10'],
      [0.5, '10.244.2.10'],
    ]);
    const count = json([...CLIENT_TO_WEB, '--mode', 'ipvs', '--count', '10']);
    expect(count.count?.distribution.map((d) => d.connections)).toEqual([5, 5]);
  });

  it('a journey through IPVS has no path probability in JSON', () => {
    const doc = json([...CLIENT_TO_WEB, '--mode', 'ipvs']);
    expect(doc.outcomes[0]?.probability).toBeNull();
    expect(doc.outcomes[0]?.destination.translated).toBe(true);
  });
});

describe('kpemu trace --pcap', () => {
  it('writes the journey and its reply as pcapng that tcpdump reads', () => {
    const file = join(tmp, 'web.pcapng');
    const r = kpemu([...CLIENT_TO_WEB, '--reply', '--seed', '3', '--pcap', file]);
    expect(r.status).toBe(0);
    expect(statSync(file).size).toBeGreaterThan(100);
    expect(readFileSync(file).readUInt32LE(0)).toBe(0x0a0d0d0a); // pcapng section header block
    if (!hasTool('tcpdump')) return;
    const dump = spawnSync('tcpdump', ['-nr', file], { encoding: 'utf8' });
    expect(dump.status).toBe(0);
    expect(dump.stdout).toContain('10.244.2.50.43210 > 10.96.0.20.80: Flags [S]');
    expect(dump.stdout).toContain('192.168.56.12.53249 > 192.168.56.11.8472');
    expect(dump.stdout).toContain('10.96.0.20.80 > 10.244.2.50.43210: Flags [S.]');
  });

  it('cannot write to a missing directory: one line, exit 1', () => {
    const r = kpemu([...CLIENT_TO_WEB, '--pcap', join(tmp, 'no/such/dir/x.pcapng')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^kpemu: .*cannot write the capture file .*no such file or directory\n$/);
  });
});

describe('kpemu trace errors', () => {
  const cases: { name: string; args: string[]; status: number; message: RegExp }[] = [
    { name: 'unknown pod, with close matches', args: ['trace', DEMO, '--from', 'pod/default/clinet', '--to', 'svc/default/web'], status: 1, message: /no pod default\/clinet \(did you mean: pod\/default\/client\?\)/ },
    { name: 'unknown service', args: ['trace', DEMO, '--from', 'pod/default/client', '--to', 'svc/default/webb'], status: 1, message: /no service default\/webb \(did you mean: svc\/default\/web/ },
    { name: 'unknown port', args: ['trace', DEMO, '--from', 'pod/default/client', '--to', 'svc/default/web:9999'], status: 1, message: /service default\/web has no port 9999 \(ports: http=80\/TCP\)/ },
    { name: 'unknown node', args: ['trace', DEMO, '--from', '203.0.113.9', '--to', '10.96.0.20:80', '--node', 'node-9'], status: 1, message: /no node node-9 \(did you mean: node\/node-1/ },
    { name: 'bad address', args: ['trace', DEMO, '--from', '10.0.0.300', '--to', 'svc/default/web'], status: 1, message: /invalid IPv4 address "10\.0\.0\.300"/ },
    { name: 'unreadable cluster file', args: ['trace', 'no-such.yaml', '--from', 'pod/default/client', '--to', 'svc/default/web'], status: 1, message: /cannot read cluster file no-such\.yaml/ },
    { name: 'malformed source', args: ['trace', DEMO, '--from', 'pod/client', '--to', 'svc/default/web'], status: 2, message: /bad source "pod\/client"/ },
    { name: 'malformed destination', args: ['trace', DEMO, '--from', 'pod/default/client', '--to', '10.96.0.20'], status: 2, message: /bad destination "10\.96\.0\.20"/ },
    { name: 'missing --to', args: ['trace', DEMO, '--from', 'pod/default/client'], status: 2, message: /required option '--to <dst>' not specified/ },
    { name: 'unknown option, with a suggestion', args: [...CLIENT_TO_WEB, '--repli'], status: 2, message: /unknown option '--repli'\n\(Did you mean --reply\?\)/ },
    { name: 'bad protocol', args: [...CLIENT_TO_WEB, '--proto', 'gre'], status: 2, message: /Allowed choices are tcp, udp, sctp, icmp/ },
    { name: 'bad count', args: [...CLIENT_TO_WEB, '--count', '0'], status: 2, message: /Expected an integer from 1 to 100000/ },
    { name: 'conflicting views', args: [...CLIENT_TO_WEB, '--count', '5', '--all-paths'], status: 2, message: /--all-paths and --count answer different questions/ },
    { name: '--reply with --count', args: [...CLIENT_TO_WEB, '--count', '5', '--reply'], status: 2, message: /--reply follows one journey back; --count runs its connections untraced/ },
    { name: 'count past port 65535', args: [...CLIENT_TO_WEB, '--count', '100', '--sport', '65500'], status: 2, message: /runs past port 65535/ },
    { name: 'no cluster file', args: ['trace', '--from', 'pod/default/client', '--to', 'svc/default/web'], status: 2, message: /missing required argument 'cluster'/ },
  ];
  it.each(cases)('$name: exit $status, one line, no stack trace', ({ args, status, message }) => {
    const r = kpemu(args);
    expect(r.status).toBe(status);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/^kpemu: /);
    expect(r.stderr).not.toMatch(STACK);
  });
});
