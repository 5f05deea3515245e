// Summarises a V8 .cpuprofile: self time per function (with its hottest source lines) and
// inclusive time, optionally only for samples under one function (e.g. the driver's `send`).
// usage: node scripts/perf/summarize-profile.mjs FILE.cpuprofile [ROOT_FUNCTION] [TOP]
import { readFileSync } from 'node:fs';

const prof = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const rootName = process.argv[3] ?? '';
const top = Number(process.argv[4] ?? 30);
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}`;
const stackOf = (id) => {
  const s = [];
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) s.push(byId.get(cur));
  return s;
};
const under = (id) => rootName === '' || stackOf(id).some((n) => n.callFrame.functionName === rootName);

const hits = new Map();
for (const s of prof.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
const self = new Map();
const incl = new Map();
let total = 0;
for (const [id, h] of hits) {
  if (!under(id)) continue;
  total += h;
  const k = name(byId.get(id));
  self.set(k, (self.get(k) ?? 0) + h);
  const seen = new Set();
  for (const n of stackOf(id)) {
    const kk = name(n);
    if (seen.has(kk)) continue;
    seen.add(kk);
    incl.set(kk, (incl.get(kk) ?? 0) + h);
  }
}
// Line ticks (lines of the built JavaScript in dist/).
const lines = new Map();
for (const n of prof.nodes) {
  if (!under(n.id)) continue;
  const m = lines.get(name(n)) ?? new Map();
  for (const t of n.positionTicks ?? []) m.set(t.line, (m.get(t.line) ?? 0) + t.ticks);
  lines.set(name(n), m);
}
const pct = (x) => ((100 * x) / total).toFixed(1).padStart(5);
console.log(`${total} samples${rootName === '' ? '' : ` under ${rootName}`}\n self%  incl%  function   hottest lines (line:ticks)`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  const hot = [...(lines.get(k) ?? new Map())].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([l, t]) => `${l}:${t}`).join(' ');
  console.log(`${pct(v)}  ${pct(incl.get(k) ?? 0)}  ${k}   ${hot}`);
}
