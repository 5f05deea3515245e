/**
 * fast-check arbitraries for raw iptables rules (src/netfilter/ast.ts), over every match and
 * target kpemu models. Every rule generated is canonical: the value kpemu's parser gives back for
 * the text iptables-save would print for it. Forms the real tool itself does not print back
 * faithfully are left out (a full port range, `-i +`, a zero TCP-flag mask, seconds above 2^31-1
 * printed with %d, names with blanks), and so are option combinations whose names collide in
 * iptables' merged getopt table (tcp/udp/sctp ports, mark/connmark `--mark`, recent/set `--set`),
 * which real iptables cannot read back either.
 */
import fc from 'fast-check';
import { prefix } from '../../src/core/index.js';
import {
  ADDRTYPE_BITS,
  CT_STATUS_BITS,
  REJECT_WITH,
  type AddrMatch,
  type IfaceMatch,
  type Match,
  type NatRange,
  type PortMatch,
  type PortRange,
  type Rule,
  type Target,
} from '../../src/netfilter/index.js';

export const u32 = fc.integer({ min: 0, max: 0xffffffff });
const port = fc.integer({ min: 0, max: 65535 });
const bool = fc.boolean();

// ---------------------------------------------------------------------------------------------
// Common part

export const addrMatchArb: fc.Arbitrary<AddrMatch> = fc
  .record({ addr: u32, len: fc.integer({ min: 0, max: 32 }), invert: bool })
  .filter((a) => a.len > 0 || a.invert) // 0/0 without `!` is stored as no address
  .map((a) => ({ prefix: prefix(a.addr, a.len), invert: a.invert }));

export const ifaceArb: fc.Arbitrary<IfaceMatch> = fc
  .record({ name: fc.stringMatching(/^[a-z][a-z0-9.-]{0,13}$/), wildcard: bool, invert: bool })
  .map((i) => ({ name: i.name, wildcard: i.wildcard, invert: i.invert }));

/** Protocols with ports in NAT ranges (tcp, udp, sctp, dccp, icmp). */
const NAT_PORT_PROTOS = [6, 17, 132, 33, 1];
/** Protocols multiport accepts. */
const MULTIPORT_PROTOS = [6, 17, 136, 132, 33];

// ---------------------------------------------------------------------------------------------
// Matches

/** A port match as tcp/udp print it back: never the full range. */
const portMatchArb: fc.Arbitrary<PortMatch> = fc
  .record({ a: port, b: port, single: bool, invert: bool })
  .map(({ a, b, single, invert }) => (single ? { lo: a, hi: a, invert } : { lo: Math.min(a, b), hi: Math.max(a, b), invert }))
  .filter((p) => !(p.lo === 0 && p.hi === 65535));

const tcpArb: fc.Arbitrary<Match> = fc
  .record(
    {
      sport: portMatchArb,
      dport: portMatchArb,
      flags: fc.record({ mask: fc.integer({ min: 0, max: 63 }), comp: fc.integer({ min: 0, max: 63 }), invert: bool }).filter((f) => f.mask !== 0 || f.invert),
    },
    { requiredKeys: [] },
  )
  .map((m) => ({ kind: 'tcp' as const, ...m }));

/** udp keeps reversed ranges (`5:1`); only the full range is special. */
const udpPortArb: fc.Arbitrary<PortMatch> = fc
  .record({ lo: port, hi: port, invert: bool })
  .filter((p) => !(p.lo === 0 && p.hi === 65535));

const udpArb: fc.Arbitrary<Match> = fc.record({ sport: udpPortArb, dport: udpPortArb }, { requiredKeys: [] }).map((m) => ({ kind: 'udp' as const, ...m }));

/** sctp prints any port option it was given, the full range too, but refuses lo > hi. */
const sctpPortArb: fc.Arbitrary<PortMatch> = fc
  .record({ a: port, b: port, invert: bool })
  .map(({ a, b, invert }) => ({ lo: Math.min(a, b), hi: Math.max(a, b), invert }));

const sctpArb: fc.Arbitrary<Match> = fc.record({ sport: sctpPortArb, dport: sctpPortArb }, { requiredKeys: [] }).map((m) => ({ kind: 'sctp' as const, ...m }));

const icmpArb: fc.Arbitrary<Match> = fc.oneof(
  fc.record({ invert: bool }).map(({ invert }) => ({ kind: 'icmp' as const, type: 255, codeLo: 0, codeHi: 255, invert })),
  fc.record({ type: fc.integer({ min: 0, max: 254 }), invert: bool }).map(({ type, invert }) => ({ kind: 'icmp' as const, type, codeLo: 0, codeHi: 255, invert })),
  fc
    .record({ type: fc.integer({ min: 0, max: 254 }), code: fc.integer({ min: 0, max: 255 }), invert: bool })
    .map(({ type, code, invert }) => ({ kind: 'icmp' as const, type, codeLo: code, codeHi: code, invert })),
);

