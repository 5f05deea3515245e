/**
 * The raw-ruleset half of the kernel oracle: one random nat+filter ruleset is restored into the
 * lab's node namespace and into an emulated namespace wired the same way (addresses, routes,
 * sysctls); both must accept or both refuse it. When both accept it, each packet is sent from the
 * lab namespace playing its origin, and the kernel's verdict must be one the emulator gives a
 * non-zero probability (`-m statistic` draws are explored).
 */
import { exploreOutcomes } from '../../../src/cluster/index.js';
import { isKpemuError, ManualClock, SeededRng } from '../../../src/core/index.js';
import { parseIpv4 } from '../../../src/addr/index.js';
import { NetNamespace, output, PathResult, receive } from '../../../src/node/index.js';
import { Packet, TCP_FLAGS } from '../../../src/packet/index.js';
import type { LabProbe, Ruleset } from '../../arbitraries/kernel-rulesets.js';
import { type NodeLab, nodeEntries, silenceNodeResets } from './kernel-node-lab.js';
import { type KernelProbe, sendBatch } from './kernel-sender.js';
import { emulatedVerdict, kernelVerdict } from './kernel-verdict.js';

export interface RulesetResult {
  readonly loaded: boolean;
  readonly checked: number;
  readonly verdicts: ReadonlyMap<string, number>;
  readonly problems: readonly string[];
}

const ip = (t: string): number => parseIpv4(t);
const PROTO_NUM = { tcp: 6, udp: 17, sctp: 132 } as const;

/** The emulated twin of the lab's node namespace. */
/** The lab's own rule (kernel-node-lab.ts silenceNodeResets), mirrored in the emulated twin. */
const LAB_RAW_RULES = '*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp -m tcp --tcp-flags RST RST -j DROP\nCOMMIT\n';

export function emulatedLabNode(): NetNamespace {
  const ns = new NetNamespace({ node: 'lab', name: 'host', clock: new ManualClock(1_000_000), rng: new SeededRng(7) });
  ns.sysctl.ipForward = true;
  ns.addDevice('eth0', 'ethernet', '02:00:00:00:00:01');
  ns.addAddress('eth0', ip('192.168.56.11'), 24);
  ns.addDevice('cni0', 'ethernet', '02:00:00:00:00:02');
  ns.addAddress('cni0', ip('10.244.1.1'), 24);
  ns.addDevice('flannel.1', 'ethernet', '02:00:00:00:00:03');
  ns.addAddress('flannel.1', ip('10.244.1.0'), 32);
  for (const n of [2, 3]) ns.addRoute({ network: ip(`10.244.${n}.0`), length: 24, dev: 'flannel.1', gateway: ip(`10.244.${n}.0`), onlink: true });
  ns.addRoute({ network: 0, length: 0, dev: 'eth0', gateway: ip('192.168.56.1'), onlink: true });
  ns.iptables.restoreAll(LAB_RAW_RULES, { noflush: true, counters: false });
  return ns;
}

function labPacket(p: LabProbe): Packet {
  const pkt = new Packet();
  pkt.src = ip(p.src);
  pkt.dst = ip(p.dst);
  pkt.proto = PROTO_NUM[p.proto];
  pkt.sport = p.sport;
  pkt.dport = p.dport;
  pkt.tcpFlags = p.proto === 'tcp' ? TCP_FLAGS.SYN : 0;
  pkt.length = 60;
  return pkt;
}

const ICMP_CODE: Readonly<Record<string, number>> = {
  'icmp-net-unreachable': 0,
  'icmp-host-unreachable': 1,
  'icmp-proto-unreachable': 2,
  'icmp-port-unreachable': 3,
  'icmp-net-prohibited': 9,
  'icmp-host-prohibited': 10,
  'icmp-admin-prohibited': 13,
};

/**
 * The answer a REJECT sends, as the node's own output: an ICMP error carrying the packet's header
 * (from the packet's destination when that was this node, else from the address routing picks),
 * or a TCP reset from the packet's destination. The sender only learns of the REJECT if the
 * node's own rules let that answer out.
 */
