/**
 * Splits an iptables rule line into words the way iptables-restore does: whitespace separates,
 * a double-quoted string is one word (quotes removed). Good enough for kube-proxy's output,
 * which never escapes quotes inside comments.
 */
export function splitWords(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t')) i++;
    if (i >= n) break;
    if (line[i] === '"') {
      const end = line.indexOf('"', i + 1);
      const stop = end < 0 ? n : end;
      out.push(line.slice(i + 1, stop));
      i = stop + 1;
    } else {
      let j = i;
      while (j < n && line[j] !== ' ' && line[j] !== '\t') j++;
      out.push(line.slice(i, j));
      i = j;
    }
  }
  return out;
}

/** Joins words back into a rule line, quoting words with spaces (as kube-proxy writes comments). */
export function joinWords(words: readonly string[]): string {
  return words.map((w) => (w === '' || /\s/.test(w) ? `"${w}"` : w)).join(' ');
}

/** The `-j` target of a rule line, or null for a rule without one. */
export function jumpTarget(line: string): string | null {
  const words = splitWords(line);
  const at = words.indexOf('-j');
  return at >= 0 ? (words[at + 1] ?? null) : null;
}
