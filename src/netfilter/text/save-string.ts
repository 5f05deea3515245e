/**
 * libxtables' `xtables_save_string`: a word made only of letters, digits, `_` and `-` is printed
 * bare; anything else (including the empty word) is double-quoted with `"`, `\` and `'`
 * backslash-escaped. The result starts with the space iptables prints before the word.
 */
export function saveString(value: string): string {
  if (value.length > 0 && isBare(value)) return ` ${value}`;
  let out = ' "';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34 || c === 92 || c === 39) {
      out += value.slice(from, i) + '\\' + value[i];
      from = i + 1;
    }
  }
  return out + value.slice(from) + '"';
}

function isBare(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!ok) return false;
  }
  return true;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes on a character boundary (kernel fixed-size buffers). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  let bytes = 0;
  let i = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i += ch.length;
  }
  return text.slice(0, i);
}
