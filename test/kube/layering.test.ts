import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const KUBE = join(import.meta.dirname, '../../src/kube');
/** core and addr through their index files, the yaml package at this edge (node:module loads it on first use), and node:fs for loading files. */
const ALLOWED = new Set(['../core/index.js', '../addr/index.js', 'yaml', 'node:fs', 'node:module']);

describe('src/kube layering (DESIGN.md §1)', () => {
  it.each(readdirSync(KUBE).filter((f) => f.endsWith('.ts')))('%s imports only core, addr, yaml, node:fs, node:module and kube files', (file) => {
    const text = readFileSync(join(KUBE, file), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
    for (const s of specifiers) expect(ALLOWED.has(s) || /^\.\/[a-z0-9-]+\.js$/.test(s), `${file}: ${s}`).toBe(true);
  });

  it('reads files only in load.ts', () => {
    for (const file of readdirSync(KUBE).filter((f) => f.endsWith('.ts') && f !== 'load.ts')) {
      expect(readFileSync(join(KUBE, file), 'utf8'), file).not.toContain("'node:fs'");
    }
  });
});
