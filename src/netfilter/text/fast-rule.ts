import type { AddrMatch, IfaceMatch, Match, Rule, RuleCommand, TableName, Target } from '../ast.js';
import type { MatchModule, OptionDef, OptionUse, TargetModule } from '../modules/module-types.js';
import { MATCH_BY_NAME, MATCH_MODULES, TARGET_BY_NAME, TARGET_MODULES, UNMODELLED_TARGETS } from '../modules/registry.js';
import { parsePlainNatRange } from '../modules/nat-range.js';
import { CHAIN_NAME_MAX } from '../modules/target-standard.js';
import { parseAddressArg, parseIface } from './address.js';
import { GLOBAL_BY_WORD, GLOBAL_LONG_NAMES } from './global-options.js';
import { ownerOf, type Owner } from './option-index.js';
import { parseProtocol, protocolSaveName } from './protocols.js';
import { makeRule, NO_MATCHES, protoValue } from './rule-value.js';
import { ownString } from './own-string.js';
import { RangeMemo } from './range-memo.js';

/**
 * The restore parser's fast path for the rule lines kube-proxy and flannel write (`-A`/`-I CHAIN`
 * with `-s -d -p -i -o -m -j` and module options). It reads the line in place, without cutting it
 * into word strings, and follows the general parser's getopt rules (command-line.ts) step by step:
 * the same option lookup (iptables' own options first, then each loaded module newest first, the
 * `-p` protocol's match loaded once when an option has no owner), the same uses handed to each
 * module's own `parse`. What it adds is sharing: a value parsed once (an address, a comment
 * match, a jump target, a chain name) is remembered under the exact characters that produced it
 * and handed to every later rule that repeats them, so rules are small and parsing allocates little.
 *
 * Anything it does not follow exactly (tabs, escapes, abbreviated or `--opt=value` options,
 * counters, other commands) and every error make it give up on the line: `parse` returns null and
 * the general parser reads the line again, so messages and error locations come from one place.
 * test/netfilter/text/fast-rule.test.ts checks both parsers against each other.
 */

/** Thrown (never escapes {@link FastRuleParser.parse}) to give the line to the general parser. */
const GIVE_UP: unique symbol = Symbol('give up');

function giveUp(): never {
  throw GIVE_UP;
}

/** Words per line handled here; the general parser takes longer lines (and refuses over 254). */
const MAX_WORDS = 64;
/** Longest word handled here (the general parser refuses words over 1023 bytes). */
const MAX_WORD = 300;

const CMD_NONE = 0;
const CMD_APPEND = 1;
const CMD_INSERT = 2;

/** iptables' set_option bits for the options handled here. */
const SEEN_S = 1;
const SEEN_D = 2;
const SEEN_P = 4;
const SEEN_I = 8;
const SEEN_O = 16;
const SEEN_J = 32;

/** Small ids for modules and option definitions: they go into memo keys. */
const MODULE_ID = new Map<object, number>();
const DEF_ID = new Map<OptionDef, number>();
for (const m of [...Object.values(MATCH_MODULES), ...Object.values(TARGET_MODULES)] as (MatchModule | TargetModule)[]) {
  MODULE_ID.set(m, MODULE_ID.size + 1);
  for (const d of m.options) DEF_ID.set(d, DEF_ID.size + 1);
}

/**
 * Module option words (`--dport`) spelled out exactly; iptables' own long options (`--source`)
 * are left out, so that they, abbreviations and `--x=y` forms all go to the general parser.
 */
interface OptionWord {
  readonly word: string;
  /** Without the dashes, for getopt's prefix rule. */
  readonly name: string;
}
/**
 * A fixed table of words with a value each (option words, module and target names), looked up
 * by the word's length and two of its characters, then confirmed with `startsWith`.
 */
class StaticWords<V> {
  private readonly buckets: (readonly { readonly word: string; readonly value: V }[] | undefined)[] = new Array(1 << 15).fill(undefined);

  add(word: string, value: V): void {
    if (this.get(word, 0, word.length) !== undefined) return;
    const k = bucketOf(word, 0, word.length);
    this.buckets[k] = [...(this.buckets[k] ?? []), { word, value }];
  }

  /** The value of the word `text[from, to)`, or undefined. */
  get(text: string, from: number, to: number): V | undefined {
    const bucket = this.buckets[bucketOf(text, from, to)];
    if (bucket === undefined) return undefined;
    const len = to - from;
    for (const e of bucket) if (e.word.length === len && text.startsWith(e.word, from)) return e.value;
    return undefined;
  }
}

