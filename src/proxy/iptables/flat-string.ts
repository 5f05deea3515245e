/** Written by flattened() so the conversion it relies on cannot be optimised away. */
let sink = 0;

/**
 * `s`, with its characters stored in one piece. V8 keeps the result of a template literal or a
 * concatenation as a tree of its pieces (a cons string), and every later join that copies it
 * walks the tree again: for the 10,000 cached one-line texts a payload joins on every sync,
 * pieces scattered across the old generation made that join several times slower. Converting
 * a string to a number flattens it in place first; the number itself is of no interest.
 */
export function flattened(s: string): string {
  sink = (sink + (Number(s) | 0)) | 0;
  return s;
}
