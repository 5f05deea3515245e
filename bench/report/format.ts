/** Number formatting shared by the console table, the CSV and the HTML report. */

/** A duration given in nanoseconds, in the unit that reads best. */
export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return '–';
  if (ns < 1_000) return `${ns.toFixed(0)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(ns < 10_000 ? 2 : 1)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(ns < 1e7 ? 2 : 1)} ms`;
  return `${(ns / 1e9).toFixed(2)} s`;
}

export function fmtMs(ms: number): string {
  return fmtNs(ms * 1e6);
}

export function fmtRme(rme: number): string {
  return Number.isFinite(rme) ? `±${rme < 10 ? rme.toFixed(1) : rme.toFixed(0)}%` : '';
}

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return '–';
  const a = Math.abs(b);
  if (a < 1024) return `${b.toFixed(0)} B`;
  if (a < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  if (a < 1024 ** 3) return `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

export function fmtServices(n: number): string {
  return n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n);
}

/** A rate per second, rounded to what reads best (`18.2k`, `104k`). */
export function fmtRate(perSec: number): string {
  if (!Number.isFinite(perSec)) return '–';
  if (perSec < 1_000) return perSec.toFixed(0);
  if (perSec < 100_000) return `${(perSec / 1000).toFixed(1)}k`;
  if (perSec < 1e6) return `${(perSec / 1000).toFixed(0)}k`;
  return `${(perSec / 1e6).toFixed(2)}M`;
}
