import type { IpsetRegistry } from './registry.js';
import { renderEntry } from './save.js';

/** `ipset list` in the plain format (the "Size in memory" line is kpemu's own estimate). */
export function renderPlainList(reg: IpsetRegistry, name?: string): string {
  const out: string[] = [];
  for (const l of reg.list(name)) {
    const set = reg.get(l.name);
    const o = l.options;
    const ext = `${o.timeout !== undefined ? ` timeout ${o.timeout}` : ''}${o.counters ? ' counters' : ''}${o.comment ? ' comment' : ''}`;
    const header =
      set.info.kind === 'bitmap'
        ? `range ${o.rangeFrom}-${o.rangeTo}${ext}`
        : `family inet hashsize ${l.hashsize} maxelem ${o.maxelem}${ext} bucketsize ${o.bucketsize} initval 0x${o.initval.toString(16).padStart(8, '0')}`;
    if (out.length > 0) out.push('');
    out.push(`Name: ${l.name}`, `Type: ${l.type}`, `Revision: ${l.revision}`, `Header: ${header}`, `Size in memory: ${set.byteLength}`);
    out.push(`References: ${l.references}`, `Number of entries: ${l.entries.length}`, 'Members:');
    for (const e of l.entries) out.push(renderEntry(e));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
