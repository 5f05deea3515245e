/**
 * fast-check arbitraries for whole raw rulesets (nat and filter, built-in and user chains) and the
 * packets sent through them, for the kernel oracle. Unlike ./rules.ts, addresses, ports and
 * interfaces come from the oracle lab's own pools (test/properties/support/kernel-node-lab.ts) so
 * rules really match the packets, and targets are mostly ones the table allows — sometimes not, to
 * check that kpemu refuses what the kernel refuses. The match modules whose values need not line
 * up with the packets come from ./rules.ts; `-m statistic` is random mode only (an nth counter
 * carries state from packet to packet, which a per-packet prediction does not model), and modules
 * needing kernel objects or carrying per-source state (set, recent, nfacct) are left out.
 */
import fc from 'fast-check';
import { prefix } from '../../src/core/index.js';
import { parseIpv4 } from '../../src/addr/index.js';
import { formatRule, REJECT_WITH, type AddrMatch, type IfaceMatch, type Match, type NatRange, type Rule, type Target } from '../../src/netfilter/index.js';
import { MATCH_ARBS } from './rules.js';

const ip = (t: string): number => parseIpv4(t);

/** Addresses of the lab: node, its pods, remote pods, clients, and Service-like addresses routed elsewhere. */
export const LAB_ADDRS = ['192.168.56.11', '10.244.1.10', '10.244.1.11', '10.244.1.12', '10.244.2.10', '10.244.2.11', '203.0.113.2', '203.0.113.130', '192.168.56.12', '10.96.0.10', '192.168.100.10', '127.0.0.1', '10.244.1.1'] as const;
const PORTS = [80, 443, 53, 8080, 30000] as const;
const PROTOS = [6, 17, 132] as const;
const IFACES = ['eth0', 'cni0', 'flannel.1', 'lo'] as const;

const addrArb: fc.Arbitrary<AddrMatch> = fc
  .record({ a: fc.constantFrom(...LAB_ADDRS), len: fc.constantFrom(32, 32, 24, 16, 8), invert: fc.boolean() })
  .map(({ a, len, invert }) => ({ prefix: prefix(ip(a), len), invert }));

const ifaceArb: fc.Arbitrary<IfaceMatch> = fc
  .record({ name: fc.constantFrom(...IFACES, 'eth', 'cni'), invert: fc.boolean() })
  .map(({ name, invert }) => ({ name, wildcard: name === 'eth' || name === 'cni', invert }));

const portMatchArb = fc.oneof(
  fc.record({ p: fc.constantFrom(...PORTS), invert: fc.boolean() }).map(({ p, invert }) => ({ lo: p, hi: p, invert })),
  fc.record({ a: fc.constantFrom(...PORTS), b: fc.constantFrom(...PORTS, 1024, 65000), invert: fc.boolean() }).map(({ a, b, invert }) => ({ lo: Math.min(a, b), hi: Math.max(a, b), invert })),
);

/** A port match for the rule's protocol (tcp/udp/sctp need `-p` of their own). */
function portMatchFor(proto: number): fc.Arbitrary<Match> {
  const kind = proto === 6 ? ('tcp' as const) : proto === 17 ? ('udp' as const) : ('sctp' as const);
  return fc.record({ sport: portMatchArb, dport: portMatchArb }, { requiredKeys: [] }).map((m) => ({ kind, ...m }));
}

const multiportArb: fc.Arbitrary<Match> = fc
  .record({ direction: fc.constantFrom('src' as const, 'dst' as const, 'both' as const), ports: fc.subarray([...PORTS], { minLength: 1 }), invert: fc.boolean() })
  .map(({ direction, ports, invert }) => ({ kind: 'multiport' as const, direction, ports: ports.map((p) => ({ lo: p, hi: p })), invert }));

const statisticRandomArb: fc.Arbitrary<Match> = fc
  .record({ p: fc.oneof(fc.constantFrom(0.25, 0.5, 0.75), fc.double({ min: 0.01, max: 0.99, noNaN: true })), invert: fc.boolean() })
  .map(({ p, invert }) => ({ kind: 'statistic' as const, mode: 'random' as const, probabilityU31: Math.round(p * 2 ** 31), invert }));

