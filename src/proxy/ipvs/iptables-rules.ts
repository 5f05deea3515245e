import type { LocalTrafficDetector } from '../common/index.js';
import { IPVS_CHAIN, IPVS_CHAINS } from './constants.js';
import { IPSET, SET_DRIVEN_RULES, ipsetInfoOf, type IpvsSetName } from './ipsets.js';

/** A load-balancer VIP whose source ranges leave out the node IP, so the node itself must not reach it. */
export interface NoNodeAccessEntry {
  readonly ip: string;
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly port: number;
}

/** iptables match modules kube-proxy uses that a target iptables may not have. */
export type OptionalMatchModule = 'ipvs' | 'physdev';

/** A rule kube-proxy would write that was left out because its match module is not available. */
export interface OmittedRule {
  readonly table: 'nat' | 'filter';
  /** The rule as kube-proxy writes it (`-A CHAIN ...`). */
  readonly rule: string;
  readonly module: OptionalMatchModule;
}

/** What the fixed rules depend on: which sets have entries, and the configuration. */
export interface IptablesRulesInput {
  /** Sets holding at least one entry after this sync. */
  readonly nonEmptySets: ReadonlySet<IpvsSetName>;
  readonly masqueradeAll: boolean;
  readonly localDetector: LocalTrafficDetector;
  /** As written, e.g. `0x00004000`. */
  readonly masqueradeMark: string;
  readonly randomFully: boolean;
  readonly noNodeAccess: readonly NoNodeAccessEntry[];
  /** Which optional match modules the target iptables understands. */
  readonly matchModules: { readonly [M in OptionalMatchModule]: boolean };
}

/** The composed restore input with its counts. */
export interface IptablesPayload {
  /** iptables-restore input: nat then filter, for `--noflush --counters`. */
  readonly text: string;
  /** Lines of `text`, headers and COMMITs included. */
  readonly lines: number;
  readonly natRules: number;
  readonly filterRules: number;
  readonly omitted: readonly OmittedRule[];
}

/** A comment as kube-proxy writes it into restore text: in double quotes. */
function quoted(text: string): string {
  return `"${text}"`;
}

function commentOf(set: IpvsSetName): string {
  return quoted(ipsetInfoOf(set).comment);
}

/**
 * The fixed rules of IPVS mode (P `writeIptablesRules`, `acceptIPVSTraffic`), in kube-proxy's
 * order. Their number does not grow with the number of Services: the sets carry the Services.
 * Rules driven by a set are written only while the set has entries, except the health-check and
 * KUBE-IPVS-FILTER rules, which are always there.
 *
 * A rule needing a match module the target does not have is left out whole and listed in
 * `omitted`; dropping only the match would widen the rule, which is worse than not having it.
 */
