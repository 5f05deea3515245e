/**
 * Chain names declared in `iptables-save` output (`:NAME POLICY [p:b]` lines), in order.
 * Only the declarations matter for finding stale chains, so rules are not parsed at all.
 */
export function chainsInSave(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.charCodeAt(start) === 58 /* ':' */) {
      let stop = start + 1;
      while (stop < end && text.charCodeAt(stop) !== 32 && text.charCodeAt(stop) !== 9 && text.charCodeAt(stop) !== 13) stop++;
      if (stop > start + 1) out.push(text.slice(start + 1, stop));
    }
    start = end + 1;
  }
  return out;
}
