import type { RuleCommand, RuleCounters, TableName } from '../ast.js';
import { parseCommandLine } from './command-line.js';
import { atLine } from './errors.js';

/** One `iptables` invocation, parsed. */
export interface IptablesCommand {
  readonly table: TableName;
  readonly command: RuleCommand;
  /** From `-c packets bytes`. */
  readonly counters?: RuleCounters;
}

const PROGRAM_NAMES: readonly string[] = ['iptables', 'iptables-legacy', 'iptables-nft'];

/**
 * Parses the arguments of one `iptables` command, e.g.
 * `['-w', '5', '-t', 'nat', '-C', 'KUBE-SERVICES', '-m', 'comment', ...]` (a leading program name
 * such as `iptables` is skipped). The table defaults to filter; `-w`/`-W` are accepted and
 * ignored. Throws KpemuError with location `{ line: 0, text: argv joined by spaces }`.
 */
export function parseIptablesCommand(argv: readonly string[]): IptablesCommand {
  const words = argv.length > 0 && PROGRAM_NAMES.includes(argv[0] as string) ? argv.slice(1) : argv;
  try {
    const parsed = parseCommandLine(words, { mode: 'argv' });
    const table = parsed.table ?? 'filter';
    return parsed.counters === undefined ? { table, command: parsed.command } : { table, command: parsed.command, counters: parsed.counters };
  } catch (e) {
    throw atLine(e, 0, words.join(' '));
  }
}
