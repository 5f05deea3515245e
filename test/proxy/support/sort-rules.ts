import { jumpTarget, splitWords } from './words.js';

/**
 * A parsed iptables-restore payload, kept close to the text: per table its chains in order,
 * each with its rule lines and whether the payload deletes it.
 */
export interface DumpChain {
  readonly name: string;
  readonly rules: string[];
  deleted: boolean;
}
export interface DumpTable {
  readonly name: string;
  readonly chains: DumpChain[];
}

export function parseDump(text: string): DumpTable[] {
  const tables: DumpTable[] = [];
  let current: DumpTable | null = null;
  const chainOf = (t: DumpTable, name: string): DumpChain => {
    let c = t.chains.find((x) => x.name === name);
    if (c === undefined) t.chains.push((c = { name, rules: [], deleted: false }));
    return c;
  };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      current = { name: line.slice(1), chains: [] };
      tables.push(current);
      continue;
    }
    if (current === null) throw new Error(`line outside a table: ${line}`);
    if (line === 'COMMIT') {
      current = null;
      continue;
    }
    if (line.startsWith(':')) {
      chainOf(current, splitWords(line.slice(1))[0] ?? '');
      continue;
    }
    const words = splitWords(line);
    if (words[0] === '-A') chainOf(current, words[1] ?? '').rules.push(line);
    else if (words[0] === '-X') chainOf(current, words[1] ?? '').deleted = true;
    else throw new Error(`unexpected line: ${line}`);
  }
  return tables;
}

/** Renders a dump the way upstream's test dump prints: chain lines, then per chain its rules and `-X`. */
export function renderDump(tables: readonly DumpTable[]): string {
  let out = '';
  for (const t of tables) {
    out += `*${t.name}\n`;
    for (const c of t.chains) out += `:${c.name} - [0:0]\n`;
    for (const c of t.chains) {
      for (const r of c.rules) out += `${r}\n`;
      if (c.deleted) out += `-X ${c.name}\n`;
    }
    out += 'COMMIT\n';
  }
  return out;
}

function commentOf(rule: string): string {
  const words = splitWords(rule);
  const at = words.indexOf('--comment');
  return at >= 0 ? (words[at + 1] ?? '') : '';
}

/** The service name a rule belongs to: its comment up to the first space or colon. */
function serviceNameOf(rule: string): string {
  const c = commentOf(rule);
  const cut = c.search(/[ :]/);
  return cut < 0 ? c : c.slice(0, cut);
}

function chainRank(name: string): number {
  if (name === 'KUBE-NODEPORTS') return 0;
  if (name === 'KUBE-SERVICES') return 1;
  return name.startsWith('KUBE-') ? 2 : 3;
}

/**
 * Upstream's sortIPTablesRules normalisation, so payloads built in any service order compare
 * equal: tables by name; chains KUBE-NODEPORTS, KUBE-SERVICES, other KUBE-* alphabetically, then
 * the rest alphabetically; rules of KUBE-NODEPORTS and KUBE-SERVICES stably sorted by service
 * name, the "must be the last rule" rule kept last; every other chain keeps its rule order.
 */
export function sortIPTablesRules(text: string): string {
  const tables = parseDump(text).sort((a, b) => cmp(a.name, b.name));
  for (const t of tables) {
    t.chains.sort((a, b) => chainRank(a.name) - chainRank(b.name) || cmp(a.name, b.name));
    for (const c of t.chains) {
      if (c.name !== 'KUBE-NODEPORTS' && c.name !== 'KUBE-SERVICES') continue;
      const isTail = (r: string): boolean => commentOf(r).startsWith('kubernetes service nodeports');
      const keyed = c.rules.map((rule, i) => ({ rule, i, tail: isTail(rule), key: serviceNameOf(rule) }));
      keyed.sort((a, b) => Number(a.tail) - Number(b.tail) || cmp(a.key, b.key) || a.i - b.i);
      c.rules.splice(0, c.rules.length, ...keyed.map((k) => k.rule));
    }
  }
  return renderDump(tables);
}

const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK']);
const TOP_LEVEL = new Set(['KUBE-SERVICES', 'KUBE-EXTERNAL-SERVICES', 'KUBE-NODEPORTS', 'KUBE-FORWARD', 'KUBE-PROXY-FIREWALL', 'KUBE-FIREWALL', 'KUBE-POSTROUTING', 'KUBE-MARK-MASQ']);

/**
 * Upstream's checkIPTablesRuleJumps for a full payload: every jump target is declared and has
 * rules (KUBE-NODEPORTS may be empty), and every declared chain is jumped to unless it is one of
 * the top-level chains reached from built-in chains. Returns the problems found.
 */
export function checkRuleJumps(text: string): string[] {
  const problems: string[] = [];
  for (const t of parseDump(text)) {
    const live = new Map(t.chains.filter((c) => !c.deleted).map((c) => [c.name, c]));
    const jumped = new Set<string>();
    for (const c of live.values()) {
      for (const r of c.rules) {
        const target = jumpTarget(r);
        if (target === null || BUILTIN_TARGETS.has(target)) continue;
        jumped.add(target);
        const callee = live.get(target);
        if (callee === undefined) problems.push(`${t.name}: ${c.name} jumps to undeclared ${target}`);
        else if (callee.rules.length === 0 && target !== 'KUBE-NODEPORTS') problems.push(`${t.name}: ${c.name} jumps to empty ${target}`);
      }
    }
    for (const name of live.keys()) {
      if (!jumped.has(name) && !TOP_LEVEL.has(name)) problems.push(`${t.name}: ${name} is declared but never jumped to`);
    }
  }
  return problems;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
