/**
 * The order of `ipset -s save` / `ipset -s list`: the tool sorts the printed entry lines with
 * bystrcmp (lib/session.c, ipset 7.x), a field-by-field comparison of the text:
 * - a field starting with a number is read with strtol(..., 16) (so `10` counts as 16, and a
 *   name such as `echo-reply` reads as 0xec) and numbers compare by value;
 * - after a `/` the comparison flips, so a longer prefix sorts first;
 * - a field without a leading number (`tcp`, `icmp`, `timeout`) compares by length first
 *   (shorter first: tcp < udp < sctp < icmp), then by bytes.
 * Reproducing it lets tests compare kpemu's sorted output with the real tool's byte for byte.
 */

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** strtol(s + i, &end, 16): [value, end]; end === i when nothing was read. */
function strtol16(s: string, i: number): [number, number] {
  let p = i;
  while (p < s.length && isSpace(s.charCodeAt(p))) p++;
  let sign = 1;
  if (s[p] === '+' || s[p] === '-') {
    if (s[p] === '-') sign = -1;
    p++;
  }
  if (s[p] === '0' && (s[p + 1] === 'x' || s[p + 1] === 'X') && hexVal(s.charCodeAt(p + 2)) >= 0) p += 2;
  const start = p;
  let v = 0;
  while (p < s.length) {
    const h = hexVal(s.charCodeAt(p));
    if (h < 0) break;
    v = v * 16 + h;
    p++;
  }
  return p === start ? [0, i] : [sign * v, p];
}

/** strcspn(s + i, ":,"). */
function spanToSep(s: string, i: number): number {
  let p = i;
  while (p < s.length && s[p] !== ':' && s[p] !== ',') p++;
  return p - i;
}

/**
 * bystrcmp on two entry texts (element and extensions, as after `add NAME `). Each text is
 * compared as the tool sees it, followed by a newline.
 */
export function compareSavedEntries(a: string, b: string): number {
  const x = `${a}\n`;
  const y = `${b}\n`;
  let i = 0;
  let j = 0;
  let neg = 1;
  while (i < x.length && j < y.length) {
    const [n1, e1] = strtol16(x, i);
    const [n2, e2] = strtol16(y, j);
    if (e1 === i || e2 === j) {
      const l1 = spanToSep(x, i);
      const l2 = spanToSep(y, j);
      if (l1 !== 0 || l2 !== 0) {
        if (l1 === l2) {
          const s1 = x.slice(i, i + l1);
          const s2 = y.slice(j, j + l1);
          if (s1 === s2) {
            i += l1 + 1;
            j += l1 + 1;
            neg = 1;
            continue;
          }
          return s1 < s2 ? -1 : 1;
        }
        return l1 < l2 ? -1 : 1;
      }
      const r1 = x.slice(i);
      const r2 = y.slice(j);
      return r1 < r2 ? -1 : r1 > r2 ? 1 : 0;
    }
    if (n1 !== n2) return neg * (n1 - n2);
    const c1 = x[e1];
    const c2 = y[e2];
    if (c1 === '/' || c2 === '/') {
      if (c1 === c2) neg = c1 === '/' ? -1 : 1;
      else if (c1 === '/') return 1;
      else return -1;
    }
    i = e1 + 1;
    j = e2 + 1;
  }
  return i < x.length ? 1 : j < y.length ? -1 : 0;
}
