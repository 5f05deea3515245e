/**
 * Heap measurement. The state of a mode is measured as the growth of live memory across its
 * construction: a full garbage collection, `heapUsed + arrayBuffers` (typed-array backing stores
 * live outside the V8 heap), build, a full collection again, and the difference. Everything the
 * build allocated and still holds counts; temporaries do not. Inputs made before the first
 * snapshot (the Kubernetes objects, a payload string) are not counted.
 *
 * A full collection needs `gc()`: with `node --expose-gc` it is there; otherwise the V8 flag is
 * switched on at run time and the function fetched from a fresh context. Without either, figures
 * are marked approximate (no collection between snapshots).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcFn = () => void;

let gcFn: GcFn | null | undefined;
let gcMethod = '';

function resolveGc(): GcFn | null {
  if (gcFn !== undefined) return gcFn;
  const g = (globalThis as { gc?: GcFn }).gc;
  if (typeof g === 'function') {
    gcMethod = 'global.gc (node --expose-gc)';
    return (gcFn = g);
  }
  try {
    setFlagsFromString('--expose-gc');
    const f = runInNewContext('gc') as unknown;
    if (typeof f === 'function') {
      gcMethod = 'gc() enabled at run time (v8.setFlagsFromString("--expose-gc"))';
      return (gcFn = f as GcFn);
    }
  } catch {
    // fall through
  }
  gcMethod = 'none (figures approximate: no full collection between snapshots)';
  return (gcFn = null);
}

export function gcAvailable(): boolean {
  return resolveGc() !== null;
}

export function gcDescription(): string {
  resolveGc();
  return gcMethod;
}

/** Live bytes after a full collection. */
export function liveBytes(): number {
  const gc = resolveGc();
  if (gc !== null) gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Runs a full collection if possible (between phases, so timings do not pay for garbage of the last one). */
export function collect(): void {
  const gc = resolveGc();
  if (gc !== null) gc();
}
