import { isKpemuError, KpemuError, type SourceLocation } from '../core/index.js';
import { type ParsedElement, parseElement } from './entry-parse.js';
import { appendElement, batchHeaderLength } from './netlink-size.js';
import type { IpsetRegistry, RegistrySnapshot } from './registry.js';
import { buildArgv, isCSpace, matchCommand } from './restore-argv.js';
import { renderPlainList } from './list.js';
import { parseAdtOptions, parseCreateOptions, UNMODELLED_TYPES } from './restore-options.js';
import { type EntryExtensions, isSetTypeName } from './types.js';

/**
 * `ipset restore` with the real tool's semantics, which are NOT all-or-nothing (checked against
 * ipset 7.17 on kernel 6.18):
 *
 * - Lines run in order; the first error stops the restore and everything before it stays applied.
 * - Consecutive `add` (or `del`) lines of one set are batched into one netlink message of at most
 *   a page (see netlink-size.ts) and sent when a line cannot join the batch, at `COMMIT`, or at
 *   the end. A line that fails in the tool itself (syntax, unknown set, unknown option) stops the
 *   restore before the pending batch is sent, so those earlier adds are lost too. An element the
 *   kernel refuses (duplicate, set full, bad prefix) stops the batch at that element: earlier
 *   elements of the batch stay, later ones and all later lines do not run.
 * - `-exist`/`-!` anywhere on a line turns on "ignore exists" for the rest of the restore; a batch
 *   keeps the setting it had when it started.
 * - A `test` line ends the restore (successfully when the element is present); `quit` ends it
 *   dropping a pending batch; `COMMIT` (exactly, followed by a newline) sends the pending batch.
 *
 * The error thrown names the line the real tool names. `atomic: true` is a kpemu extension that
 * puts every set back as it was when anything fails.
 */

export interface RestoreOptions {
  /** As `ipset -exist restore`. */
  readonly exist?: boolean;
  /** kpemu extension: undo everything on error (the real tool does not). */
  readonly atomic?: boolean;
  /** File name for error locations. */
  readonly file?: string;
}

export interface RestoreResult {
  /** Lines read (up to the stopping line). */
  readonly lines: number;
  /** Netlink messages sent to the (emulated) kernel: one per batch and one per other command. */
  readonly messages: number;
  /** What `list`/`save` lines printed. */
  readonly output: string;
  /** Set when a `test` or `quit` line ended the restore early. */
  readonly stoppedAt?: { readonly line: number; readonly reason: 'test' | 'quit' };
}

interface BatchItem {
  readonly line: number;
  readonly text: string;
  readonly entry: string;
  readonly parsed: ParsedElement;
  readonly ext: EntryExtensions;
}

interface Batch {
  readonly cmd: 'add' | 'del';
  readonly set: string;
  readonly exist: boolean;
  readonly items: BatchItem[];
  len: number;
}

const ENVOPTS: readonly { readonly names: readonly string[]; readonly arg: boolean; readonly key: string }[] = [
  { names: ['-o', '-output'], arg: true, key: 'output' },
  { names: ['-s', '-sorted'], arg: false, key: 'sorted' },
  { names: ['-q', '-quiet'], arg: false, key: 'quiet' },
  { names: ['-r', '-resolve'], arg: false, key: 'resolve' },
  { names: ['-!', '-exist'], arg: false, key: 'exist' },
  { names: ['-n', '-name'], arg: false, key: 'name' },
  { names: ['-t', '-terse'], arg: false, key: 'terse' },
  { names: ['-f', '-file'], arg: true, key: 'file' },
];

class Stop {
  constructor(
    readonly line: number,
    readonly reason: 'test' | 'quit',
  ) {}
}

class Session {
  exist: boolean;
  sorted = false;
  outputMode: 'plain' | 'save' | 'xml' = 'plain';
  pending: Batch | null = null;
  messages = 0;
  output: string[] = [];
  line = 0;
  text = '';

  constructor(
    readonly reg: IpsetRegistry,
    readonly options: RestoreOptions,
  ) {
    this.exist = options.exist === true;
  }

  loc(line = this.line, text = this.text): SourceLocation {
    return this.options.file === undefined ? { line, text } : { file: this.options.file, line, text };
  }

  fail(code: 'IPSET_PARSE' | 'IPSET_BAD_ENTRY' | 'IPSET_NO_SET', message: string): never {
    throw new KpemuError(code, message, { location: this.loc() });
  }

