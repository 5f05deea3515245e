/** Writes a run's results: `<label>.json`, one CSV per section, and `<label>.html`. */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResults } from '../model.js';
import { htmlReport } from './html.js';

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(+v.toPrecision(10)) : '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<T extends object>(rows: readonly T[]): string {
  if (rows.length === 0) return '';
  const keys = Object.keys(rows[0] as object);
  const lines = [keys.join(',')];
  for (const r of rows) lines.push(keys.map((k) => csvCell((r as Record<string, unknown>)[k])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function writeResults(r: BenchResults, outDir: string, label: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const files: [string, string][] = [
    [`${label}.json`, `${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`],
    [`${label}-lookup.csv`, toCsv(r.lookup)],
    [`${label}-roundtrip.csv`, toCsv(r.roundTrip)],
    [`${label}-update.csv`, toCsv(r.update)],
    [`${label}-memory.csv`, toCsv(r.memory)],
    [`${label}-targets.csv`, toCsv(r.targets)],
    [`${label}.html`, htmlReport(r)],
  ];
  if (r.kernel.requested) {
    files.push([`${label}-kernel-restore.csv`, toCsv(r.kernel.restore)]);
    files.push([`${label}-kernel-connection.csv`, toCsv(r.kernel.connection)]);
  }
  const written: string[] = [];
  for (const [name, text] of files) {
    const path = join(outDir, name);
    writeAtomic(path, text);
    written.push(path);
  }
  return written;
}
