import { KpemuError } from '../../core/index.js';
import {
  BUILTIN_CHAINS,
  TABLE_NAMES,
  type ChainDeclaration,
  type LocatedCommand,
  type Policy,
  type RestoreDocument,
  type RuleCounters,
  type TableBlock,
  type TableName,
} from '../ast.js';
import { CHAIN_NAME_MAX } from '../modules/target-standard.js';
import { CommandLineParser, type CommandLineContext } from './command-line.js';
import { atLine, badValue, noTable, parseError } from './errors.js';
import { FastRuleParser } from './fast-rule.js';
import type { RestoreLineCache } from './restore-line-cache.js';
import { tokenizeInto, WordCache } from './tokenize.js';

/**
 * `iptables-restore` input → RestoreDocument, following iptables-legacy-restore 1.8.9:
 * - `#` in the first column starts a comment; an empty line is skipped; a line of only blanks is a
 *   command line without a command (an error, as in iptables);
 * - `*table` opens a block (text after the name is ignored), `COMMIT` (exactly) closes it;
 * - `:CHAIN POLICY [packets:bytes]` declares a chain, allowed anywhere in the block; `-` is the
 *   policy of user chains (and leaves a built-in chain's policy alone);
 * - other lines in a block are commands, optionally prefixed by `[packets:bytes]`;
 * - a missing COMMIT at the end is an error at the line after the last.
 * Unlike iptables, a CRLF line end is accepted (iptables would see `COMMIT\r`).
 *
 * What the parser cannot know is left to whoever applies the document, at the same line
 * iptables reports it: commands on missing chains or rules (the command's line) and the kernel's
 * checks of the whole table (the block's `commitLine`).
 *
 * Errors are KpemuError with `location.line` (1-based) and `location.text` (the line).
 */

export interface RestoreOptions {
  /**
   * Like `iptables-restore --counters`: take the `[packets:bytes]` rule prefixes (otherwise they
   * are checked for shape and ignored) and require well-formed policy counters.
   */
  readonly counters?: boolean;
  /** Lines of the previous restore into the same namespace, reused when they repeat. */
  readonly lineCache?: RestoreLineCache;
}

const TABLES: readonly string[] = TABLE_NAMES;
/** Names libiptc refuses for a new chain (they are verdicts). */
const RESERVED_CHAINS: readonly string[] = ['ACCEPT', 'DROP', 'QUEUE', 'RETURN'];