/** Length, third (or last) character and last character of a non-empty word, in 15 bits. */
function bucketOf(text: string, from: number, to: number): number {
  const len = to - from;
  const c = text.charCodeAt(len > 2 ? from + 2 : to - 1);
  return ((len & 31) << 10) | ((c & 31) << 5) | (text.charCodeAt(to - 1) & 31);
}

const OPTION_WORDS = new StaticWords<OptionWord>();
const MATCH_NAMES = new StaticWords<MatchModule>();
/** `-j` words: a target module, or null for the unmodelled ones (given to the general parser). */
const TARGET_NAMES = new StaticWords<TargetModule | null>();

for (const m of [...Object.values(MATCH_MODULES), ...Object.values(TARGET_MODULES)] as (MatchModule | TargetModule)[]) {
  for (const d of m.options) {
    for (const n of d.names) {
      const word = `--${n}`;
      if (!GLOBAL_BY_WORD.has(word)) OPTION_WORDS.add(word, { word, name: n });
    }
  }
}
for (const [name, m] of MATCH_BY_NAME) MATCH_NAMES.add(name, m);
for (const [name, t] of TARGET_BY_NAME) TARGET_NAMES.add(name, t);
for (const name of UNMODELLED_TARGETS) TARGET_NAMES.add(name, null);

const DROP_MODULE = TARGET_BY_NAME.get('DROP');
const DNAT_MODULE = TARGET_MODULES.dnat as unknown as TargetModule;
const TO_DESTINATION = DNAT_MODULE.options.find((d) => d.names[0] === 'to-destination');
/** Match values that must stay one per rule: the engine keeps per-match state by identity. */
function shareable(m: Match): boolean {
  return !(m.kind === 'statistic' && m.mode === 'nth') && m.kind !== 'recent';
}

const TABLE_CHECK_IN: readonly string[] = ['PREROUTING', 'INPUT'];
const TABLE_CHECK_OUT: readonly string[] = ['POSTROUTING', 'OUTPUT'];

/**
 * One payload's fast rule parser: its memo tables live as long as it does (create one per
 * payload). Not reentrant.
 */
export class FastRuleParser {
  // Values parsed from this payload, under the words (and flags) that produced them.
  private readonly chains = new RangeMemo<string>();
  private readonly addrs = new RangeMemo<AddrMatch | null>();
  private readonly ifaces = new RangeMemo<IfaceMatch>();
  private readonly protos = new RangeMemo<number>();
  private readonly jumps = new RangeMemo<Target>();
  private readonly matchValues = new RangeMemo<Match>();
  private readonly targetValues = new RangeMemo<Target>();

  // The line being read.
  private text = '';
  private pos = 0;
  private end = 0;
  private wordCount = 0;
  private wFrom = 0;
  private wTo = 0;
  /** Where the next tab, quote and backslash at or after `*From` are (text length when none). */
  private tabAt = -1;
  private tabFrom = 0;
  private quoteAt = -1;
  private quoteFrom = 0;
  private backslashAt = -1;
  private backslashFrom = 0;

  // getopt state, as in CommandLineParser.
  private invert = false;
  private command = CMD_NONE;
  private chainFrom = 0;
  private chainTo = 0;
  private rulenum = 0;
  private seen = 0;
  private src: AddrMatch | undefined;
  private dst: AddrMatch | undefined;
  private inIface: IfaceMatch | undefined;
  private outIface: IfaceMatch | undefined;
  private proto = 0;
  private protoInvert = false;
  private protoGiven = false;
  private implicitLoaded = false;
  private readonly owners: Owner[] = [];
  private ownerCount = 0;
  private readonly matchModules: MatchModule[] = [];
  private matchCount = 0;
  private targetModule: TargetModule | null = null;
  private hasTarget = false;
  private targetFrom = 0;
  private targetTo = 0;

  // Option uses, in order, as parallel arrays; `useOwner` is the match instance or -1 (target).
  private readonly useDef: OptionDef[] = [];
  private readonly useOwner: number[] = [];
  /** The option's argument word (from, to), and its second word; to = -1 when none. */
  private readonly useArg: number[] = [];
  private readonly useArgEnd: number[] = [];
  private readonly useArg2: number[] = [];
  private readonly useArg2End: number[] = [];
  private readonly useInvert: boolean[] = [];
  private readonly useProto: number[] = [];
  private readonly useProtoInvert: boolean[] = [];
  private useCount = 0;

