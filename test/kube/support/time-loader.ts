/**
 * Times the cluster loader alone (YAML → kpemu objects), in CPU milliseconds: a measuring aid,
 * not a test. Usage, after `npm run build`:
 *
 *   node dist/test/kube/support/time-loader.js <cluster.yaml> [runs=5] [general]
 *
 * Prints each run and the median; `general` forces the `yaml` package path for comparison.
 */
import { readFileSync } from 'node:fs';
import { loadClusterText } from '../../../src/kube/index.js';
import { parseYamlFast } from '../../../src/kube/yaml-fast-path.js';
import { parseYamlStreamGeneral } from '../../../src/kube/yaml-source.js';

const [file, runsArg, mode] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: time-loader <cluster.yaml> [runs] [general]');
  process.exit(2);
}
const runs = Number(runsArg ?? 5);
const text = readFileSync(file, 'utf8');

function cpuMs(f: () => unknown): number {
  const start = process.cpuUsage();
  f();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const parse: number[] = [];
const load: number[] = [];
for (let i = 0; i < runs; i++) {
  parse.push(cpuMs(() => (mode === 'general' ? parseYamlStreamGeneral(text, file) : parseYamlFast(text))));
  load.push(cpuMs(() => loadClusterText(text, file)));
}
const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(' ');
console.log(`${file}: ${(text.length / 1e6).toFixed(1)} MB, fast path ${parseYamlFast(text) === null ? 'declined' : 'taken'}`);
console.log(`parse only (${mode === 'general' ? 'general' : 'fast'}): ${fmt(parse)} ms CPU, median ${median(parse).toFixed(0)}`);
console.log(`whole load (loadClusterText): ${fmt(load)} ms CPU, median ${median(load).toFixed(0)}`);
