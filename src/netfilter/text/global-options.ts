/**
 * iptables' own options (not a module's), as its getopt table declares them. `arg` is 0 (none),
 * 1 (required: the next word, whatever it is) or 'optional' (only a following word that does not
 * start with `-` or `!`, iptables' xs_has_arg rule).
 */

export type GlobalId =
  | 'A' | 'C' | 'D' | 'I' | 'R' | 'L' | 'S' | 'F' | 'Z' | 'N' | 'X' | 'E' | 'P'
  | 's' | 'd' | 'p' | 'i' | 'o' | 'j' | 'g' | 'm' | 't' | 'n' | 'v' | 'x' | '0'
  | 'c' | 'f' | 'w' | 'W' | 'h' | 'V' | 'M' | '4' | '6';

/** One of iptables' own options. */
export interface GlobalDef {
  readonly id: GlobalId;
  /** The short form (`-A`), or null for long-only options. */
  readonly short: string | null;
  readonly longs: readonly string[];
  readonly arg: 0 | 1 | 'optional';
}

/** iptables 1.8.9's `original_opts`, in its order (which decides nothing here but reads like the source). */
export const GLOBAL_OPTIONS: readonly GlobalDef[] = [
  { id: 'A', short: '-A', longs: ['append'], arg: 1 },
  { id: 'D', short: '-D', longs: ['delete'], arg: 1 },
  { id: 'C', short: '-C', longs: ['check'], arg: 1 },
  { id: 'I', short: '-I', longs: ['insert'], arg: 1 },
  { id: 'R', short: '-R', longs: ['replace'], arg: 1 },
  { id: 'L', short: '-L', longs: ['list'], arg: 'optional' },
  { id: 'S', short: '-S', longs: ['list-rules'], arg: 'optional' },
  { id: 'F', short: '-F', longs: ['flush'], arg: 'optional' },
  { id: 'Z', short: '-Z', longs: ['zero'], arg: 'optional' },
  { id: 'N', short: '-N', longs: ['new-chain'], arg: 1 },
  { id: 'X', short: '-X', longs: ['delete-chain'], arg: 'optional' },
  { id: 'E', short: '-E', longs: ['rename-chain'], arg: 1 },
  { id: 'P', short: '-P', longs: ['policy'], arg: 1 },
  { id: 's', short: '-s', longs: ['source', 'src'], arg: 1 },
  { id: 'd', short: '-d', longs: ['destination', 'dst'], arg: 1 },
  { id: 'p', short: '-p', longs: ['protocol'], arg: 1 },
  { id: 'i', short: '-i', longs: ['in-interface'], arg: 1 },
  { id: 'j', short: '-j', longs: ['jump'], arg: 1 },
  { id: 't', short: '-t', longs: ['table'], arg: 1 },
  { id: 'm', short: '-m', longs: ['match'], arg: 1 },
  { id: 'n', short: '-n', longs: ['numeric'], arg: 0 },
  { id: 'o', short: '-o', longs: ['out-interface'], arg: 1 },
  { id: 'v', short: '-v', longs: ['verbose'], arg: 0 },
  { id: 'w', short: '-w', longs: ['wait'], arg: 'optional' },
  { id: 'W', short: '-W', longs: ['wait-interval'], arg: 'optional' },
  { id: 'x', short: '-x', longs: ['exact'], arg: 0 },
  { id: 'f', short: '-f', longs: ['fragments'], arg: 0 },
  { id: 'V', short: '-V', longs: ['version'], arg: 0 },
  { id: 'h', short: '-h', longs: ['help'], arg: 'optional' },
  { id: '0', short: null, longs: ['line-numbers'], arg: 0 },
  { id: 'M', short: '-M', longs: ['modprobe'], arg: 1 },
  { id: 'c', short: '-c', longs: ['set-counters'], arg: 1 },
  { id: 'g', short: '-g', longs: ['goto'], arg: 1 },
  { id: '4', short: '-4', longs: ['ipv4'], arg: 0 },
  { id: '6', short: '-6', longs: ['ipv6'], arg: 0 },
];

/** Every spelling (`-A`, `--append`) → its definition. */
export const GLOBAL_BY_WORD: ReadonlyMap<string, GlobalDef> = (() => {
  const m = new Map<string, GlobalDef>();
  for (const g of GLOBAL_OPTIONS) {
    if (g.short !== null) m.set(g.short, g);
    for (const l of g.longs) m.set(`--${l}`, g);
  }
  return m;
})();

/** Short letter → definition, for clustered short options (`-nvL`). */
export const GLOBAL_BY_LETTER: ReadonlyMap<string, GlobalDef> = new Map(
  GLOBAL_OPTIONS.filter((g) => g.short !== null).map((g) => [(g.short as string).slice(1), g] as const),
);

/** Long names with their definitions, for abbreviations. */
export const GLOBAL_LONG_NAMES: readonly (readonly [string, GlobalDef])[] = GLOBAL_OPTIONS.flatMap((g) => g.longs.map((l) => [l, g] as const));

/** The letter iptables uses in messages for an option (`--line-numbers` is `-0`). */
export function optionLetter(g: GlobalDef): string {
  return g.id;
}