  /** The chain name `text[from, to)` as one shared string that does not pin `text`. */
  chainName(text: string, from: number, to: number): string {
    const memo = this.chains;
    memo.begin();
    memo.range(from, to);
    let name = memo.get(text);
    if (name === undefined) {
      name = ownString(text, from, to);
      memo.set(text, name);
    }
    return name;
  }

  /**
   * The command on `text[from, to)` (a line without its end), or null when the general parser
   * must read the line. Never throws.
   */
  parse(text: string, from: number, to: number, table: TableName): RuleCommand | null {
    if (this.text !== text) {
      this.text = text;
      this.tabAt = this.quoteAt = this.backslashAt = -1;
    }
    this.pos = from;
    this.end = to;
    try {
      return this.run(table);
    } catch {
      return null;
    }
  }

  private reset(): void {
    this.wordCount = 0;
    this.invert = false;
    this.command = CMD_NONE;
    this.rulenum = 0;
    this.seen = 0;
    this.src = undefined;
    this.dst = undefined;
    this.inIface = undefined;
    this.outIface = undefined;
    this.proto = 0;
    this.protoInvert = false;
    this.protoGiven = false;
    this.implicitLoaded = false;
    this.ownerCount = 0;
    this.matchCount = 0;
    this.targetModule = null;
    this.hasTarget = false;
    this.useCount = 0;
  }

  // ------------------------------------------------------------------------------------------
  // Words

  /**
   * Moves to the next word (its characters, without quotes, in `wFrom..wTo`); false at the end of
   * the line. Gives up on anything the plain rules below do not cover: a tab, a quote inside a
   * word, a backslash inside quotes, an empty or unterminated quoted word. Word ends are found
   * with the native indexOf, and the next tab, quote and backslash of the text are remembered, so
   * the whole payload is searched for each about once.
   */
  private next(): boolean {
    const t = this.text;
    const n = this.end;
    let i = this.pos;
    while (i < n && t.charCodeAt(i) === 32) i++;
    if (i >= n) {
      this.pos = i;
      return false;
    }
    if (++this.wordCount > MAX_WORDS) giveUp();
    if (t.charCodeAt(i) === 34) {
      const from = i + 1;
      const close = this.nextQuote(from);
      if (close >= n || close === from || this.nextBackslash(from) < close) giveUp();
      if (close + 1 < n && t.charCodeAt(close + 1) !== 32) giveUp();
      this.wFrom = from;
      this.wTo = close;
      this.pos = close + 1;
    } else {
      let space = t.indexOf(' ', i);
      if (space < 0 || space > n) space = n;
      if (this.nextQuote(i) < space) giveUp();
      this.wFrom = i;
      this.wTo = space;
      this.pos = space;
    }
    if (this.wTo - this.wFrom > MAX_WORD) giveUp();
    return true;
  }

  private nextTab(at: number): number {
    if (this.tabAt < at || this.tabFrom > at) {
      const k = this.text.indexOf('\t', at);
      this.tabAt = k < 0 ? this.text.length : k;
      this.tabFrom = at;
    }
    return this.tabAt;
  }

  private nextQuote(at: number): number {
    if (this.quoteAt < at || this.quoteFrom > at) {
      const k = this.text.indexOf('"', at);
      this.quoteAt = k < 0 ? this.text.length : k;
      this.quoteFrom = at;
    }
    return this.quoteAt;
  }

  private nextBackslash(at: number): number {
    if (this.backslashAt < at || this.backslashFrom > at) {
      const k = this.text.indexOf('\\', at);
      this.backslashAt = k < 0 ? this.text.length : k;
      this.backslashFrom = at;
    }
    return this.backslashAt;
  }

  /** iptables' required argument: the next word, whatever it is. */
  private requiredArg(): void {
    if (!this.next()) giveUp();
  }

  /** iptables' xs_has_arg: a next word not starting with `-` or `!` is taken; false otherwise. */
  private optionalArg(): boolean {
    const pos = this.pos;
    const count = this.wordCount;
    if (!this.next()) return false;
    const c = this.text.charCodeAt(this.wFrom);
    if (c === 45 || c === 33) {
      this.pos = pos;
      this.wordCount = count;
      return false;
    }
    return true;
  }

  // ------------------------------------------------------------------------------------------
  // The getopt loop

