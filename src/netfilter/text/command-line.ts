import { BUILTIN_CHAINS, type AddrMatch, type IfaceMatch, type Match, type Policy, type Rule, type RuleCommand, type RuleCounters, type TableName, type Target } from '../ast.js';
import type { MatchModule, OptionDef, OptionUse, TargetModule } from '../modules/module-types.js';
import { MATCH_BY_NAME, TARGET_BY_NAME, TARGET_MODULES, UNMODELLED_MATCHES, UNMODELLED_TARGETS } from '../modules/registry.js';
import { CHAIN_NAME_MAX } from '../modules/target-standard.js';
import { parseAddressArg, parseIface } from './address.js';
import { parseCUint } from './c-number.js';
import { badValue, noTable, parseError, unknownOption, unsupported } from './errors.js';
import { GLOBAL_BY_LETTER, GLOBAL_BY_WORD, GLOBAL_LONG_NAMES, type GlobalDef, type GlobalId } from './global-options.js';
import { ownerOf, type Owner } from './option-index.js';
import { parseProtocol, protocolSaveName } from './protocols.js';
import { makeRule, NO_MATCHES, protoValue } from './rule-value.js';

/**
 * Parses the words of one iptables command (an iptables-restore line, or `iptables` argv) the way
 * iptables 1.8.9's getopt loop does:
 * - options are looked up in one merged table: iptables' own first, then each loaded module's,
 *   newest first; an unambiguous prefix of a long option is accepted (`--dp` is `--dport`);
 * - an option a loaded module owns goes to the latest instance of that module (`-m tcp` twice
 *   gives two matches);
 * - an option nobody owns loads the `-p` protocol's match once, at that position
 *   (`-p tcp -m comment --comment x --dport 80` saves as `-m comment ... -m tcp --dport 80`);
 * - `!` inverts the next option; `--opt=value` works for module options.
 * Module options are collected and handed to the module's parse at the end. Throws KpemuError
 * without a location; callers add the line.
 */

/** What the parser needs to know about where a command line comes from. */
export interface CommandLineContext {
  /** 'restore' refuses `-t` and `-w` as iptables-restore does. */
  readonly mode: 'restore' | 'argv';
  /** The table the command is for, when the caller knows it (a restore block). */
  readonly table?: TableName;
}

/** One parsed command line. */
export interface ParsedCommandLine {
  readonly command: RuleCommand;
  /** The table named with `-t` (argv mode only). */
  readonly table?: TableName;
  /** Counters from `-c packets bytes`. */
  readonly counters?: RuleCounters;
}

/** Outcomes of resolving an option word. */
const NOT_FOUND = 0;
const FOUND_GLOBAL = 1;
const FOUND_MODULE = 2;
const AMBIGUOUS = 3;

const NO_USES: readonly OptionUse[] = [];

/** Bits of the options iptables' set_option tracks (and a few flags checked per command). */
const SEEN_BIT: Readonly<Partial<Record<GlobalId, number>>> = { s: 1, d: 2, p: 4, i: 8, o: 16, j: 32, c: 64, n: 128, x: 256, '0': 512 };
const RULE_OPTION_IDS: readonly GlobalId[] = ['s', 'd', 'p', 'j', 'i', 'o'];

/** Policies the kernel's standard target accepts for a built-in chain. */
const POLICIES: readonly string[] = ['ACCEPT', 'DROP'];
const STANDARD_VERDICTS: readonly string[] = ['ACCEPT', 'DROP', 'RETURN', 'QUEUE'];
const RULE_COMMANDS = 'ACDIR';

const TABLE_CHECK_IN = ['PREROUTING', 'INPUT'];
const TABLE_CHECK_OUT = ['POSTROUTING', 'OUTPUT'];

/**
 * The getopt loop's state for one command. One instance is reused across the lines of a restore
 * payload (reset per line) so that a large payload allocates little besides its results.
 */
export class CommandLineParser {
  private words: readonly string[] = [];
  /** Number of valid entries in `words` (the array is reused and may hold stale words past it). */
  private n = 0;
  private ctx: CommandLineContext = { mode: 'argv' };
  private i = 0;
  private invert = false;

