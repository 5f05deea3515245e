import type { Target } from '../ast.js';
import { parseCUint } from '../text/c-number.js';
import { badValue, unsupported } from '../text/errors.js';
import { saveString, truncateUtf8 } from '../text/save-string.js';
import type { OptionUse, TargetModule } from './module-types.js';
import { arg0, checkInvert, checkOnce, NONE_INVERTIBLE } from './option-checks.js';

type LogTarget = Extract<Target, { kind: 'log' }>;

/**
 * `-j LOG [--log-prefix TEXT] [--log-level LEVEL]`, libxt_LOG. The prefix holds 29 bytes (longer
 * text is cut, as iptables does); the level is 0..7 or a syslog name (exact, lower case);
 * the default 4 (warning) is not saved. The --log-tcp-sequence style flags are not modelled.
 */

/** LOG_DEFAULT_LEVEL */
export const LOG_DEFAULT_LEVEL = 4;
const PREFIX_MAX_BYTES = 29;
const LEVEL_NAMES: Readonly<Record<string, number>> = {
  alert: 1,
  crit: 2,
  debug: 7,
  emerg: 0,
  error: 3,
  info: 6,
  notice: 5,
  panic: 0,
  warning: 4,
};
const FLAG_OPTIONS = ['log-tcp-sequence', 'log-tcp-options', 'log-ip-options', 'log-uid', 'log-macdecode'];

function parseLevel(text: string): number {
  const n = parseCUint(text, 0, 7);
  if (n >= 0) return n;
  const named = Object.prototype.hasOwnProperty.call(LEVEL_NAMES, text) ? LEVEL_NAMES[text] : undefined;
  if (named === undefined) throw badValue(`log level "${text}" unknown`);
  return named;
}

/** Builds the typed target from its option uses, with iptables' checks and messages. Throws KpemuError. */
export function parseLogTarget(_name: string, uses: readonly OptionUse[]): LogTarget {
  checkOnce('LOG', uses);
  checkInvert('LOG', uses, NONE_INVERTIBLE);
  let prefix = '';
  let level = LOG_DEFAULT_LEVEL;
  for (const u of uses) {
    if (u.name === 'log-prefix') {
      const text = arg0(u);
      if (text.length === 0) throw badValue('Argument must have a minimum length of 1 characters');
      if (text.includes('\n')) throw badValue('Newlines not allowed in --log-prefix');
      prefix = truncateUtf8(text, PREFIX_MAX_BYTES);
    } else if (u.name === 'log-level') level = parseLevel(arg0(u));
    else throw unsupported(`LOG: --${u.name} is not supported by kpemu`);
  }
  return { kind: 'log', prefix, level };
}

/** The module: its options, parse, save and print. */
export const logTarget: TargetModule<LogTarget> = {
  kind: 'log',
  names: ['LOG'],
  options: [{ names: ['log-level'], args: 1 }, { names: ['log-prefix'], args: 1 }, ...FLAG_OPTIONS.map((n) => ({ names: [n], args: 0 as const }))],
  parse: parseLogTarget,
  save: (t) => ` -j LOG${t.prefix !== '' ? ` --log-prefix${saveString(t.prefix)}` : ''}${t.level !== LOG_DEFAULT_LEVEL ? ` --log-level ${t.level}` : ''}`,
  listName: () => 'LOG',
  print: (t) => ` LOG flags 0 level ${t.level}${t.prefix !== '' ? ` prefix "${t.prefix}"` : ''}`,
};
