import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isKpemuError } from '../../../src/core/index.js';
import { formatRule, parseIptablesCommand, parseRestore, renderListing, renderRuleSpecs, renderSave, type Match, type RestoreDocument, type Rule, type TableName, type TableView } from '../../../src/netfilter/index.js';
import { ruleArb } from '../../arbitraries/rules.js';
import { describeKernel, withNetns, type Netns } from '../../support/netns.js';
import { ARGV_CASES, BAD_PARSE_CASES, COMMON_SETUP, ENGINE_CASES, GOOD_CASES, type GoodCase } from './kernel-cases.js';
import { naiveApply } from './naive-apply.js';

/**
 * kpemu's iptables text layer against real iptables-legacy 1.8.9 in throw-away namespaces:
 * - every good ruleset is restored into the kernel; iptables-legacy-save, -S and -L -n (plain,
 *   verbose with line numbers, exact) must equal kpemu's parse → apply → render, byte for byte;
 * - every bad ruleset is refused by the real tool, and kpemu's parser refuses exactly the
 *   parse-time ones at the same line and accepts the ones the kernel or the table state refuses
 *   (those belong to the engine).
 */

const TOOLS = ['iptables-legacy-restore', 'iptables-legacy-save', 'iptables-legacy', 'nfacct', 'ipset'];
const MARK = '@@kpemu@@';

function stripComments(save: string): string {
  return save
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');
}

/** The real tool's outputs for one good case, split at markers. */
function runGoodCase(ns: Netns, c: GoodCase, tables: readonly string[]): { rc: string; sections: Map<string, string> } {
  const builtins: Record<string, string[]> = {
    raw: ['PREROUTING', 'OUTPUT'],
    mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
    nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
    filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  };
  const lines: string[] = ['exec 2>&1'];
  // Start every case from accepting policies and zero counters (restore keeps undeclared policies).
  for (const t of tables) {
    for (const ch of builtins[t] ?? []) lines.push(`iptables-legacy -t ${t} -P ${ch} ACCEPT`);
    lines.push(`iptables-legacy -t ${t} -Z`);
  }
  lines.push(`iptables-legacy-restore ${c.counters === true ? '--counters' : ''} ; echo "${MARK}rc $?"`);
  const saveFlag = c.counters === true ? '-c' : '';
  for (const t of tables) {
    lines.push(`echo "${MARK}save ${t}"; iptables-legacy-save -t ${t} ${saveFlag}`);
    lines.push(`echo "${MARK}S ${t}"; iptables-legacy -t ${t} -S`);
    lines.push(`echo "${MARK}Sv ${t}"; iptables-legacy -t ${t} -S -v`);
    lines.push(`echo "${MARK}L ${t}"; iptables-legacy -t ${t} -L -n`);
    lines.push(`echo "${MARK}Lvn ${t}"; iptables-legacy -t ${t} -L -n -v --line-numbers`);
    lines.push(`echo "${MARK}Lvx ${t}"; iptables-legacy -t ${t} -L -n -v -x`);
    lines.push(`echo "${MARK}LX ${t}"; iptables-legacy -t ${t} -L X -n --line-numbers`);
    lines.push(`echo "${MARK}SX ${t}"; iptables-legacy -t ${t} -S X`);
  }
  lines.push(`echo "${MARK}end"`);
  const out = ns.execOk(['sh', '-c', lines.join('\n')], c.rules);
  const sections = new Map<string, string>();
  const parts = out.split(MARK);
  let rc = '';
  for (const part of parts.slice(1)) {
    const nl = part.indexOf('\n');
    const key = part.slice(0, nl);
    const body = part.slice(nl + 1);
    if (key.startsWith('rc ')) rc = key.slice(3);
    else sections.set(key, body);
  }
  return { rc, sections };
}

function ours(view: TableView, kind: string, counters: boolean): string {
  switch (kind) {
    case 'save':
      return renderSave([view], { counters });
    case 'S':
      return renderRuleSpecs(view);
    case 'Sv':
      return renderRuleSpecs(view, { verbose: true });
    case 'L':
      return renderListing(view);
    case 'Lvn':
      return renderListing(view, { verbose: true, lineNumbers: true });
    case 'Lvx':
      return renderListing(view, { verbose: true, exact: true });
    case 'LX':
      return renderListing(view, { chain: 'X', lineNumbers: true });
    case 'SX':
      return renderRuleSpecs(view, { chain: 'X' });
    default:
      throw new Error(`unknown section ${kind}`);
  }
}

/** The line number iptables-restore names in its error output. */
function realErrorLine(stderr: string): number | undefined {
  const m = /line:? (\d+)/.exec(stderr);
  return m === null ? undefined : Number(m[1]);
}