  private command: GlobalId | null = null;
  private chain: string | undefined;
  private rulenum = 0;
  private extra: string | undefined; // -P policy, -E new name
  private zeroNum = false;

  private seen = 0;
  private numeric = false;
  private verbose = false;
  private exact = false;
  private lineNumbers = false;
  private tableOpt: TableName | undefined;

  private src: AddrMatch | undefined;
  private dst: AddrMatch | undefined;
  private inIface: IfaceMatch | undefined;
  private outIface: IfaceMatch | undefined;
  private proto = 0;
  private protoInvert = false;
  private protoGiven = false;
  private implicitLoaded = false;
  /** Loaded match instances as parallel arrays, reused across lines: modules and their uses. */
  private readonly matchModules: MatchModule[] = [];
  private readonly matchUses: (OptionUse[] | null)[] = [];
  private matchCount = 0;
  /** Owners in the order their options were merged (newest last), reused across lines. */
  private readonly owners: Owner[] = [];
  private ownerCount = 0;
  private targetName: string | undefined;
  private targetModule: TargetModule | undefined;
  private isGoto = false;
  private targetUses: OptionUse[] | null = null;
  /** Counters from `-c` of the last parsed command. */
  counters: RuleCounters | undefined;
  /** What the last resolve found. */
  private foundGlobal: GlobalDef | undefined;
  private foundOwner: Owner | undefined;
  private foundDef: OptionDef | undefined;

  private reset(words: readonly string[], n: number, ctx: CommandLineContext): void {
    this.words = words;
    this.n = n;
    this.ctx = ctx;
    this.i = 0;
    this.invert = false;
    this.command = null;
    this.chain = undefined;
    this.rulenum = 0;
    this.extra = undefined;
    this.zeroNum = false;
    this.seen = 0;
    this.numeric = false;
    this.verbose = false;
    this.exact = false;
    this.lineNumbers = false;
    this.tableOpt = undefined;
    this.counters = undefined;
    this.src = undefined;
    this.dst = undefined;
    this.inIface = undefined;
    this.outIface = undefined;
    this.proto = 0;
    this.protoInvert = false;
    this.protoGiven = false;
    this.implicitLoaded = false;
    this.matchCount = 0;
    this.ownerCount = 0;
    this.targetName = undefined;
    this.targetModule = undefined;
    this.isGoto = false;
    this.targetUses = null;
  }

  /**
   * Parses one command's words `words[0..n)`. Returns the command; `-c` counters are left in
   * `this.counters` and `-t` in `this.table`. Throws KpemuError (without a location).
   */
  parseWords(words: readonly string[], n: number, ctx: CommandLineContext): RuleCommand {
    this.reset(words, n, ctx);
    return this.parse();
  }

  /** The table given with `-t` in the last parsed command, if any. */
  get table(): TableName | undefined {
    return this.tableOpt;
  }

  private parse(): RuleCommand {
    const words = this.words;
    const n = this.n;
    while (this.i < n) {
      const w = words[this.i++] as string;
      if (w === '!') {
        if (this.invert) throw parseError('multiple consecutive ! not allowed');
        this.invert = true;
        continue;
      }
      if (w.length > 1 && w.charCodeAt(0) === 45) {
        if (w.charCodeAt(1) === 45) {
          if (w.length === 2) {
            // getopt's end of options: anything after it is left over.
            if (this.i < n) throw parseError('unknown arguments found on commandline');
            continue;
          }
          this.longOption(w);
        } else {
          this.shortOptions(w);
        }
        this.invert = false;
        continue;
      }
      throw parseError(`Bad argument \`${w}'`);
    }
    if (this.invert) throw parseError('nothing appropriate following !');
    return this.finish();
  }

  // ----------------------------------------------------------------------------------------
  // Option words