  private run(table: TableName): RuleCommand {
    this.reset();
    const t = this.text;
    if (this.nextTab(this.pos) < this.end) giveUp();
    while (this.next()) {
      const a = this.wFrom;
      const len = this.wTo - a;
      const c0 = t.charCodeAt(a);
      if (len === 1 && c0 === 33) {
        if (this.invert) giveUp();
        this.invert = true;
        continue;
      }
      if (len < 2 || c0 !== 45) giveUp();
      if (t.charCodeAt(a + 1) === 45) {
        if (len === 2) giveUp();
        this.longOption();
      } else {
        if (len !== 2) giveUp();
        this.shortOption(t.charCodeAt(a + 1));
      }
      this.invert = false;
    }
    if (this.invert || this.command === CMD_NONE) giveUp();
    return this.finish(table);
  }

  private setOnce(bit: number): void {
    if ((this.seen & bit) !== 0) giveUp();
    this.seen |= bit;
  }

  private shortOption(letter: number): void {
    const t = this.text;
    switch (letter) {
      case 65: // -A
      case 73: // -I
        if (this.invert || this.command !== CMD_NONE) giveUp();
        this.command = letter === 65 ? CMD_APPEND : CMD_INSERT;
        this.requiredArg();
        this.chainFrom = this.wFrom;
        this.chainTo = this.wTo;
        if (letter === 73 && this.optionalArg()) this.rulenum = ruleNumber(t, this.wFrom, this.wTo);
        return;
      case 115: // -s
      case 100: {
        // -d
        this.setOnce(letter === 115 ? SEEN_S : SEEN_D);
        this.requiredArg();
        const a = this.address(this.invert);
        if (letter === 115) this.src = a ?? undefined;
        else this.dst = a ?? undefined;
        return;
      }
      case 112: // -p
        this.setOnce(SEEN_P);
        this.requiredArg();
        this.proto = this.protocol();
        this.protoInvert = this.invert;
        this.protoGiven = true;
        if (this.proto === 0 && this.invert) giveUp();
        return;
      case 105: // -i
      case 111: {
        // -o
        this.setOnce(letter === 105 ? SEEN_I : SEEN_O);
        this.requiredArg();
        const iface = this.iface(this.invert);
        if (letter === 105) this.inIface = iface;
        else this.outIface = iface;
        return;
      }
      case 106: {
        // -j (a goto, -g, is left to the general parser)
        if (this.invert) giveUp();
        this.setOnce(SEEN_J);
        this.requiredArg();
        this.hasTarget = true;
        this.targetFrom = this.wFrom;
        this.targetTo = this.wTo;
        const module = TARGET_NAMES.get(t, this.wFrom, this.wTo);
        if (module === null) giveUp(); // unmodelled: the general parser refuses it
        if (module !== undefined) {
          this.targetModule = module;
          this.addOwner(ownerOf(module, null));
        }
        return;
      }
      case 109: {
        // -m
        if (this.invert) giveUp();
        this.requiredArg();
        const module = MATCH_NAMES.get(t, this.wFrom, this.wTo);
        if (module === undefined) giveUp();
        this.loadMatch(module);
        return;
      }
      default:
        giveUp();
    }
  }

  private longOption(): void {
    const w = OPTION_WORDS.get(this.text, this.wFrom, this.wTo);
    if (w === undefined) giveUp();
    if (this.resolve(w.word)) return;
    // No loaded module has the option. The general parser now tries getopt's prefix rule, then
    // loads the `-p` protocol's match once and looks again; only the plain case is followed.
    if (this.prefixOwnerExists(w.name) || !this.protoGiven || this.implicitLoaded) giveUp();
    const module = MATCH_BY_NAME.get(protocolSaveName(this.proto));
    if (module === undefined) giveUp();
    this.implicitLoaded = true;
    this.loadMatch(module);
    if (!this.resolve(w.word)) giveUp();
  }

  /** Exact lookup among the loaded owners, newest first; records the option's use when found. */
  private resolve(word: string): boolean {
    for (let k = this.ownerCount - 1; k >= 0; k--) {
      const o = this.owners[k] as Owner;
      const def = o.index.byWord.get(word);
      if (def !== undefined) {
        this.moduleOption(o, def);
        return true;
      }
    }
    return false;
  }

  /** Whether getopt's abbreviation rule would find an option that `name` begins. */
  private prefixOwnerExists(name: string): boolean {
    for (const [long] of GLOBAL_LONG_NAMES) if (long.startsWith(name)) return true;
    for (let k = 0; k < this.ownerCount; k++) {
      for (const [long] of (this.owners[k] as Owner).index.names) if (long.startsWith(name)) return true;
    }
    return false;
  }

