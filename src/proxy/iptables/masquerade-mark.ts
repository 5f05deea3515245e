/**
 * The masquerade mark as kube-proxy prints it: `1 << bit` through Go's `%#08x`. Go pads the
 * digits (not the `0x`) to eight, so bit 14 gives `0x00004000`, not C's `0x004000`. Upstream's
 * unit tests inject `0x4000` instead, which is why the proxier takes the text as an option.
 * Precondition: bit is an integer 0..31.
 */
export function formatMasqueradeMark(bit: number): string {
  if (!Number.isInteger(bit) || bit < 0 || bit > 31) throw new RangeError(`masqueradeBit must be 0..31, got ${bit}`);
  return `0x${((1 << bit) >>> 0).toString(16).padStart(8, '0')}`;
}
