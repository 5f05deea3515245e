import type { Match, Target } from '../ast.js';
import type { MatchModule, MatchRegistry, TargetModule, TargetRegistry } from './module-types.js';
import { addrtypeMatch } from './match-addrtype.js';
import { commentMatch } from './match-comment.js';
import { connmarkMatch } from './match-connmark.js';
import { conntrackMatch } from './match-conntrack.js';
import { icmpMatch } from './match-icmp.js';
import { markMatch } from './match-mark.js';
import { multiportMatch } from './match-multiport.js';
import { nfacctMatch } from './match-nfacct.js';
import { recentMatch } from './match-recent.js';
import { sctpMatch } from './match-sctp.js';
import { setMatch } from './match-set.js';
import { stateMatch } from './match-state.js';
import { statisticMatch } from './match-statistic.js';
import { tcpMatch } from './match-tcp.js';
import { udpMatch } from './match-udp.js';
import { acceptTarget } from './target-accept.js';
import { connmarkTarget } from './target-connmark.js';
import { dnatTarget } from './target-dnat.js';
import { dropTarget } from './target-drop.js';
import { gotoTarget } from './target-goto.js';
import { jumpTarget } from './target-jump.js';
import { logTarget } from './target-log.js';
import { markTarget } from './target-mark.js';
import { masqueradeTarget } from './target-masquerade.js';
import { noneTarget } from './target-none.js';
import { notrackTarget } from './target-notrack.js';
import { rejectTarget } from './target-reject.js';
import { returnTarget } from './target-return.js';
import { snatTarget } from './target-snat.js';

/** Every match kind's module. Typed so that a new Match kind cannot be left out. */
export const MATCH_MODULES: MatchRegistry = {
  tcp: tcpMatch,
  udp: udpMatch,
  sctp: sctpMatch,
  icmp: icmpMatch,
  multiport: multiportMatch,
  comment: commentMatch,
  mark: markMatch,
  connmark: connmarkMatch,
  conntrack: conntrackMatch,
  state: stateMatch,
  addrtype: addrtypeMatch,
  statistic: statisticMatch,
  recent: recentMatch,
  nfacct: nfacctMatch,
  set: setMatch,
};

/** Every target kind's module. */
export const TARGET_MODULES: TargetRegistry = {
  none: noneTarget,
  accept: acceptTarget,
  drop: dropTarget,
  return: returnTarget,
  jump: jumpTarget,
  goto: gotoTarget,
  reject: rejectTarget,
  dnat: dnatTarget,
  snat: snatTarget,
  masquerade: masqueradeTarget,
  mark: markTarget,
  connmark: connmarkTarget,
  log: logTarget,
  notrack: notrackTarget,
};

/** The module of a match value (widened so callers can pass any Match). */
export function matchModuleOf(m: Match): MatchModule {
  return MATCH_MODULES[m.kind] as unknown as MatchModule;
}

/** The module of a target value. */
export function targetModuleOf(t: Target): TargetModule {
  return TARGET_MODULES[t.kind] as unknown as TargetModule;
}

/** Match modules by their `-m` name. */
export const MATCH_BY_NAME: ReadonlyMap<string, MatchModule> = new Map(
  Object.values(MATCH_MODULES).map((m) => [m.name, m as unknown as MatchModule] as const),
);

/** Target modules by their `-j` name (standard verdicts and extensions; not chains). */
export const TARGET_BY_NAME: ReadonlyMap<string, TargetModule> = new Map(
  Object.values(TARGET_MODULES).flatMap((t) => t.names.map((n) => [n, t as unknown as TargetModule] as const)),
);

/**
 * Match extensions of iptables 1.8.9 that kpemu does not model: `-m NAME` is refused as
 * unsupported (IPTABLES_UNSUPPORTED) rather than unknown.
 */
export const UNMODELLED_MATCHES: ReadonlySet<string> = new Set([
  'ah', 'bpf', 'cgroup', 'cluster', 'connbytes', 'connlabel', 'connlimit', 'cpu', 'dccp', 'devgroup', 'dscp', 'ecn', 'esp',
  'hashlimit', 'helper', 'iprange', 'ipcomp', 'ipvs', 'length', 'limit', 'mac', 'osf', 'owner', 'physdev', 'pkttype',
  'policy', 'quota', 'rateest', 'realm', 'rpfilter', 'socket', 'string', 'tcpmss', 'time', 'tos', 'ttl', 'u32', 'udplite',
  'ipv4options', 'frag', 'hl', 'ah', 'unclean',
]);

/**
 * Target extensions of iptables 1.8.9 that kpemu does not model. A `-j NAME` with one of these
 * names is refused as unsupported; any other unknown name is taken as a jump to a chain.
 */
export const UNMODELLED_TARGETS: ReadonlySet<string> = new Set([
  'QUEUE', 'NFQUEUE', 'AUDIT', 'CHECKSUM', 'CLASSIFY', 'CLUSTERIP', 'CONNSECMARK', 'DSCP', 'ECN', 'HMARK', 'IDLETIMER',
  'LED', 'NETMAP', 'NFLOG', 'RATEEST', 'REDIRECT', 'SECMARK', 'SET', 'SYNPROXY', 'TCPMSS', 'TCPOPTSTRIP', 'TEE', 'TOS',
  'TPROXY', 'TRACE', 'TTL', 'ULOG',
]);
