/**
 * `npm run bench` (node dist/bench/run.js): parses the options, makes sure the process can run
 * full garbage collections and has heap room for 50,000 services (re-executing itself with
 * `--expose-gc --max-old-space-size=…` when started without them), runs the benchmarks, prints
 * the table. `runBench` is exported for `kpemu bench`.
 */
import { spawn } from 'node:child_process';
import { totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runBench } from './bench.js';
import { parseArgs, USAGE, UsageError } from './options.js';

export { runBench, type BenchRun } from './bench.js';
export { defaultOptions, parseArgs, DEFAULT_LADDER, QUICK_LADDER, type BenchOptions } from './options.js';

const CHILD_ENV = 'KPEMU_BENCH_CHILD';

/** Heap limit for the re-executed process: room for 50k services, at most 70 % of the machine. */
function heapLimitMb(): number {
  return Math.max(2048, Math.min(12_288, Math.floor((totalmem() / 1024 / 1024) * 0.7)));
}

function reexec(args: readonly string[]): Promise<number> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--expose-gc', `--max-old-space-size=${heapLimitMb()}`, self, ...args], { stdio: 'inherit', env: { ...process.env, [CHILD_ENV]: '1' } });
  // Ctrl-C reaches the child too (same process group); it cleans up and exits, we wait for it.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal === 'SIGINT' ? 130 : 1)));
    child.on('error', () => resolve(1));
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`bench: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function' && process.env[CHILD_ENV] !== '1') return reexec(argv);
  await runBench(parsed);
  return 0;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