/** Matches whose meaning needs no alignment with the lab (or comes from it). */
const looseMatchArb: fc.Arbitrary<Match> = fc.oneof(
  MATCH_ARBS.comment,
  MATCH_ARBS.mark,
  MATCH_ARBS.connmark,
  MATCH_ARBS.conntrack,
  MATCH_ARBS.state,
  MATCH_ARBS.addrtype,
  statisticRandomArb,
);

const natAddrArb = fc.constantFrom('10.244.1.11', '10.244.2.10', '192.168.56.11', '203.0.113.2', '10.244.1.12', '192.168.56.99');

function natRangeArb(withPorts: boolean): fc.Arbitrary<NatRange> {
  return fc.record({ a: natAddrArb, ports: fc.boolean(), p: fc.constantFrom(...PORTS), span: fc.constantFrom(0, 0, 10) }).map(({ a, ports, p, span }) => {
    const hasPorts = withPorts && ports;
    return { hasAddr: true, addrLo: ip(a), addrHi: ip(a), hasPorts, portLo: hasPorts ? p : 0, portHi: hasPorts ? p + span : 0 };
  });
}

export type ChainRole = 'nat-pre' | 'nat-post' | 'nat-in' | 'filter';

/** Targets for a chain; a small share are ones the table or hook refuses, to test refusals too. */
function targetArb(role: ChainRole, proto: number | null, users: readonly string[]): fc.Arbitrary<Target> {
  const ports = proto !== null;
  const jump = users.length === 0 ? [] : [fc.constantFrom(...users).map((chain): Target => ({ kind: 'jump', chain })), fc.constantFrom(...users).map((chain): Target => ({ kind: 'goto', chain }))];
  const common: fc.Arbitrary<Target>[] = [
    fc.constant<Target>({ kind: 'accept' }),
    fc.constant<Target>({ kind: 'return' }),
    fc.constant<Target>({ kind: 'none' }),
    fc.record({ value: fc.constantFrom(0x4000, 1, 0xff), mask: fc.constantFrom(0x4000, 0xffffffff) }).map((t): Target => ({ kind: 'mark', ...t })),
    ...jump,
  ];
  // `--random` with a DNAT port range draws the port (the kernel's draw cannot be replayed); without
  // a range DNAT keeps the port, so the flag is kept there.
  const dnat = fc.record({ to: natRangeArb(ports), random: fc.boolean() }).map((t): Target => ({ kind: 'dnat', to: t.to, random: t.random && !t.to.hasPorts, persistent: false }));
  const snat = fc.record({ to: natRangeArb(ports), randomFully: fc.boolean() }).map((t): Target => ({ kind: 'snat', to: t.to, random: false, randomFully: t.randomFully, persistent: false }));
  const masq = fc.record({ randomFully: fc.boolean() }).map((t): Target => ({ kind: 'masquerade', random: false, randomFully: t.randomFully }));
  // tcp-reset needs `-p tcp`.
  const reject = fc.constantFrom(...REJECT_WITH.filter((w) => w !== 'tcp-reset' || proto === 6)).map((w): Target => ({ kind: 'reject', with: w }));
  const drop = fc.constant<Target>({ kind: 'drop' });
  switch (role) {
    case 'nat-pre':
      return fc.oneof({ weight: 30, arbitrary: dnat }, { weight: 30, arbitrary: fc.oneof(...common) }, { weight: 1, arbitrary: fc.oneof(snat, drop) });
    case 'nat-post':
      return fc.oneof({ weight: 30, arbitrary: fc.oneof(snat, masq) }, { weight: 30, arbitrary: fc.oneof(...common) }, { weight: 1, arbitrary: dnat });
    case 'nat-in':
      // nat INPUT takes SNAT but not MASQUERADE (POSTROUTING only).
      return fc.oneof({ weight: 30, arbitrary: snat }, { weight: 30, arbitrary: fc.oneof(...common) }, { weight: 1, arbitrary: masq });
    case 'filter':
      return fc.oneof({ weight: 30, arbitrary: fc.oneof(drop, reject) }, { weight: 30, arbitrary: fc.oneof(...common) }, { weight: 1, arbitrary: dnat });
    default: {
      const never: never = role;
      return never;
    }
  }
}

