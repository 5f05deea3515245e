/**
 * Number parsing the way iptables' C code does it, so kpemu accepts and rejects the same words.
 * iptables reads most integers with `xtables_strtoui(s, NULL, &v, min, max)` (strtoumax with
 * base 0): leading white space and a `+` are allowed, `0x` means hex, a leading `0` means octal,
 * and the whole word must be consumed. `-` is refused even though strtoumax would take it.
 */

/** C `isspace` in the "C" locale. */
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return 99;
}

/**
 * Parses `text` like xtables_strtoui with base 0 and returns the value, or -1 when the word is
 * not a number, has trailing characters, or lies outside `min..max`.
 * Preconditions: 0 <= min <= max <= 2^53 - 1.
 */
export function parseCUint(text: string, min: number, max: number): number {
  const n = text.length;
  // Fast path: plain decimal without a leading zero, which is almost every number in practice.
  if (n > 0 && n < 16) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    if (i === n && (n === 1 || text.charCodeAt(0) !== 48)) return v >= min && v <= max ? v : -1;
  }
  return parseCUintSlow(text, min, max);
}

function parseCUintSlow(text: string, min: number, max: number): number {
  const n = text.length;
  let i = 0;
  while (i < n && isCSpace(text.charCodeAt(i))) i++;
  if (i < n && text.charCodeAt(i) === 45) return -1; // '-': xtables refuses it before strtoumax
  if (i < n && text.charCodeAt(i) === 43) i++; // '+'
  let base = 10;
  if (i < n && text.charCodeAt(i) === 48) {
    const x = i + 1 < n ? text.charCodeAt(i + 1) : 0;
    if ((x === 120 || x === 88) && i + 2 < n && digitValue(text.charCodeAt(i + 2)) < 16) {
      base = 16;
      i += 2;
    } else {
      base = 8;
    }
  }
  const start = i;
  let v = 0;
  for (; i < n; i++) {
    const d = digitValue(text.charCodeAt(i));
    if (d >= base) break;
    v = v * base + d;
    if (v > max) return -1; // also covers strtoumax's ERANGE
  }
  if (i === start || i !== n) return -1;
  return v >= min ? v : -1;
}

/**
 * glibc `inet_aton` (as reached through getaddrinfo for numeric hosts): one to four parts, each
 * decimal, octal or hex; `a` is 32 bits, `a.b` is 8.24, `a.b.c` is 8.8.16. Returns the uint32
 * address, or -1 when `text` is not such a number.
 */
export function inetAton(text: string): number {
  const parts = text.split('.');
  if (parts.length > 4) return -1;
  const values: number[] = [];
  for (const p of parts) {
    if (p === '' || !/^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$/.test(p)) return -1;
    let v: number;
    if (p.length > 1 && (p[1] === 'x' || p[1] === 'X')) v = p.length === 2 ? 0 : parseInt(p.slice(2), 16);
    else if (p.length > 1 && p[0] === '0') v = parseInt(p, 8);
    else v = parseInt(p, 10);
    if (!Number.isSafeInteger(v)) return -1;
    values.push(v);
  }
  const last = values[values.length - 1] ?? 0;
  const head = values.slice(0, -1);
  if (head.some((v) => v > 255)) return -1;
  const lastBits = 32 - 8 * head.length;
  if (last >= 2 ** lastBits) return -1;
  let addr = 0;
  for (const v of head) addr = addr * 256 + v;
  return addr * 2 ** lastBits + last;
}