  private longOption(w: string): void {
    const g = GLOBAL_BY_WORD.get(w);
    if (g !== undefined) {
      this.globalOption(g, null);
      return;
    }
    const eq = w.indexOf('=');
    const word = eq < 0 ? w : w.slice(0, eq);
    const inline = eq < 0 ? null : w.slice(eq + 1);
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = this.resolve(word);
      if (r === AMBIGUOUS) throw unknownOption(`unknown option "${w}"`);
      if (r === FOUND_GLOBAL) {
        // iptables reads the value of its own options from the word itself, so `--source=x` fails there.
        if (inline !== null) throw badValue(`option "${word}" does not take its value after "=": "${w}"`);
        this.globalOption(this.foundGlobal as GlobalDef, null);
        return;
      }
      if (r === FOUND_MODULE) {
        this.moduleOption(this.foundOwner as Owner, this.foundDef as OptionDef, w, inline);
        return;
      }
      if (attempt === 0 && !this.loadImplicitProto()) break;
    }
    throw unknownOption(`unknown option "${w}"`);
  }

  /**
   * Exact lookup, then getopt's unambiguous-prefix rule over the merged table. The option found
   * is left in the `found*` fields (no object per option word).
   */
  private resolve(word: string): number {
    const owners = this.owners;
    for (let k = this.ownerCount - 1; k >= 0; k--) {
      const o = owners[k] as Owner;
      const def = o.index.byWord.get(word);
      if (def !== undefined) {
        this.foundOwner = o;
        this.foundDef = def;
        return FOUND_MODULE;
      }
    }
    return this.resolvePrefix(word.slice(2));
  }

  private resolvePrefix(name: string): number {
    let found = NOT_FOUND;
    for (const [long, g] of GLOBAL_LONG_NAMES) {
      if (!long.startsWith(name)) continue;
      if (found === NOT_FOUND) {
        found = FOUND_GLOBAL;
        this.foundGlobal = g;
      } else if (this.foundGlobal !== g) return AMBIGUOUS;
    }
    for (let k = this.ownerCount - 1; k >= 0; k--) {
      const o = this.owners[k] as Owner;
      for (const [long, def] of o.index.names) {
        if (!long.startsWith(name)) continue;
        if (found === NOT_FOUND) {
          found = FOUND_MODULE;
          this.foundOwner = o;
          this.foundDef = def;
        } else if (found === FOUND_GLOBAL || this.foundDef !== def || this.foundOwner !== o) return AMBIGUOUS;
      }
    }
    return found;
  }

  private shortOptions(w: string): void {
    if (w.length === 2) {
      // A single short option: the common case, looked up as the whole word.
      const g = GLOBAL_BY_WORD.get(w);
      if (g === undefined) throw unknownOption(`unknown option "${w}"`);
      this.globalOption(g, null);
      return;
    }
    // A cluster like `-nvL`, or a short option with its value attached.
    for (let k = 1; k < w.length; k++) {
      const g = GLOBAL_BY_LETTER.get(w[k] as string);
      if (g === undefined) throw unknownOption(`unknown option "${w}"`);
      if (g.arg === 0) {
        this.globalOption(g, null);
        continue;
      }
      const attached = k + 1 < w.length ? w.slice(k + 1) : null;
      if (attached !== null && 'sdpio'.includes(g.id)) {
        // iptables reads these values back from the whole word (`-s1.2.3.4` fails as a host name).
        throw badValue(`option "-${g.id}" needs its value as a separate word: "${w}"`);
      }
      this.globalOption(g, attached);
      return;
    }
  }

  /** The required argument of an option: inline (`--x=v`) or the next word, whatever it is. */
  private requiredArg(display: string, inline: string | null): string {
    if (inline !== null) return inline;
    if (this.i >= this.n) throw parseError(`option "${display}" requires an argument`);
    return this.words[this.i++] as string;
  }

  /** A following word that does not start with `-` or `!` (iptables' xs_has_arg). */
  private optionalArg(): string | undefined {
    if (this.i >= this.n) return undefined;
    const a = this.words[this.i] as string;
    if (a.length === 0 || a.charCodeAt(0) === 45 || a.charCodeAt(0) === 33) return undefined;
    this.i++;
    return a;
  }

  private moduleOption(owner: Owner, def: OptionDef, display: string, inline: string | null): void {
    const name = def.names[0] as string;
    let arg = '';
    let arg2 = '';
    if (def.args === 0) {
      if (inline !== null) throw unknownOption(`option "--${name}" doesn't allow an argument`);
    } else {
      arg = this.requiredArg(inline === null ? display : display.slice(0, display.indexOf('=')), inline);
      if (def.args === 2) {
        const second = this.optionalArg();
        if (second === undefined) throw parseError(def.missingSecond ?? `--${name} requires two args.`);
        arg2 = second;
      }
    }
    const use: OptionUse = { name, arg, arg2, invert: this.invert, proto: this.proto, protoInvert: this.protoInvert };
    const match = owner.match;
    if (match === null) {
      if (this.targetUses === null) this.targetUses = [use];
      else this.targetUses.push(use);
      return;
    }
    // The latest instance of the module: earlier ones were completed when it was loaded again.
    for (let k = this.matchCount - 1; k >= 0; k--) {
      if (this.matchModules[k] === match) {
        const uses = this.matchUses[k];
        if (uses === null || uses === undefined) this.matchUses[k] = [use];
        else uses.push(use);
        return;
      }
    }
    throw parseError(`internal: no instance for option "--${name}"`);
  }

  // ----------------------------------------------------------------------------------------
  // Loading modules

  private loadMatch(module: MatchModule): void {
    this.matchModules[this.matchCount] = module;
    this.matchUses[this.matchCount] = null;
    this.matchCount++;
    this.addOwner(ownerOf(module, module));
  }

  private addOwner(owner: Owner): void {
    for (let k = 0; k < this.ownerCount; k++) if (this.owners[k] === owner) return;
    this.owners[this.ownerCount++] = owner;
  }

  /** iptables' load_proto: once per rule, load the match named after `-p`. */
  private loadImplicitProto(): boolean {
    if (!this.protoGiven || this.implicitLoaded) return false;
    const name = protocolSaveName(this.proto);
    const module = MATCH_BY_NAME.get(name);
    if (module === undefined) {
      if (UNMODELLED_MATCHES.has(name)) throw unsupported(`options of the ${name} match are not supported by kpemu`);
      return false;
    }
    this.implicitLoaded = true;
    this.loadMatch(module);
    return true;
  }

  private commandMatch(name: string): void {
    if (this.invert) throw parseError('unexpected ! flag before --match');
    const module = MATCH_BY_NAME.get(name);
    if (module === undefined) {
      if (UNMODELLED_MATCHES.has(name)) throw unsupported(`match \`${name}' is not supported by kpemu`);
      throw unknownOption(`Couldn't load match \`${name}':No such file or directory`);
    }
    this.loadMatch(module);
  }

  private commandJump(name: string, isGoto: boolean): void {
    this.setOnce('j', isGoto ? 'g' : 'j', false);
    this.targetName = name;
    this.isGoto = isGoto;
    if (isGoto) {
      // A goto never loads a target extension; a standard verdict can never be a chain.
      if (STANDARD_VERDICTS.includes(name)) throw badValue(`goto '${name}' is not a chain`);
      return;
    }
    const module = TARGET_BY_NAME.get(name);
    if (module !== undefined) {
      this.targetModule = module;
      this.addOwner(ownerOf(module, null));
      return;
    }
    if (UNMODELLED_TARGETS.has(name)) throw unsupported(`target \`${name}' is not supported by kpemu`);
  }

  // ----------------------------------------------------------------------------------------
  // iptables' own options

  /** iptables' set_option: once only, and `!` only where allowed. */
  private setOnce(id: GlobalId, letter: string, invertible: boolean): void {
    const bit = SEEN_BIT[id] ?? 0;
    if ((this.seen & bit) !== 0) throw parseError(`multiple -${letter === 'g' ? 'j' : letter} flags not allowed`);
    if (this.invert && !invertible) throw parseError(`cannot have ! before -${letter}`);
    this.seen |= bit;
  }

  private has(id: GlobalId): boolean {
    return (this.seen & (SEEN_BIT[id] ?? 0)) !== 0;
  }

  private addCommand(id: GlobalId): void {
    if (this.invert) throw parseError("unexpected '!' flag");
    if (this.command !== null) throw parseError(`Cannot use -${id} with -${this.command}`);
    this.command = id;
  }

  private globalOption(g: GlobalDef, inline: string | null): void {
    const display = g.short ?? `--${g.longs[0] as string}`;
    switch (g.id) {
      case 'A':
      case 'C':
      case 'N':
        this.addCommand(g.id);
        this.chain = this.requiredArg(display, inline);
        if (g.id === 'N') this.checkNewChainName(this.chain);
        return;
      case 'D':
      case 'I':
      case 'R': {
        this.addCommand(g.id);
        this.chain = this.requiredArg(display, inline);
        const n = this.optionalArg();
        if (n !== undefined) this.rulenum = parseRuleNumber(n);
        else if (g.id === 'R') throw parseError('-R requires a rule number');
        return;
      }
      case 'L':
      case 'S':
      case 'F':
      case 'X':
        this.addCommand(g.id);
        this.chain = inline ?? this.optionalArg();
        return;
      case 'Z': {
        this.addCommand(g.id);
        this.chain = inline ?? this.optionalArg();
        if (this.chain !== undefined && this.optionalArg() !== undefined) this.zeroNum = true;
        return;
      }
      case 'E': {
        this.addCommand(g.id);
        this.chain = this.requiredArg(display, inline);
        const newName = this.optionalArg();
        if (newName === undefined) throw parseError('-E requires old-chain-name and new-chain-name');
        this.extra = newName;
        return;
      }
      case 'P': {
        this.addCommand(g.id);
        this.chain = this.requiredArg(display, inline);
        const policy = this.optionalArg();
        if (policy === undefined) throw parseError('-P requires a chain and a policy');
        this.extra = policy;
        return;
      }
      case 's':
      case 'd': {
        this.setOnce(g.id, g.id, true);
        const text = this.requiredArg(display, inline);
        const a: AddrMatch = { prefix: parseAddressArg(text), invert: this.invert };
        // iptables stores 0/0 as "no address"; only an inverted one remains.
        const keep = a.prefix.length !== 0 || a.invert;
        if (g.id === 's') this.src = keep ? a : undefined;
        else this.dst = keep ? a : undefined;
        return;
      }
      case 'p': {
        this.setOnce('p', 'p', true);
        const text = this.requiredArg(display, inline).toLowerCase();
        this.proto = parseProtocol(text);
        this.protoInvert = this.invert;
        this.protoGiven = true;
        if (this.proto === 0 && this.invert) throw badValue('rule would never match protocol');
        return;
      }
      case 'i':
      case 'o': {
        this.setOnce(g.id, g.id, true);
        const iface = parseIface(this.requiredArg(display, inline), this.invert);
        if (g.id === 'i') this.inIface = iface;
        else this.outIface = iface;
        return;
      }
      case 'j':
      case 'g':
        if (this.invert) throw parseError(`cannot have ! before -${g.id}`);
        this.commandJump(this.requiredArg(display, inline), g.id === 'g');
        return;
      case 'm':
        this.commandMatch(this.requiredArg(display, inline));
        return;
      case 't': {
        if (this.invert) throw parseError('unexpected ! flag before --table');
        const t = this.requiredArg(display, inline);
        if (this.ctx.mode === 'restore') throw parseError('The -t option cannot be used in iptables-restore.');
        if (t !== 'raw' && t !== 'mangle' && t !== 'nat' && t !== 'filter') throw noTable(t);
        this.tableOpt = t;
        return;
      }
      case 'n':
        this.numeric = true;
        this.markSeen('n');
        return;
      case 'v':
        this.verbose = true;
        return;
      case 'x':
        this.exact = true;
        this.markSeen('x');
        return;
      case '0':
        this.lineNumbers = true;
        this.markSeen('0');
        return;
      case 'c': {
        this.setOnce('c', 'c', false);
        const p = this.requiredArg(display, inline);
        const b = this.optionalArg();
        if (b === undefined) throw parseError('-c requires packet and byte counter');
        const packets = scanCounter(p);
        if (packets < 0) throw badValue('-c packet counter not numeric');
        const bytes = scanCounter(b);
        if (bytes < 0) throw badValue('-c byte counter not numeric');
        this.counters = { packets, bytes };
        return;
      }
      case 'f':
        throw unsupported('fragment matching (-f) is not supported by kpemu');
      case 'w':
      case 'W':
        if (this.ctx.mode === 'restore') throw parseError(`You cannot use \`-${g.id}' from iptables-restore`);
        if (inline === null) this.optionalArg();
        return;
      case 'M':
        this.requiredArg(display, inline);
        return;
      case '4':
        return;
      case '6':
        throw unsupported('IPv6 (-6) is not supported by kpemu');
      case 'h':
      case 'V':
        throw unsupported(`-${g.id} is not supported by kpemu`);
      default: {
        const never: never = g.id;
        throw parseError(`internal: unhandled option ${String(never)}`);
      }
    }
  }

  private markSeen(id: GlobalId): void {
    if (this.invert) throw parseError(`cannot have ! before -${id}`);
    this.seen |= SEEN_BIT[id] ?? 0;
  }

  private checkNewChainName(name: string): void {
    const c = name.charCodeAt(0);
    if (c === 45 || c === 33) throw badValue(`chain name not allowed to start with \`${name[0] as string}'`);
    if (STANDARD_VERDICTS.includes(name) || TARGET_BY_NAME.has(name) || UNMODELLED_TARGETS.has(name)) {
      throw badValue('chain name may not clash with target name');
    }
  }

  // ----------------------------------------------------------------------------------------
  // After the last word

  private finish(): RuleCommand {
    const cmd = this.command;
    if (cmd === null) throw parseError('no command specified');
    this.checkLegalOptions(cmd);
    // iptables refuses DROP in nat (a `-j`/`-g` target or a `-P` policy) before any other check of
    // the command; only iptables-restore's `:CHAIN DROP` policy lines bypass it.
    if (this.effectiveTable() === 'nat' && (this.targetName === 'DROP' || (cmd === 'P' && this.extra === 'DROP'))) {
      throw parseError('The "nat" table is not intended for filtering, the use of DROP is therefore inhibited.');
    }
    const chain = this.chain;
    if (chain !== undefined && chain.length > CHAIN_NAME_MAX) {
      throw badValue(`chain name \`${chain}' too long (must be under ${CHAIN_NAME_MAX + 1} chars)`);
    }
    return this.buildCommand(cmd, chain);
  }

  /** iptables' commands_v_options table, for the options kpemu supports. */
  private checkLegalOptions(cmd: GlobalId): void {
    const ruleCmd = RULE_COMMANDS.includes(cmd) && !(cmd === 'D' && this.rulenum > 0);
    if (cmd !== 'L') {
      if (this.has('n')) illegal('n');
      if (this.has('x')) illegal('x');
      if (this.has('0')) illegal('0');
    }
    if (!ruleCmd) {
      for (const id of RULE_OPTION_IDS) if (this.has(id)) illegal(id);
      if (this.targetName !== undefined) illegal('j');
      if (this.matchCount > 0) throw parseError('Illegal option `-m\' with this command');
    }
    if (this.has('c') && !(cmd === 'A' || cmd === 'I' || cmd === 'R' || cmd === 'P')) illegal('c');
  }

  private effectiveTable(): TableName {
    return this.tableOpt ?? this.ctx.table ?? 'filter';
  }

  private buildCommand(cmd: GlobalId, chain: string | undefined): RuleCommand {
    const c = chain as string; // the commands that need a chain have required it already
    switch (cmd) {
      case 'A':
        return { kind: 'append', chain: c, rule: this.buildRule(c) };
      case 'C':
        return { kind: 'check', chain: c, rule: this.buildRule(c) };
      case 'I':
        return { kind: 'insert', chain: c, position: this.rulenum > 0 ? this.rulenum : 1, rule: this.buildRule(c) };
      case 'R':
        return { kind: 'replace', chain: c, position: this.rulenum, rule: this.buildRule(c) };
      case 'D':
        if (this.rulenum > 0) return { kind: 'delete-at', chain: c, position: this.rulenum };
        return { kind: 'delete', chain: c, rule: this.buildRule(c) };
      case 'N':
        return { kind: 'new-chain', chain: c };
      case 'X':
        return chain === undefined ? { kind: 'delete-chain' } : { kind: 'delete-chain', chain };
      case 'F':
        return chain === undefined ? { kind: 'flush' } : { kind: 'flush', chain };
      case 'Z':
        if (this.zeroNum) throw unsupported('zeroing one rule (-Z CHAIN N) is not supported by kpemu');
        return chain === undefined ? { kind: 'zero' } : { kind: 'zero', chain };
      case 'E': {
        const newName = this.extra as string;
        if (newName.length > CHAIN_NAME_MAX) throw badValue(`chain name \`${newName}' too long (must be under ${CHAIN_NAME_MAX + 1} chars)`);
        return { kind: 'rename-chain', chain: c, newName };
      }
      case 'P': {
        const policy = this.extra as string;
        if (!POLICIES.includes(policy)) throw badValue(`Can't set policy \`${policy}' on \`${c}': Bad policy name`);
        if (!(BUILTIN_CHAINS[this.effectiveTable()] as readonly string[]).includes(c)) {
          throw badValue(`Can't set policy \`${policy}' on \`${c}': Bad built-in chain name`);
        }
        return { kind: 'policy', chain: c, policy: policy as Policy };
      }
      case 'L': {
        const base = { kind: 'list' as const, numeric: this.numeric, lineNumbers: this.lineNumbers, verbose: this.verbose };
        const withExact = this.exact ? { ...base, exact: true } : base;
        return chain === undefined ? withExact : { ...withExact, chain };
      }
      case 'S': {
        const base = this.verbose ? { kind: 'list-rules' as const, verbose: true } : { kind: 'list-rules' as const };
        return chain === undefined ? base : { ...base, chain };
      }
      default:
        throw parseError(`option -${cmd} is not a command`);
    }
  }

  private buildRule(chain: string): Rule {
    // -o makes no sense where packets come in, -i where they go out (built-in chains only).
    if (this.outIface !== undefined && TABLE_CHECK_IN.includes(chain)) throw badValue(`Can't use -o with ${chain}`);
    if (this.inIface !== undefined && TABLE_CHECK_OUT.includes(chain)) throw badValue(`Can't use -i with ${chain}`);
    // Exactly sized: a rule's match list lives as long as the rule.
    let matches: readonly Match[] = NO_MATCHES;
    if (this.matchCount > 0) {
      const list = new Array<Match>(this.matchCount);
      for (let k = 0; k < this.matchCount; k++) list[k] = (this.matchModules[k] as MatchModule).parse(this.matchUses[k] ?? NO_USES);
      matches = list;
    }
    const target = this.buildTarget();
    return makeRule(matches, target, this.src, this.dst, this.inIface, this.outIface, this.proto !== 0 ? protoValue(this.proto, this.protoInvert) : undefined);
  }

  private buildTarget(): Target {
    const name = this.targetName;
    if (name === undefined) return TARGET_MODULES.none.parse('', NO_USES);
    const uses = this.targetUses ?? NO_USES;
    if (this.isGoto) return TARGET_MODULES.goto.parse(name, uses);
    if (this.targetModule !== undefined) return this.targetModule.parse(name, uses);
    return TARGET_MODULES.jump.parse(name, uses);
  }
}

function illegal(letter: string): never {
  throw parseError(`Illegal option \`-${letter}' with this command`);
}

/** iptables' parse_rulenumber: a C number 1..INT_MAX. */
function parseRuleNumber(text: string): number {
  const n = parseCUint(text, 1, 0x7fffffff);
  if (n < 0) throw badValue(`Invalid rule number \`${text}'`);
  return n;
}

/** sscanf("%llu"): leading white space, optional sign, digits; anything may follow. -1 when none. */
function scanCounter(text: string): number {
  const m = /^[ \t\n\v\f\r]*\+?([0-9]+)/.exec(text);
  if (m === null) return -1;
  return Number(m[1]);
}

/** Parses one command's words. See the file comment. Throws KpemuError (without a location). */
export function parseCommandLine(words: readonly string[], ctx: CommandLineContext): ParsedCommandLine {
  const p = new CommandLineParser();
  const command = p.parseWords(words, words.length, ctx);
  const out: { -readonly [K in keyof ParsedCommandLine]: ParsedCommandLine[K] } = { command };
  if (p.table !== undefined) out.table = p.table;
  if (p.counters !== undefined) out.counters = p.counters;
  return out;
}