  /** Runs a kernel operation for the current line, adding the line to its error. */
  kernel(fn: () => void): void {
    this.messages++;
    try {
      fn();
    } catch (e) {
      if (isKpemuError(e)) throw e.withLocation(this.loc());
      throw e;
    }
  }

  /** Sends the pending batch (ipset_commit). */
  commit(): void {
    const b = this.pending;
    if (b === null) return;
    this.pending = null;
    this.messages++;
    for (const item of b.items) {
      try {
        if (b.cmd === 'add') this.reg.addParsed(b.set, item.parsed, item.ext, b.exist, item.entry);
        else this.reg.delParsed(b.set, item.parsed, b.exist, item.entry);
      } catch (e) {
        if (isKpemuError(e)) throw e.withLocation(this.loc(item.line, item.text));
        throw e;
      }
    }
  }

  /** Queues an add/del, sending the pending batch first when this one cannot join it. */
  queue(cmd: 'add' | 'del', set: string, item: BatchItem): void {
    const p = this.pending;
    if (p === null || p.cmd !== cmd || p.set !== set) this.commit();
    let b = this.pending;
    if (b === null) {
      b = { cmd, set, exist: this.exist, items: [], len: batchHeaderLength(set) };
      this.pending = b;
    }
    let len = appendElement(b.len, item.parsed.attrs, item.ext);
    if (len < 0) {
      this.commit();
      b = { cmd, set, exist: this.exist, items: [], len: batchHeaderLength(set) };
      this.pending = b;
      len = appendElement(b.len, item.parsed.attrs, item.ext);
    }
    b.len = len;
    b.items.push(item);
  }
}

/** Splits text into lines, keeping each line's newline (the tool reads lines with fgets). */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      out.push(text.slice(start, i + 1));
      start = i + 1;
    }
  }
  if (start < text.length) out.push(text.slice(start));
  return out;
}

/** Runs `ipset restore` on `text` against `reg`. Throws KpemuError naming the failing line. */
export function ipsetRestore(reg: IpsetRegistry, text: string, options: RestoreOptions = {}): RestoreResult {
  const snapshot: RegistrySnapshot | null = options.atomic === true ? reg.snapshot() : null;
  const s = new Session(reg, options);
  const lines = splitLines(text);
  let stoppedAt: Stop | undefined;
  try {
    for (let n = 0; n < lines.length; n++) {
      const raw = lines[n] as string;
      s.line = n + 1;
      s.text = raw.replace(/\r?\n$/, '');
      if (raw.length > 1023) s.fail('IPSET_PARSE', 'kpemu: restore lines longer than 1022 characters are not supported (the tool would split them)');
      let c = 0;
      while (c < raw.length && isCSpace(raw[c] as string)) c++;
      const rest = raw.slice(c);
      if (rest.length === 0 || rest[0] === '#') continue;
      if (rest === 'COMMIT\n' || rest === 'COMMIT\r\n') {
        s.commit();
        continue;
      }
      let argv: string[];
      try {
        argv = buildArgv(rest);
      } catch (e) {
        if (isKpemuError(e)) throw e.withLocation(s.loc());
        throw e;
      }
      const stop = runLine(s, argv);
      if (stop !== undefined) {
        stoppedAt = stop;
        break;
      }
    }
    if (stoppedAt === undefined) {
      s.line = lines.length;
      s.commit();
    }
  } catch (e) {
    if (snapshot !== null) reg.restoreSnapshot(snapshot);
    throw e;
  }
  return {
    lines: stoppedAt?.line ?? lines.length,
    messages: s.messages,
    output: s.output.join(''),
    ...(stoppedAt !== undefined ? { stoppedAt: { line: stoppedAt.line, reason: stoppedAt.reason } } : {}),
  };
}

