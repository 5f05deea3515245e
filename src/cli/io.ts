import { readFileSync, writeFileSync } from 'node:fs';
import { KpemuError } from '../index.js';

/**
 * Terminal and file access of the commands. Everything a command prints goes through `out`
 * (results) and `err` (notes, progress, errors), so results can be piped while notes stay visible.
 */

/** Writes a command's result to stdout (a final newline is added when missing). */
export function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes a note or error line to stderr. */
export function err(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/**
 * Colour only on a terminal, and never when NO_COLOR is set to anything non-empty
 * (https://no-color.org), so piped output and logs stay plain text.
 */
export function useColor(env: NodeJS.ProcessEnv = process.env, isTty: boolean = process.stdout.isTTY === true): boolean {
  const noColor = env['NO_COLOR'];
  return isTty && (noColor === undefined || noColor === '');
}

/** Reads a text file (`-` is stdin). `what` names the file's role in the error. Throws IO. */
export function readTextFile(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (cause) {
    // The message names the file; a location would repeat it.
    throw new KpemuError('IO', `cannot read ${what} ${path === '-' ? 'from stdin' : path}: ${reasonOf(cause)}`, { cause });
  }
}

/** Writes a binary file. Throws IO. */
export function writeBinaryFile(path: string, bytes: Uint8Array, what: string): void {
  try {
    writeFileSync(path, bytes);
  } catch (cause) {
    throw new KpemuError('IO', `cannot write ${what} ${path}: ${reasonOf(cause)}`, { cause });
  }
}

function reasonOf(cause: unknown): string {
  if (cause instanceof Error) {
    // Node's messages repeat the path ("ENOENT: no such file or directory, open 'x'"): keep the reason.
    const code = (cause as NodeJS.ErrnoException).code;
    const m = /^[A-Z]+: ([^,]+)/.exec(cause.message);
    return m?.[1] !== undefined ? m[1] : code ?? cause.message;
  }
  return String(cause);
}