function rejectAnswer(ns: NetNamespace, p: LabProbe, rejectWith: string): Packet {
  const orig = labPacket(p);
  const a = new Packet();
  a.dst = orig.src;
  if (rejectWith === 'tcp-reset') {
    a.src = orig.dst;
    a.proto = 6;
    a.sport = orig.dport;
    a.dport = orig.sport;
    a.tcpFlags = TCP_FLAGS.RST | TCP_FLAGS.ACK;
  } else {
    a.src = ns.isLocal(orig.dst) ? orig.dst : 0;
    a.proto = 1;
    a.icmpType = 3;
    a.icmpCode = ICMP_CODE[rejectWith] ?? 3;
    a.innerSrc = orig.src;
    a.innerDst = orig.dst;
    a.innerProto = orig.proto;
    a.innerSport = orig.sport;
    a.innerDport = orig.dport;
  }
  a.length = 88;
  return a;
}

/** Every verdict the emulator gives the packet, with its probability. */
function predict(ns: NetNamespace, p: LabProbe): Map<string, number> {
  const res = new PathResult();
  const back = new PathResult();
  const outs = exploreOutcomes([ns], () => {
    const pkt = labPacket(p);
    if (p.from === 'node') output(ns, pkt, res);
    else receive(ns, pkt, p.from === 'pods' ? 'cni0' : 'eth0', res);
    let key = emulatedVerdict(ns, labPacket(p), res.outcome, res.rejectWith);
    // A connection confirmed before the REJECT (a local packet is confirmed leaving OUTPUT, then
    // rejected in INPUT on its way back in) stays listed: the entry decides, not the answer.
    if (key.startsWith('rejected')) {
      output(ns, rejectAnswer(ns, p, res.rejectWith), back);
      if (back.outcome !== 'delivered' && back.outcome !== 'transmitted') key = 'no-entry';
    }
    return { verdict: 'delivered', where: key, dnat: null, snat: null, reason: '', rejectWith: '', decidedBy: '' };
  });
  const out = new Map<string, number>();
  for (const o of outs) out.set(o.where, (out.get(o.where) ?? 0) + o.probability);
  return out;
}

let nextSport = 30000;

export function checkRulesetOnKernel(lab: NodeLab, set: Ruleset): RulesetResult {
  const emu = emulatedLabNode();
  let emuError: string | null = null;
  try {
    // --noflush keeps the twin's raw table; the ruleset's nat and filter blocks replace those tables whole.
    emu.iptables.restoreAll(set.text, { noflush: true, counters: false });
  } catch (e) {
    if (!isKpemuError(e)) throw e;
    emuError = e.message;
  }
  const real = lab.node.exec(['iptables-legacy-restore'], set.text);
  const numbered = set.text.split('\n').map((l, i) => `${String(i + 1).padStart(3)} ${l}`).join('\n');
  if (real.status !== 0) {
    const problems = emuError === null ? [`the kernel refuses a ruleset kpemu accepts: ${real.stderr.trim()}\n${numbered}`] : [];
    return { loaded: false, checked: 0, verdicts: new Map(), problems };
  }
  if (emuError !== null) return { loaded: false, checked: 0, verdicts: new Map(), problems: [`kpemu refuses a ruleset the kernel accepts: ${emuError}\n${numbered}`] };
  silenceNodeResets(lab);
  lab.node.exec(['conntrack', '-F']);

  const probes = set.probes.map((p) => ({ ...p, sport: nextSport++ }));
  if (nextSport > 60000) nextSport = 30000;
  const kps: KernelProbe[] = probes.map((p, id) => ({ id, proto: p.proto, src: p.src, sport: p.sport, dst: p.dst, dport: p.dport }));
  const expected = probes.map((p) => predict(emu, p));
  const batches = new Map((['pods', 'ext', 'node'] as const).map((s) => [s, sendBatch(lab[s], kps.filter((_, i) => probes[i]?.from === s))]));
  const entries = nodeEntries(lab);
  const verdicts = new Map<string, number>();
  const problems: string[] = [];
  probes.forEach((p, i) => {
    const k = kernelVerdict(kps[i] as KernelProbe, entries, batches.get(p.from) as ReturnType<typeof sendBatch>);
    const kind = k.split(' ')[0] as string;
    verdicts.set(kind, (verdicts.get(kind) ?? 0) + 1);
    const e = expected[i] as Map<string, number>;
    if (!e.has(k)) {
      const emuText = [...e].map(([x, pr]) => `${x} (p=${pr.toFixed(3)})`).join(', ');
      problems.push(`${p.proto} ${p.src}:${p.sport} → ${p.dst}:${p.dport} from the ${p.from} namespace\n  kernel: ${k}\n  kpemu:  ${emuText}\n${numbered}`);
    }
  });
  return { loaded: true, checked: probes.length, verdicts, problems };
}
