import { KpemuError } from '../../core/index.js';

/**
 * Error constructors for the iptables text layer. Messages follow the real tool's wording where it
 * has one (so a user who knows iptables recognises them); callers branch on the code only.
 * Locations are added by the caller that knows the line (see {@link atLine}).
 */

/** A value iptables would refuse: a bad address, port, number, name. */
export function badValue(message: string): KpemuError {
  return new KpemuError('IPTABLES_BAD_VALUE', message);
}

/** An option that does not exist where it was written, or is ambiguous. */
export function unknownOption(message: string): KpemuError {
  return new KpemuError('IPTABLES_UNKNOWN_OPTION', message);
}

/** Wrong structure: a missing argument, a stray word, conflicting commands, a bad line. */
export function parseError(message: string): KpemuError {
  return new KpemuError('IPTABLES_PARSE', message);
}

/** Something real iptables accepts that kpemu does not model. */
export function unsupported(message: string): KpemuError {
  return new KpemuError('IPTABLES_UNSUPPORTED', message);
}

/** A table name that does not exist. */
export function noTable(table: string): KpemuError {
  return new KpemuError('IPTABLES_NO_TABLE', `can't initialize iptables table \`${table}': Table does not exist (do you need to insmod?)`);
}

/**
 * Adds the 1-based line and its text to an error thrown while parsing that line. Non-kpemu errors
 * are programming errors and pass through unchanged.
 */
export function atLine(e: unknown, line: number, text: string): unknown {
  if (e instanceof KpemuError) return e.withLocation({ line, text });
  return e;
}
