import type { RuleCommand, TableName } from '../ast.js';

/** How far ahead of its cursor the cache looks for a line before giving up on it. */
const LOOKAHEAD = 64;

/** The rule lines one parse read for a table, in order, with their commands. */
interface TableLines {
  readonly lines: string[];
  readonly commands: RuleCommand[];
}

/**
 * Rule lines of a namespace's previous iptables-restore, with what they parsed to.
 *
 * kube-proxy rewrites most of its ruleset with the same lines, in the same order, on every sync
 * (a periodic full resync rewrites all of it), and parsing a line is a pure function of its text
 * and table. So the parser first compares each `-A` line with the previous restore's line at a
 * cursor (and a few lines further, where lines were removed): an identical line yields the very
 * same immutable command, which also lets the compiler recognise the rule by identity. Comparing
 * in order costs one string comparison per line, no hashing. A line not found is parsed as usual.
 * The cache holds the lines of the last successful parse per table only.
 *
 * Not cached: lines with a counters prefix, and rules whose matches keep per-rule state
 * (`-m statistic --mode nth`, `-m recent`), which must stay distinct objects even when repeated.
 */
export class RestoreLineCache {
  private readonly committed = new Map<TableName, TableLines>();
  private readonly cursor = new Map<TableName, number>();
  private pending = new Map<TableName, TableLines>();

  /** The command an identical line of `table` parsed to last time, kept for this parse too. */
  take(table: TableName, line: string): RuleCommand | undefined {
    const prev = this.committed.get(table);
    if (prev === undefined) return undefined;
    const { lines } = prev;
    const from = this.cursor.get(table) ?? 0;
    const stop = Math.min(lines.length, from + LOOKAHEAD);
    for (let j = from; j < stop; j++) {
      if (lines[j] === line) {
        this.cursor.set(table, j + 1);
        const hit = prev.commands[j] as RuleCommand;
        this.record(table, line, hit);
        return hit;
      }
    }
    return undefined;
  }

  /** Remembers a freshly parsed append for the next parse. */
  keep(table: TableName, line: string, command: RuleCommand): void {
    if (command.kind !== 'append' || !cacheable(line)) return;
    this.record(table, line, command);
  }

  /** The parse succeeded: the tables it read now remember its lines (others keep theirs). */
  commit(): void {
    for (const [table, lines] of this.pending) this.committed.set(table, lines);
    this.reset();
  }

  /** The parse failed: forget what it collected. */
  abandon(): void {
    this.reset();
  }

  private reset(): void {
    this.pending = new Map();
    this.cursor.clear();
  }

  private record(table: TableName, line: string, command: RuleCommand): void {
    let t = this.pending.get(table);
    if (t === undefined) {
      t = { lines: [], commands: [] };
      this.pending.set(table, t);
    }
    t.lines.push(line);
    t.commands.push(command);
  }
}

function cacheable(line: string): boolean {
  return !line.includes('nth') && !line.includes('recent');
}
