import { KpemuError } from '../../src/core/index.js';
import type { IptablesApi, NfacctApi, TableName } from '../../src/netfilter/index.js';
import { joinWords, jumpTarget, splitWords } from './support/words.js';

/** Targets that are not chains, as upstream's fake accepts them. */
const BUILTIN_TARGETS = new Set(['ACCEPT', 'DROP', 'RETURN', 'REJECT', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK']);

const BUILTIN_CHAINS: Record<TableName, readonly string[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
};

type Table = Map<string, string[]>;

/**
 * An in-memory IptablesApi with the restore semantics of kube-proxy's FakeIPTables:
 * with --noflush a declared chain is created or emptied and refilled, `-X` deletes it, other
 * chains are untouched; after each table every jump must reach a built-in target or an existing
 * chain, otherwise that table is rolled back ("deleted chain … is referenced by existing rules"
 * or "rule … jumps to a non-existent chain"). Rules are kept as their text lines.
 */
export class FakeIptables implements IptablesApi {
  private readonly tables = new Map<TableName, Table>();
  /** Every payload given to restoreAll, successful or not. */
  readonly restores: string[] = [];
  /** Calls in order, for asserting on ensure steps (`ensureChain filter KUBE-SERVICES`, …). */
  readonly calls: string[] = [];
  /** When set, the next restoreAll throws this and changes nothing. */
  failNextRestore: KpemuError | null = null;

  constructor() {
    for (const t of Object.keys(BUILTIN_CHAINS) as TableName[]) {
      this.tables.set(t, new Map(BUILTIN_CHAINS[t].map((c) => [c, []])));
    }
  }

  ensureChain(table: TableName, chain: string): boolean {
    this.calls.push(`ensureChain ${table} ${chain}`);
    const t = this.table(table);
    if (t.has(chain)) return true;
    t.set(chain, []);
    return false;
  }

  flushChain(table: TableName, chain: string): void {
    this.rulesOf(table, chain).length = 0;
  }

  deleteChain(table: TableName, chain: string): void {
    const t = this.table(table);
    if (!t.has(chain)) throw new KpemuError('IPTABLES_NO_CHAIN', `no chain ${chain} in ${table}`);
    t.delete(chain);
  }

  ensureRule(position: 'append' | 'prepend', table: TableName, chain: string, args: readonly string[]): boolean {
    this.calls.push(`ensureRule ${position} ${table} ${chain} ${joinWords(args)}`);
    const rules = this.rulesOf(table, chain);
    const line = `-A ${chain} ${joinWords(args)}`;
    if (rules.includes(line)) return true;
    if (position === 'prepend') rules.unshift(line);
    else rules.push(line);
    return false;
  }

  deleteRule(table: TableName, chain: string, args: readonly string[]): void {
    const rules = this.rulesOf(table, chain);
    const at = rules.indexOf(`-A ${chain} ${joinWords(args)}`);
    if (at < 0) throw new KpemuError('IPTABLES_NO_RULE', `no such rule in ${table} ${chain}`);
    rules.splice(at, 1);
  }

  save(table?: TableName): string {
    const names = table === undefined ? [...this.tables.keys()] : [table];
    let out = '';
    for (const name of names) {
      const t = this.table(name);
      const builtins = BUILTIN_CHAINS[name];
      const user = [...t.keys()].filter((c) => !builtins.includes(c)).sort();
      out += `*${name}\n`;
      for (const c of builtins) out += `:${c} ACCEPT [0:0]\n`;
      for (const c of user) out += `:${c} - [0:0]\n`;
      for (const c of [...builtins, ...user]) for (const r of t.get(c) ?? []) out += `${r}\n`;
      out += 'COMMIT\n';
    }
    return out;
  }

  restoreAll(text: string, options: { readonly noflush: boolean; readonly counters: boolean }): void {
    this.restores.push(text);
    if (this.failNextRestore !== null) {
      const e = this.failNextRestore;
      this.failNextRestore = null;
      throw e;
    }
    if (!options.noflush) throw new KpemuError('IPTABLES_BAD_CONTEXT', 'the fake only supports --noflush restores');
    type Open = { name: TableName; table: Table; backup: Table; deleted: Set<string> };
    let cur: Open | null = null;
    const lines = text.split('\n');
    const fail = (open: Open, code: 'IPTABLES_NO_CHAIN' | 'IPTABLES_PARSE', message: string, where: { line: number; text: string }): never => {
      this.tables.set(open.name, open.backup);
      throw new KpemuError(code, message, { location: where });
    };
    for (const [i, raw] of lines.entries()) {
      const line = raw.trim();
      const where = { line: i + 1, text: raw };
      if (line === '' || line.startsWith('#')) continue;
      if (line.startsWith('*')) {
        const name = line.slice(1) as TableName;
        const table = this.table(name);
        cur = { name, table, backup: cloneTable(table), deleted: new Set() };
        continue;
      }
      if (cur === null) throw new KpemuError('IPTABLES_PARSE', 'rule outside of a table', { location: where });
      if (line === 'COMMIT') {
        this.commit(cur.name, cur.table, cur.backup, cur.deleted);
        cur = null;
        continue;
      }
      if (line.startsWith(':')) {
        const chain = splitWords(line.slice(1))[0] ?? '';
        cur.table.set(chain, []);
        cur.deleted.delete(chain);
        continue;
      }
      const words = splitWords(line);
      if (words[0] === '-A') {
        const rules = cur.table.get(words[1] ?? '');
        if (rules === undefined) fail(cur, 'IPTABLES_NO_CHAIN', `chain ${words[1]} does not exist`, where);
        else rules.push(line);
        continue;
      }
      if (words[0] === '-X') {
        const chain = words[1] ?? '';
        if (!cur.table.delete(chain)) fail(cur, 'IPTABLES_NO_CHAIN', `cannot delete missing chain ${chain}`, where);
        cur.deleted.add(chain);
        continue;
      }
      fail(cur, 'IPTABLES_PARSE', 'unsupported line', where);
    }
    if (cur !== null) throw new KpemuError('IPTABLES_PARSE', 'missing COMMIT');
  }

  /** Test helper: appends a raw rule line (`-A CHAIN …`) to an existing chain, outside any restore. */
  appendRaw(table: TableName, line: string): void {
    const chain = splitWords(line)[1] ?? '';
    this.rulesOf(table, chain).push(line);
  }

  hasChain(table: TableName, chain: string): boolean {
    return this.table(table).has(chain);
  }

  chains(table: TableName): string[] {
    return [...this.table(table).keys()];
  }

  /** The rule lines of a chain (a copy); [] when the chain does not exist. */
  rules(table: TableName, chain: string): string[] {
    return [...(this.table(table).get(chain) ?? [])];
  }

  /** Number of rules in a table, all chains. */
  ruleCount(table: TableName): number {
    let n = 0;
    for (const rules of this.table(table).values()) n += rules.length;
    return n;
  }

  private commit(name: TableName, table: Table, backup: Table, deleted: ReadonlySet<string>): void {
    for (const rules of table.values()) {
      for (const rule of rules) {
        const target = jumpTarget(rule);
        if (target === null || BUILTIN_TARGETS.has(target) || table.has(target)) continue;
        this.tables.set(name, backup);
        if (deleted.has(target)) {
          throw new KpemuError('IPTABLES_CHAIN_IN_USE', `deleted chain "${target}" is referenced by existing rules`, { location: { text: rule } });
        }
        throw new KpemuError('IPTABLES_NO_CHAIN', `rule "${rule}" jumps to a non-existent chain`, { location: { text: rule } });
      }
    }
  }

  private table(name: TableName): Table {
    const t = this.tables.get(name);
    if (t === undefined) throw new KpemuError('IPTABLES_NO_TABLE', `no table ${name}`);
    return t;
  }

  private rulesOf(table: TableName, chain: string): string[] {
    const rules = this.table(table).get(chain);
    if (rules === undefined) throw new KpemuError('IPTABLES_NO_CHAIN', `no chain ${chain} in ${table}`);
    return rules;
  }
}

function cloneTable(t: Table): Table {
  return new Map([...t].map(([k, v]) => [k, [...v]]));
}

/** An in-memory nfacct: counters exist once ensured; `broken` makes ensureCounter fail. */
export class FakeNfacct implements NfacctApi {
  readonly counters = new Set<string>();
  constructor(private readonly broken = false) {}
  ensureCounter(name: string): void {
    if (this.broken) throw new KpemuError('NFACCT_MISSING', 'nfacct is not available');
    this.counters.add(name);
  }
  hasCounter(name: string): boolean {
    return this.counters.has(name);
  }
}