export function composeIptablesPayload(input: IptablesRulesInput): IptablesPayload {
  const nat: string[][] = [];
  const filter: string[][] = [];
  const omitted: OmittedRule[] = [];
  const has = (s: IpvsSetName): boolean => input.nonEmptySets.has(s);
  const write = (table: 'nat' | 'filter', words: string[], needs: OptionalMatchModule | null = null): void => {
    if (needs !== null && !input.matchModules[needs]) {
      omitted.push({ table, rule: words.join(' '), module: needs });
      return;
    }
    (table === 'nat' ? nat : filter).push(words);
  };

  // Connections from the node to itself over loopback never need a Service rule.
  write('nat', ['-A', IPVS_CHAIN.services, '-s', '127.0.0.0/8', '-j', 'RETURN']);

  for (const r of SET_DRIVEN_RULES) {
    if (!has(r.set)) continue;
    const words = ['-A', r.from];
    if (r.protocol !== null) words.push('-p', r.protocol);
    words.push('-m', 'comment', '--comment', commentOf(r.set), '-m', 'set', '--match-set', r.set, r.matchType, '-j', r.to);
    write(r.table, words);
  }

  if (has(IPSET.clusterIP)) {
    const base = ['-A', IPVS_CHAIN.services, '-m', 'comment', '--comment', commentOf(IPSET.clusterIP), '-m', 'set', '--match-set', IPSET.clusterIP];
    const detector = input.localDetector;
    if (input.masqueradeAll) {
      write('nat', [...base, 'dst,dst', '-j', IPVS_CHAIN.markMasq]);
    } else if (detector.kind !== 'none') {
      // Traffic from outside the pod network to a VIP may bounce off-node, so it is masqueraded.
      write('nat', [...base, 'dst,dst', ...detector.ifNotLocal, '-j', IPVS_CHAIN.markMasq]);
    } else {
      // Without a detector, only the node's own connections to a VIP are masqueraded: the kernel
      // picks a VIP on kube-ipvs0 as their source, which replies could not come back to.
      write('nat', [...base, 'src,dst', '-j', IPVS_CHAIN.markMasq]);
    }
  }

  const externalIpRules = (base: string[]): void => {
    // Traffic from off the machine: not bridged in from a pod, not from a local process.
    write('nat', [...base, '-m', 'physdev', '!', '--physdev-is-in', '-m', 'addrtype', '!', '--src-type', 'LOCAL', '-j', 'ACCEPT'], 'physdev');
    // External IPs that are also local addresses (e.g. cloud LBs in the local table) stay local.
    write('nat', [...base, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', 'ACCEPT']);
  };
  if (has(IPSET.externalIP)) {
    const base = ['-A', IPVS_CHAIN.services, '-m', 'comment', '--comment', commentOf(IPSET.externalIP), '-m', 'set', '--match-set', IPSET.externalIP, 'dst,dst'];
    write('nat', [...base, '-j', IPVS_CHAIN.markMasq]);
    externalIpRules(base);
  }
  if (has(IPSET.externalIPLocal)) {
    const base = ['-A', IPVS_CHAIN.services, '-m', 'comment', '--comment', commentOf(IPSET.externalIPLocal), '-m', 'set', '--match-set', IPSET.externalIPLocal, 'dst,dst'];
    externalIpRules(base);
  }

  write('nat', ['-A', IPVS_CHAIN.services, '-m', 'addrtype', '--dst-type', 'LOCAL', '-j', IPVS_CHAIN.nodePort]);
  write('nat', ['-A', IPVS_CHAIN.loadBalancer, '-j', IPVS_CHAIN.markMasq]);
  write('filter', ['-A', IPVS_CHAIN.sourceRangesFirewall, '-j', 'DROP']);

  // Node-originated traffic to a VIP has the VIP as source; block it where the ranges exclude the node.
  for (const e of input.noNodeAccess) {
    write('filter', ['-A', IPVS_CHAIN.ipvsOutFilter, '-s', e.ip, '-m', 'ipvs', '--vaddr', e.ip, '--vproto', e.protocol, '--vport', String(e.port), '-j', 'DROP'], 'ipvs');
  }

  // Accept IPVS traffic before anything later in the chain (or other tools' rules) can touch it.
  for (const set of [IPSET.clusterIP, IPSET.loadBalancer] as const) {
    if (has(set)) write('nat', ['-A', IPVS_CHAIN.services, '-m', 'set', '--match-set', set, 'dst,dst', '-j', 'ACCEPT']);
  }

  const markPair = `${input.masqueradeMark}/${input.masqueradeMark}`;
  // Marked (to-be-masqueraded) traffic may be forwarded even when FORWARD's policy is DROP.
  write('filter', ['-A', IPVS_CHAIN.forward, '-m', 'comment', '--comment', quoted('kubernetes forwarding rules'), '-m', 'mark', '--mark', markPair, '-j', 'ACCEPT']);
  write('filter', ['-A', IPVS_CHAIN.forward, '-m', 'comment', '--comment', quoted('kubernetes forwarding conntrack rule'), '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT']);
  write('filter', ['-A', IPVS_CHAIN.nodePort, '-m', 'comment', '--comment', commentOf(IPSET.healthCheckNodePort), '-m', 'set', '--match-set', IPSET.healthCheckNodePort, 'dst', '-j', 'ACCEPT']);

  // Only Service ports may be reached on a VIP; anything else to a kube-ipvs0 address is refused.
  for (const [set, dirs] of [
    [IPSET.loadBalancer, 'dst,dst'],
    [IPSET.clusterIP, 'dst,dst'],
    [IPSET.externalIP, 'dst,dst'],
    [IPSET.externalIPLocal, 'dst,dst'],
    [IPSET.healthCheckNodePort, 'dst'],
  ] as const) {
    write('filter', ['-A', IPVS_CHAIN.ipvsFilter, '-m', 'set', '--match-set', set, dirs, '-j', 'RETURN']);
  }
  write('filter', ['-A', IPVS_CHAIN.ipvsFilter, '-m', 'conntrack', '--ctstate', 'NEW', '-m', 'set', '--match-set', IPSET.ipvsIPs, 'dst', '-j', 'REJECT']);

  write('nat', ['-A', IPVS_CHAIN.postrouting, '-m', 'mark', '!', '--mark', markPair, '-j', 'RETURN']);
  // Clear the mark so a packet that goes through the stack again is not masqueraded twice.
  write('nat', ['-A', IPVS_CHAIN.postrouting, '-j', 'MARK', '--xor-mark', input.masqueradeMark]);
  const masq = ['-A', IPVS_CHAIN.postrouting, '-m', 'comment', '--comment', quoted('kubernetes service traffic requiring SNAT'), '-j', 'MASQUERADE'];
  if (input.randomFully) masq.push('--random-fully');
  write('nat', masq);
  write('nat', ['-A', IPVS_CHAIN.markMasq, '-j', 'MARK', '--or-mark', input.masqueradeMark]);

  const out: string[] = ['*nat'];
  for (const c of IPVS_CHAINS) if (c.table === 'nat') out.push(`:${c.chain} - [0:0]`);
  for (const w of nat) out.push(w.join(' '));
  out.push('COMMIT', '*filter');
  for (const c of IPVS_CHAINS) if (c.table === 'filter') out.push(`:${c.chain} - [0:0]`);
  for (const w of filter) out.push(w.join(' '));
  out.push('COMMIT');
  return { text: `${out.join('\n')}\n`, lines: out.length, natRules: nat.length, filterRules: filter.length, omitted };
}