/** Which interface options a chain takes: iptables refuses `-o` on input hooks and `-i` on output hooks. */
export interface IfaceUse {
  readonly in: boolean;
  readonly out: boolean;
}

/** One rule for a chain in `role`, jumping only to `users`. */
export function labRuleArb(role: ChainRole, users: readonly string[], ifaces: IfaceUse): fc.Arbitrary<Rule> {
  const rare = (a: fc.Arbitrary<IfaceMatch>, allowed: boolean): fc.Arbitrary<IfaceMatch | undefined> =>
    fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: allowed ? 1 : 0, arbitrary: a });
  return fc
    .record(
      {
        src: addrArb,
        dst: addrArb,
        inIface: rare(ifaceArb, ifaces.in),
        outIface: rare(ifaceArb, ifaces.out),
        proto: fc.record({ num: fc.constantFrom(...PROTOS), invert: fc.oneof({ weight: 5, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }) }),
      },
      { requiredKeys: [] },
    )
    .chain((common) => {
      const proto = common.proto !== undefined && !common.proto.invert ? common.proto.num : null;
      const matchArb = proto === null ? looseMatchArb : fc.oneof({ weight: 3, arbitrary: portMatchFor(proto) }, { weight: 1, arbitrary: multiportArb }, { weight: 3, arbitrary: looseMatchArb });
      return fc.record({ matches: fc.array(matchArb, { maxLength: 2 }), target: targetArb(role, proto, users) }).map(({ matches, target }) => {
        const rule: { -readonly [K in keyof Rule]: Rule[K] } = { matches: dedupeKinds(matches), target };
        if (common.src !== undefined) rule.src = common.src;
        if (common.dst !== undefined) rule.dst = common.dst;
        if (common.inIface !== undefined) rule.inIface = common.inIface;
        if (common.outIface !== undefined) rule.outIface = common.outIface;
        if (common.proto !== undefined) rule.proto = common.proto;
        return rule;
      });
    });
}

/** One module of each kind per rule (repeating tcp/udp options collide in iptables' parser). */
function dedupeKinds(matches: readonly Match[]): Match[] {
  const seen = new Set<string>();
  return matches.filter((m) => {
    const group = m.kind === 'mark' || m.kind === 'connmark' ? 'mark' : m.kind;
    if (seen.has(group)) return false;
    seen.add(group);
    return true;
  });
}

export interface LabProbe {
  readonly from: 'pods' | 'ext' | 'node';
  readonly src: string;
  readonly dst: string;
  readonly dport: number;
  readonly sport: number;
  readonly proto: 'tcp' | 'udp' | 'sctp';
}

const SOURCES: Readonly<Record<LabProbe['from'], readonly string[]>> = {
  pods: ['10.244.1.10', '10.244.1.11', '10.244.1.12'],
  ext: ['203.0.113.2', '203.0.113.130', '192.168.56.12'],
  node: ['192.168.56.11', '10.244.1.1', '127.0.0.1'],
};
const DESTS = ['192.168.56.11', '10.96.0.10', '192.168.100.10', '10.244.1.11', '10.244.2.10', '203.0.113.2', '127.0.0.1', '10.244.1.1'] as const;

/** A packet the lab can send: never to an address of its own namespace, 127/8 only from the node. */
export const labProbeArb: fc.Arbitrary<LabProbe> = fc
  .record({
    from: fc.constantFrom('pods' as const, 'ext' as const, 'node' as const),
    srcIndex: fc.nat({ max: 2 }),
    dst: fc.constantFrom(...DESTS),
    dport: fc.constantFrom(...PORTS),
    proto: fc.constantFrom('tcp' as const, 'udp' as const, 'sctp' as const),
  })
  .filter((p) => {
    const src = (SOURCES[p.from] as readonly string[])[p.srcIndex] as string;
    if (p.from !== 'node' && (p.dst === '127.0.0.1' || SOURCES[p.from].includes(p.dst))) return false;
    if (p.from === 'node' && (src === '127.0.0.1') !== (p.dst === '127.0.0.1')) return false;
    return true;
  })
  .map((p) => ({ from: p.from, src: (SOURCES[p.from] as readonly string[])[p.srcIndex] as string, dst: p.dst, dport: p.dport, sport: 0, proto: p.proto }));

