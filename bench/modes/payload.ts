/**
 * Helpers over iptables-restore text: split a payload into table blocks, turn it into the
 * sequence of single `iptables` commands an early kube-proxy would have run, and render argument
 * words back into restore syntax.
 */
import type { TableName } from '../../src/netfilter/index.js';
import { tokenizeLine } from '../../src/netfilter/index.js';

export interface PayloadBlock {
  readonly table: TableName;
  /** Declared chains, in order (`:NAME POLICY [p:b]`). */
  readonly chains: readonly { readonly name: string; readonly builtin: boolean }[];
  /** Command lines (`-A ...`, `-X ...`), in order. */
  readonly commands: readonly string[];
}

export function parsePayload(text: string): PayloadBlock[] {
  const blocks: { table: TableName; chains: { name: string; builtin: boolean }[]; commands: string[] }[] = [];
  let cur: (typeof blocks)[number] | null = null;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      cur = { table: line.slice(1).trim() as TableName, chains: [], commands: [] };
      blocks.push(cur);
    } else if (line === 'COMMIT') cur = null;
    else if (cur !== null && line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(' ');
      cur.chains.push({ name: name as string, builtin: policy !== '-' });
    } else if (cur !== null) cur.commands.push(line);
  }
  return blocks;
}

/** A word as iptables-restore reads it back (quoted when it holds spaces, quotes or backslashes). */
export function restoreWord(w: string): string {
  return /^[^\s"\\]+$/.test(w) ? w : `"${w.replace(/(["\\])/g, '\\$1')}"`;
}

/** argv (without the program name) of `iptables -t TABLE <line words>`. */
export function commandArgv(table: TableName, line: string): string[] {
  return ['-t', table, ...tokenizeLine(line)];
}

/**
 * The whole ruleset as single commands, the way a proxier without iptables-restore builds it:
 * `-N` for every user chain, then every rule with `-A`, in payload order.
 */
export function perRuleCommands(blocks: readonly PayloadBlock[]): string[][] {
  const out: string[][] = [];
  for (const b of blocks) for (const c of b.chains) if (!c.builtin) out.push(['-t', b.table, '-N', c.name]);
  for (const b of blocks) for (const line of b.commands) if (line.startsWith('-A ')) out.push(commandArgv(b.table, line));
  return out;
}

/** Counts `-A` lines (rules) in a payload. */
export function countRules(blocks: readonly PayloadBlock[]): number {
  let n = 0;
  for (const b of blocks) for (const line of b.commands) if (line.startsWith('-A ')) n++;
  return n;
}
