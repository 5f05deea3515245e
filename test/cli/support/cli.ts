/**
 * Runs the BUILT command line (dist/src/cli/main.js) as a subprocess, as users run it.
 * `npm test` builds first; running vitest alone needs `npm run build` beforehand.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MAIN = `${ROOT}dist/src/cli/main.js`;
export const DEMO = 'fixtures/clusters/demo.yaml';
export const OVERALL = 'fixtures/clusters/kube-proxy-overall.yaml';
export const REPLAY = 'fixtures/replay/node-1';

export interface CliResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails with a clear message when the CLI has not been built. */
export function requireBuiltCli(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: the CLI tests run the built CLI; run "npm run build" first (npm test does it)`);
}

/** Runs `kpemu ...args` (from the repository root unless `cwd` is given), without a terminal (so never coloured). */
export function kpemu(args: readonly string[], options: { readonly env?: Record<string, string | undefined>; readonly input?: string; readonly timeoutMs?: number; readonly cwd?: string } = {}): CliResult {
  requireBuiltCli();
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: options.cwd ?? ROOT, env: env as NodeJS.ProcessEnv, input: options.input ?? '', encoding: 'utf8', timeout: options.timeoutMs ?? 50_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error !== undefined) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** True when `cmd` is on the PATH. */
export function hasTool(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/**
 * Runs `kpemu ...args` on a pseudo-terminal (util-linux `script`), to see what a user at a
 * terminal sees. Returns null when `script` is not available.
 */
export function kpemuOnTty(args: readonly string[], env: Record<string, string | undefined> = {}): CliResult | null {
  requireBuiltCli();
  if (!hasTool('script')) return null;
  const quoted = [process.execPath, MAIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const full: Record<string, string | undefined> = { ...process.env, ...env };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  const r = spawnSync('script', ['-qec', quoted, '/dev/null'], { cwd: ROOT, env: full as NodeJS.ProcessEnv, encoding: 'utf8', timeout: 50_000 });
  if (r.error !== undefined) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** ESC [ ... m: any ANSI colour/style sequence. */
// eslint-disable-next-line no-control-regex
export const ANSI = /\x1b\[[0-9;]*m/;

/** A Node.js stack trace line ("    at fn (file:line:col)"). */
export const STACK = /^\s+at .+[:(]/m;
