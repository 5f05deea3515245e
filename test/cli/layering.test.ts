import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(import.meta.dirname, '../../src/cli');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('src/cli layering (DESIGN.md §1)', () => {
  it.each(sources(CLI).map((f) => relative(CLI, f)))('%s imports kpemu only through src/index.ts, plus commander and node built-ins', (file) => {
    const text = readFileSync(join(CLI, file), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
    const depth = file.split('/').length - 1;
    const index = depth === 0 ? '../index.js' : `${'../'.repeat(depth + 1)}index.js`;
    for (const s of specifiers) {
      const ok = s === index || s === 'commander' || s.startsWith('node:') || (s.startsWith('.') && !join('src/cli', file, '..', s).startsWith('src/') === false && join('src/cli', file, '..', s).startsWith('src/cli/'));
      expect(ok, `${file}: ${s}`).toBe(true);
    }
  });

  it('commander stays in src/cli', () => {
    const others = readdirSync(join(CLI, '..'), { withFileTypes: true }).filter((e) => e.isDirectory() && e.name !== 'cli');
    for (const d of others) for (const f of sources(join(CLI, '..', d.name))) expect(readFileSync(f, 'utf8'), f).not.toMatch(/from 'commander'/);
  });
});
