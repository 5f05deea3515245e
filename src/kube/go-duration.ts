/**
 * Go's `time.ParseDuration`, which reads `metav1.Duration` fields such as
 * `iptables.minSyncPeriod: 1s`. A duration is an optional sign and a sequence of decimal numbers
 * with units (`300ms`, `1.5h`, `1m0s`, `2h45m`); the bare `0` is the only unitless value.
 */

/** A Map, not an object literal: a unit such as "constructor" must not find Object.prototype. */
const UNIT_NANOS: ReadonlyMap<string, number> = new Map([
  ['ns', 1],
  ['us', 1e3],
  ['µs', 1e3], // U+00B5 micro sign
  ['μs', 1e3], // U+03BC Greek mu
  ['ms', 1e6],
  ['s', 1e9],
  ['m', 60e9],
  ['h', 3600e9],
]);

/** Go's limit: a Duration is an int64 count of nanoseconds. */
const MAX_NANOS = 9223372036854775807;

export type DurationRead = { readonly ok: true; readonly seconds: number } | { readonly ok: false; readonly reason: string };

/** Parses a Go duration into seconds (may be fractional or negative). */
export function parseGoDuration(text: string): DurationRead {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, seconds: 0 };
  if (s === '') return { ok: false, reason: 'empty duration' };
  let nanos = 0;
  const part = /^([0-9]*)(?:\.([0-9]*))?([^0-9.]+)/;
  while (s !== '') {
    const m = part.exec(s);
    if (m === null) return { ok: false, reason: 'expected a number followed by a unit (ns, us, ms, s, m, h)' };
    const whole = m[1] ?? '';
    const frac = m[2];
    const unitText = m[3] ?? '';
    if (whole === '' && (frac === undefined || frac === '')) return { ok: false, reason: 'a number is missing before a unit' };
    // The unit is the longest run of non-digits; Go rejects anything that is not a known unit.
    const unit = UNIT_NANOS.get(unitText);
    if (unit === undefined) return { ok: false, reason: `unknown unit "${unitText}" (use ns, us, ms, s, m or h)` };
    const value = Number(`${whole === '' ? '0' : whole}.${frac === undefined || frac === '' ? '0' : frac}`);
    nanos += value * unit;
    if (nanos > MAX_NANOS) return { ok: false, reason: 'duration out of range' };
    s = s.slice(m[0].length);
  }
  return { ok: true, seconds: (sign * Math.round(nanos)) / 1e9 };
}

/** Formats seconds the way Go prints a Duration (`1m0s`, `500ms`, `30s`), for messages. */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const neg = seconds < 0;
  let rest = Math.abs(seconds);
  if (rest < 1) {
    const ms = rest * 1e3;
    return `${neg ? '-' : ''}${Number.isInteger(ms) ? ms : Number(ms.toFixed(6))}ms`;
  }
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  rest -= m * 60;
  const sec = Number(rest.toFixed(9));
  let out = '';
  if (h > 0) out += `${h}h`;
  if (h > 0 || m > 0) out += `${m}m`;
  out += `${sec}s`;
  return `${neg ? '-' : ''}${out}`;
}
