/**
 * ANSI styling for terminal output. Callers pass `color: false` when piped or with NO_COLOR, and
 * then every function returns its text unchanged.
 */
const CODES = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36 } as const;
export type Style = keyof typeof CODES;

export function paint(color: boolean, style: Style, text: string): string {
  return color && text !== '' ? `\x1b[${CODES[style]}m${text}\x1b[0m` : text;
}

/** Visible width of a string that may contain ANSI codes. */
export function visibleWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** Aligns rows into columns (two spaces apart); cells may be styled. The last column is not padded. */
export function table(rows: readonly (readonly string[])[], indent = '  '): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleWidth(c))));
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visibleWidth(c)))).join('  ').trimEnd()).join('\n');
}
