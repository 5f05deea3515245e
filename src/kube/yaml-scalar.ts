import { yamlPackage } from './yaml-package.js';

/**
 * Resolution of plain (unquoted) YAML scalars exactly as the `yaml` package resolves them with
 * `version: '1.1'` (which is how {@link parseYamlStream}'s general path reads files): `yes` and
 * `on` are booleans, `010` is octal, `1:30` is sexagesimal, `2001-12-14` a timestamp, `~` null.
 *
 * Exactness comes from running the package's own YAML 1.1 tag list, in its order, the way its
 * composer does (`findScalarTagByTest`). In front of it sit shortcuts for the scalars that
 * dominate cluster files, each provably outside or inside the tags' patterns, so that such files
 * are read without loading the package at all:
 * - text that starts with a character no tag pattern can start with (`/`, `h` of `http`), or
 *   with a letter and is longer than any YAML 1.1 boolean/null word (5), is a string;
 * - other text starting with a letter (`TCP`, `true`) can match only the boolean and null
 *   patterns (or, led by `e`, the exponent float): it is looked up in {@link WORDS};
 * - up to 15 decimal digits without a leading zero is the `int` tag (`intOct` needs a leading 0,
 *   `intBin`/`intHex` a `0b`/`0x`), and below 2^53 `Number()` equals the tag's `parseInt`;
 * - a digit-led text with two dots (an address) matches no pattern.
 * The differential tests in test/kube/yaml-fast-path.props.test.ts compare the shortcuts with the
 * tags.
 */

/** What a plain scalar means; `date` stands for a timestamp, which Kubernetes sees as its text. */
export type PlainScalarValue = string | number | boolean | null | PlainScalarOther;

/** A value of a YAML 1.1 type with no JSON form (timestamp, merge key): callers use the text. */
export interface PlainScalarOther {
  readonly other: 'timestamp' | 'merge-key' | 'unknown';
}

/** The tag did not resolve cleanly (its resolver reported an error): the caller must not guess. */
export const UNRESOLVED = Symbol('unresolved plain scalar');

interface TestedTag {
  readonly default?: boolean | 'key';
  readonly test?: RegExp;
  readonly tag: string;
  resolve(value: string, onError: (message: string) => void, options: { intAsBigInt: boolean }): unknown;
}

/** The yaml package's YAML 1.1 tags, as `parseAllDocuments(…, { version: '1.1' })` builds them; built on first use. */
let tags: readonly TestedTag[] | null = null;
const RESOLVE_OPTIONS = { intAsBigInt: false } as const;

function yaml11Tags(): readonly TestedTag[] {
  tags ??= new (yamlPackage().Schema)({ schema: 'yaml-1.1', resolveKnownTags: false }).tags as unknown as readonly TestedTag[];
  return tags;
}

/**
 * The words the package's YAML 1.1 `bool` and `null` tags match, spelt out from their patterns
 * (`/^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/`, `/^(?:N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/`,
 * `/^(?:~|[Nn]ull|NULL)?$/`), less `~` and the empty text, which do not start with a letter.
 */
const WORDS: ReadonlyMap<string, boolean | null> = new Map<string, boolean | null>([
  ...['Y', 'y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'].map((w) => [w, true] as const),
  ...['N', 'n', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'].map((w) => [w, false] as const),
  ...['null', 'Null', 'NULL'].map((w) => [w, null] as const),
]);

/**
 * Characters a YAML 1.1 tag pattern can start with, other than letters: `-+.~<` and digits.
 * (Checked against the package's patterns: null `~`; ints and times `-+0-9`; floats also `.`;
 * the merge key `<`.)
 */
function mayStartTaggedValue(c: number): boolean {
  return c === 0x2d || c === 0x2b || c === 0x2e || c === 0x7e || c === 0x3c || (c >= 0x30 && c <= 0x39);
}

/** First letters of the YAML 1.1 boolean and null words: y, n, t, f, o in either case. */
function mayStartWord(c: number): boolean {
  const lower = c | 0x20;
  return lower === 0x79 || lower === 0x6e || lower === 0x74 || lower === 0x66 || lower === 0x6f;
}

function isLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

function isDigitOrSign(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d;
}

/**
 * Resolves a plain scalar's text (already trimmed and unfolded). `atKey` enables the key-only tags
 * (the `<<` merge key). Returns {@link UNRESOLVED} when the package would report an error.
 */
export function resolvePlainScalar(text: string, atKey: boolean): PlainScalarValue | typeof UNRESOLVED {
  const n = text.length;
  if (n === 0) return null;
  const c = text.charCodeAt(0);
  if (isLetter(c)) {
    // `e3` is a float (NaN) for the exponent pattern, whose mantissa is optional.
    if ((c | 0x20) === 0x65) return isDigitOrSign(text.charCodeAt(1)) ? resolveByTags(text, atKey) : text;
    // Otherwise only the boolean and null words (at most 5 letters) start with a letter.
    if (n > 5 || !mayStartWord(c)) return text;
    const word = WORDS.get(text);
    return word === undefined ? text : word;
  }
  if (!mayStartTaggedValue(c)) return text;
  if (c >= 0x30 && c <= 0x39) {
    if (n <= 15 && c !== 0x30 && allDigits(text)) return Number(text);
    // Addresses such as 10.244.1.2: every numeric and timestamp pattern allows at most one dot.
    if (hasTwoDots(text)) return text;
  }
  return resolveByTags(text, atKey);
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d < 0x30 || d > 0x39) return false;
  }
  return true;
}

function hasTwoDots(text: string): boolean {
  const first = text.indexOf('.');
  return first >= 0 && text.indexOf('.', first + 1) >= 0;
}

/** The general case: the package's own tag list, first match wins, as its composer does. */
export function resolveByTags(text: string, atKey: boolean): PlainScalarValue | typeof UNRESOLVED {
  const tag = yaml11Tags().find((t) => (t.default === true || (atKey && t.default === 'key')) && t.test?.test(text) === true);
  if (tag === undefined) return text; // the string tag
  let failed = false;
  let resolved: unknown;
  try {
    resolved = tag.resolve(text, () => (failed = true), RESOLVE_OPTIONS);
  } catch {
    return UNRESOLVED;
  }
  if (failed) return UNRESOLVED;
  const value = yamlPackage().isScalar(resolved) ? resolved.value : resolved;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return { other: 'timestamp' };
  if (typeof value === 'symbol') return { other: 'merge-key' };
  return { other: 'unknown' };
}
