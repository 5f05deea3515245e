/**
 * A yardstick for the machine the run is on: the cost per element of the barest loop the iptables
 * walk reduces to (scanning a 10,000-entry Float64Array for a value, as the emulated KUBE-SERVICES
 * skip loop does per rule). Measured at the start and the end of a run, it says how fast this
 * machine (and its current load) can possibly walk a rule, independent of kpemu's code.
 */
import { cpuMicros } from './sampler.js';

function scan(arr: Float64Array, d: number, i: number, end: number): number {
  while (i < end) {
    const k = arr[i] as number;
    if (k < 0 || k === d) return i;
    i++;
  }
  return i;
}

/** ns per element (wall, CPU) of the bare scan, median of 5 rounds of 2,000 scans. */
export function scanYardstick(): { wallNs: number; cpuNs: number } {
  const a = new Float64Array(10_000).fill(1234);
  a[9_999] = 99;
  let sink = 0;
  for (let r = 0; r < 500; r++) sink += scan(a, 99, 0, a.length);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < 5; round++) {
    const c0 = cpuMicros();
    const t0 = performance.now();
    for (let r = 0; r < 2_000; r++) sink += scan(a, 99, 0, a.length);
    wall.push(((performance.now() - t0) * 1e6) / (2_000 * a.length));
    cpu.push(((cpuMicros() - c0) * 1e3) / (2_000 * a.length));
  }
  if (sink === -1) throw new Error('unreachable');
  wall.sort((x, y) => x - y);
  cpu.sort((x, y) => x - y);
  return { wallNs: wall[2] as number, cpuNs: cpu[2] as number };
}
