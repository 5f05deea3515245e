import { KpemuError } from '../core/index.js';

/**
 * How `ipset restore` cuts a line into words (build_argv in ipset 7.x lib/ipset.c): words are
 * separated by space, tab, CR or LF outside double quotes; a double quote toggles quoting and is
 * dropped (there is no escaping, so a comment cannot contain `"`); empty words vanish; at most 30
 * words fit.
 *
 * `line` includes its trailing newline when the input had one, because the tool sees it and it
 * matters (a last word followed by nothing vs. by `\n`).
 */
export function buildArgv(line: string): string[] {
  const out: string[] = [];
  let arg = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    // argv[0] is the program name, and MAX_ARGS is 32: no room once 30 words are taken.
    if (out.length + 2 === 32) throw new KpemuError('IPSET_PARSE', 'Line is too long to parse.', { location: { text: line.trimEnd() } });
    const ch = line[i] as string;
    const hasNext = i + 1 < line.length;
    let endOfWord = false;
    if (ch === '"') {
      quoted = !quoted;
      if (hasNext) continue;
      endOfWord = true;
    } else if (ch === ' ' || ch === '\r' || ch === '\n' || ch === '\t') {
      if (quoted) {
        arg += ch;
        continue;
      }
      endOfWord = true;
    } else {
      arg += ch;
      if (hasNext) continue;
      endOfWord = true;
    }
    if (endOfWord) {
      if (!hasNext && quoted) throw new KpemuError('IPSET_PARSE', 'Missing close quote!', { location: { text: line.trimEnd() } });
      if (arg.length === 0) continue;
      out.push(arg);
      arg = '';
    }
  }
  return out;
}

/** C isspace: space, \t, \n, \v, \f, \r. */
export function isCSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\n' || ch === '\v' || ch === '\f' || ch === '\r';
}

/** Commands of the ipset tool in matching order, with their aliases (ipset_commands[]). */
export const IPSET_COMMANDS = [
  ['create', ['create', 'new', '-N']],
  ['add', ['add', '-A']],
  ['del', ['del', '-D']],
  ['test', ['test', '-T']],
  ['destroy', ['destroy', 'x', '-X']],
  ['list', ['list', '-L']],
  ['save', ['save', '-S']],
  ['restore', ['restore', '-R']],
  ['flush', ['flush', '-F']],
  ['rename', ['rename', 'e', '-E']],
  ['swap', ['swap', 'w', '-W']],
  ['help', ['help', '-h', '-H']],
  ['version', ['version', '-v', '-V']],
  ['quit', ['quit']],
] as const;

export type IpsetCommand = (typeof IPSET_COMMANDS)[number][0];

/**
 * The command a word names, matched as the tool does (ipset_match_cmd): any prefix of a command
 * name or alias, two leading dashes ignored, first command in table order wins (`d` is del, `s`
 * is save, `e` is rename).
 */
export function matchCommand(word: string): IpsetCommand | undefined {
  const skip = word.startsWith('--') ? 2 : 0;
  if (word.length <= skip || word === '-') return undefined;
  const rest = word.slice(skip);
  for (const [cmd, names] of IPSET_COMMANDS) for (const n of names) if (n.startsWith(rest)) return cmd;
  return undefined;
}

/** Strict option matching (ipset_match_option): two leading dashes ignored. */
export function matchOption(word: string, name: string): boolean {
  return (word.startsWith('--') ? word.slice(2) : word) === name;
}
