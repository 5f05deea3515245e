import type { RuleCommand, TableName } from '../ast.js';

/** How far ahead of its cursor the cache looks for a line before giving up on it. */
const LOOKAHEAD = 64;

/** The rule lines one parse read for a table, in order, with their commands, and where to look next. */
interface TableLines {
  readonly lines: string[];
  readonly commands: RuleCommand[];
  cursor: number;
  /** Index of each chain's first line (noted while recording), where a lost cursor looks next. */
  readonly chainStart: Map<string, number>;
  lastChain: string;
}

/**
 * Rule lines of a namespace's previous iptables-restore, with what they parsed to.
 *
 * kube-proxy rewrites most of its ruleset with the same lines, in the same order, on every sync
 * (a periodic full resync rewrites all of it), and parsing a line is a pure function of its text
 * and table. So the parser first compares each `-A` line with the previous restore's line at a
 * cursor (and a few lines further, where lines were removed; where the cursor has lost its place,
 * from the first line of the line's chain): an identical line yields the very
 * same immutable command, which also lets the compiler recognise the rule by identity. Comparing
 * in order costs one string comparison per line, no hashing. A line not found is parsed as usual.
 *
 * Per table it holds the lines of the last successful parse and, when that parse was smaller (a
 * partial sync after a full one), also the largest earlier one, so a full resync after partial
 * syncs still finds the unchanged lines: at most two payloads' worth of lines.
 *
 * Not cached: lines with a counters prefix, and rules whose matches keep per-rule state
 * (`-m statistic --mode nth`, `-m recent`), which must stay distinct objects even when repeated.
 */
export class RestoreLineCache {
  /** Per table: the last parse's lines, then possibly a larger earlier parse's. */
  private readonly committed = new Map<TableName, TableLines[]>();
  private pending = new Map<TableName, TableLines>();

  /** The command an identical line of `table` parsed to last time, kept for this parse too. */
  take(table: TableName, line: string): RuleCommand | undefined {
    const lists = this.committed.get(table);
    if (lists === undefined) return undefined;
    for (const prev of lists) {
      let j = find(prev.lines, line, prev.cursor);
      if (j < 0) {
        const start = chainStartOf(prev, line);
        if (start >= 0 && start !== prev.cursor) j = find(prev.lines, line, start);
      }
      if (j >= 0) {
        prev.cursor = j + 1;
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
    for (const [table, lines] of this.pending) {
      const before = this.committed.get(table) ?? [];
      const largest = before.reduce<TableLines | undefined>((a, b) => (a === undefined || b.lines.length > a.lines.length ? b : a), undefined);
      this.committed.set(table, largest !== undefined && largest.lines.length > lines.lines.length ? [lines, largest] : [lines]);
    }
    this.reset();
  }

  /** The parse failed: forget what it collected. */
  abandon(): void {
    this.reset();
  }

  private reset(): void {
    this.pending = new Map();
    for (const lists of this.committed.values()) for (const l of lists) l.cursor = 0;
  }

  private record(table: TableName, line: string, command: RuleCommand): void {
    let t = this.pending.get(table);
    if (t === undefined) {
      t = { lines: [], commands: [], cursor: 0, chainStart: new Map(), lastChain: '' };
      this.pending.set(table, t);
    }
    if (command.kind === 'append' && command.chain !== t.lastChain) {
      if (!t.chainStart.has(command.chain)) t.chainStart.set(command.chain, t.lines.length);
      t.lastChain = command.chain;
    }
    t.lines.push(line);
    t.commands.push(command);
  }
}

/** Index of `line` in lines[from, from + LOOKAHEAD), or -1. */
function find(lines: readonly string[], line: string, from: number): number {
  const stop = Math.min(lines.length, from + LOOKAHEAD);
  for (let j = from; j < stop; j++) if (lines[j] === line) return j;
  return -1;
}

/** The chain an `-A CHAIN ...` line appends to, or '' for any other line. */
function chainOf(line: string): string {
  if (!line.startsWith('-A ')) return '';
  const end = line.indexOf(' ', 3);
  return end < 0 ? '' : line.slice(3, end);
}

/** Where the lines of `line`'s chain begin in `t`, or -1. */
function chainStartOf(t: TableLines, line: string): number {
  const chain = chainOf(line);
  return chain === '' ? -1 : (t.chainStart.get(chain) ?? -1);
}

function cacheable(line: string): boolean {
  return !line.includes('nth') && !line.includes('recent');
}