  private moduleOption(owner: Owner, def: OptionDef): void {
    const u = this.useCount;
    let arg = 0;
    let argEnd = -1;
    let arg2 = 0;
    let arg2End = -1;
    if (def.args !== 0) {
      this.requiredArg();
      arg = this.wFrom;
      argEnd = this.wTo;
      if (def.args === 2) {
        if (!this.optionalArg()) giveUp();
        arg2 = this.wFrom;
        arg2End = this.wTo;
      }
    }
    let instance = -1;
    const match = owner.match;
    if (match !== null) {
      for (let k = this.matchCount - 1; k >= 0; k--) {
        if (this.matchModules[k] === match) {
          instance = k;
          break;
        }
      }
      if (instance < 0) giveUp();
    }
    this.useDef[u] = def;
    this.useOwner[u] = instance;
    this.useArg[u] = arg;
    this.useArgEnd[u] = argEnd;
    this.useArg2[u] = arg2;
    this.useArg2End[u] = arg2End;
    this.useInvert[u] = this.invert;
    this.useProto[u] = this.proto;
    this.useProtoInvert[u] = this.protoInvert;
    this.useCount = u + 1;
  }

  private loadMatch(module: MatchModule): void {
    this.matchModules[this.matchCount++] = module;
    this.addOwner(ownerOf(module, module));
  }

  private addOwner(owner: Owner): void {
    for (let k = 0; k < this.ownerCount; k++) if (this.owners[k] === owner) return;
    this.owners[this.ownerCount++] = owner;
  }

  // ------------------------------------------------------------------------------------------
  // Values, each parsed once per payload by the general parser's own functions

  /** `-s`/`-d`: the AddrMatch, or null for 0/0 without `!` (iptables stores no address then). */
  private address(invert: boolean): AddrMatch | null {
    const memo = this.addrs;
    memo.begin();
    memo.int(invert ? 1 : 0);
    memo.range(this.wFrom, this.wTo);
    let a = memo.get(this.text);
    if (a === undefined) {
      const value: AddrMatch = { prefix: parseAddressArg(this.text.slice(this.wFrom, this.wTo)), invert };
      a = value.prefix.length !== 0 || invert ? value : null;
      memo.set(this.text, a);
    }
    return a;
  }

  private protocol(): number {
    const memo = this.protos;
    memo.begin();
    memo.range(this.wFrom, this.wTo);
    let p = memo.get(this.text);
    if (p === undefined) {
      p = parseProtocol(this.text.slice(this.wFrom, this.wTo).toLowerCase());
      memo.set(this.text, p);
    }
    return p;
  }

  private iface(invert: boolean): IfaceMatch {
    const memo = this.ifaces;
    memo.begin();
    memo.int(invert ? 1 : 0);
    memo.range(this.wFrom, this.wTo);
    let i = memo.get(this.text);
    if (i === undefined) {
      i = parseIface(ownString(this.text, this.wFrom, this.wTo), invert);
      memo.set(this.text, i);
    }
    return i;
  }

  /** Appends the uses of one owner (a match instance, or -1 for the target) to a memo key. */
  private keyUses(memo: RangeMemo<unknown>, owner: number): number {
    let n = 0;
    for (let u = 0; u < this.useCount; u++) {
      if (this.useOwner[u] !== owner) continue;
      n++;
      memo.int(DEF_ID.get(this.useDef[u] as OptionDef) as number);
      memo.int((this.useInvert[u] ? 1 : 0) | (this.useProtoInvert[u] ? 2 : 0) | ((this.useProto[u] as number) << 2));
      const argEnd = this.useArgEnd[u] as number;
      if (argEnd >= 0) memo.range(this.useArg[u] as number, argEnd);
      const arg2End = this.useArg2End[u] as number;
      if (arg2End >= 0) memo.range(this.useArg2[u] as number, arg2End);
    }
    return n;
  }

  /** The uses of one owner as the module parsers take them (strings of their own). */
  private usesOf(owner: number): OptionUse[] {
    const t = this.text;
    const out: OptionUse[] = [];
    for (let u = 0; u < this.useCount; u++) {
      if (this.useOwner[u] !== owner) continue;
      const argEnd = this.useArgEnd[u] as number;
      const arg2End = this.useArg2End[u] as number;
      out.push({
        name: (this.useDef[u] as OptionDef).names[0] as string,
        arg: argEnd < 0 ? '' : ownString(t, this.useArg[u] as number, argEnd),
        arg2: arg2End < 0 ? '' : ownString(t, this.useArg2[u] as number, arg2End),
        invert: this.useInvert[u] as boolean,
        proto: this.useProto[u] as number,
        protoInvert: this.useProtoInvert[u] as boolean,
      });
    }
    return out;
  }