const multiportItem: fc.Arbitrary<PortRange> = fc.oneof(
  port.map((p) => ({ lo: p, hi: p })),
  fc
    .tuple(port, port)
    .filter(([a, b]) => a !== b)
    .map(([a, b]) => ({ lo: Math.min(a, b), hi: Math.max(a, b) })),
);

const multiportArb: fc.Arbitrary<Match> = fc
  .record({ direction: fc.constantFrom('src' as const, 'dst' as const, 'both' as const), ports: fc.array(multiportItem, { minLength: 1, maxLength: 15 }), invert: bool })
  .filter((m) => m.ports.reduce((n, p) => n + (p.lo === p.hi ? 1 : 2), 0) <= 15)
  .map((m) => ({ kind: 'multiport' as const, ...m }));

/** Comment text: any characters but line breaks and NUL, at most 255 UTF-8 bytes. */
const commentArb: fc.Arbitrary<Match> = fc
  .string({ maxLength: 80, unit: fc.oneof(fc.constantFrom('"', '\\', "'", ' ', '\t', '/', ':', '*', ',', '!', '-', 'é'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })) })
  .filter((t) => !/[\n\r\0]/.test(t) && Buffer.byteLength(t) <= 255)
  .map((text) => ({ kind: 'comment' as const, text }));

const markArb: fc.Arbitrary<Match> = fc.record({ value: u32, mask: u32, invert: bool }).map((m) => ({ kind: 'mark' as const, ...m }));
const connmarkArb: fc.Arbitrary<Match> = fc.record({ value: u32, mask: u32, invert: bool }).map((m) => ({ kind: 'connmark' as const, ...m }));

const ctStatusBitsArb = fc.oneof(fc.constant(CT_STATUS_BITS.NONE), fc.integer({ min: 1, max: 15 }).map((b) => b << 1));

const conntrackArb: fc.Arbitrary<Match> = fc
  .record(
    {
      ctstate: fc.record({ bits: fc.integer({ min: 1, max: 127 }), invert: bool }),
      ctstatus: fc.record({ bits: ctStatusBitsArb, invert: bool }),
      ctdir: fc.constantFrom('ORIGINAL' as const, 'REPLY' as const),
    },
    { requiredKeys: [] },
  )
  .filter((m) => Object.keys(m).length > 0)
  .map((m) => ({ kind: 'conntrack' as const, ...m }));

const stateArb: fc.Arbitrary<Match> = fc
  .record({ bits: fc.integer({ min: 1, max: 31 }), invert: bool })
  .map((state) => ({ kind: 'state' as const, state }));

const addrtypeBits = fc.integer({ min: 1, max: Object.values(ADDRTYPE_BITS).reduce((a, b) => a | b, 0) });

const addrtypeArb: fc.Arbitrary<Match> = fc
  .record(
    {
      srcType: fc.record({ bits: addrtypeBits, invert: bool }),
      dstType: fc.record({ bits: addrtypeBits, invert: bool }),
    },
    { requiredKeys: [] },
  )
  .filter((m) => m.srcType !== undefined || m.dstType !== undefined)
  .chain((m) =>
    fc.constantFrom([false, false], [true, false], [false, true]).map(([limitIfaceIn, limitIfaceOut]) => ({
      kind: 'addrtype' as const,
      ...m,
      limitIfaceIn: limitIfaceIn as boolean,
      limitIfaceOut: limitIfaceOut as boolean,
    })),
  );

const statisticArb: fc.Arbitrary<Match> = fc.oneof(
  fc.record({ probabilityU31: fc.integer({ min: 0, max: 2 ** 31 }), invert: bool }).map((m) => ({ kind: 'statistic' as const, mode: 'random' as const, ...m })),
  fc
    .record({ every: fc.integer({ min: 1, max: 0xffffffff }), packetSeed: u32, invert: bool })
    .map(({ every, packetSeed, invert }) => ({ kind: 'statistic' as const, mode: 'nth' as const, every, packet: packetSeed % every, invert })),
);

