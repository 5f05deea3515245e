/**
 * Parse-speed measurement of a 230,000-line kube-proxy payload (a script, not a timed test):
 *   npx tsc -p . --outDir /tmp/kpemu-build && node /tmp/kpemu-build/test/netfilter/text/measure-restore.js
 */
import { parseRestore } from '../../../src/netfilter/index.js';
import { kubeProxyPayload } from './kube-payload.js';

const payload = kubeProxyPayload(5350, 10);
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
