import { BUILTIN_CHAINS, type RestoreDocument, type Rule, type TableName } from '../../../src/netfilter/index.js';
import type { ChainView, RuleView, TableView } from '../../../src/netfilter/index.js';
import { rulesEqual } from './rule-equal.js';

/**
 * A deliberately plain application of a parsed restore document, enough to build the chain lists
 * the renderers take in tests: each block starts from the built-in chains (as iptables-restore
 * without --noflush starts from an empty table), and commands change the lists in order.
 * Table order follows the real kernel's /proc/net/ip_tables_names: the table created last first.
 */

interface MutableChain {
  name: string;
  policy: ChainView['policy'];
  packets: number;
  bytes: number;
  rules: RuleView[];
}

export function naiveApply(doc: RestoreDocument, options: { counters?: boolean } = {}): TableView[] {
  const tables = new Map<TableName, MutableChain[]>();
  for (const block of doc.blocks) {
    const chains: MutableChain[] = BUILTIN_CHAINS[block.table].map((name) => ({ name, policy: 'ACCEPT', packets: 0, bytes: 0, rules: [] }));
    const get = (name: string): MutableChain => {
      const c = chains.find((x) => x.name === name);
      if (c === undefined) throw new Error(`no chain ${name}`);
      return c;
    };
    for (const decl of block.chains) {
      const existing = chains.find((c) => c.name === decl.name);
      if (existing !== undefined) {
        if (decl.policy !== null) existing.policy = decl.policy;
        if (options.counters === true) {
          existing.packets = decl.packets;
          existing.bytes = decl.bytes;
        }
      } else chains.push({ name: decl.name, policy: null, packets: 0, bytes: 0, rules: [] });
    }
    for (const lc of block.commands) {
      const c = lc.command;
      const view = (rule: Rule): RuleView => ({ rule, packets: lc.counters?.packets ?? 0, bytes: lc.counters?.bytes ?? 0 });
      switch (c.kind) {
        case 'append':
          get(c.chain).rules.push(view(c.rule));
          break;
        case 'insert':
          get(c.chain).rules.splice(c.position - 1, 0, view(c.rule));
          break;
        case 'replace':
          get(c.chain).rules[c.position - 1] = view(c.rule);
          break;
        case 'delete': {
          const ch = get(c.chain);
          const i = ch.rules.findIndex((r) => rulesEqual(r.rule, c.rule));
          if (i >= 0) ch.rules.splice(i, 1);
          break;
        }
        case 'delete-at':
          get(c.chain).rules.splice(c.position - 1, 1);
          break;
        case 'new-chain':
          chains.push({ name: c.chain, policy: null, packets: 0, bytes: 0, rules: [] });
          break;
        case 'flush':
          for (const ch of chains) if (c.chain === undefined || ch.name === c.chain) ch.rules = [];
          break;
        case 'policy':
          get(c.chain).policy = c.policy;
          break;
        case 'delete-chain': {
          const i = chains.findIndex((ch) => ch.name === c.chain);
          if (i >= 0) chains.splice(i, 1);
          break;
        }
        case 'rename-chain':
          get(c.chain).name = c.newName;
          break;
        case 'zero':
        case 'check':
        case 'list':
        case 'list-rules':
          break;
        default: {
          const never: never = c;
          throw new Error(`unhandled ${String(never)}`);
        }
      }
    }
    // The kernel creates a table once, at its first block; later blocks replace its contents.
    tables.set(block.table, chains);
  }
  return [...tables.entries()].reverse().map(([table, chains]) => ({ table, chains }));
}