/** Words split at blanks, as strtok(" \t\n") does for the `*` and `:` lines. */
function blankWords(line: string, from: number): string[] {
  const out: string[] = [];
  let i = from;
  const n = line.length;
  while (i < n) {
    while (i < n && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    const start = i;
    while (i < n && line.charCodeAt(i) !== 32 && line.charCodeAt(i) !== 9) i++;
    if (i > start) out.push(line.slice(start, i));
  }
  return out;
}

/** sscanf("[%llu:%llu]"): returns the counters or undefined. */
function scanBracketCounters(text: string | undefined): RuleCounters | undefined {
  if (text === undefined) return undefined;
  const m = /^\[[ \t]*\+?([0-9]+):[ \t]*\+?([0-9]+)\]/.exec(text);
  if (m === null) return undefined;
  return { packets: Number(m[1]), bytes: Number(m[2]) };
}

class BlockBuilder {
  readonly chains: ChainDeclaration[] = [];
  readonly commands: LocatedCommand[] = [];
  readonly ctx: CommandLineContext;
  constructor(
    readonly table: TableName,
    readonly line: number,
  ) {
    this.ctx = { mode: 'restore', table };
  }

  build(commitLine: number): TableBlock {
    return { table: this.table, line: this.line, chains: this.chains, commands: this.commands, commitLine };
  }
}

function parseTableLine(line: string): TableName {
  const name = blankWords(line, 1)[0] ?? '';
  if (!TABLES.includes(name)) {
    if (name === '') throw noTable(name);
    throw new KpemuError('IPTABLES_NO_TABLE', `iptables-restore: unable to initialize table '${name}'`);
  }
  return name as TableName;
}

function parseChainLine(st: LineState, text: string, from: number, line: string, lineNo: number, block: BlockBuilder, options: RestoreOptions): ChainDeclaration {
  // Fast path for kube-proxy's `:KUBE-SVC-XXXX - [0:0]`; the name is shared with the rules that
  // name the chain.
  const sp = line.indexOf(' ');
  if (sp > 1 && sp <= CHAIN_NAME_MAX + 1 && line.charCodeAt(sp + 1) === 45 && (line.length === sp + 2 || line.charCodeAt(sp + 2) === 32)) {
    const name = st.fast.chainName(text, from + 1, from + sp);
    if (name.indexOf('\t') < 0 && !RESERVED_CHAINS.includes(name)) return { name, policy: null, packets: 0, bytes: 0, line: lineNo };
  }
  const words = blankWords(line, 1);
  const name = words[0];
  if (name === undefined) throw parseError(`iptables-restore: line ${lineNo} chain name invalid`);
  if (name.length > CHAIN_NAME_MAX) throw badValue(`Invalid chain name \`${name}' (${CHAIN_NAME_MAX} chars max)`);
  const builtin = (BUILTIN_CHAINS[block.table] as readonly string[]).includes(name);
  if (!builtin && RESERVED_CHAINS.includes(name)) {
    throw new KpemuError('IPTABLES_CHAIN_EXISTS', `error creating chain '${name}':File exists`);
  }
  const policyWord = words[1];
  if (policyWord === undefined) throw parseError(`iptables-restore: line ${lineNo} policy invalid`);
  let policy: Policy | null = null;
  let counters: RuleCounters = { packets: 0, bytes: 0 };
  if (policyWord !== '-') {
    const scanned = scanBracketCounters(words[2]);
    if (options.counters === true && scanned === undefined) throw badValue(`invalid policy counters for chain '${name}'`);
    if (policyWord !== 'ACCEPT' && policyWord !== 'DROP') {
      throw badValue(`Can't set policy \`${policyWord}' on \`${name}' line ${lineNo}: Bad policy name`);
    }
    if (!builtin) throw badValue(`Can't set policy \`${policyWord}' on \`${name}' line ${lineNo}: Bad built-in chain name`);
    policy = policyWord;
    if (scanned !== undefined) counters = scanned;
  }
  return { name, policy, packets: counters.packets, bytes: counters.bytes, line: lineNo };
}

/**
 * iptables' tokenize_rule_counters on a line starting with `[`: the packet count runs to the
 * first `:` (anywhere on the line), the byte count from there to the next `]`; the command starts
 * after the first `]`. Returns the start of the command and the two count words.
 */
function splitCounterPrefix(line: string, lineNo: number): { start: number; pcnt: string; bcnt: string } {
  const close = line.indexOf(']');
  if (close < 0) throw parseError(`Bad line ${lineNo}: need ]`);
  let p = 1;
  while (p < line.length && line.charCodeAt(p) === 58) p++;
  if (p >= line.length) throw parseError(`Bad line ${lineNo}: need :`);
  const colon = line.indexOf(':', p);
  const pcnt = colon < 0 ? line.slice(p) : line.slice(p, colon);
  if (colon < 0) throw parseError(`Bad line ${lineNo}: need ]`);
  let b = colon + 1;
  while (b < line.length && line.charCodeAt(b) === 93) b++;
  if (b >= line.length) throw parseError(`Bad line ${lineNo}: need ]`);
  const bclose = line.indexOf(']', b);
  const bcnt = bclose < 0 ? line.slice(b) : line.slice(b, bclose);
  return { start: close + 1, pcnt, bcnt };
}

/**
 * State shared by the lines of one payload: the fast path for plain rule lines, and the reusable
 * general parser, word array and word cache for every other line.
 */
interface LineState {
  readonly fast: FastRuleParser;
  readonly parser: CommandLineParser;
  readonly words: string[];
  readonly cache: WordCache;
}

/**
 * One command line. `text[from, to)` is the line inside the payload (tokenized in place, which is
 * faster than tokenizing the slice `line`).
 */
function parseCommandLineAt(st: LineState, text: string, from: number, to: number, line: string, lineNo: number, block: BlockBuilder, options: RestoreOptions): LocatedCommand {
  const cache = options.lineCache;
  if (text.charCodeAt(from) === 45) {
    if (cache !== undefined) {
      const hit = cache.take(block.table, line);
      if (hit !== undefined) return { command: hit, line: lineNo, text: line };
    }
    const fast = st.fast.parse(text, from, to, block.table);
    if (fast !== null) {
      cache?.keep(block.table, line, fast);
      return { command: fast, line: lineNo, text: line };
    }
  }
  let n: number;
  if (line.charCodeAt(0) === 91) {
    const prefix = splitCounterPrefix(line, lineNo);
    if (options.counters === true) {
      // iptables-restore --counters turns the prefix into `--set-counters P B` before the line's words.
      const rest: string[] = [];
      const m = tokenizeInto(text, from + prefix.start, to, rest, st.cache);
      st.words[0] = '--set-counters';
      st.words[1] = prefix.pcnt;
      st.words[2] = prefix.bcnt;
      for (let k = 0; k < m; k++) st.words[k + 3] = rest[k] as string;
      n = m + 3;
    } else {
      n = tokenizeInto(text, from + prefix.start, to, st.words, st.cache);
    }
  } else {
    n = tokenizeInto(text, from, to, st.words, st.cache);
  }
  const command = st.parser.parseWords(st.words, n, block.ctx);
  const counters = st.parser.counters;
  if (cache !== undefined && counters === undefined && line.charCodeAt(0) === 45) cache.keep(block.table, line, command);
  return counters === undefined ? { command, line: lineNo, text: line } : { command, line: lineNo, text: line, counters };
}

/**
 * Parses a whole iptables-restore payload. Throws KpemuError located at the offending line.
 * Fast enough for kube-proxy's largest payloads: one pass, hand-written tokenizer.
 */
export function parseRestore(text: string, options: RestoreOptions = {}): RestoreDocument {
  const blocks: TableBlock[] = [];
  const st: LineState = { fast: new FastRuleParser(), parser: new CommandLineParser(), words: [], cache: new WordCache() };
  let block: BlockBuilder | null = null;
  let lineNo = 0;
  let line = '';
  const n = text.length;
  let pos = 0;
  try {
    while (pos < n) {
      const nl = text.indexOf('\n', pos);
      const end = nl < 0 ? n : nl;
      lineNo++;
      const from = pos;
      const to = end > pos && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
      pos = end + 1;
      if (to === from) {
        line = '';
        continue;
      }
      line = text.slice(from, to);
      const c0 = text.charCodeAt(from);
      if (c0 === 35) continue; // '#'
      if (block !== null) {
        if (c0 === 67 && to - from === 6 && line === 'COMMIT') {
          blocks.push(block.build(lineNo));
          block = null;
        } else if (c0 === 58) {
          block.chains.push(parseChainLine(st, text, from, line, lineNo, block, options));
        } else {
          block.commands.push(parseCommandLineAt(st, text, from, to, line, lineNo, block, options));
        }
      } else if (c0 === 42) {
        block = new BlockBuilder(parseTableLine(line), lineNo);
      } else {
        throw parseError(`iptables-restore: line ${lineNo} failed`);
      }
    }
  } catch (e) {
    options.lineCache?.abandon();
    throw atLine(e, lineNo, line);
  }
  if (block !== null) {
    options.lineCache?.abandon();
    throw new KpemuError('IPTABLES_PARSE', `iptables-restore: COMMIT expected at line ${lineNo + 1}`, { location: { line: lineNo + 1 } });
  }
  options.lineCache?.commit();
  return { blocks };
}
