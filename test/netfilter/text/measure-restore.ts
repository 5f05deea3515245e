/**
 * Parse-speed measurement of a 230,000-line kube-proxy payload (a script, not a timed test):
 *   npm run build; node dist/test/netfilter/text/measure-restore.js
 * It also times one plain JavaScript pass over the same text, because the machine may be shared
 * and wall-clock numbers alone mislead.
 */
import { parseRestore } from '../../../src/netfilter/index.js';
import { kubeProxyPayload } from './kube-payload.js';

const payload = kubeProxyPayload(5350, 10);

/** A calibration: one plain JavaScript pass over the payload's characters (the machine may be shared). */
function charLoop(text: string): number {
  let spaces = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 32) spaces++;
  return spaces;
}
const loop: number[] = [];
for (let run = 0; run < 5; run++) {
  const t0 = performance.now();
  charLoop(payload);
  loop.push(performance.now() - t0);
}
const lines = payload.split('\n').length - 1;
// Wall time and this process's CPU time (the machine may be shared with other work).
const wall: number[] = [];
const cpu: number[] = [];
for (let run = 0; run < 8; run++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const doc = parseRestore(payload);
  wall.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / 1000);
  if (doc.blocks.length !== 2) throw new Error('unexpected block count');
}
const show = (xs: number[]): string => xs.map((t) => t.toFixed(0)).join(' ');
console.log(`${lines} lines, ${(payload.length / 1e6).toFixed(1)} MB`);
console.log(`wall ms per run: ${show(wall)} (min ${Math.min(...wall).toFixed(0)})`);
console.log(`cpu  ms per run: ${show(cpu)} (min ${Math.min(...cpu).toFixed(0)}; includes GC threads)`);
console.log(`calibration, one charCodeAt pass over the payload: ${show(loop)} ms (min ${Math.min(...loop).toFixed(0)})`);
console.log(`parse / one pass (min/min): ${(Math.min(...wall) / Math.min(...loop)).toFixed(1)}`);
