// Summarises a V8 .cpuprofile: self and inclusive time per function (top N by self time).
// usage: node scripts/perf/profile-summary.mjs FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';

const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const top = Number(process.argv[3] ?? 40);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfTicks = new Map();
for (const s of prof.samples) selfTicks.set(s, (selfTicks.get(s) ?? 0) + 1);
const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map();
const incl = new Map();
let total = 0;
for (const [id, ticks] of selfTicks) {
  total += ticks;
  const k = key(byId.get(id));
  self.set(k, (self.get(k) ?? 0) + ticks);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const kk = key(byId.get(cur));
    if (seen.has(kk)) continue;
    seen.add(kk);
    incl.set(kk, (incl.get(kk) ?? 0) + ticks);
  }
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`total samples ${total}`);
console.log('self%  incl%  function');
for (const [k, t] of rows) console.log(`${((100 * t) / total).toFixed(1).padStart(5)} ${((100 * (incl.get(k) ?? 0)) / total).toFixed(1).padStart(6)}  ${k}`);

// With a third argument (a function name), the hottest source lines of that function.
const fn = process.argv[4];
if (fn !== undefined) {
  const lines = new Map();
  for (const n of prof.nodes) {
    if (n.callFrame.functionName !== fn) continue;
    for (const p of n.positionTicks ?? []) lines.set(p.line, (lines.get(p.line) ?? 0) + p.ticks);
  }
  console.log(`\nhot lines of ${fn} (line: samples)`);
  for (const [l, t] of [...lines].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${l}: ${t}`);
}
