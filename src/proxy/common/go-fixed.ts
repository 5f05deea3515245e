/**
 * Go's `%.<d>f` for a float64: the exact binary value rounded to `decimals` places, ties to even.
 * JavaScript's `toFixed` rounds exact ties away from zero, which differs for values such as
 * 1/2048 = 0.00048828125 (Go: 0.0004882812, toFixed: 0.0004882813). Doing the arithmetic on the
 * exact value with BigInt avoids both that and any double-rounding. Precondition: finite value.
 */
export function formatGoFixed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`formatGoFixed needs a finite number, got ${value}`);
  if (!Number.isInteger(decimals) || decimals < 0) throw new RangeError(`bad decimals ${decimals}`);
  const negative = value < 0 || Object.is(value, -0);
  const { mantissa, exponent } = decompose(Math.abs(value));
  // value = mantissa * 2^exponent; scaled = value * 10^decimals, rounded half-even to an integer.
  let scaled = mantissa * 10n ** BigInt(decimals);
  if (exponent >= 0) {
    scaled <<= BigInt(exponent);
  } else {
    const denominator = 1n << BigInt(-exponent);
    const quotient = scaled / denominator;
    const twiceRemainder = (scaled % denominator) * 2n;
    scaled = quotient;
    if (twiceRemainder > denominator || (twiceRemainder === denominator && (quotient & 1n) === 1n)) scaled += 1n;
  }
  let digits = scaled.toString();
  if (digits.length <= decimals) digits = '0'.repeat(decimals + 1 - digits.length) + digits;
  const intPart = digits.slice(0, digits.length - decimals);
  const text = decimals === 0 ? intPart : `${intPart}.${digits.slice(digits.length - decimals)}`;
  return negative ? `-${text}` : text;
}

/** Splits a non-negative finite double into an integer mantissa and a power-of-two exponent. */
function decompose(value: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mantissa: fraction, exponent: -1074 };
  return { mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}
