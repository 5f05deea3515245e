/**
 * Comma-separated name lists as libxt_conntrack, libxt_state and libxt_addrtype read them: each
 * item is compared with `strncasecmp(item, NAME, strlen(item))`, so an item may abbreviate a name
 * (`E` is ESTABLISHED) and the first name in table order wins.
 */

/** Index of the first name that `item` abbreviates (case-insensitively), or -1. */
export function findAbbreviated(item: string, names: readonly string[]): number {
  if (item.length === 0) return -1;
  const upper = item.toUpperCase();
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    if (upper.length <= name.length && name.startsWith(upper)) return i;
  }
  return -1;
}

/**
 * Splits `arg` at commas and ORs `bits[i]` for each item; `onBad(rest, last)` builds the error for
 * the first bad item, given the text from that item to the end and whether it is the last item.
 */
export function parseBitList(
  arg: string,
  names: readonly string[],
  bits: readonly number[],
  onBad: (rest: string, last: boolean) => Error,
): number {
  let mask = 0;
  let from = 0;
  for (;;) {
    const comma = arg.indexOf(',', from);
    const last = comma < 0;
    const item = last ? arg.slice(from) : arg.slice(from, comma);
    const i = findAbbreviated(item, names);
    if (i < 0) throw onBad(arg.slice(from), last);
    mask |= bits[i] as number;
    if (last) return mask;
    from = comma + 1;
  }
}
