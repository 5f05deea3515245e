/**
 * `text.slice(from, to)` as a string of its own. V8 represents a slice of 13 characters or more
 * as a view that keeps the whole parent alive: a rule that kept such a slice of an
 * iptables-restore payload (a chain name, a comment) would pin every megabyte of that payload for
 * as long as the rule lives. Shorter slices are already copies.
 */

/** V8's SlicedString::kMinLength: shorter slices are copied. */
const MIN_VIEW_LENGTH = 13;

/** The characters `text[from, to)` in a string that does not reference `text`. */
export function ownString(text: string, from: number, to: number): string {
  if (to - from < MIN_VIEW_LENGTH) return text.slice(from, to);
  // A concatenation is a rope of its two parts (the second still a view of `text`) until V8
  // flattens it into one fresh sequential string; the garbage collector then drops the rope and
  // the view. Reading one character does not flatten (it walks the rope); a regular expression
  // that has to scan the whole string does.
  const s = text.slice(from, from + 1) + text.slice(from + 1, to);
  FLATTEN.test(s);
  return s;
}

/** Any pattern that makes V8 scan the subject (NUL never occurs in rule text that matters here). */
const FLATTEN = /\0/;
