import type { RuleCommand, TableName } from '../ast.js';

/**
 * Rule lines of a namespace's previous iptables-restore, with what they parsed to.
 *
 * kube-proxy rewrites most of its ruleset with the same lines on every sync (a periodic full
 * resync rewrites all of it), and parsing a line is a pure function of its text and table. So the
 * parser looks each `-A` line up here before parsing it: an identical line yields the very same
 * (immutable) command, which also lets the compiler recognise the rule by identity. The cache
 * holds the lines of the last successful parse per table only, so it never outgrows one payload.
 *
 * Not cached: lines with a counters prefix, and rules whose matches keep per-rule state
 * (`-m statistic --mode nth`, `-m recent`), which must stay distinct objects even when their
 * lines repeat.
 */
export class RestoreLineCache {
  private readonly committed = new Map<TableName, Map<string, RuleCommand>>();
  private pending = new Map<TableName, Map<string, RuleCommand>>();

  /** The command an identical line of `table` parsed to last time, kept for this parse too. */
  take(table: TableName, line: string): RuleCommand | undefined {
    const hit = this.committed.get(table)?.get(line);
    if (hit !== undefined) this.next(table).set(line, hit);
    return hit;
  }

  /** Remembers a freshly parsed append for the next parse. */
  keep(table: TableName, line: string, command: RuleCommand): void {
    if (command.kind !== 'append' || !cacheable(line)) return;
    this.next(table).set(line, command);
  }

  /** The parse succeeded: the tables it read now remember its lines (others keep theirs). */
  commit(): void {
    for (const [table, lines] of this.pending) this.committed.set(table, lines);
    this.pending = new Map();
  }

  /** The parse failed: forget what it collected. */
  abandon(): void {
    this.pending = new Map();
  }

  private next(table: TableName): Map<string, RuleCommand> {
    let m = this.pending.get(table);
    if (m === undefined) {
      m = new Map();
      this.pending.set(table, m);
    }
    return m;
  }
}

function cacheable(line: string): boolean {
  return !line.includes('nth') && !line.includes('recent');
}
