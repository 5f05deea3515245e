import { isScalar, Schema } from 'yaml';

/**
 * Resolution of plain (unquoted) YAML scalars exactly as the `yaml` package resolves them with
 * `version: '1.1'` (which is how {@link parseYamlStream}'s general path reads files): `yes` and
 * `on` are booleans, `010` is octal, `1:30` is sexagesimal, `2001-12-14` a timestamp, `~` null.
 *
 * Exactness comes from running the package's own YAML 1.1 tag list, in its order, the way its
 * composer does (`findScalarTagByTest`). In front of it sit two shortcuts for the scalars that
 * dominate cluster files, each provably outside or inside one tag's pattern:
 * - text that starts with a character no tag pattern can start with (`n` of `nodeName`, `/`, ...)
 *   or with a letter and is longer than any YAML 1.1 boolean/null word (5), is a string;
 * - up to 15 decimal digits without a leading zero is the `int` tag (`intOct` needs a leading 0,
 *   `intBin`/`intHex` a `0b`/`0x`), and below 2^53 `Number()` equals the tag's `parseInt`.
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

/** The yaml package's YAML 1.1 tags, as `parseAllDocuments(…, { version: '1.1' })` builds them. */
const TAGS = new Schema({ schema: 'yaml-1.1', resolveKnownTags: false }).tags as unknown as readonly TestedTag[];
const RESOLVE_OPTIONS = { intAsBigInt: false } as const;

/** Character codes a YAML 1.1 tag pattern can start with (besides letters): `-+.~<0-9`. */
function mayStartTaggedValue(c: number): boolean {
  return c === 0x2d || c === 0x2b || c === 0x2e || c === 0x7e || c === 0x3c || (c >= 0x30 && c <= 0x39);
}

/** First letters of the YAML 1.1 boolean and null words (y, n, t, f, o in both cases). */
function mayStartWord(c: number): boolean {
  const lower = c | 0x20;
  return lower === 0x79 || lower === 0x6e || lower === 0x74 || lower === 0x66 || lower === 0x6f;
}

function isLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
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
    if (n > 5 || !mayStartWord(c)) return text;
  } else if (!mayStartTaggedValue(c)) return text;
  else if (c >= 0x31 && c <= 0x39 && n <= 15 && allDigits(text)) return Number(text);
  return resolveByTags(text, atKey);
}

function allDigits(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i);
    if (d < 0x30 || d > 0x39) return false;
  }
  return true;
}

/** The general case: the package's own tag list, first match wins, as its composer does. */
export function resolveByTags(text: string, atKey: boolean): PlainScalarValue | typeof UNRESOLVED {
  const tag = TAGS.find((t) => (t.default === true || (atKey && t.default === 'key')) && t.test?.test(text) === true);
  if (tag === undefined) return text; // the string tag
  let failed = false;
  let resolved: unknown;
  try {
    resolved = tag.resolve(text, () => (failed = true), RESOLVE_OPTIONS);
  } catch {
    return UNRESOLVED;
  }
  if (failed) return UNRESOLVED;
  const value = isScalar(resolved) ? resolved.value : resolved;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return { other: 'timestamp' };
  if (typeof value === 'symbol') return { other: 'merge-key' };
  return { other: 'unknown' };
}