const recentArb: fc.Arbitrary<Match> = fc
  .record({
    command: fc.constantFrom('set' as const, 'rcheck' as const, 'update' as const, 'remove' as const),
    name: fc.stringMatching(/^[A-Za-z0-9_-]{1,24}$/),
    seconds: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0x7fffffff })),
    hitcount: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0x7fffffff })),
    reap: bool,
    rttl: bool,
    side: fc.constantFrom('source' as const, 'dest' as const),
    mask: u32,
    invert: bool,
  })
  .map((m) => ({
    kind: 'recent' as const,
    ...m,
    reap: m.reap && m.seconds > 0,
    rttl: m.rttl && m.command !== 'set' && m.command !== 'remove',
  }));

const nfacctArb: fc.Arbitrary<Match> = fc.stringMatching(/^[A-Za-z0-9_.-]{1,31}$/).map((name) => ({ kind: 'nfacct' as const, name }));

const setArb: fc.Arbitrary<Match> = fc
  .record({
    name: fc.stringMatching(/^[A-Za-z0-9_.-]{1,31}$/),
    directions: fc.array(fc.constantFrom('src' as const, 'dst' as const), { minLength: 1, maxLength: 6 }),
    invert: bool,
  })
  .map((m) => ({ kind: 'set' as const, ...m }));

/** One arbitrary per match kind (keyed so the list stays complete). */
export const MATCH_ARBS: Readonly<Record<Match['kind'], fc.Arbitrary<Match>>> = {
  tcp: tcpArb,
  udp: udpArb,
  sctp: sctpArb,
  icmp: icmpArb,
  multiport: multiportArb,
  comment: commentArb,
  mark: markArb,
  connmark: connmarkArb,
  conntrack: conntrackArb,
  state: stateArb,
  addrtype: addrtypeArb,
  statistic: statisticArb,
  recent: recentArb,
  nfacct: nfacctArb,
  set: setArb,
};

export const matchArb: fc.Arbitrary<Match> = fc.oneof(...Object.values(MATCH_ARBS));

/** Kinds whose option names collide in iptables' merged getopt table: one kind per group in a rule. */
const COLLIDING: readonly (readonly Match['kind'][])[] = [
  ['tcp', 'udp', 'sctp'],
  ['mark', 'connmark'],
  ['recent', 'set'],
];

function collides(matches: readonly Match[]): boolean {
  return COLLIDING.some((group) => new Set(matches.map((m) => m.kind).filter((k) => group.includes(k))).size > 1);
}

// ---------------------------------------------------------------------------------------------
// Targets

/** A chain name iptables takes as a jump: not a target extension, not starting with - or !. */
export const chainNameArb = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,27}$/)
  .filter(
    (n) =>
      ![
        'ACCEPT', 'DROP', 'RETURN', 'QUEUE', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'CONNMARK', 'LOG', 'NOTRACK', 'CT',
        'NFQUEUE', 'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNSECMARK', 'DSCP', 'ECN', 'HMARK', 'IDLETIMER', 'LED',
        'NETMAP', 'NFLOG', 'RATEEST', 'REDIRECT', 'SECMARK', 'SET', 'SYNPROXY', 'TCPMSS', 'TCPOPTSTRIP', 'TEE', 'TOS', 'TPROXY',
        'TRACE', 'TTL', 'ULOG',
      ].includes(n),
  );

function natRangeArb(portsAllowed: boolean): fc.Arbitrary<NatRange> {
  return fc
    .record({ hasAddr: bool, addrLo: u32, addrHi: u32, single: bool, hasPorts: bool, p1: port, p2: port })
    .filter((r) => r.hasAddr || (r.hasPorts && portsAllowed))
    .map((r) => {
      const hasPorts = r.hasPorts && portsAllowed;
      const lo = Math.min(r.p1, r.p2);
      const hi = Math.max(r.p1, r.p2);
      return {
        hasAddr: r.hasAddr,
        addrLo: r.hasAddr ? r.addrLo : 0,
        addrHi: r.hasAddr ? (r.single ? r.addrLo : r.addrHi) : 0,
        hasPorts,
        portLo: hasPorts ? lo : 0,
        portHi: hasPorts ? hi : 0,
      };
    });
}

