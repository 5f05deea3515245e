/**
 * Throw-away network namespaces for the real-kernel side of the benchmark.
 *
 * Safety rules: only namespaces created here are touched (names start with `kpb` and carry this
 * process's id); nothing is ever run against the root namespace except `ip netns add/del` and
 * commands that create devices directly inside one of our namespaces; every namespace is deleted
 * when its callback ends, on error, and on SIGINT/SIGTERM/exit while the kernel side runs (see
 * {@link installCleanup} and {@link yieldToLoop}); every spawned command has a timeout.
 */
import { spawnSync } from 'node:child_process';

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the command, ms (process start included). */
  readonly ms: number;
}

export function run(argv: readonly string[], input?: string, timeoutMs = 120_000): ExecResult {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty command');
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { input: input ?? '', encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.error !== undefined) return { status: 127, stdout: '', stderr: String(r.error.message), ms };
  return { status: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms };
}

const prefix = `kpb${process.pid.toString(36)}`;
let counter = 0;
/** Namespaces alive right now (deleted on exit/signal if a callback could not). */
const alive = new Set<string>();

export class Netns {
  constructor(readonly name: string) {}

  exec(argv: readonly string[], input?: string, timeoutMs?: number): ExecResult {
    return run(['ip', 'netns', 'exec', this.name, ...argv], input, timeoutMs);
  }

  execOk(argv: readonly string[], input?: string, timeoutMs?: number): ExecResult {
    const r = this.exec(argv, input, timeoutMs);
    if (r.status !== 0) throw new Error(`[${this.name}] ${argv.join(' ').slice(0, 200)} failed (${r.status}): ${r.stderr.trim().slice(0, 500)}`);
    return r;
  }
}

function deleteNs(name: string): void {
  run(['ip', 'netns', 'del', name], undefined, 30_000);
  alive.delete(name);
}

/** Deletes every namespace this process still holds (synchronous; safe to call twice). */
export function cleanupAll(): void {
  for (const name of [...alive]) deleteNs(name);
}

/**
 * Deletes our namespaces if the process is interrupted or exits while some are alive. Returns a
 * function that removes the handlers again.
 */
export function installCleanup(): () => void {
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanupAll();
    process.stderr.write(`\nbench: ${sig}: network namespaces deleted\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  const onExit = (): void => cleanupAll();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
  };
}

/**
 * Lets the event loop turn. The harness is synchronous between awaits, and a signal handler only
 * runs when the loop turns: the kernel side yields after every command that may take a while, so
 * Ctrl-C deletes the namespaces promptly.
 */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Creates one namespace per label (loopback up), runs `fn`, and always deletes them. */
export async function withNetns<T>(labels: readonly string[], fn: (ns: Netns[]) => Promise<T> | T): Promise<T> {
  const created: Netns[] = [];
  try {
    for (const label of labels) {
      const name = `${prefix}${counter++}${label.replace(/[^a-z0-9]/gi, '').slice(0, 6)}`;
      const r = run(['ip', 'netns', 'add', name], undefined, 30_000);
      if (r.status !== 0) throw new Error(`ip netns add ${name}: ${r.stderr.trim()}`);
      alive.add(name);
      const ns = new Netns(name);
      created.push(ns);
      ns.execOk(['ip', 'link', 'set', 'lo', 'up']);
      await yieldToLoop();
    }
    return await fn(created);
  } finally {
    for (const ns of created) deleteNs(ns.name);
  }
}

/** Why the kernel side cannot run here, or null when it can. */
export function kernelUnavailable(tools: readonly string[]): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root';
  const missing = tools.filter((t) => run(['sh', '-c', `command -v ${t}`], undefined, 10_000).status !== 0);
  if (missing.length > 0) return `missing tools: ${missing.join(', ')}`;
  const name = `${prefix}probe${counter++}`;
  const add = run(['ip', 'netns', 'add', name], undefined, 30_000);
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  alive.add(name);
  deleteNs(name);
  return null;
}
