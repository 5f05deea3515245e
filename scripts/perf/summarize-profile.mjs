// Summarises a V8 .cpuprofile: self and inclusive time per function (top N by self time).
// usage: node scripts/perf/summarize-profile.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';

const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 40);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const selfHits = new Map();
for (const s of prof.samples) selfHits.set(s, (selfHits.get(s) ?? 0) + 1);
const total = prof.samples.length;
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map();
const incl = new Map();
for (const [id, hits] of selfHits) {
  const n = byId.get(id);
  self.set(key(n), (self.get(key(n)) ?? 0) + hits);
  // Inclusive: every distinct function on the stack once.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + hits);
  }
}
const pct = (x) => ((100 * x) / total).toFixed(1).padStart(5);
console.log(`samples ${total}\n self%  incl%  function`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(v)}  ${pct(incl.get(k) ?? 0)}  ${k}`);
console.log('\nby inclusive:');
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(self.get(k) ?? 0)}  ${pct(v)}  ${k}`);