/** Targets; NAT ports and MASQUERADE ports only when the rule's protocol allows them. */
export function targetArb(portsAllowed: boolean): fc.Arbitrary<Target> {
  return fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.constant({ kind: 'accept' as const }),
    fc.constant({ kind: 'drop' as const }),
    fc.constant({ kind: 'return' as const }),
    chainNameArb.map((chain) => ({ kind: 'jump' as const, chain })),
    chainNameArb.map((chain) => ({ kind: 'goto' as const, chain })),
    fc.constantFrom(...REJECT_WITH).map((w) => ({ kind: 'reject' as const, with: w })),
    fc.record({ to: natRangeArb(portsAllowed), random: bool, persistent: bool }).map((t) => ({ kind: 'dnat' as const, ...t })),
    fc.record({ to: natRangeArb(portsAllowed), random: bool, randomFully: bool, persistent: bool }).map((t) => ({ kind: 'snat' as const, ...t })),
    fc
      .record(
        {
          ports: fc.tuple(port, port).map(([a, b]) => ({ lo: Math.min(a, b), hi: Math.max(a, b) })),
          random: bool,
          randomFully: bool,
        },
        { requiredKeys: ['random', 'randomFully'] },
      )
      .filter((t) => portsAllowed || t.ports === undefined)
      .map((t) => ({ kind: 'masquerade' as const, ...t })),
    fc.record({ value: u32, mask: u32 }).map((t) => ({ kind: 'mark' as const, ...t })),
    fc.record({ value: u32, mask: u32 }).map((t) => ({ kind: 'connmark' as const, mode: 'set' as const, ...t })),
    fc
      .record({ mode: fc.constantFrom('save' as const, 'restore' as const), nfmask: u32, ctmask: u32 })
      .map((t) => ({ kind: 'connmark' as const, ...t })),
    fc
      .record({
        prefix: fc.oneof(fc.constant(''), fc.stringMatching(/^[ -~]{1,29}$/)),
        level: fc.integer({ min: 0, max: 7 }),
      })
      .map((t) => ({ kind: 'log' as const, ...t })),
    fc.constant({ kind: 'notrack' as const }),
    fc.constant({ kind: 'notrack' as const, alias: 'NOTRACK' as const }),
  );
}

// ---------------------------------------------------------------------------------------------
// Rules

const protoArb = fc.record({
  num: fc.oneof(fc.constantFrom(1, 6, 17, 132, 33, 136, 47, 50), fc.integer({ min: 1, max: 255 })),
  invert: bool,
});

/** A canonical rule over every modelled match and target. */
export const ruleArb: fc.Arbitrary<Rule> = fc
  .record(
    {
      src: addrMatchArb,
      dst: addrMatchArb,
      inIface: ifaceArb,
      outIface: ifaceArb,
      proto: protoArb,
    },
    { requiredKeys: [] },
  )
  .chain((common) =>
    fc.array(matchArb, { maxLength: 4 }).chain((matches) => {
      // multiport needs a suitable, non-inverted -p before it: pick one when a multiport is present.
      const needsMultiportProto = matches.some((m) => m.kind === 'multiport');
      const protoArbFor: fc.Arbitrary<{ num: number; invert: boolean } | undefined> = needsMultiportProto
        ? fc.constantFrom(...MULTIPORT_PROTOS).map((num) => ({ num, invert: false }))
        : fc.constant(common.proto);
      return protoArbFor.chain((proto) =>
        targetArb(proto !== undefined && NAT_PORT_PROTOS.includes(proto.num)).map((target) => {
          const rule: { -readonly [K in keyof Rule]: Rule[K] } = { matches, target };
          if (common.src !== undefined) rule.src = common.src;
          if (common.dst !== undefined) rule.dst = common.dst;
          if (common.inIface !== undefined) rule.inIface = common.inIface;
          if (common.outIface !== undefined) rule.outIface = common.outIface;
          if (proto !== undefined) rule.proto = proto;
          return rule;
        }),
      );
    }),
  )
  .filter((r) => !collides(r.matches));

// ---------------------------------------------------------------------------------------------
// Text for robustness tests

/** Characters that matter to the tokenizer and the option parser. */
const INTERESTING = ['"', '\\', "'", ' ', '\t', '\n', '\r', '!', '-', '--', ':', '/', ',', '=', '[', ']', '*', '#', '0', '9', 'x', 'A', 'COMMIT'];

/** Random edits of a text: delete, insert interesting characters, duplicate or drop slices. */
export function mutatedTextArb(base: string): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.nat(),
    len: fc.integer({ min: 0, max: 12 }),
    insert: fc.oneof(fc.constantFrom(...INTERESTING), fc.string({ maxLength: 4 })),
    op: fc.constantFrom('delete', 'insert', 'replace', 'duplicate'),
  });
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let s = base;
    for (const e of edits) {
      const at = s.length === 0 ? 0 : e.at % (s.length + 1);
      switch (e.op) {
        case 'delete':
          s = s.slice(0, at) + s.slice(at + e.len);
          break;
        case 'insert':
          s = s.slice(0, at) + e.insert + s.slice(at);
          break;
        case 'replace':
          s = s.slice(0, at) + e.insert + s.slice(at + e.len);
          break;
        case 'duplicate':
          s = s.slice(0, at + e.len) + s.slice(at, at + e.len) + s.slice(at + e.len);
          break;
      }
    }
    return s;
  });
}
