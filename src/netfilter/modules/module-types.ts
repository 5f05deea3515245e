import type { Match, MatchKind, Target, TargetKind } from '../ast.js';

/**
 * The contract between the rule parser and one match or target module. The parser finds which
 * module owns each option word (as iptables' getopt table does), collects the uses in order, and
 * hands them to the module's `parse`; `save` and `print` render the typed value back.
 */

/** One long option of a module. */
export interface OptionDef {
  /** Long names without `--`; the first is canonical (aliases share its meaning). */
  readonly names: readonly string[];
  /**
   * Words the option takes: 0, 1, or 2. A second word is read after the first the way
   * iptables' modules do it (`--tcp-flags MASK COMP`, `--match-set NAME FLAGS`): it must exist
   * and must not start with `-` or `!`.
   */
  readonly args: 0 | 1 | 2;
  /** The message when the second word of a two-word option is missing. */
  readonly missingSecond?: string;
}

/** One use of an option inside a rule. */
export interface OptionUse {
  /** Canonical name (OptionDef.names[0]). */
  readonly name: string;
  /** The option's word ('' for options without one). */
  readonly arg: string;
  /** The second word of a two-word option ('' otherwise). */
  readonly arg2: string;
  /** A `!` preceded the option. */
  readonly invert: boolean;
  /** The rule's `-p` protocol number when the option was read (0: none yet), and its `!`. */
  readonly proto: number;
  readonly protoInvert: boolean;
}

/** A `-m` module: how its options parse into a Match and how the Match prints. */
export interface MatchModule<M extends Match = Match> {
  readonly kind: M['kind'];
  /** The name after `-m` (and the implicit protocol name for tcp/udp/sctp/icmp). */
  readonly name: string;
  readonly options: readonly OptionDef[];
  /** Builds the typed match from its options, with iptables' checks. Throws KpemuError. */
  parse(uses: readonly OptionUse[]): M;
  /** What iptables-save prints after ` -m NAME` (each word preceded by a space; may be empty). */
  save(m: M): string;
  /** What `iptables -L -n` prints for the match (starting with a space). */
  print(m: M): string;
}

/** A target: how `-j NAME` and its options parse into a Target and how the Target prints. */
export interface TargetModule<T extends Target = Target> {
  readonly kind: T['kind'];
  /** Names accepted after `-j` (empty for kinds the rule parser builds itself: jump, goto, none). */
  readonly names: readonly string[];
  readonly options: readonly OptionDef[];
  /** Builds the typed target; `name` is the word after `-j`. Throws KpemuError. */
  parse(name: string, uses: readonly OptionUse[]): T;
  /** What iptables-save prints for the target, starting with ` -j`/` -g`, or '' for no target. */
  save(t: T): string;
  /** The target column of `iptables -L` ('' for none). */
  listName(t: T): string;
  /** What `iptables -L -n` prints after the matches (starting with a space, or ''). */
  print(t: T): string;
}

/** Every match kind mapped to its module: a new kind in ast.ts fails to compile until registered. */
export type MatchRegistry = { readonly [K in MatchKind]: MatchModule<Extract<Match, { kind: K }>> };
/** Every target kind mapped to its module. */
export type TargetRegistry = { readonly [K in TargetKind]: TargetModule<Extract<Target, { kind: K }>> };