function tryParse(rules: string, options: { counters?: boolean } = {}): RestoreDocument | Error {
  try {
    return parseRestore(rules, options);
  } catch (e) {
    if (isKpemuError(e)) return e;
    throw e;
  }
}

describeKernel('iptables text layer against the real kernel (iptables-legacy 1.8.9)', TOOLS, () => {
  it('prints every good ruleset back like iptables-legacy-save, -S and -L -n', async () => {
    const mismatches: string[] = [];
    let compared = 0;
    await withNetns(['good'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const cmd of COMMON_SETUP) ns.execOk(cmd.split(' '));
      for (const c of GOOD_CASES) {
        const counters = c.counters === true;
        const parsed = tryParse(c.rules, { counters });
        if (parsed instanceof Error) {
          mismatches.push(`[${c.name}] kpemu refused it: ${(parsed as Error & { describe?: () => string }).describe?.() ?? parsed.message}`);
          continue;
        }
        const doc = parsed;
        const views = naiveApply(doc, { counters });
        const tables = views.map((v) => v.table);
        const real = runGoodCase(ns, c, tables);
        if (real.rc !== '0') {
          mismatches.push(`[${c.name}] real iptables-restore failed: ${real.rc}`);
          continue;
        }
        for (const view of views) {
          const kinds = ['save', 'S', 'Sv', 'L', 'Lvn', 'Lvx'];
          if (view.chains.some((ch) => ch.name === 'X')) kinds.push('LX', 'SX');
          for (const kind of kinds) {
            compared++;
            const want = real.sections.get(`${kind} ${view.table}`) ?? '';
            const got = ours(view, kind, counters);
            const wantText = kind === 'save' ? stripComments(want) : want;
            if (got !== wantText) mismatches.push(`[${c.name}] ${kind} ${view.table}\n--- real\n${wantText}\n--- kpemu\n${got}`);
          }
        }
      }
    });
    expect(mismatches.join('\n\n')).toBe('');
    expect(compared).toBeGreaterThan(100);
  });

  it('refuses exactly the rulesets iptables-restore refuses while parsing, at the same line', async () => {
    const problems: string[] = [];
    await withNetns(['bad'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const cmd of COMMON_SETUP) ns.execOk(cmd.split(' '));
      for (const c of BAD_PARSE_CASES) {
        const real = ns.exec(['iptables-legacy-restore'], c.rules);
        const realLine = realErrorLine(real.stderr);
        const mine = tryParse(c.rules);
        if (real.status === 0) problems.push(`[${c.name}] real iptables-restore accepted it`);
        else if (!isKpemuError(mine)) problems.push(`[${c.name}] kpemu accepted it; real: ${real.stderr.trim()}`);
        else if (mine.location?.line !== realLine) {
          problems.push(`[${c.name}] line ${String(mine.location?.line)} (${mine.message}) vs real line ${String(realLine)}: ${real.stderr.trim()}`);
        }
      }
    });
    expect(problems.join('\n')).toBe('');
  });

  it('accepts what only the kernel or the table state refuses, and records where iptables says so', async () => {
    const problems: string[] = [];
    await withNetns(['engine'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const cmd of COMMON_SETUP) ns.execOk(cmd.split(' '));
      for (const c of ENGINE_CASES) {
        const real = ns.exec(['iptables-legacy-restore'], c.rules);
        const realLine = realErrorLine(real.stderr);
        const mine = tryParse(c.rules);
        if (real.status === 0) {
          problems.push(`[${c.name}] real iptables-restore accepted it`);
          continue;
        }
        if (isKpemuError(mine) || mine instanceof Error) {
          problems.push(`[${c.name}] kpemu's parser refused it: ${mine.message}`);
          continue;
        }
        const commitLines = mine.blocks.map((b) => b.commitLine);
        const atCommit = realLine !== undefined && commitLines.includes(realLine);
        if ((c.at === 'commit') !== atCommit) problems.push(`[${c.name}] expected the error at ${c.at}, real says line ${String(realLine)}: ${real.stderr.trim()}`);
      }
    });
    expect(problems.join('\n')).toBe('');
  });

  it('parses single iptables commands exactly when the real iptables does not report a parameter problem', async () => {
    const problems: string[] = [];
    await withNetns(['argv'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const c of ARGV_CASES) {
        ns.execOk(['iptables-legacy-restore'], '*filter\n:X - [0:0]\n-A X -j ACCEPT\nCOMMIT\n*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n');
        const real = ns.exec(['iptables-legacy', ...c.argv]);
        let mine: string;
        try {
          mine = parseIptablesCommand(c.argv).command.kind;
        } catch (e) {
          if (!isKpemuError(e)) throw e;
          mine = `refused: ${e.message}`;
        }
        const realRefused = real.status === 2;
        if (realRefused !== mine.startsWith('refused')) {
          problems.push(`[iptables ${c.argv.join(' ')}] real exit ${real.status} (${real.stderr.trim()}), kpemu: ${mine}`);
        }
      }
    });
    expect(problems.join('\n')).toBe('');
  });

  it('random canonical rules load into the kernel and save back as kpemu renders them', async () => {
    const seed = Number(process.env['KPEMU_SEED'] ?? 20240611);
    const rules = fc.sample(ruleArb.map(kernelValid).filter((r): r is Rule => r !== null), { seed, numRuns: 400 });
    const byTable = new Map<TableName, Rule[]>();
    for (const r of rules) {
      const t = tableFor(r);
      byTable.set(t, [...(byTable.get(t) ?? []), r]);
    }
    const problems: string[] = [];
    await withNetns(['random'], ([ns]) => {
      if (ns === undefined) throw new Error('no namespace');
      for (const cmd of COMMON_SETUP) ns.execOk(cmd.split(' '));
      for (const [table, list] of byTable) {
        const text = [`*${table}`, ':X - [0:0]', ':Y - [0:0]', ...list.map((r) => `-A X ${formatRuleForTest(r)}`), 'COMMIT', ''].join('\n');
        const restore = ns.exec(['iptables-legacy-restore'], text);
        if (restore.status !== 0) {
          problems.push(`[seed ${seed}] ${table}: real restore failed: ${restore.stderr.trim()}\n${text}`);
          continue;
        }
        const real = stripComments(ns.execOk(['iptables-legacy-save', '-t', table]));
        const view = naiveApply(parseRestore(text)).find((v) => v.table === table);
        if (view === undefined) throw new Error('table missing');
        const mine = renderSave([view]);
        if (mine !== real) problems.push(`[seed ${seed}] ${table}\n--- real\n${real}\n--- kpemu\n${mine}`);
      }
    });
    expect(problems.join('\n')).toBe('');
  });
});

