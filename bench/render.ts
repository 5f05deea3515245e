/**
 * Re-renders a run's HTML, CSV and console table from its JSON (after a change to the report
 * code, or to look at an old run): `node dist/bench/render.js bench/results/full.json`.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BenchResults } from './model.js';
import { consoleReport } from './report/console.js';
import { writeResults } from './report/files.js';

/** Numbers that are NaN when not measured; JSON stores them as null. */
const NAN_KEYS = new Set([
  'medianNs', 'meanNs', 'rmePct', 'cpuNs', 'medianMs', 'cpuMs', 'bytesPerUnit', 'ratio', 'kernelNs', 'kernelRmePct', 'kernelRulesNs',
  'emulatorNs', 'emulatorRmePct', 'rulesEvaluated', 'hashProbes', 'ipsetProbes', 'ipvsProbes', 'wallNs', 'cpuShare', 'roundTripsPerSec', 'cpuRoundTripsPerSec',
]);

export function loadResults(path: string): BenchResults {
  const r = JSON.parse(readFileSync(path, 'utf8'), (k, v: unknown) => (v === null && NAN_KEYS.has(k) ? Number.NaN : v)) as BenchResults;
  // Runs from before the round-trip benchmark (issue 5) have no such section.
  return r.roundTrip === undefined ? { ...r, roundTrip: [] } : r;
}

/** Writes the files of `jsonPath` again (next to it, same label) and returns the console table. */
export function rerender(jsonPath: string): string {
  const r = loadResults(jsonPath);
  writeResults(r, dirname(jsonPath), basename(jsonPath, '.json'));
  return consoleReport(r);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const path = process.argv[2];
  if (path === undefined) {
    process.stderr.write('usage: node dist/bench/render.js RESULTS.json\n');
    process.exit(2);
  }
  process.stdout.write(`${rerender(path)}\n`);
}