  private buildMatch(k: number): Match {
    const module = this.matchModules[k] as MatchModule;
    const memo = this.matchValues;
    memo.begin();
    memo.int(MODULE_ID.get(module) as number);
    this.keyUses(memo, k);
    const known = memo.get(this.text);
    if (known !== undefined) return known;
    const m = module.parse(this.usesOf(k));
    if (shareable(m)) memo.set(this.text, m);
    return m;
  }

  private buildTarget(): Target {
    if (!this.hasTarget) return TARGET_MODULES.none.parse('', []);
    const t = this.text;
    const module = this.targetModule;
    if (module === null) {
      // A jump to a chain: the general parser's checks (it has no options: no module owns them).
      const memo = this.jumps;
      memo.begin();
      memo.range(this.targetFrom, this.targetTo);
      let jump = memo.get(t);
      if (jump === undefined) {
        const len = this.targetTo - this.targetFrom;
        if (len < 1 || len > CHAIN_NAME_MAX) giveUp();
        jump = { kind: 'jump', chain: this.chainName(t, this.targetFrom, this.targetTo) };
        memo.set(t, jump);
      }
      return jump;
    }
    if (module === DNAT_MODULE) {
      // kube-proxy's one DNAT per endpoint: each is new, so it is built directly, not remembered.
      const dnat = this.plainDnat();
      if (dnat !== null) return dnat;
    }
    const memo = this.targetValues;
    memo.begin();
    memo.int(MODULE_ID.get(module) as number);
    memo.range(this.targetFrom, this.targetTo);
    this.keyUses(memo, -1);
    let target = memo.get(t);
    if (target === undefined) {
      target = module.parse(t.slice(this.targetFrom, this.targetTo), this.usesOf(-1));
      memo.set(t, target);
    }
    return target;
  }

  /** `-j DNAT --to-destination A.B.C.D[:PORT]` alone, as parseDnatTarget builds it; else null. */
  private plainDnat(): Target | null {
    let use = -1;
    for (let u = 0; u < this.useCount; u++) {
      if (this.useOwner[u] !== -1) continue;
      if (use >= 0 || this.useDef[u] !== TO_DESTINATION || this.useInvert[u]) return null;
      use = u;
    }
    if (use < 0) return null;
    const to = parsePlainNatRange(this.text, this.useArg[use] as number, this.useArgEnd[use] as number, this.useProto[use] as number);
    return to === null ? null : { kind: 'dnat', to, random: false, persistent: false };
  }

  // ------------------------------------------------------------------------------------------
  // After the last word

  private finish(table: TableName): RuleCommand {
    const t = this.text;
    if (table === 'nat' && this.targetModule === DROP_MODULE && this.targetTo - this.targetFrom === 4 && t.startsWith('DROP', this.targetFrom)) giveUp();
    if (this.chainTo - this.chainFrom > CHAIN_NAME_MAX) giveUp();
    const chain = this.chainName(t, this.chainFrom, this.chainTo);
    if (this.outIface !== undefined && TABLE_CHECK_IN.includes(chain)) giveUp();
    if (this.inIface !== undefined && TABLE_CHECK_OUT.includes(chain)) giveUp();
    const rule = this.buildRule();
    if (this.command === CMD_APPEND) return { kind: 'append', chain, rule };
    return { kind: 'insert', chain, position: this.rulenum > 0 ? this.rulenum : 1, rule };
  }

  private buildRule(): Rule {
    let matches: readonly Match[] = NO_MATCHES;
    if (this.matchCount > 0) {
      const list = new Array<Match>(this.matchCount);
      for (let k = 0; k < this.matchCount; k++) list[k] = this.buildMatch(k);
      matches = list;
    }
    const target = this.buildTarget();
    return makeRule(matches, target, this.src, this.dst, this.inIface, this.outIface, this.proto !== 0 ? protoValue(this.proto, this.protoInvert) : undefined);
  }
}

/** iptables' parse_rulenumber for plain decimals 1..INT_MAX; anything else goes to the general parser. */
function ruleNumber(t: string, from: number, to: number): number {
  if (to - from > 9 || t.charCodeAt(from) === 48) giveUp();
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) giveUp();
    v = v * 10 + (c - 48);
  }
  return v;
}