export interface Ruleset {
  readonly text: string;
  readonly probes: readonly LabProbe[];
  readonly policies: { readonly input: 'ACCEPT' | 'DROP'; readonly forward: 'ACCEPT' | 'DROP'; readonly output: 'ACCEPT' | 'DROP' };
}

const policyArb = fc.oneof({ weight: 5, arbitrary: fc.constant<'ACCEPT'>('ACCEPT') }, { weight: 1, arbitrary: fc.constant<'DROP'>('DROP') });

function chainRules(role: ChainRole, users: readonly string[], max: number, ifaces: IfaceUse): fc.Arbitrary<Rule[]> {
  return fc.array(labRuleArb(role, users, ifaces), { maxLength: max });
}

const IN: IfaceUse = { in: true, out: false };
const OUT: IfaceUse = { in: false, out: true };
const BOTH: IfaceUse = { in: true, out: true };
const NONE: IfaceUse = { in: false, out: false };

/** A nat table (three user chains) and a filter table (two), jumps only forward so never a loop, and 10 packets. */
export const rulesetArb: fc.Arbitrary<Ruleset> = fc
  .record({
    // DNAT-side user chains are called from PREROUTING/OUTPUT, the SNAT-side one from POSTROUTING
    // (the kernel refuses a NAT target reachable from a hook it does not suit). Interfaces in user
    // chains only where every calling hook allows them: none here.
    pre: chainRules('nat-pre', ['DN0', 'DN1'], 4, IN),
    out: chainRules('nat-pre', ['DN0', 'DN1'], 3, OUT),
    post: chainRules('nat-post', ['SN0'], 3, OUT),
    natIn: chainRules('nat-in', [], 2, IN),
    dn0: chainRules('nat-pre', ['DN1'], 3, NONE),
    dn1: chainRules('nat-pre', [], 3, NONE),
    sn0: chainRules('nat-post', [], 3, NONE),
    fin: chainRules('filter', ['F0', 'F1'], 3, IN),
    ffwd: chainRules('filter', ['F0', 'F1'], 3, BOTH),
    fout: chainRules('filter', ['F0', 'F1'], 2, OUT),
    f0: chainRules('filter', ['F1'], 3, NONE),
    f1: chainRules('filter', [], 2, NONE),
    policies: fc.record({ input: policyArb, forward: policyArb, output: policyArb }),
    probes: fc.array(labProbeArb, { minLength: 10, maxLength: 10 }),
  })
  .map((r) => {
    const lines = (chain: string, rules: readonly Rule[]): string[] => rules.map((x) => `-A ${chain} ${formatRule(x)}`.trimEnd());
    const text = [
      '*nat',
      ':PREROUTING ACCEPT [0:0]',
      ':INPUT ACCEPT [0:0]',
      ':OUTPUT ACCEPT [0:0]',
      ':POSTROUTING ACCEPT [0:0]',
      ':DN0 - [0:0]',
      ':DN1 - [0:0]',
      ':SN0 - [0:0]',
      ...lines('PREROUTING', r.pre),
      ...lines('INPUT', r.natIn),
      ...lines('OUTPUT', r.out),
      ...lines('POSTROUTING', r.post),
      ...lines('DN0', r.dn0),
      ...lines('DN1', r.dn1),
      ...lines('SN0', r.sn0),
      'COMMIT',
      '*filter',
      `:INPUT ${r.policies.input} [0:0]`,
      `:FORWARD ${r.policies.forward} [0:0]`,
      `:OUTPUT ${r.policies.output} [0:0]`,
      ':F0 - [0:0]',
      ':F1 - [0:0]',
      ...lines('INPUT', r.fin),
      ...lines('FORWARD', r.ffwd),
      ...lines('OUTPUT', r.fout),
      ...lines('F0', r.f0),
      ...lines('F1', r.f1),
      'COMMIT',
      '',
    ].join('\n');
    return { text, probes: r.probes, policies: r.policies };
  });
