/**
 * Throw-away network namespaces for kernel tests. Safety rules: we only ever touch namespaces
 * created here (names start with `kpx`, unique per process), never the root namespace's rules,
 * routes or interfaces; every namespace is deleted when the callback ends, also on failure.
 */
import { spawnSync } from 'node:child_process';
import { describe } from 'vitest';

export interface ExecResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(argv: readonly string[], input?: string, timeoutMs = 30_000): ExecResult {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty command');
  const r = spawnSync(cmd, args, { input: input ?? '', encoding: 'utf8', timeout: timeoutMs });
  if (r.error !== undefined) return { status: 127, stdout: '', stderr: String(r.error.message) };
  return { status: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

let counter = 0;
const prefix = `kpx${process.pid.toString(36)}`;

/** A network namespace created by this test process. */
export class Netns {
  constructor(readonly name: string) {}

  /** Runs a command inside the namespace. */
  exec(argv: readonly string[], input?: string, timeoutMs?: number): ExecResult {
    return run(['ip', 'netns', 'exec', this.name, ...argv], input, timeoutMs);
  }

  /** Runs a command and throws with its stderr when it fails. */
  execOk(argv: readonly string[], input?: string, timeoutMs?: number): string {
    const r = this.exec(argv, input, timeoutMs);
    if (r.status !== 0) throw new Error(`[${this.name}] ${argv.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
    return r.stdout;
  }
}

/** Runs a command in the root namespace, but only commands that cannot change it (ip netns, link into a namespace). */
function rootOk(argv: readonly string[]): void {
  const r = run(argv);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
}

export interface KernelAvailability {
  readonly ok: boolean;
  readonly reason: string;
}

let cached: KernelAvailability | undefined;

/** Whether this process may create namespaces and has the tools the kernel tests use. */
export function kernelAvailability(tools: readonly string[] = ['iptables-legacy-restore', 'iptables-legacy-save']): KernelAvailability {
  if (cached !== undefined && cached.ok) {
    const missing = tools.filter((t) => run(['sh', '-c', `command -v ${t}`]).status !== 0);
    return missing.length === 0 ? cached : { ok: false, reason: `missing tools: ${missing.join(', ')} (apt-get install iptables ipset conntrack nfacct tcpdump)` };
  }
  if (process.platform !== 'linux') return (cached = { ok: false, reason: 'not Linux' });
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return (cached = { ok: false, reason: 'not running as root' });
  const name = `${prefix}probe${counter++}`;
  const add = run(['ip', 'netns', 'add', name]);
  if (add.status !== 0) return (cached = { ok: false, reason: `cannot create a network namespace: ${add.stderr.trim()}` });
  run(['ip', 'netns', 'del', name]);
  cached = { ok: true, reason: '' };
  return kernelAvailability(tools);
}

/**
 * `describe` for kernel tests: runs them when namespaces can be made, otherwise skips them with a
 * loud reason. With KPEMU_REQUIRE_KERNEL=1 (set by .ci/run) an unavailable kernel is a failure.
 */
export function describeKernel(title: string, tools: readonly string[], fn: () => void): void {
  const avail = kernelAvailability(tools);
  if (!avail.ok) {
    const msg = `KERNEL TESTS SKIPPED (${title}): ${avail.reason}`;
    if (process.env['KPEMU_REQUIRE_KERNEL'] === '1') throw new Error(`${msg}; KPEMU_REQUIRE_KERNEL=1 demands them`);
    console.warn(`\n*** ${msg} ***\n`);
  }
  describe.skipIf(!avail.ok)(title, fn);
}

/** Creates namespaces (one per label), runs `fn`, and always deletes them. */
export async function withNetns<T>(labels: readonly string[], fn: (ns: Netns[]) => Promise<T> | T): Promise<T> {
  const created: Netns[] = [];
  try {
    for (const label of labels) {
      const name = `${prefix}${counter++}${label.replace(/[^a-z0-9]/gi, '').slice(0, 6)}`;
      rootOk(['ip', 'netns', 'add', name]);
      const ns = new Netns(name);
      created.push(ns);
      ns.execOk(['ip', 'link', 'set', 'lo', 'up']);
    }
    return await fn(created);
  } finally {
    for (const ns of created) run(['ip', 'netns', 'del', ns.name]);
  }
}

/**
 * Connects two namespaces with a veth pair created directly inside the first namespace
 * (so no interface ever appears in the root namespace), and addresses both ends.
 */
export function linkVeth(a: Netns, aDev: string, aCidr: string, b: Netns, bDev: string, bCidr: string): void {
  a.execOk(['ip', 'link', 'add', aDev, 'type', 'veth', 'peer', 'name', bDev, 'netns', b.name]);
  a.execOk(['ip', 'addr', 'add', aCidr, 'dev', aDev]);
  b.execOk(['ip', 'addr', 'add', bCidr, 'dev', bDev]);
  a.execOk(['ip', 'link', 'set', aDev, 'up']);
  b.execOk(['ip', 'link', 'set', bDev, 'up']);
}
