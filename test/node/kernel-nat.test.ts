import { expect, it } from 'vitest';
import { formatIpv4 } from '../../src/core/index.js';
import { PathResult, receive } from '../../src/node/index.js';
import { Packet, TCP_FLAGS } from '../../src/packet/index.js';
import { ip } from '../support/addr.js';
import { emptyNamespace } from '../support/emulated.js';
import { readConntrack, sendProbe, withLab } from '../support/kernel-lab.js';
import { describeKernel } from '../support/netns.js';

/**
 * The same rules in a real kernel and in kpemu, the same packets, the same NAT: conntrack's
 * tuples in the real router namespace must equal the emulator's.
 */
const RULES = `*nat
:SVC - [0:0]
-A PREROUTING -d 172.30.0.41/32 -p tcp --dport 80 -j SVC
-A PREROUTING -d 172.30.0.42/32 -p udp --dport 53 -j DNAT --to-destination 10.180.0.2:5353
-A SVC -j MARK --or-mark 0x4000
-A SVC -p tcp -j DNAT --to-destination 10.180.0.1:8080
-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
-A FORWARD -d 10.180.0.9/32 -j DROP
-A INPUT -p tcp --dport 23 -j REJECT --reject-with tcp-reset
COMMIT
`;

interface Probe {
  readonly from: string;
  readonly proto: 'tcp' | 'udp';
  readonly dst: string;
  readonly dport: number;
  readonly sport: number;
}

const PROBES: readonly Probe[] = [
  { from: '203.0.113.2', proto: 'tcp', dst: '172.30.0.41', dport: 80, sport: 40000 },
  { from: '203.0.113.2', proto: 'udp', dst: '172.30.0.42', dport: 53, sport: 40001 },
  { from: '203.0.113.2', proto: 'tcp', dst: '10.180.0.1', dport: 22, sport: 40002 },
  { from: '203.0.113.2', proto: 'udp', dst: '172.30.0.41', dport: 80, sport: 40003 },
  { from: '203.0.113.2', proto: 'tcp', dst: '10.180.0.9', dport: 80, sport: 40004 },
  { from: '203.0.113.2', proto: 'tcp', dst: '203.0.113.1', dport: 23, sport: 40005 },
];

type Tuple = { src: string; dst: string; sport: number; dport: number };
const key = (t: Tuple) => `${t.src}:${t.sport}>${t.dst}:${t.dport}`;

function emulate(): Map<string, string> {
  const ns = emptyNamespace('router');
  ns.sysctl.ipForward = true;
  ns.addDevice('r0', 'ethernet', '02:00:00:00:00:01');
  ns.addAddress('r0', ip('203.0.113.1'), 24);
  ns.addDevice('r1', 'ethernet', '02:00:00:00:00:02');
  ns.addAddress('r1', ip('10.180.0.254'), 16);
  ns.addRoute({ network: 0, length: 0, dev: 'r0', gateway: ip('203.0.113.2') });
  ns.iptables.restoreAll(RULES, { noflush: false, counters: false });
  const res = new PathResult();
  for (const p of PROBES) {
    const pkt = new Packet();
    pkt.src = ip(p.from);
    pkt.dst = ip(p.dst);
    pkt.proto = p.proto === 'tcp' ? 6 : 17;
    pkt.sport = p.sport;
    pkt.dport = p.dport;
    pkt.tcpFlags = TCP_FLAGS.SYN;
    receive(ns, pkt, 'r0', res);
  }
  const t = ns.conntrack.table;
  const out = new Map<string, string>();
  for (const i of t.liveIndexes()) {
    const orig = { src: formatIpv4(t.oSrc[i]!), dst: formatIpv4(t.oDst[i]!), sport: t.oSport[i]!, dport: t.oDport[i]! };
    const reply = { src: formatIpv4(t.rSrc[i]!), dst: formatIpv4(t.rDst[i]!), sport: t.rSport[i]!, dport: t.rDport[i]! };
    out.set(key(orig), key(reply));
  }
  return out;
}

describeKernel('NAT decisions against a real kernel', ['iptables-legacy-restore', 'conntrack', 'python3'], () => {
  it('gives the same conntrack tuples (DNAT, MASQUERADE, no NAT, DROP, REJECT) as the kernel', async () => {
    const expected = emulate();
    const real = await withLab(
      [
        { label: 'client', cidr: '203.0.113.2/24', routerCidr: '203.0.113.1/24' },
        { label: 'eps', cidr: '10.180.0.1/16', routerCidr: '10.180.0.254/16', extraAddrs: ['10.180.0.2/16', '10.180.0.9/16'], silent: true },
      ],
      (lab) => {
        lab.router.execOk(['iptables-legacy-restore'], RULES);
        lab.router.execOk(['ip', 'route', 'add', 'default', 'via', '203.0.113.2']);
        const client = lab.leaves.get('client');
        if (client === undefined) throw new Error('no client');
        for (const p of PROBES) sendProbe(client, p.proto, p.dst, p.dport, p.sport);
        return readConntrack(lab.router);
      },
    );
    const got = new Map(real.map((e) => [key(e.orig), key(e.reply)]));
    // DNAT + MASQUERADE, plain DNAT, no NAT, and a packet routed back out (no rule): four
    // connections; the DROPped and REJECTed probes are never confirmed in either.
    expect(got.size).toBe(4);
    expect(Object.fromEntries(expected)).toEqual(Object.fromEntries(got));
  });
});