/** Where a rule's target may live in the kernel. */
function tableFor(r: Rule): TableName {
  switch (r.target.kind) {
    case 'dnat':
    case 'snat':
    case 'masquerade':
      return 'nat';
    case 'notrack':
      return 'raw';
    default:
      return 'filter';
  }
}

const PROTO_OF: Partial<Record<Match['kind'], number>> = { tcp: 6, udp: 17, sctp: 132, icmp: 1 };

/**
 * Adjusts a canonical rule to what the kernel accepts (the checks kpemu leaves to the engine):
 * protocol matches need their -p, recent --set/--remove take no modifiers, nfacct objects and
 * sets must exist, REJECT's tcp-reset needs tcp. Returns null when no adjustment fits.
 */
function kernelValid(rule: Rule): Rule | null {
  const protos = new Set(rule.matches.map((m) => PROTO_OF[m.kind]).filter((p): p is number => p !== undefined));
  if (protos.size > 1) return null;
  let proto = rule.proto;
  const [needed] = [...protos];
  if (needed !== undefined) {
    if (rule.matches.some((m) => m.kind === 'multiport') && needed === 1) return null;
    proto = { num: needed, invert: false };
  }
  const matches = rule.matches.map((m): Match => {
    switch (m.kind) {
      case 'recent': {
        const modifiers = m.command === 'set' || m.command === 'remove';
        return modifiers ? { ...m, seconds: 0, hitcount: 0, reap: false, rttl: false } : { ...m, hitcount: Math.min(m.hitcount, 255) };
      }
      case 'nfacct':
        return { ...m, name: 'acct1' };
      case 'set':
        return { ...m, name: m.name.length % 2 === 0 ? 's1' : 's2' };
      default:
        return m;
    }
  });
  let target = rule.target;
  if (target.kind === 'reject' && target.with === 'tcp-reset' && (proto?.num !== 6 || proto.invert)) target = { kind: 'reject', with: 'icmp-port-unreachable' };
  if ((target.kind === 'dnat' || target.kind === 'snat') && target.to.hasPorts && proto === undefined) return null;
  // Jumps need an existing chain: every table in the test declares Y.
  if (target.kind === 'jump' || target.kind === 'goto') target = { kind: target.kind, chain: 'Y' };
  const out: { -readonly [K in keyof Rule]: Rule[K] } = { ...rule, matches, target };
  if (proto !== undefined) out.proto = proto;
  return out;
}

function formatRuleForTest(r: Rule): string {
  return formatRule(r);
}
