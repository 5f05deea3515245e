import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The proxier may use core/, kube/ and addr/, but only the types of netfilter/: it talks to the
 * kernel through IptablesApi/NfacctApi, never through the emulated kernel's code.
 */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('src/proxy imports', () => {
  it('reach only core, kube, addr, node built-ins, and the kernel interfaces (netfilter, ipset, ipvs types)', () => {
    const problems: string[] = [];
    let seen = 0;
    for (const file of sources('src/proxy')) {
      for (const m of readFileSync(file, 'utf8').matchAll(/^(import|export)\s+(type\s+)?[^'"]*from\s+'([^']+)'/gm)) {
        seen++;
        const isType = m[2] !== undefined;
        const spec = m[3] ?? '';
        if (spec.startsWith('node:')) continue;
        if (!spec.startsWith('.')) {
          problems.push(`${file}: package ${spec}`);
          continue;
        }
        const target = join(file, '..', spec).replace(/\\/g, '/');
        if (target.startsWith('src/proxy/')) continue;
        const folder = target.split('/')[1] ?? '';
        if (['core', 'kube', 'addr'].includes(folder) && target.endsWith('/index.js')) continue;
        if ((folder === 'netfilter' || folder === 'ipset' || folder === 'ipvs') && isType && target.endsWith('/index.js')) continue;
        problems.push(`${file}: ${isType ? 'type ' : ''}${spec}`);
      }
    }
    expect(problems).toEqual([]);
    expect(seen).toBeGreaterThan(30);
  });
});
