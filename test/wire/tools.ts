/**
 * Running real tools (tcpdump) from wire tests: a `describe` that skips loudly when the tool is
 * missing, and temporary files that are always removed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** `describe` that runs only when `tool` is installed, and says so loudly when it is not. */
export function describeWithTool(title: string, tool: string, fn: () => void): void {
  const ok = hasTool(tool);
  if (!ok) console.warn(`\n*** TOOL TESTS SKIPPED (${title}): ${tool} is not installed (apt-get install -y ${tool}) ***\n`);
  describe.skipIf(!ok)(title, fn);
}

export interface ToolRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs argv with a bounded time; never throws for a failing tool. */
export function runTool(argv: readonly string[], timeoutMs = 30_000): ToolRun {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty command');
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error?.message ?? '') };
}

/** Writes `files` into a fresh temporary directory, runs `fn` with their paths, then removes the directory. */
export function withTempFiles<T>(files: Readonly<Record<string, Uint8Array>>, fn: (paths: Record<string, string>) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'kpemu-wire-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, bytes] of Object.entries(files)) {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      paths[name] = p;
    }
    return fn(paths);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Splits `tcpdump -tt` output into one string per packet: a packet starts with a line that
 * begins with its epoch timestamp; continuation lines are indented.
 */
export function tcpdumpPackets(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    if (/^\d+\.\d{6} /.test(line)) out.push(line);
    else if (line.trim() !== '' && out.length > 0) out[out.length - 1] += `\n${line}`;
  }
  return out;
}
