import { compareSavedEntries } from './sort.js';
import type { IpSet } from './set.js';
import type { ListedEntry } from './types.js';

/**
 * `ipset save` text, byte for byte as ipset 7.17 prints it for the modelled types:
 *
 *     create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x8c9a9a65
 *     add KUBE-CLUSTER-IP 10.0.0.1,tcp:80
 *
 * Entries come in the kernel's bucket order (the emulated table reproduces it given the same
 * initval and history); `sorted` gives `ipset -s save` order instead (see sort.ts).
 */
export function renderCreateLine(name: string, set: IpSet): string {
  const o = set.options;
  const ext = `${o.timeout !== undefined ? ` timeout ${o.timeout}` : ''}${o.counters ? ' counters' : ''}${o.comment ? ' comment' : ''}`;
  if (set.info.kind === 'bitmap') return `create ${name} ${set.type} range ${o.rangeFrom}-${o.rangeTo}${ext}`;
  const initval = (o.initval >>> 0).toString(16).padStart(8, '0');
  return `create ${name} ${set.type} family inet hashsize ${set.hashsize} maxelem ${o.maxelem}${ext} bucketsize ${o.bucketsize} initval 0x${initval}`;
}

/** The part of an `add` line after the set name: element then extensions, in ipset's order. */
export function renderEntry(e: ListedEntry): string {
  let s = e.text;
  if (e.timeout !== undefined) s += ` timeout ${e.timeout}`;
  if (e.nomatch) s += ' nomatch';
  if (e.packets !== undefined) s += ` packets ${e.packets} bytes ${e.bytes ?? 0}`;
  if (e.comment !== undefined) s += ` comment "${e.comment}"`;
  return s;
}

/** The lines of one set: its create line then one add line per live entry. */
export function renderSet(name: string, set: IpSet, nowMs: number, sorted: boolean): string[] {
  const texts = set.entries(nowMs).map(renderEntry);
  // Only hash types are sorted by the tool; bitmaps are already in port order.
  if (sorted && set.info.kind === 'hash') texts.sort(compareSavedEntries);
  const lines = [renderCreateLine(name, set)];
  for (const t of texts) lines.push(`add ${name} ${t}`);
  return lines;
}