/** One line's words: environment options, command, arguments, execution. */
function runLine(s: Session, words: string[]): Stop | undefined {
  const args = words.slice();
  for (const opt of ENVOPTS) {
    for (let i = 0; i < args.length; ) {
      const w = args[i] as string;
      const name = w.startsWith('--') ? w.slice(1) : w;
      if (!opt.names.includes(name)) {
        i++;
        continue;
      }
      args.splice(i, 1);
      let value: string | undefined;
      if (opt.arg) {
        value = args[i];
        if (value === undefined) s.fail('IPSET_PARSE', `Missing mandatory argument to option ${opt.names[0] as string}`);
        args.splice(i, 1);
      }
      switch (opt.key) {
        case 'exist':
          s.exist = true;
          break;
        case 'sorted':
          s.sorted = true;
          break;
        case 'output':
          if (value !== 'plain' && value !== 'save' && value !== 'xml') s.fail('IPSET_PARSE', `Syntax error: unknown output mode '${value ?? ''}'`);
          s.outputMode = value;
          break;
        case 'file':
          s.fail('IPSET_PARSE', 'kpemu: -file is not supported inside a restore');
          break;
        default:
          break;
      }
    }
  }
  if (args.length === 0) s.fail('IPSET_PARSE', 'No command specified.');
  const cmdWord = args[0] as string;
  const cmd = matchCommand(cmdWord);
  if (cmd === undefined) s.fail('IPSET_PARSE', `No command specified: unknown argument ${cmdWord}`);
  if (cmd === 'restore' || cmd === 'version' || cmd === 'help') s.fail('IPSET_PARSE', `Command \`${cmd}' is invalid in restore mode.`);
  if (cmd === 'quit') return new Stop(s.line, 'quit');
  const rest = args.slice(1);
  const two = (): [string, string] => {
    const a = rest.shift();
    if (a === undefined) s.fail('IPSET_PARSE', `Missing mandatory argument to command ${cmd}`);
    const b = rest.shift();
    if (b === undefined) s.fail('IPSET_PARSE', `Missing second mandatory argument to command ${cmd}`);
    return [a, b];
  };
  const noMore = (): void => {
    if (rest.length > 0) s.fail('IPSET_PARSE', `Unknown argument ${rest[0] as string}`);
  };
  const checkName = (name: string): void => {
    if (name.length > 31) s.fail('IPSET_PARSE', `Syntax error: setname '${name}' is longer than 31 characters`);
  };
  switch (cmd) {
    case 'create': {
      const [name, typeName] = two();
      checkName(name);
      if (!isSetTypeName(typeName)) {
        if (UNMODELLED_TYPES.includes(typeName)) s.fail('IPSET_PARSE', `kpemu does not model set type '${typeName}'`);
        s.fail('IPSET_PARSE', `Syntax error: typename '${typeName}' is unknown`);
      }
      const opts = parseCreateOptions(s, typeName, rest);
      s.commit();
      s.kernel(() => s.reg.create(name, typeName, opts, { exist: s.exist }));
      return undefined;
    }
    case 'add':
    case 'del':
    case 'test': {
      const [name, entry] = two();
      checkName(name);
      const type = s.reg.typeOf(name);
      if (type === undefined) s.fail('IPSET_NO_SET', 'The set with the given name does not exist');
      let parsed: ParsedElement;
      try {
        parsed = parseElement(type, entry);
      } catch (e) {
        if (isKpemuError(e)) throw e.withLocation(s.loc());
        throw e;
      }
      const ext = parseAdtOptions(s, type, cmd, rest);
      if (cmd === 'test') {
        s.commit();
        s.messages++;
        if (s.reg.test(name, entry)) return new Stop(s.line, 'test');
        throw new KpemuError('IPSET_NOT_MEMBER', `${entry} is NOT in set ${name}.`, { location: s.loc() });
      }
      s.queue(cmd, name, { line: s.line, text: s.text, entry, parsed, ext });
      return undefined;
    }
    case 'destroy':
    case 'flush':
    case 'list':
    case 'save': {
      const name = rest.shift();
      if (name !== undefined) checkName(name);
      noMore();
      s.commit();
      s.kernel(() => {
        switch (cmd) {
          case 'destroy':
            s.reg.destroy(name);
            break;
          case 'flush':
            s.reg.flush(name);
            break;
          case 'list':
          case 'save':
            s.output.push(cmd === 'save' || s.outputMode === 'save' ? s.reg.save(name, { sorted: s.sorted }) : renderPlainList(s.reg, name));
            break;
          default: {
            const never: never = cmd;
            return never;
          }
        }
      });
      return undefined;
    }
    case 'rename':
    case 'swap': {
      const [a, b] = two();
      checkName(a);
      checkName(b);
      noMore();
      s.commit();
      s.kernel(() => (cmd === 'rename' ? s.reg.rename(a, b) : s.reg.swap(a, b)));
      return undefined;
    }
    default: {
      const never: never = cmd;
      return never;
    }
  }
}
