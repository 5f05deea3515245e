/**
 * Regression cases for the emulator bugs the properties and the kernel oracle found, one per
 * fixture in fixtures/regressions/ (each fixture's header says what went wrong and how it was found).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Cluster, firstPacket, parseDest, parseSource, planTrace, traceJourney } from '../../src/cluster/index.js';
import { formatIpv4, isKpemuError, ManualClock } from '../../src/core/index.js';
import { loadClusterFiles } from '../../src/kube/index.js';
import { parseIptablesCommand } from '../../src/netfilter/index.js';
import { output, PathResult, receive } from '../../src/node/index.js';
import { Packet } from '../../src/packet/index.js';
import { ip } from '../support/addr.js';
import { emptyNamespace } from '../support/emulated.js';
import { readConntrack } from '../support/kernel-lab.js';
import { describeKernel, withNetns } from '../support/netns.js';
import { sendBatch } from './support/kernel-sender.js';
import { withNodeLab } from './support/kernel-node-lab.js';
import { emulatedLabNode } from './support/kernel-rulesets.js';

const path = (name: string): string => new URL(`../../fixtures/regressions/${name}`, import.meta.url).pathname;
const text = (name: string): string => readFileSync(path(name), 'utf8');

function restoreError(rules: string): { code: string; line: number | undefined; message: string } | null {
  try {
    emptyNamespace().iptables.restoreAll(rules, { noflush: false, counters: false });
    return null;
  } catch (e) {
    if (!isKpemuError(e)) throw e;
    return { code: e.code, line: e.location?.line, message: e.message };
  }
}

describe('nat-drop-refused.rules: no DROP in the nat table', () => {
  it('refuses the rule at its line, and accepts the DROP policy of a restore chain line', () => {
    const err = restoreError(text('nat-drop-refused.rules'));
    expect(err).toMatchObject({ code: 'IPTABLES_PARSE', line: 10 });
    expect(err?.message).toContain('The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.');
    expect(restoreError(text('nat-drop-refused.rules').replace('-A X -p tcp -j DROP\n', ''))).toBeNull();
  });

  it('refuses -j DROP and -P … DROP on the command line for nat only, before any other check', () => {
    const refused = (argv: string[]): boolean => {
      try {
        parseIptablesCommand(argv);
        return false;
      } catch (e) {
        if (!isKpemuError(e)) throw e;
        return e.message.includes('not intended for filtering');
      }
    };
    expect(refused(['-t', 'nat', '-A', 'PREROUTING', '-j', 'DROP'])).toBe(true);
    expect(refused(['-t', 'nat', '-P', 'OUTPUT', 'DROP'])).toBe(true);
    // iptables reports the nat DROP before "Can't use -o with PREROUTING".
    expect(refused(['-t', 'nat', '-A', 'PREROUTING', '-o', 'eth0', '-j', 'DROP'])).toBe(true);
    expect(refused(['-t', 'filter', '-A', 'INPUT', '-j', 'DROP'])).toBe(false);
    expect(refused(['-t', 'nat', '-A', 'PREROUTING', '-j', 'ACCEPT'])).toBe(false);
  });
});

describeKernel('nat-drop-refused.rules in a real kernel', ['iptables-legacy-restore'], () => {
  it('the kernel refuses it at the same line', async () => {
    await withNetns(['natdrop'], ([ns]) => {
      const r = ns?.exec(['iptables-legacy-restore'], text('nat-drop-refused.rules'));
      expect(r?.status).not.toBe(0);
      expect(r?.stderr).toMatch(/not intended for filtering[\s\S]*line: 10/);
    });
  });
});

describe('conntrack-on-demand.rules: conntrack only runs for its users', () => {
  function send(extra: string): { outcome: string; tracked: number } {
    const ns = emptyNamespace('node');
    ns.addDevice('eth0', 'ethernet', '02:00:00:00:00:01');
    ns.addAddress('eth0', ip('192.168.56.11'), 24);
    ns.iptables.restoreAll(text('conntrack-on-demand.rules'), { noflush: false, counters: false });
    if (extra !== '') ns.iptables.restoreAll(`*filter\n${extra}\nCOMMIT\n`, { noflush: true, counters: false });
    const pkt = new Packet();
    pkt.src = ip('203.0.113.2');
    pkt.dst = ip('192.168.56.11');
    pkt.proto = 17;
    pkt.sport = 40000;
    pkt.dport = 9;
    const res = new PathResult();
    receive(ns, pkt, 'eth0', res);
    return { outcome: res.outcome, tracked: ns.conntrack.table.liveIndexes().length };
  }

  it('without a conntrack user: no connection, the nat table is never walked, the packet is delivered', () => {
    expect(send('')).toEqual({ outcome: 'delivered', tracked: 0 });
  });

  it('one conntrack match anywhere turns tracking on: nat marks the packet and filter drops it', () => {
    expect(send('-A FORWARD -m conntrack --ctstate INVALID -j DROP')).toEqual({ outcome: 'dropped', tracked: 0 });
    expect(send('-A FORWARD -m state --state INVALID -j DROP')).toEqual({ outcome: 'dropped', tracked: 0 });
  });
});

describe('ipvs-node-source-after-sync.yaml: a node talks to a ClusterIP from the address kube-proxy bound', () => {
  it('every connection from the node, the first included, comes from the ClusterIP and keeps its affinity', () => {
    const clock = new ManualClock(1_000_000);
    const c = Cluster.build(loadClusterFiles([path('ipvs-node-source-after-sync.yaml')]), { mode: 'ipvs', seed: 1, clock });
    const endpoints = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const all = c.topology.allNamespaces();
      // Force the scheduler's draw alternately to the first and the last real server: affinity must win.
      for (const ns of all) ns.chooser = () => i % 2 === 0;
      const plan = planTrace(c, { from: parseSource('node/node-1'), to: parseDest('10.96.0.11:80'), proto: 'tcp', sport: 20000 + i });
      expect(formatIpv4(plan.src)).toBe('10.96.0.11');
      const j = traceJourney(c, plan.sender, firstPacket(plan), { allRules: false, title: 'node → ClusterIP' });
      for (const ns of all) ns.chooser = null;
      expect(j.end.outcome).toBe('delivered');
      endpoints.add(`${formatIpv4(j.end.packet.dst)}:${j.end.packet.dport}`);
      clock.advanceSeconds(2);
    }
    expect(endpoints.size).toBe(1);
  });
});

describe('masquerade-on-loopback.rules: MASQUERADE through lo takes a global address', () => {
  it('the node talking to 127.0.0.1 is masqueraded to its first global address', () => {
    const ns = emptyNamespace('node');
    ns.addDevice('eth0', 'ethernet', '02:00:00:00:00:01');
    ns.addAddress('eth0', ip('192.168.56.11'), 24);
    ns.iptables.restoreAll(text('masquerade-on-loopback.rules'), { noflush: false, counters: false });
    const pkt = new Packet();
    pkt.src = ip('127.0.0.1');
    pkt.dst = ip('127.0.0.1');
    pkt.proto = 17;
    pkt.sport = 40000;
    pkt.dport = 9;
    output(ns, pkt, new PathResult());
    const t = ns.conntrack.table;
    const [i] = t.liveIndexes();
    expect(i).toBeDefined();
    expect(formatIpv4(t.rDst[i as number] as number)).toBe('192.168.56.11');
  });
});

describeKernel('masquerade-on-loopback.rules in a real kernel', ['iptables-legacy-restore', 'conntrack', 'python3'], () => {
  it('the kernel masquerades to the same address', async () => {
    await withNetns(['masqlo'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      ns.execOk(['ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth1']);
      ns.execOk(['ip', 'addr', 'add', '192.168.56.11/24', 'dev', 'eth0']);
      ns.execOk(['ip', 'link', 'set', 'eth0', 'up']);
      ns.execOk(['iptables-legacy-restore'], text('masquerade-on-loopback.rules'));
      sendBatch(ns, [{ id: 0, proto: 'udp', src: '127.0.0.1', sport: 40000, dst: '127.0.0.1', dport: 9 }], 0.1);
      const e = readConntrack(ns).find((x) => x.orig.sport === 40000);
      expect(e?.reply.dst).toBe('192.168.56.11');
    });
  });
});

describe('conntrack-match-without-connection.rules: xt_conntrack with NONE and without a connection', () => {
  function forward(proto: 6 | 17): string {
    const ns = emulatedLabNode();
    ns.iptables.restoreAll(text('conntrack-match-without-connection.rules'), { noflush: true, counters: false });
    const pkt = new Packet();
    pkt.src = ip('10.244.1.10');
    pkt.dst = ip('10.244.2.10');
    pkt.proto = proto;
    pkt.sport = 40000;
    pkt.dport = 53;
    pkt.tcpFlags = proto === 6 ? 2 : 0;
    const res = new PathResult();
    receive(ns, pkt, 'cni0', res);
    return res.outcome === 'rejected' ? `rejected ${res.rejectWith}` : res.outcome;
  }

  it('a new TCP connection is not dropped by --ctstatus NONE; untracked UDP meets --ctstate alone', () => {
    expect(forward(6)).toBe('transmitted');
    expect(forward(17)).toBe('rejected icmp-admin-prohibited');
  });
});

describeKernel('conntrack-match-without-connection.rules in a real kernel', ['iptables-legacy-restore', 'conntrack', 'nfacct', 'python3'], () => {
  it('the kernel forwards the TCP and rejects the UDP the same way', async () => {
    await withNodeLab((lab) => {
      lab.node.execOk(['iptables-legacy-restore'], text('conntrack-match-without-connection.rules'));
      const b = sendBatch(lab.pods, [
        { id: 0, proto: 'tcp', src: '10.244.1.10', sport: 40000, dst: '10.244.2.10', dport: 53 },
        { id: 1, proto: 'udp', src: '10.244.1.10', sport: 40001, dst: '10.244.2.10', dport: 53 },
      ]);
      expect(readConntrack(lab.node).some((e) => e.proto === 'tcp' && e.orig.sport === 40000)).toBe(true);
      expect(b.unreachable.find((u) => u.sport === 40001)?.code).toBe(13);
    });
  });
});
