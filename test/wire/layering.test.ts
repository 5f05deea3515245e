import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const WIRE = join(import.meta.dirname, '../../src/wire');

describe('src/wire layering (DESIGN.md §1)', () => {
  it.each(readdirSync(WIRE).filter((f) => f.endsWith('.ts')))('%s imports only core (through its index) and wire files', (file) => {
    const text = readFileSync(join(WIRE, file), 'utf8');
    const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]);
    for (const s of specifiers) expect(s === '../core/index.js' || /^\.\/[a-z0-9-]+\.js$/.test(s ?? '')).toBe(true);
  });
});
