/**
 * printf and strtod details that iptables' output and input depend on.
 */

/**
 * `printf("%.11f", k / 2^31)` exactly as glibc prints it: the exact binary value rounded to 11
 * decimals, ties to even. (JavaScript's toFixed rounds ties up, which differs for some k, e.g.
 * k = 2^19 gives 0.00024414062 in C.) Precondition: k is an integer 0..2^31.
 */
export function formatU31Fraction11(k: number): string {
  const den = 1n << 31n;
  const num = BigInt(k) * 100_000_000_000n;
  let q = num / den;
  const twice = (num % den) * 2n;
  if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  const int = q / 100_000_000_000n;
  const frac = (q % 100_000_000_000n).toString().padStart(11, '0');
  return `${int}.${frac}`;
}

/** C `isspace` in the "C" locale. */
function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * C `strtod` over a whole word (leading white space allowed, nothing may follow): decimal and hex
 * floats, `inf`/`infinity`, `nan`/`nan(...)`. Returns undefined when the word is not a number.
 */
export function parseCDouble(text: string): number | undefined {
  // Fast path: plain `0.5000000000` (what kube-proxy writes).
  const n = text.length;
  if (n > 0 && n < 24) {
    let k = 0;
    let dots = 0;
    for (; k < n; k++) {
      const c = text.charCodeAt(k);
      if (c === 46) dots++;
      else if (c < 48 || c > 57) break;
    }
    if (k === n && dots <= 1 && !(dots === 1 && n === 1)) return Number(text);
  }
  let i = 0;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  const s = text.slice(i);
  const m = /^([+-]?)(.*)$/s.exec(s);
  if (m === null) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const body = m[2] ?? '';
  const lower = body.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return sign * Infinity;
  if (/^nan(\([0-9a-z_]*\))?$/.test(lower)) return NaN;
  if (/^([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$/.test(lower)) return sign * Number(lower);
  const hexm = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$/.exec(lower);
  if (hexm !== null) {
    const intDigits = hexm[1] ?? '';
    const fracDigits = hexm[2] ?? '';
    if (intDigits === '' && fracDigits === '') return undefined;
    let v = 0;
    for (const d of intDigits) v = v * 16 + parseInt(d, 16);
    let scale = 1 / 16;
    for (const d of fracDigits) {
      v += parseInt(d, 16) * scale;
      scale /= 16;
    }
    const exp = hexm[3] === undefined ? 0 : Number(hexm[3]);
    return sign * v * 2 ** exp;
  }
  return undefined;
}

/** `%-Ns`: pads `s` on the right to at least `width` characters. */
export function padRight(s: string, width: number): string {
  return s.length >= width ? s : s + ' '.repeat(width - s.length);
}

/** `%Ns`: pads `s` on the left to at least `width` characters. */
export function padLeft(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}
