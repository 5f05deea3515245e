#!/usr/bin/env node
import { CommanderError } from 'commander';
import { isKpemuError } from '../index.js';
import { EXIT, errorLine, exitCodeFor } from './exit.js';
import { err } from './io.js';
import { buildProgram } from './program.js';

/**
 * The `kpemu` executable. Every failure ends here as one line on stderr and an exit code (see
 * exit.ts); a stack trace is shown only with KPEMU_DEBUG=1. The exit code is set rather than
 * calling process.exit(), so output still being written to a pipe is not cut off.
 */

// `kpemu rules ... | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw e;
});

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander already printed the message (or the help / version text, which exit with 0).
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (isKpemuError(e)) {
      err(errorLine(e));
      if (process.env['KPEMU_DEBUG'] === '1') err(e.stack ?? '');
      return exitCodeFor(e);
    }
    const message = e instanceof Error ? e.message : String(e);
    err(`kpemu: internal error: ${message} (this is a bug in kpemu; KPEMU_DEBUG=1 shows where)`);
    if (process.env['KPEMU_DEBUG'] === '1' && e instanceof Error) err(e.stack ?? '');
    return EXIT.failure;
  }
}

process.exitCode = await main(process.argv.slice(2));
