import { describe, expect, it } from 'vitest';
import { DEMO, kpemu, OVERALL, STACK } from './support/cli.js';

describe('kpemu rules', () => {
  it("prints a node's whole iptables-save view: kube-proxy's and flannel's rules", () => {
    const r = kpemu(['rules', DEMO, '--node', 'node-1']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\*filter\n:INPUT ACCEPT \[0:0\]/);
    expect(r.stdout).toContain('-A KUBE-SERVICES -d 10.96.0.20/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp --dport 80 -j KUBE-SVC-');
    expect(r.stdout).toContain('-A FLANNEL-POSTRTG -s 10.244.1.0/24 -d 10.244.0.0/16 -m comment --comment "flanneld masq" -j RETURN');
    expect(r.stdout.trimEnd().endsWith('COMMIT')).toBe(true);
  });

  it("--format restore prints the iptables-restore payload of kube-proxy's last sync", () => {
    const r = kpemu(['rules', OVERALL, '--format', 'restore']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\*filter\n:KUBE-/);
    expect(r.stdout).toContain('-A KUBE-SVC-XPGD46QRK7WJZT7O -m comment --comment "ns1/svc1:p80 cluster IP" -m tcp -p tcp -d 172.30.0.41 --dport 80 ! -s 10.0.0.0/8 -j KUBE-MARK-MASQ');
    expect(r.stdout.trimEnd().endsWith('COMMIT')).toBe(true);
    // kube-proxy writes the payload in its own argument order, not iptables-save's.
    expect(r.stdout).not.toBe(kpemu(['rules', OVERALL]).stdout);
  });

  it("a single-node cluster needs no --node; the view has kube-proxy's jumps in the built-in chains", () => {
    const r = kpemu(['rules', OVERALL]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES');
    expect(r.stdout).toContain('-A INPUT -j KUBE-FIREWALL');
  });

  it('the payload loads back through kpemu iptables --check', () => {
    const payload = kpemu(['rules', DEMO, '--node', 'node-2', '--format', 'restore']).stdout;
    const r = kpemu(['iptables', '-', '--check', '--noflush'], { input: payload });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('OK\n');
  });

  it('IPVS mode: the ipsets as `ipset save`, the virtual servers as `ipvsadm -Sn` and `-Ln`', () => {
    const sets = kpemu(['rules', DEMO, '--node', 'node-1', '--mode', 'ipvs', '--format', 'ipset']);
    expect(sets.status).toBe(0);
    expect(sets.stdout).toMatch(/^create KUBE-CLUSTER-IP hash:ip,port family inet hashsize \d+ maxelem \d+ bucketsize 12 initval 0x[0-9a-f]+$/m);
    expect(sets.stdout).toContain('add KUBE-CLUSTER-IP 10.96.0.20,tcp:80');
    const save = kpemu(['rules', DEMO, '--node', 'node-1', '--mode', 'ipvs', '--format', 'ipvsadm']);
    expect(save.stdout).toContain('-A -t 10.96.0.20:80 -s rr\n-a -t 10.96.0.20:80 -r 10.244.1.10:8080 -m -w 1\n-a -t 10.96.0.20:80 -r 10.244.2.10:8080 -m -w 1\n');
    const list = kpemu(['rules', DEMO, '--node', 'node-1', '--mode', 'ipvs', '--format', 'ipvsadm-list']);
    expect(list.stdout).toMatch(/^IP Virtual Server version 1\.2\.1 \(size=4096\)\nProt LocalAddress:Port Scheduler Flags\n/);
    expect(list.stdout).toMatch(/^TCP {2}10\.96\.0\.20:80 rr\s*$/m);
    const ipt = kpemu(['rules', DEMO, '--node', 'node-1', '--mode', 'ipvs']);
    expect(ipt.stdout).toContain('-m set --match-set KUBE-CLUSTER-IP dst,dst');
  });

  const errors: { name: string; args: string[]; status: number; message: RegExp }[] = [
    { name: 'a multi-node cluster needs --node', args: ['rules', DEMO], status: 2, message: /--node is required: the cluster has 3 nodes \(node-1, node-2, node-3\)/ },
    { name: 'unknown node, with close matches', args: ['rules', DEMO, '--node', 'node-7'], status: 1, message: /no node node-7 \(did you mean: node\/node-1, node\/node-2, node\/node-3\?\)$/m },
    { name: 'unknown node, nothing close', args: ['rules', DEMO, '--node', 'worker-a-long-name'], status: 1, message: /no node worker-a-long-name \(nodes: node-1, node-2, node-3\)/ },
    { name: 'IPVS formats in iptables mode', args: ['rules', DEMO, '--node', 'node-1', '--format', 'ipset'], status: 2, message: /--format ipset shows IPVS mode's state.*add --mode ipvs/ },
    { name: 'unknown format', args: ['rules', DEMO, '--node', 'node-1', '--format', 'yaml'], status: 2, message: /Allowed choices are iptables-save, restore, ipset, ipvsadm, ipvsadm-list/ },
    { name: 'an invalid cluster file', args: ['rules', 'fixtures/clusters/README.md'], status: 1, message: /^kpemu: fixtures\/clusters\/README\.md/ },
  ];
  it.each(errors)('$name: exit $status, one line', ({ args, status, message }) => {
    const r = kpemu(args);
    expect(r.status).toBe(status);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(STACK);
  });
});
