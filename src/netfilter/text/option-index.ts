import type { MatchModule, OptionDef, TargetModule } from '../modules/module-types.js';

/**
 * Lookup tables for the long options of one module, keyed the way the command-line parser meets
 * them. Built once per module and cached: the parser resolves every option word of every rule.
 */
export interface OptionIndex {
  /** `--dport` → its definition (every alias, with the dashes, so words need no slicing). */
  readonly byWord: ReadonlyMap<string, OptionDef>;
  /** Every long name without dashes, with its definition, for getopt-style abbreviations. */
  readonly names: readonly (readonly [string, OptionDef])[];
}

const cache = new Map<readonly OptionDef[], OptionIndex>();

/** The index of an option list (modules keep their list for their lifetime, so it is cached). */
export function optionIndex(options: readonly OptionDef[]): OptionIndex {
  let idx = cache.get(options);
  if (idx === undefined) {
    const byWord = new Map<string, OptionDef>();
    const names: (readonly [string, OptionDef])[] = [];
    for (const def of options) {
      for (const n of def.names) {
        byWord.set(`--${n}`, def);
        names.push([n, def]);
      }
    }
    idx = { byWord, names };
    cache.set(options, idx);
  }
  return idx;
}

/** An option owner in the merged getopt table: a loaded match module, or the rule's target. */
export interface Owner {
  readonly index: OptionIndex;
  /** The match module, or null for a target. */
  readonly match: MatchModule | null;
}

const owners = new Map<object, Owner>();

/** The owner record of a module, made once (both rule parsers share it). */
export function ownerOf(module: MatchModule | TargetModule, match: MatchModule | null): Owner {
  let o = owners.get(module);
  if (o === undefined) {
    o = { index: optionIndex(module.options), match };
    owners.set(module, o);
  }
  return o;
}
