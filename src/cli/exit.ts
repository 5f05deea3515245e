import { type KpemuError, formatLocation } from '../index.js';

/**
 * Exit codes of every command, as scripts see them: 0 success, 1 bad input (an unreadable file,
 * an invalid object, an unknown pod/service/node, a rejected ruleset, a failed check), 2 a usage
 * error (an unknown option, a missing or malformed argument, options that cannot go together).
 */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for a kpemu error: usage errors are 2, everything else is bad input (1). */
export function exitCodeFor(e: KpemuError): ExitCode {
  return e.code === 'CLI_USAGE' ? EXIT.usage : EXIT.failure;
}

const MAX_QUOTED = 120;

/**
 * The one line a failed command prints: where (file:line, object and field) and what. The
 * offending text is quoted when the message does not already contain it, so a bad rule line
 * is visible without opening the file.
 */
export function errorLine(e: KpemuError): string {
  const where = formatLocation(e.location);
  const text = e.location?.text;
  const quoted = text !== undefined && text !== '' && !e.message.includes(text) ? ` (in: ${text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text})` : '';
  const message = e.message.replace(/\s*\n\s*/g, ' ');
  return `kpemu: ${where === '' ? '' : `${where}: `}${message}${quoted}`;
}
