import { parseIpv4Sloppy, parsePrefix } from '../../../src/addr/index.js';
import { prefixContains } from '../../../src/core/index.js';
import type { TableName } from '../../../src/netfilter/index.js';
import type { FakeIptables } from '../fake-iptables.js';
import { splitWords } from './words.js';

/**
 * A port of upstream's test-only packet tracer (proxier_test.go tracePacket). It is not a
 * netfilter model: it walks rule text, treats every rule it cannot judge as matching, and never
 * matches rules that need history (--rcheck, --mark, --ctstate). Its value is as a quick, shared
 * yardstick with upstream's expected (output, masq) pairs.
 */

interface Field {
  readonly value: string;
  readonly negated: boolean;
}

interface ParsedRule {
  readonly raw: string;
  readonly jump: string | null;
  readonly source: Field | null;
  readonly sourceType: Field | null;
  readonly destination: Field | null;
  readonly destinationType: Field | null;
  readonly protocol: Field | null;
  readonly dport: Field | null;
  readonly toDestination: string | null;
  readonly probability: string | null;
  readonly history: boolean;
}

/** Parameters upstream's parser knows; a `!` before a negatable one inverts it. */
const VALUE_FLAGS = new Set(['-A', '--comment', '-p', '-s', '--src-type', '--sport', '-d', '--dst-type', '--dport', '--match-set', '-j', '--probability', '--to-destination', '--mark', '--ctstate', '--name', '--seconds', '--mode', '--nfacct-name', '--xor-mark', '--or-mark']);
const BARE_FLAGS = new Set(['--rcheck', '--set', '--reap', '--random-fully']);

export function parseRule(raw: string): ParsedRule {
  const words = splitWords(raw);
  const fields = new Map<string, Field>();
  let negate = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (w === '!') {
      negate = true;
      continue;
    }
    if (w === '-m') {
      i++;
      continue;
    }
    if (VALUE_FLAGS.has(w)) {
      fields.set(w, { value: words[i + 1] ?? '', negated: negate });
      i++;
    } else if (BARE_FLAGS.has(w)) {
      fields.set(w, { value: '', negated: negate });
    }
    negate = false;
  }
  return {
    raw,
    jump: fields.get('-j')?.value ?? null,
    source: fields.get('-s') ?? null,
    sourceType: fields.get('--src-type') ?? null,
    destination: fields.get('-d') ?? null,
    destinationType: fields.get('--dst-type') ?? null,
    protocol: fields.get('-p') ?? null,
    dport: fields.get('--dport') ?? null,
    toDestination: fields.get('--to-destination')?.value ?? null,
    probability: fields.get('--probability')?.value ?? null,
    history: fields.has('--rcheck') || fields.has('--mark') || fields.has('--ctstate'),
  };
}

export interface TraceResult {
  readonly matches: readonly string[];
  /** Outputs joined with ", ": DNAT targets, ACCEPT/REJECT/DROP, or "" when nothing decided. */
  readonly output: string;
  readonly masq: boolean;
}

class Tracer {
  readonly matches: string[] = [];
  readonly outputs: string[] = [];
  masq = false;
  private readonly cache = new Map<string, ParsedRule[]>();

  constructor(
    private readonly ipt: FakeIptables,
    private readonly localIPs: ReadonlySet<string>,
  ) {}

  run(table: TableName, chain: string, src: string, proto: string, dst: string, dport: string): boolean {
    for (const rule of this.rules(table, chain)) {
      if (rule.jump === null || !this.matchesRule(rule, src, proto, dst, dport)) continue;
      this.matches.push(rule.raw);
      switch (rule.jump) {
        case 'KUBE-MARK-MASQ':
          this.masq = true;
          continue;
        case 'ACCEPT':
        case 'REJECT':
        case 'DROP':
          this.outputs.push(rule.jump);
          return true;
        case 'DNAT':
          this.outputs.push(rule.toDestination ?? '');
          return true;
        default: {
          const terminated = this.run(table, rule.jump, src, proto, dst, dport);
          // A probabilistic jump is followed and then the walk goes on, so every branch of the
          // statistic cascade is collected.
          if (terminated && rule.probability === null) return true;
        }
      }
    }
    return false;
  }

  private rules(table: TableName, chain: string): ParsedRule[] {
    const key = `${table}/${chain}`;
    let rules = this.cache.get(key);
    if (rules === undefined) this.cache.set(key, (rules = this.ipt.rules(table, chain).map(parseRule)));
    return rules;
  }

  private matchesRule(rule: ParsedRule, src: string, proto: string, dst: string, dport: string): boolean {
    if (rule.source !== null && !addressMatches(src, rule.source)) return false;
    if (rule.sourceType !== null && !typeMatches(this.localIPs.has(src), rule.sourceType)) return false;
    if (rule.protocol !== null && (rule.protocol.value === proto) === rule.protocol.negated) return false;
    if (rule.destination !== null && !addressMatches(dst, rule.destination)) return false;
    if (rule.destinationType !== null && !typeMatches(this.localIPs.has(dst), rule.destinationType)) return false;
    if (rule.dport !== null && (rule.dport.value === dport) === rule.dport.negated) return false;
    return !rule.history;
  }
}

function addressMatches(ip: string, field: Field): boolean {
  const addr = parseIpv4Sloppy(ip);
  const match = field.value.includes('/') ? prefixContains(parsePrefix(field.value, { sloppy: true }), addr) : parseIpv4Sloppy(field.value) === addr;
  return match !== field.negated;
}

function typeMatches(isLocal: boolean, field: Field): boolean {
  const match = (isLocal ? 'LOCAL' : 'not-matched') === field.value;
  return match !== field.negated;
}

/**
 * tracePacket: nat PREROUTING (following the installed jump into KUBE-SERVICES), destination
 * rewritten to the first DNAT target, then the filter chains KUBE-SERVICES,
 * KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS and KUBE-PROXY-FIREWALL each from the top.
 */
export function tracePacket(ipt: FakeIptables, src: string, proto: string, dst: string, dport: number, localIPs: readonly string[]): TraceResult {
  const t = new Tracer(ipt, new Set(['127.0.0.1', '::1', ...localIPs]));
  const port = String(dport);
  t.run('nat', 'PREROUTING', src, proto, dst, port);
  let dest = dst;
  const first = t.outputs[0];
  if (first !== undefined) dest = first.split(':')[0] ?? dst;
  for (const chain of ['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-PROXY-FIREWALL']) t.run('filter', chain, src, proto, dest, port);
  return { matches: t.matches, output: t.outputs.join(', '), masq: t.masq };
}
